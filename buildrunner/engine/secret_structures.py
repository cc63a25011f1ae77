"""Secrets inside structured documents, which a line regex cannot tie to their context.

A secret rule with `extract: <name>` runs the function of that name here instead of its regex (only
after one of its keywords hit the document, as every rule). An extractor yields `Extracted` values:
the span reported (and masked) in the text, the key it is stored under, and the value the filters
judge (for base64 `data:` the decoded text, so `Y2hhbmdlbWU=` — `changeme` — is a placeholder).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple


class Extracted(NamedTuple):
    start: int   # span of the value in the document text
    end: int
    key: str     # the key the value is stored under (`DB_PASSWORD`)
    judged: str  # what the filters look at: the decoded value when the text is an encoding of it


_DOC_SPLIT = re.compile(r"^---[ \t]*(?:#[^\r\n]*)?\r?$", re.M)
_KIND_SECRET = re.compile(r"""^kind:[ \t]*["']?Secret["']?[ \t]*(?:#[^\r\n]*)?\r?$""", re.M)
_SECTION = re.compile(r"""^(?P<indent>[ \t]*)["']?(?P<name>data|stringData)["']?:[ \t]*(?:#[^\r\n]*)?\r?$""", re.M)
_ENTRY = re.compile(r"""(?P<indent>[ \t]*)(?P<key>["']?[\w.\-]+["']?):(?:[ \t]+(?P<value>\S.*?))?[ \t]*$""")
_BLOCK = re.compile(r"[|>][+-]?\d*(?:[ \t]+#.*)?")


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """(offset, line without its newline) of each line in text[start:end]."""
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        yield pos, text[pos:stop].rstrip("\r")
        pos = stop + 1


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _section_entries(text: str, body: int, end: int, parent: int) -> Iterator[tuple[str, int, int, str]]:
    """(key, value start, value end, value) of each direct child of a mapping whose children start
    at `body`: inline scalars (quotes stripped) and `|`/`>` block scalars (the span of their lines)."""
    child = None
    lines = list(_lines(text, body, end))
    i = 0
    while i < len(lines):
        offset, line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = _indent(line)
        if indent <= parent:
            return  # the section ended
        child = indent if child is None else child
        m = _ENTRY.fullmatch(line)
        if indent != child or not m:
            continue
        key, value = m.group("key").strip("\"'"), m.group("value")
        if value is None:
            continue
        if _BLOCK.fullmatch(value):  # block scalar: the following lines indented deeper
            first = last = None
            while i < len(lines) and (not lines[i][1].strip() or _indent(lines[i][1]) > indent):
                if lines[i][1].strip():
                    first = lines[i] if first is None else first
                    last = lines[i]
                i += 1
            if first is not None:
                s = first[0] + _indent(first[1])
                e = last[0] + len(last[1])
                yield key, s, e, "\n".join(ln.strip() for ln in text[s:e].splitlines())
            continue
        if value.startswith("#"):
            continue
        s = offset + m.start("value")
        if value[0] in "\"'" and len(value) > 1 and value.endswith(value[0]):
            s, value = s + 1, value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        yield key, s, s + len(value), value


def _decode_base64(value: str) -> str | None:
    import base64
    import binascii

    compact = "".join(value.split())
    try:
        raw = base64.b64decode(compact, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    text = text.strip()
    if not text or any(not (c.isprintable() or c in "\n\r\t") for c in text):
        return None  # binary data (a keystore, a certificate in DER) is not judged as text
    return text


def kubernetes_secret(text: str) -> Iterator[Extracted]:
    """Every value under `data:` (base64, judged decoded) and `stringData:` (plain) of each YAML
    document whose top-level `kind` is `Secret`; other kinds (ConfigMap) yield nothing."""
    bounds = [0] + [m.end() for m in _DOC_SPLIT.finditer(text)] + [len(text) + 1]
    for doc_start, doc_end in zip(bounds, bounds[1:], strict=False):
        doc_end = min(doc_end, len(text))
        if not _KIND_SECRET.search(text, doc_start, doc_end):
            continue
        for section in _SECTION.finditer(text, doc_start, doc_end):
            if section.group("indent"):
                continue  # `data:` nested in another mapping is not the Secret's
            encoded = section.group("name") == "data"
            for key, s, e, value in _section_entries(text, section.end() + 1, doc_end, 0):
                judged = _decode_base64(value) if encoded else value
                if judged is not None:
                    yield Extracted(s, e, key, judged)


EXTRACTORS: dict[str, Callable[[str], Iterator[Extracted]]] = {"kubernetes_secret": kubernetes_secret}
