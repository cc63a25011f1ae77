"""Split format templates (`%` and `str.format`) into literal text and fields.

Shared by the string-building analysis (to know which formatted value lands where in the SQL text)
and by the libcst autofix (to rewrite the fields into driver placeholders). Pure Python: no parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: int | str  # position (int) or name (str)
    conversion: str = ""  # `s`, `d`, `r`… for %; `!r` for format
    spec: str = ""  # width/precision/format spec: its presence makes a rewrite unprovable

    @property
    def plain(self) -> bool:
        return not self.spec and self.conversion in ("", "s", "d", "i")


_PERCENT = re.compile(r"%(?:\((?P<name>[^)]*)\))?(?P<spec>[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?)"
                      r"(?P<conv>[diouxXeEfFgGcrsa%])")


def split_percent(template: str) -> list[str | Field] | None:
    """`"a=%s and b=%(b)s"` → ["a=", Field(0), " and b=", Field("b")]; None when malformed."""
    out: list[str | Field] = []
    pos, index, buf = 0, 0, []
    for m in _PERCENT.finditer(template):
        buf.append(template[pos:m.start()])
        pos = m.end()
        if m.group("conv") == "%":
            buf.append("%")
            continue
        if "*" in m.group("spec"):
            return None
        out.append("".join(buf))
        buf = []
        name = m.group("name")
        out.append(Field(name if name is not None else index, m.group("conv"), m.group("spec")))
        if name is None:
            index += 1
    rest = template[pos:]
    if "%" in rest:
        return None
    buf.append(rest)
    out.append("".join(buf))
    return out


_BRACE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def split_brace(template: str) -> list[str | Field] | None:
    """`"a={} b={name!r:>3}"` → ["a=", Field(0), " b=", Field("name", "r", ">3"), ""]."""
    out: list[str | Field] = []
    buf: list[str] = []
    pos, auto = 0, 0
    for m in _BRACE.finditer(template):
        buf.append(template[pos:m.start()])
        pos = m.end()
        tok = m.group(0)
        if tok in ("{{", "}}"):
            buf.append(tok[0])
            continue
        body = m.group(1)
        spec = ""
        if ":" in body:
            body, spec = body.split(":", 1)
        conv = ""
        if "!" in body:
            body, conv = body.split("!", 1)
        base = re.split(r"[.\[]", body, maxsplit=1)[0]
        if base != body:
            spec = spec or "attr"  # {0.x} / {a[1]}: not a plain value
        if base == "":
            key: int | str = auto
            auto += 1
        elif base.isdigit():
            key = int(base)
        else:
            key = base
        out.append("".join(buf))
        buf = []
        out.append(Field(key, conv, spec))
    rest = template[pos:]
    if "{" in rest or "}" in rest:
        return None
    buf.append(rest)
    out.append("".join(buf))
    return out


_DOLLAR = re.compile(r"\$(?:(\$)|(?P<name>[_a-zA-Z][_a-zA-Z0-9]*)|\{(?P<braced>[_a-zA-Z][_a-zA-Z0-9]*)\}|)")


def split_dollar(template: str) -> list[str | Field] | None:
    """`string.Template` text: `"a = '$a' and ${b}x"` → ["a = '", Field("a"), "' and ", Field("b"), "x"];
    `$$` is a literal `$`; None when a `$` starts no valid placeholder (substitute() raises)."""
    out: list[str | Field] = []
    buf: list[str] = []
    pos = 0
    for m in _DOLLAR.finditer(template):
        buf.append(template[pos:m.start()])
        pos = m.end()
        if m.group(1):
            buf.append("$")
            continue
        name = m.group("name") or m.group("braced")
        if name is None:
            return None
        out.append("".join(buf))
        buf = []
        out.append(Field(name))
    buf.append(template[pos:])
    out.append("".join(buf))
    return out
