"""Secrets inside structured documents, which a line regex cannot tie to their context.

A secret rule with `extract: <name>` runs the function of that name here instead of its regex (only
after one of its keywords hit the document, as every rule). An extractor yields `Extracted` values:
the span reported (and masked) in the text, the key it is stored under, and the value the filters
judge (for base64 `data:` the decoded text, so `Y2hhbmdlbWU=` — `changeme` — is a placeholder).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple


class Extracted(NamedTuple):
    start: int   # span of the value in the document text
    end: int
    key: str     # the key the value is stored under (`DB_PASSWORD`)
    judged: str  # what the filters look at: the decoded value when the text is an encoding of it


_DOC_SPLIT = re.compile(r"^---[ \t]*(?:#[^\r\n]*)?\r?$", re.M)
# `kind: Secret` at any indent, also as the first key of a list item (`- kind: Secret` in a `List`)
_KIND_SECRET = re.compile(r"""^(?P<lead>[ \t]*(?:-[ \t]+)?)["']?kind["']?:[ \t]*["']?secret["']?[ \t]*(?:#[^\r\n]*)?\r?$""",
                          re.M | re.I)
_SECTION = re.compile(r"""(?P<lead>[ \t]*(?:-[ \t]+)?)["']?(?P<name>data|stringData)["']?:[ \t]*(?:#.*)?""")
_ENTRY = re.compile(r"""(?P<indent>[ \t]*)(?P<key>["']?[\w.\-]+["']?):(?:[ \t]+(?P<value>\S.*?))?[ \t]*$""")
_BLOCK = re.compile(r"[|>][+-]?\d*(?:[ \t]+#.*)?")
_ITEM = re.compile(r"[ \t]*-[ \t]+")


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


def _decode_base64(value: str) -> str | bytes | None:
    """The decoded text of a base64 value, its bytes when they are binary, None when not base64."""
    import base64
    import binascii

    compact = "".join(value.split())
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw
    if any(not (c.isprintable() or c in "\n\r\t") for c in text):
        return raw
    return text


# Keys under which a Secret holds public material (`ca.crt`, `tls.crt`, `cert.der`, `id_rsa.pub`)
_PUBLIC_KEY_FILE = re.compile(r"(?i)(?:^|[._\-])(?:ca|cert|certs|certificate|chain|fullchain|bundle)"
                              r"(?:\.(?:pem|der|crt|cer))?$|\.(?:crt|cer|pub)$")
_PUBLIC_PEM = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*(?:CERTIFICATE|PUBLIC KEY)(?: REQUEST)?-----")
_INNER_LINE = re.compile(r"""^[ \t]*(?:export[ \t]+)?["']?(?P<key>[\w.\-]+)["']?[ \t]*[:=][ \t]*["']?(?P<value>[^\s"',]+)""", re.M)


def _random_bytes(raw: bytes) -> bool:
    """Binary data that looks like key material (a DER key, a keystore, a raw AES key): 16+ bytes
    drawing on many byte values (not a few flags or a short counter)."""
    return len(raw) >= 16 and len(set(raw)) >= min(32, len(raw) // 3)


def _inner_credentials(text: str) -> list[tuple[str, str]]:
    """(key, value) pairs under credential names inside a decoded structured value: a JSON object
    (`.dockerconfigjson` auths, a service-account file) or `key=value` / `key: value` lines."""
    from buildrunner.engine.secret_filters import names_credential

    pairs: list[tuple[str, str]] = []
    if text.startswith(("{", "[")):
        import json

        with contextlib.suppress(ValueError):
            _json_leaves(json.loads(text), "", pairs)
    elif "\n" in text:
        pairs = [(m.group("key"), m.group("value")) for m in _INNER_LINE.finditer(text)]
    return [(k, v) for k, v in pairs if names_credential(k)]


def _json_leaves(node, key: str, out: list[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _json_leaves(v, str(k), out)
    elif isinstance(node, list):
        for v in node:
            _json_leaves(v, key, out)
    elif isinstance(node, str) and node:
        out.append((key, node))


def _judged(key: str, value: str, encoded: bool) -> list[tuple[str, str]]:
    """What the filters judge for one Secret entry, as (key, value) pairs: the value (decoded from
    base64 under `data:`), the credentials inside it when it is itself a structured file, a digest
    stand-in for random binary key material (base64 runs of zero bytes are not a placeholder)."""
    if _PUBLIC_KEY_FILE.search(key):
        return []
    plain: str | bytes | None = _decode_base64(value) if encoded else value
    if plain is None or not plain:
        return []
    if isinstance(plain, bytes):
        import hashlib

        return [(key, hashlib.sha256(plain).hexdigest())] if _random_bytes(plain) else []
    if _PUBLIC_PEM.search(plain) and "PRIVATE KEY" not in plain:
        return []
    return _inner_credentials(plain) or [(key, plain)]


def _yaml_sections(text: str, doc_start: int, doc_end: int) -> Iterator[tuple[bool, int, int, int]]:
    """(encoded, body start, mapping end, key column) of each `data:` / `stringData:` section of a
    mapping whose `kind` is Secret, at the top level of a document or as a list item (a `List`)."""
    lines = list(_lines(text, doc_start, doc_end))
    for k, (_offset, line) in enumerate(lines):
        m = _KIND_SECRET.match(line)
        if not m:
            continue
        column = len(m.group("lead"))
        first, last = _mapping_lines(lines, k, column)
        for offset_i, line_i in lines[first:last]:
            section = _SECTION.fullmatch(line_i)
            if section and len(section.group("lead")) == column:
                body = offset_i + len(line_i) + 1
                end = lines[last][0] if last < len(lines) else doc_end
                yield section.group("name") == "data", body, end, column


def _mapping_lines(lines: list[tuple[int, str]], k: int, column: int) -> tuple[int, int]:
    """The line range [first, last) of the mapping whose key at `column` is on line `k`."""
    first = k
    if not _ITEM.match(lines[k][1]):
        for i in range(k - 1, -1, -1):
            line = lines[i][1]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            item = _ITEM.match(line)
            if item and item.end() == column:
                first = i
                break
            if _indent(line) < column:
                break
            first = i
    last = len(lines)
    for j in range(k + 1, len(lines)):
        line = lines[j][1]
        if line.strip() and not line.lstrip().startswith("#") and _indent(line) < column:
            last = j
            break
    return first, last


def _yaml_secret(text: str) -> Iterator[Extracted]:
    bounds = [0] + [m.end() for m in _DOC_SPLIT.finditer(text)] + [len(text) + 1]
    for doc_start, doc_end in zip(bounds, bounds[1:], strict=False):
        for encoded, body, end, column in _yaml_sections(text, doc_start, min(doc_end, len(text))):
            for key, s, e, value in _section_entries(text, body, end, column):
                for judged_key, judged in _judged(key, value, encoded):
                    yield Extracted(s, e, judged_key, judged)


def _json_secret(text: str) -> Iterator[Extracted]:
    """The same for a manifest written as JSON (`kubectl get secret -o json`, a `List`'s items).

    Every string member is located in document order (a cursor), so a Secret's value is found at
    its own place even when a ConfigMap before it holds the same pair."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return
    cursor = 0
    for section, key, value in _json_members(data, None):
        raw_key, raw_value = json.dumps(key)[1:-1], json.dumps(value)[1:-1]
        m = re.compile(f'"{re.escape(raw_key)}"\\s*:\\s*"({re.escape(raw_value)})"').search(text, cursor)
        if not m:
            continue
        cursor = m.end()
        for judged_key, judged in _judged(key, value, section == "data") if section else ():
            yield Extracted(m.start(1), m.end(1), judged_key, judged)


def _json_members(node, section: str | None) -> Iterator[tuple[str | None, str, str]]:
    """(section, key, value) of every string member in document order; `section` is `data` or
    `stringData` for the members of a Secret's sections, else None."""
    if isinstance(node, list):
        for item in node:
            yield from _json_members(item, None)
    elif isinstance(node, dict):
        secret = section is None and str(node.get("kind", "")).lower() == "secret"
        for k, v in node.items():
            if isinstance(v, str):
                yield section, str(k), v
            else:
                inner = k if secret and k in ("data", "stringData") and isinstance(v, dict) else None
                yield from _json_members(v, inner)


def kubernetes_secret(text: str) -> Iterator[Extracted]:
    """Every value under `data:` (base64, judged decoded) and `stringData:` (plain) of each mapping
    whose `kind` is `Secret` (case-insensitive), in YAML documents (also items of a `List`) and
    JSON manifests; other kinds (ConfigMap) yield nothing. Public material (a certificate, a
    `ca.crt`) is skipped; a decoded structured file is judged by the credentials inside it."""
    if text.lstrip().startswith(("{", "[")):
        yield from _json_secret(text)
    else:
        yield from _yaml_secret(text)


EXTRACTORS: dict[str, Callable[[str], Iterator[Extracted]]] = {"kubernetes_secret": kubernetes_secret}
