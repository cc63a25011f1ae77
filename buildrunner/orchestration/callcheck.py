"""Does a call still fit a function's new signature?

Used for the callers a stream did not touch: a stream that changes `price(item, qty)` to
`price(item, qty, currency)` breaks every existing `price(i, 1)` in the tree, while a new trailing
parameter with a default breaks none. The answer is True (fits), False (cannot work: too many or
too few arguments, an unknown keyword), or None when it cannot be told (`*args` / `**kw` at the
call, a signature that does not parse): callers of that kind are not reported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


@dataclass
class Params:
    positional: list[tuple[str, bool]] = field(default_factory=list)  # (name, has default), in order
    keyword_only: list[tuple[str, bool]] = field(default_factory=list)
    varargs: bool = False
    varkw: bool = False


@dataclass
class Args:
    positional: int
    keywords: list[str]


def _python_params(signature: str) -> Params | None:
    params = signature.split(" -> ")[0].strip()
    try:
        fn = ast.parse(f"def f{params}: pass").body[0]
    except (SyntaxError, ValueError):
        return None
    a = fn.args
    pos = a.posonlyargs + a.args
    first_default = len(pos) - len(a.defaults)
    out = Params([(p.arg, i >= first_default) for i, p in enumerate(pos)],
                 [(p.arg, d is not None) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)],
                 a.vararg is not None, a.kwarg is not None)
    return out


def _python_args(call_text: str) -> Args | None:
    try:
        node = ast.parse(call_text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None
    if not isinstance(node, ast.Call):
        return None
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return None
    return Args(len(node.args), [k.arg for k in node.keywords])


def _split_top_level(text: str) -> list[str]:
    """Split at commas outside brackets, braces, parentheses and string literals."""
    parts, depth, quote, cur, i = [], 0, "", [], 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                cur.append(text[i:i + 2])
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>" and depth:
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def _inner(text: str, opening: int) -> str | None:
    """The text inside the parentheses that open at `opening` (matched, quotes respected)."""
    depth, quote = 0, ""
    for i in range(opening, len(text)):
        ch = text[i]
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[opening + 1:i]
    return None


def _js_params(signature: str) -> Params | None:
    start = signature.find("(")
    inner = _inner(signature, start) if start >= 0 else signature.strip()  # `x => ...` has no parentheses
    if inner is None:
        return None
    out = Params()
    for p in _split_top_level(inner):
        if p.startswith("..."):
            out.varargs = True
            continue
        name = p.split("=")[0].split(":")[0].strip().rstrip("?")
        optional = "=" in p or p.split(":")[0].strip().endswith("?")
        if name == "this":  # TypeScript `this` parameter: not an argument
            continue
        out.positional.append((name, optional))
    return out


def _js_args(call_text: str) -> Args | None:
    text = call_text.rstrip().rstrip(";")
    if not text.endswith(")"):
        return None
    # the argument list is the last top-level parenthesized group
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                args = _split_top_level(text[i + 1:-1])
                if any(a.startswith("...") for a in args):
                    return None
                return Args(len(args), [])
    return None


def call_fits(signature: str, call_text: str, family: str, *, bound: bool = False) -> bool | None:
    """Can `call_text` still call a function whose parameters are `signature`?

    `bound`: a method called through an instance (`obj.m(...)`): its first parameter (`self`,
    `cls`) is not passed explicitly."""
    params = _python_params(signature) if family == "python" else _js_params(signature)
    args = _python_args(call_text) if family == "python" else _js_args(call_text)
    if params is None or args is None:
        return None
    positional = params.positional[1:] if bound and params.positional else params.positional
    if args.positional > len(positional) and not params.varargs:
        return False
    names = {n for n, _ in positional[args.positional:]} | {n for n, _ in params.keyword_only}
    if any(k not in names for k in args.keywords) and not params.varkw:
        return False
    given = set(args.keywords)
    missing = [n for n, has_default in positional[args.positional:] if not has_default and n not in given]
    missing += [n for n, has_default in params.keyword_only if not has_default and n not in given]
    return not missing


def is_bound_call(call_text: str, kind: str, signature: str) -> bool:
    """A method called as `obj.name(...)` whose first parameter is `self`/`cls` (Python)."""
    params = _python_params(signature)
    first = params.positional[0][0] if params and params.positional else ""
    head = call_text.split("(", 1)[0]
    return kind == "method" and "." in head and first in {"self", "cls"}
