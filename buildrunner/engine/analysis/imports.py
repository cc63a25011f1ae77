"""Across files of the project (Python): the values of names a document imports from the scanned
project's own modules.

A sink argument built from an imported name — a helper returning SQL (`from .queries import
build_query; cur.execute(build_query(uid))`), a template (`from .sql import USER_Q;
cur.execute(USER_Q % uid)`), a module attribute (`from . import sql; sql.USER_Q % uid`) — is
resolved to the module's file in the project: relative and absolute imports, packages, `__init__`
re-exports, submodules. The module is parsed once per scan (cached on the matcher, per process) and
evaluated with the same analysis as the document: an imported template keeps its text (so the values
it is formatted with are seen, instead of an opaque constant), a helper's returns are evaluated with
its parameters bound to the call's arguments, and the trace names the other file.

Bounded and lazy: nothing here runs unless an expression's value needs an imported name; only files
under the project root are read (never site-packages), at most `MAX_MODULES` per scan, each at most
`MAX_BYTES`; an imported helper is evaluated only up to `MAX_HELPER_BYTES` of code; re-exports and
helpers calling helpers are followed `MAX_CHAIN` deep. A name that is not a project module's (a
third-party import) keeps the single-file behaviour.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

from buildrunner.engine.analysis.base import CONST, UNKNOWN_VALUE, Value, node_text

MAX_MODULES = 256
MAX_BYTES = 100_000
MAX_HELPER_BYTES = 8_000
MAX_CHAIN = 6  # nested resolutions in progress (re-export chains, helpers calling imported helpers)
HOP_DEPTH = 4  # analysis depth charged for entering another file (bounds helper chains across files)
_IMPORTS = ("import_statement", "import_from_statement", "future_import_statement")


class ProjectModules:
    """The project's Python modules, parsed on demand, for one scan in one process."""

    def __init__(self, root: str, sanitizers: frozenset[str] = frozenset()):
        self.root = os.path.realpath(root)
        self.sanitizers = sanitizers
        self._analyzers: dict[str, object | None] = {}  # absolute file → its analyzer (None: unusable)
        self._files: dict[str, str | None] = {}  # module stem → file
        self._located: dict[tuple[str, str, int], str | None] = {}
        self._active: list[tuple[str, str]] = []  # (file, name) being resolved: cycle and depth guard

    # -- documents -------------------------------------------------------------------------------
    def attach(self, analyzer, path: str) -> None:
        """Let the analyzer of a scanned document (`path` relative to the root) follow its imports."""
        analyzer.project = self
        analyzer.location = os.path.join(self.root, path)

    # -- files -----------------------------------------------------------------------------------
    def _inside(self, path: str) -> bool:
        real = os.path.realpath(path)
        return real == self.root or real.startswith(self.root + os.sep)

    def _module_file(self, stem: str) -> str | None:
        """`stem.py`, or `stem/__init__.py` for a package, inside the project."""
        if stem in self._files:
            return self._files[stem]
        found = None
        for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
            if os.path.isfile(candidate) and self._inside(candidate):
                found = candidate
                break
        self._files[stem] = found
        return found

    def _source_roots(self, importer: str) -> list[str]:
        """Where an absolute import can start: the importer's directory (a script's imports), the
        directory above its top-level package, the project root and `src/`."""
        here = os.path.dirname(importer)
        top = here
        while os.path.isfile(os.path.join(top, "__init__.py")) and self._inside(os.path.dirname(top)) and \
                os.path.dirname(top) != top:
            top = os.path.dirname(top)
        roots = [here, top, self.root, os.path.join(self.root, "src")]
        return [r for r in dict.fromkeys(roots) if self._inside(r)]

    def locate(self, importer: str, module: str, level: int) -> str | None:
        """The file of `module` imported from file `importer` (`level` leading dots)."""
        key = (os.path.dirname(importer), module, level)
        if key not in self._located:
            self._located[key] = self._locate(importer, module, level)
        return self._located[key]

    def _locate(self, importer: str, module: str, level: int) -> str | None:
        parts = [p for p in module.split(".") if p]
        if level:
            base = os.path.dirname(importer)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases = [base]
        else:
            bases = self._source_roots(importer)
        for base in bases:
            found = self._module_file(os.path.join(base, *parts)) if parts else self._package_init(base)
            if found:
                return found
        return None

    def _package_init(self, directory: str) -> str | None:
        init = os.path.join(directory, "__init__.py")
        return init if os.path.isfile(init) and self._inside(init) else None

    def analyzer(self, file: str):
        """The analyzer of a project file, parsed once per scan; None when it cannot be used."""
        if file in self._analyzers:
            return self._analyzers[file]
        analyzer = None
        if len(self._analyzers) < MAX_MODULES:
            analyzer = self._load(file)
        self._analyzers[file] = analyzer
        return analyzer

    def _load(self, file: str):
        """The file parsed and analysed, or None when it is unreadable or too big to follow."""
        from buildrunner.engine.parsing import parse

        try:
            if os.path.getsize(file) > MAX_BYTES:
                return None
            with open(file, "rb") as fh:
                text = fh.read(MAX_BYTES + 1).decode("utf-8", "replace")
        except OSError:
            return None
        tree = parse(text, self._language(file))
        analyzer = self._new_analyzer(tree.root_node)
        analyzer.tree = tree  # keeps the nodes alive for the scan
        analyzer.path = os.path.relpath(file, self.root).replace(os.sep, "/")
        analyzer.location = file
        analyzer.project = self
        return analyzer

    def _language(self, file: str) -> str:
        return "python"

    def _new_analyzer(self, root_node):
        from buildrunner.engine.analysis.python import PythonAnalyzer

        return PythonAnalyzer(root_node, sanitizers=self.sanitizers)

    # -- bindings --------------------------------------------------------------------------------
    @staticmethod
    def _import_def(an, ident):
        """The import that binds this identifier where it is used, or None (a local, a parameter...)."""
        name = node_text(ident)
        if name not in module_bindings(an):  # (cheap: most names in SQL arguments are not imported)
            return None
        scope = an.scope_of(ident)
        while scope is not None:
            if scope.type == an.MODULE:
                defs = module_bindings(an).get(name)
            elif name in an.params(scope):
                return None
            else:  # (a function's defs are only computed when its text may bind the name)
                defs = an.defs(scope).get(name) if _may_bind(an, scope, name) else None
            if defs:
                return defs[-1] if all(d.binding is not None for d in defs) else None
            scope = an.outer_scope(scope)
        return None

    def target(self, an, binding) -> tuple[str, str | None] | None:
        """(module file, name) that an import binds; name None when it binds a module itself."""
        importer = getattr(an, "location", "")
        stmt = binding.parent
        if not importer or stmt is None or stmt.type not in _IMPORTS:
            return None
        name_node = binding.child_by_field_name("name") if binding.type == "aliased_import" else binding
        if stmt.type == "import_statement":
            dotted = node_text(name_node)
            module = dotted if binding.type == "aliased_import" else dotted.split(".")[0]
            file = self.locate(importer, module, 0)
            return (file, None) if file else None
        module_node = stmt.child_by_field_name("module_name")
        if module_node is None:
            return None
        spec = "".join(node_text(module_node).split())
        level = len(spec) - len(spec.lstrip("."))
        file = self.locate(importer, spec[level:], level)
        if file is None:
            return None
        name = node_text(name_node)
        if file.endswith("__init__.py"):  # `from . import sql`: a submodule, unless the package defines it
            sub = self._module_file(os.path.join(os.path.dirname(file), name))
            mod = self.analyzer(file) if sub else None
            if sub and (mod is None or name not in top_level_defs(mod)):
                return sub, None
        return file, name

    def module_of(self, an, node) -> str | None:
        """The project module file an expression (`sql`, `app.sql`) names, or None."""
        if node.type == "identifier":
            d = self._import_def(an, node)
            found = self.target(an, d.binding) if d is not None else None
            return found[0] if found is not None and found[1] is None else None
        if node.type == "attribute":
            base = self.module_of(an, node.child_by_field_name("object"))
            if base is not None and base.endswith("__init__.py"):
                return self._module_file(os.path.join(os.path.dirname(base),
                                                      node_text(node.child_by_field_name("attribute"))))
        return None

    # -- values ----------------------------------------------------------------------------------
    def import_value(self, an, binding, depth: int) -> Value | None:
        """The value an import binds: a project module's constant (with where it is defined), unknown
        for a module or a function; None when the module is not the project's."""
        found = self.target(an, binding)
        if found is None:
            return None
        file, name = found
        return UNKNOWN_VALUE if name is None else self.name_value(file, name, depth)

    def attribute_value(self, an, node, depth: int) -> Value | None:
        """`sql.USER_Q` where `sql` is a project module."""
        file = self.module_of(an, node.child_by_field_name("object"))
        if file is None:
            return None
        return self.name_value(file, node_text(node.child_by_field_name("attribute")), depth)

    def name_value(self, file: str, name: str, depth: int) -> Value | None:
        """A module-level name's value: constant when every binding of it is (the last one is what
        importers see), unknown otherwise."""
        mod = self.analyzer(file)
        if mod is None or not self._enter(file, name):
            return UNKNOWN_VALUE if mod is not None else None
        try:
            defs = top_level_defs(mod).get(name)
            if not defs:
                return None  # (`from x import *`, a name set dynamically): the single-file default
            if name in mod.rebound_globals():
                return UNKNOWN_VALUE
            values = [mod.def_value(d, depth + HOP_DEPTH) if d.op in ("=", "unknown") else
                      mod._augment(d, depth + HOP_DEPTH) for d in defs]
        finally:
            self._leave()
        last = values[-1]
        if any(v.kind != CONST for v in values):
            return UNKNOWN_VALUE
        if last.stringy and last.text.strip() and defs[-1].binding is None:
            node = defs[-1].node
            last = replace(last, steps=last.steps + (mod.step(node, f"`{name}` is the SQL text defined here"),))
        return last

    def call_value(self, an, call, func, args, depth: int) -> Value | None:
        """`build_query(uid)` / `queries.build_query(uid)` of a project module: the helper's returns
        evaluated with this call's arguments; None when the callee is not a project function."""
        if func.type == "identifier":
            d = self._import_def(an, func)
            found = self.target(an, d.binding) if d is not None else None
            if found is None or found[1] is None:
                return None
            file, name = found
        elif func.type == "attribute":
            file = self.module_of(an, func.child_by_field_name("object"))
            if file is None:
                return None
            name = node_text(func.child_by_field_name("attribute"))
        else:
            return None
        return self._call_in(an, call, file, name, args, depth)

    def _call_in(self, an, call, file: str, name: str, args, depth: int) -> Value:
        mod = self.analyzer(file)
        if mod is None or depth > 20 or not self._enter(file, name):
            return UNKNOWN_VALUE
        try:
            helper = _top_level_function(mod, name)
            if helper is not None and helper.end_byte - helper.start_byte > MAX_HELPER_BYTES:
                return UNKNOWN_VALUE  # a large function is not a SQL helper worth evaluating per call
            if helper is not None:
                return an.bound_call(mod, helper, call, name, args, depth + HOP_DEPTH)
            defs = module_bindings(mod).get(name) or []
            if len(defs) == 1 and defs[0].binding is not None:  # re-exported: `from .builders import q`
                found = self.target(mod, defs[0].binding)
                if found is not None and found[1] is not None:
                    return self._call_in(an, call, found[0], found[1], args, depth + 1)
            return UNKNOWN_VALUE
        finally:
            self._leave()

    def inherited_attribute(self, an, base, attr: str, depth: int, inherited: int) -> Value:
        """`self.<attr>` set by a base class imported from a project module (`class Daily(Report)`)."""
        if base.type == "identifier":
            d = self._import_def(an, base)
            found = self.target(an, d.binding) if d is not None else None
            file, name = found if found is not None and found[1] is not None else (None, "")
        else:
            file, name = self.module_of(an, base.child_by_field_name("object")), \
                node_text(base.child_by_field_name("attribute"))
        mod = self.analyzer(file) if file is not None else None
        classes = mod._classes().get(name, ()) if mod is not None else ()
        if len(classes) != 1 or not self._enter(file, name):
            return UNKNOWN_VALUE
        try:
            return mod.class_attribute(classes[0], attr, depth + HOP_DEPTH, inherited)
        finally:
            self._leave()

    def _enter(self, file: str, name: str) -> bool:
        if (file, name) in self._active or len(self._active) >= MAX_CHAIN:
            return False
        self._active.append((file, name))
        return True

    def _leave(self) -> None:
        self._active.pop()


_BLOCKS = frozenset({"if_statement", "else_clause", "elif_clause", "try_statement", "except_clause",
                     "finally_clause", "block", "with_statement", "decorated_definition"})


_BINDING_CACHE: dict[str, re.Pattern] = {}


def binding_regex(name: str) -> re.Pattern:
    """Where the text may bind `name` (`_may_bind`), as one regex: the definition, used as such for
    names that are not ASCII identifiers (then `\b` around them reads differently)."""
    rx = _BINDING_CACHE.get(name)
    if rx is None:
        n = re.escape(name).encode()
        rx = _BINDING_CACHE[name] = re.compile(
            rb"\b" + n + rb"\b\s*(?:[,)\]:]|(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=)|in\b)"
            rb"|\b(?:as|for|import|def|class|global|nonlocal)\b[^\n]*\b" + n + rb"\b|\*\s*" + n + rb"\b")
    return rx


# `binding_regex`'s three alternatives, around one occurrence of the name: what follows it, the
# keyword before it on its line, the `*` before it
_BINDING_TAIL = re.compile(rb"\s*(?:[,)\]:]|(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=)|in\b)")
_BINDING_KEYWORD = re.compile(rb"\b(?:as|for|import|def|class|global|nonlocal)\b")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_SPACE_BYTES = frozenset(b" \t\n\r\f\v")


def _may_bind(an, scope, name: str) -> bool:
    """Could the function's text bind `name` (assignment, augmented assignment, annotation, walrus,
    `for`/comprehension/`with`/`except` target, import, def, class, global/nonlocal)? A cheap
    over-approximation on bytes: False means the function certainly does not.

    `binding_regex(name).search(src, start, end)`, without compiling a regex per name (0.3 ms
    each, ~60 names a file set) nor running one that no literal leads: each place the name is
    written as a word in the function is checked against the regex's three alternatives (every one
    of them holds the name as a word). tests/sqli/test_may_bind.py compares the two."""
    # (source_bytes, not root.text: the module node starts after leading blank lines, so its text
    # is not indexed by the tree's byte offsets)
    src, start, end = an.source_bytes(), scope.start_byte, scope.end_byte
    if not (name.isascii() and name.isidentifier()):
        return binding_regex(name).search(src, start, end) is not None
    needle, words = name.encode(), _WORD_BYTES
    at = src.find(needle, start, end)
    while at >= 0:
        after = at + len(needle)
        if (at == 0 or src[at - 1] not in words) and (after == end or src[after] not in words) and \
                (_BINDING_TAIL.match(src, after, end) or _star_before(src, start, at) or
                 _BINDING_KEYWORD.search(src, src.rfind(b"\n", start, at) + 1 or start, at)):
            return True
        at = src.find(needle, at + 1, end)
    return False


def _star_before(src: bytes, start: int, at: int) -> bool:
    """`* <spaces>` right before `at`, from `start` on."""
    j = at - 1
    while j >= start and src[j] in _SPACE_BYTES:
        j -= 1
    return j >= start and src[j] == 0x2A  # `*`


def top_level_defs(an) -> dict[str, list]:
    """Module-level bindings (imports, assignments, defs, classes; in `if TYPE_CHECKING:` / `try:`
    blocks too) by name: from the top-level statements only, not the whole tree (a module's own
    `defs()` also walks class bodies); computed once per file, shared with its helper probes."""
    cached = an.__dict__.get("_top_defs")
    if cached is None:
        cached = an._top_defs = {}
        stack = list(reversed(an.root.named_children))
        while stack:
            n = stack.pop()
            if n.type in _BLOCKS or n.type == "expression_statement":
                stack.extend(reversed(n.named_children))
            else:
                for name, d in an.collect_defs(n):
                    cached.setdefault(name, []).append(d)
    return cached


def module_bindings(an) -> dict[str, list]:
    """The module-level bindings of the names some top-level import binds."""
    cached = an.__dict__.get("_module_bindings")
    if cached is None:
        cached = an._module_bindings = {name: defs for name, defs in top_level_defs(an).items()
                                        if any(d.binding is not None for d in defs)}
    return cached


def _top_level_function(an, name: str):
    for stmt in an.root.named_children:
        fn = stmt.child_by_field_name("definition") if stmt.type == "decorated_definition" else stmt
        if fn is not None and fn.type == "function_definition" and node_text(fn.child_by_field_name("name")) == name:
            return fn
    return None
