"""The scan's speed work keeps its results: each shortcut is checked against the long way round.

- `Analyzer.defs` only calls `collect_defs` on the node types a language lists in DEF_TYPES: the
  definitions found must be exactly those of calling it on every node (real code: this repository's
  own sources and the labelled SQL examples).
- A sink called with no argument is not a prefilter hit (nothing to check, so nothing to parse).
- A pool that forks hands its workers the parent's prepared matchers: same findings as one process.
- A file's language comes from the same suffix as `PurePosixPath(path).suffix`, without the object.
- Loading the built-in secret pack refreshes the masker's cache from the pack itself, never from
  a project's overrides of it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from buildrunner.engine import pipeline, secretcache, sources
from buildrunner.engine import scan as scan_mod
from buildrunner.engine.analysis.javascript import JavaScriptAnalyzer
from buildrunner.engine.analysis.python import PythonAnalyzer
from buildrunner.engine.parsing import language_for_path, parse
from tests.engine.scanhelp import project_of

ROOT = Path(__file__).resolve().parents[2]


class _EveryNodePython(PythonAnalyzer):
    DEF_TYPES = None  # call collect_defs on every node: the reference


class _EveryNodeJavaScript(JavaScriptAnalyzer):
    DEF_TYPES = None


# Every construct that defines a name, at module level and nested, in both languages.
_EVERY_DEFINITION = {
    "python": """import os, os.path as osp
from settings import PAGE_SIZE, helper as h
GLOBAL = 1
class Repo:
    table = "users"
    def find(self, uid, *rest, **kw):
        global GLOBAL
        q = "SELECT"
        q += " x"
        q %= ()
        a, (b, c) = 1, (2, 3)
        for i in range(3):
            q = q + str(i)
        for k, v in kw.items():
            pass
        rows = [r for r in rest if (n := len(r))]
        with open(q) as fh, open(q) as (x):
            pass
        try:
            pass
        except ValueError as exc:
            pass
        def inner():
            nonlocal q
            lam = lambda y=(z := 2): y
            return lam
        match uid:
            case {"k": captured}:
                pass
        return q
""",
    "javascript": """import def, { PAGE_SIZE, other as alias } from "./config";
import * as ns from "./ns";
const { a, b: [c] } = req.query;
let x = 1, y;
var z;
x = 2; [y, z] = [1, 2]; ({ a } = {});
x += "s";
for (const k in obj) {}
for (const v of list) {}
function f(p, q = 1, ...r) { let w = p; try { w = q } catch ({ message }) { w = message } return w }
function* gen() { const g = 1; yield g }
class K { static { const s = 1 } m() { const t = 2; return () => { const u = t } } }
const arrow = async (v) => { let n = v; n += 1; return n };
""",
}


def _corpus() -> list[Path]:
    files = sorted((ROOT / "buildrunner").rglob("*.py")) + sorted((ROOT / "tests").rglob("*.py"))[:150]
    files += sorted((ROOT / "bench" / "sqli-labelled").rglob("*.*"))
    return [f for f in files if language_for_path(str(f))]


def _signature(defs) -> dict:
    return {name: [(d.node.id, d.op, d.rhs.id if d.rhs is not None else None, d.end) for d in lst]
            for name, lst in defs.items()}


def _scopes(root, scope_types) -> list:
    out, stack = [root], [root]
    while stack:
        for child in stack.pop().children:
            if child.type in scope_types:
                out.append(child)
            stack.append(child)
    return out


def test_defs_def_types_find_every_definition():
    checked = 0
    sources_ = [(language_for_path(str(p)), p.read_text(encoding="utf-8"), p) for p in _corpus()]
    sources_ += [(language, text, f"<every definition: {language}>") for language, text in _EVERY_DEFINITION.items()]
    sources_ += [("typescript", _EVERY_DEFINITION["javascript"], "<every definition: typescript>")]
    for language, text, path in sources_:
        fast_cls, reference_cls = ((PythonAnalyzer, _EveryNodePython) if language == "python"
                                   else (JavaScriptAnalyzer, _EveryNodeJavaScript))
        root = parse(text, language).root_node
        fast, reference = fast_cls(root), reference_cls(root)
        for scope in _scopes(root, fast_cls.SCOPES):
            assert _signature(fast.defs(scope)) == _signature(reference.defs(scope)), \
                f"{path}: scope at {scope.start_point}"
            checked += 1
    assert checked > 2000


def _code_matcher():
    from buildrunner.engine.code import CodeMatcher
    from buildrunner.engine.rules import load_rules

    return CodeMatcher([r for r in load_rules(kinds=["code"]).rules if r.enabled])


@pytest.mark.parametrize("call", ["cur.execute()", "cur.execute( )", "db.query()"])
def test_sink_call_without_arguments_is_no_hit(call):
    plan = _code_matcher()._plan("python")
    assert plan.prefilter.hits(f"def f(cur, db):\n    return {call}\n") == []


def test_argumentless_call_does_not_hide_a_real_finding_in_the_same_file():
    from buildrunner.engine.model import Document

    text = ("def f(cur, uid):\n"
            "    cur.execute()\n"
            "    cur.execute(\"SELECT * FROM users WHERE id = \" + uid)\n")
    findings = _code_matcher().scan(Document(path="app.py", text=text, language="python"))
    assert [(f.rule_id, f.line) for f in findings] == [("python.sql-injection.dbapi-execute", 3)]


def _injectable_tree(repo, n: int) -> None:
    for i in range(n):
        body = [f"def handler_{i}(cur, uid):\n",
                f"    cur.execute(\"SELECT * FROM t{i} WHERE id = \" + uid)\n" if i % 5 == 0 else
                f"    cur.execute(\"SELECT * FROM t{i} WHERE id = ?\", (uid,))\n",
                f"password = \"Zq8{i:03d}kLm2Xv9pQr4T\"\n" if i % 7 == 0 else "value = 1\n"]
        repo.write(f"app/mod_{i}.py", "".join(body))


def test_forked_pool_with_prepared_matchers_equals_one_process(git_repo, monkeypatch):
    _injectable_tree(git_repo, scan_mod.PARALLEL_MIN_FILES + 20)
    project = project_of(git_repo.root)
    rules = pipeline.load_rules(project, ("secret", "code"))
    items = list(sources.files(project))
    prepared = []
    real = scan_mod.Engine.prepare
    monkeypatch.setattr(scan_mod.Engine, "prepare", lambda self, langs: prepared.append(sorted(langs, key=str))
                        or real(self, langs))
    serial = scan_mod.scan(project, items, rules, jobs=1)
    built_in = git_repo.root.parent / "engines-built-by-pid"
    real_init = scan_mod.Engine.__init__

    def init(self, *a, **k):
        with built_in.open("a") as fh:  # written from whichever process builds an engine
            fh.write(f"{os.getpid()}\n")
        real_init(self, *a, **k)

    monkeypatch.setattr(scan_mod.Engine, "__init__", init)
    parallel = scan_mod.scan(project, items, rules, jobs=2)
    assert built_in.read_text().split() == [str(os.getpid())]  # the workers built none of their own
    key = [(f.path, f.line, f.rule_id, f.fingerprint, f.snippet) for f in serial.findings]
    assert key == [(f.path, f.line, f.rule_id, f.fingerprint, f.snippet) for f in parallel.findings]
    assert sum(f.rule_id == "python.sql-injection.dbapi-execute" for f in parallel.findings) == 44
    assert prepared == [["python"]]  # the parent prepared the matchers once, for the files' language


def test_loading_the_secret_pack_refreshes_the_masker_cache_from_the_pack(git_repo):
    from buildrunner.engine.secrets import builtin_secret_rules

    rules_dir = git_repo.root / ".buildrunner" / "rules"
    rules_dir.mkdir(parents=True)
    disabled = "secrets.aws-access-key-id"
    (rules_dir / "local.yaml").write_text(f"rules:\n  - id: {disabled}\n    enabled: false\n", encoding="utf-8")
    assert secretcache.read_cache() is None  # each test has its own, empty, user cache dir
    rules = pipeline.load_rules(project_of(git_repo.root), ("secret", "code"))
    assert disabled not in {r.id for r in rules}  # the project's scan does not run it...
    cached = {r["id"]: r for r in secretcache.read_cache()["rules"]}
    assert cached[disabled]["enabled"] is True  # ...but the masker still hides its values
    assert [r.id for r in builtin_secret_rules()] == list(cached)


def _walked_globals(an) -> frozenset[str]:
    names, stack = set(), [an.root]
    while stack:
        n = stack.pop()
        if n.type == "global_statement":
            names.update(an.text(c) for c in n.named_children if c.type == "identifier")
        elif n.type not in ("string", "comment"):
            stack.extend(n.children)
    return frozenset(names)


def _walked_functions(an) -> dict[str, list[int]]:
    found, stack = {}, [an.root]
    while stack:
        n = stack.pop()
        if n.type == "function_definition":
            found.setdefault(an.text(n.child_by_field_name("name")), []).append(n.id)
        if n.type in ("module", "block", "class_definition", "decorated_definition", "function_definition"):
            stack.extend(n.named_children)
    return {name: sorted(ids) for name, ids in found.items()}


_GLOBALS_AND_HELPERS = '''COUNT = 0
def bump():
    global COUNT, other  # "global" in a comment
    COUNT += 1
class Repo:
    @property
    def sql(self):
        def inner(): pass
        return "SELECT 1"
if TYPE_CHECKING:
    def hidden(): pass  # under an `if`: not a helper the analysis follows
try:
    def also_hidden(): pass
except ImportError:
    pass
text = "global x"  # a string, not a statement
'''


def test_query_based_file_indexes_equal_the_tree_walks():
    sources_ = [p.read_text(encoding="utf-8") for p in _corpus() if p.suffix == ".py"] + [_GLOBALS_AND_HELPERS]
    with_globals = 0
    for text in sources_:
        an = PythonAnalyzer(parse(text, "python").root_node)
        assert an.rebound_globals() == _walked_globals(an)
        assert {k: sorted(n.id for n in v) for k, v in an._functions().items()} == _walked_functions(an)
        with_globals += bool(an.rebound_globals())
    assert with_globals >= 1
    an = PythonAnalyzer(parse(_GLOBALS_AND_HELPERS, "python").root_node)
    assert an.rebound_globals() == {"COUNT", "other"}
    assert set(an._functions()) == {"bump", "sql", "inner"}


@pytest.mark.parametrize(("dotted", "expected"), [
    ("escape", True), ("db.escape", True), ("psycopg . sql.Identifier", True), ("sql.Identifier", True),
    ("Identifier", False), ("xsql.Identifier", False), ("escaped", False), ("db.escape_string", False),
    ("escape.x", False), ("", False), (".escape", True),
])
def test_sanitizer_names_match_whole_dotted_suffixes(dotted, expected):
    an = PythonAnalyzer(None, sanitizers=frozenset({"escape", "sql.Identifier"}))
    assert an.is_sanitizer(dotted) is expected


@pytest.mark.parametrize("keyword", ["SELECT", "Select", "select", "DELETE", "With"])
@pytest.mark.parametrize("extra", ["", "# café\n"])  # ASCII documents take the lowercased fast path
def test_built_sql_prefilter_is_case_blind_in_ascii_and_other_text(keyword, extra):
    from buildrunner.engine.analysis.built import might_build

    assert might_build(f'{extra}q = "{keyword} * FROM t WHERE id = " + uid\n')
    assert might_build(f'{extra}q = f"{keyword} * FROM t WHERE id = {{uid}}"\n')
    assert not might_build(f'{extra}q = "{keyword} * FROM t WHERE id = 1"\n')


def test_sink_calls_after_multibyte_text_are_all_found():
    from buildrunner.engine.model import Document

    lines = ["# café ☕ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢\n", "def f(cur, uid):\n"]
    for i in range(6):
        lines.append(f"    note = 'naïve {'é' * 40 * i} 😀'  # {'☕' * 30}\n")
        lines.append(f"    cur.execute(\"SELECT * FROM t{i} WHERE id = \" + uid)\n")
    findings = _code_matcher().scan(Document(path="app.py", text="".join(lines), language="python"))
    assert [(f.rule_id, f.line) for f in findings] == [("python.sql-injection.dbapi-execute", n)
                                                       for n in (4, 6, 8, 10, 12, 14)]


@settings(max_examples=4000, deadline=None)
@given(st.text(alphabet="/.pyjsPYJSxm \\", max_size=14))
@example("x.py/.")
@example("x.py/")
@example("x.py//./")
@example("")
@example(".py")
@example("a/..")
def test_language_for_path_is_the_path_objects_suffix(path):
    """Any text, including the ones a path object normalises (`a/b.py/`, `x.py/.`, `//`, ``)."""
    from pathlib import PurePosixPath

    from buildrunner.engine.parsing import EXTENSIONS

    assert language_for_path(path) == EXTENSIONS.get(PurePosixPath(path).suffix.lower())
    for suffix, language in EXTENSIONS.items():
        assert language_for_path(f"{path}{suffix}".lstrip("/") or suffix) == \
            EXTENSIONS.get(PurePosixPath(f"{path}{suffix}".lstrip("/") or suffix).suffix.lower())
        assert language_for_path(f"src/m{suffix.upper()}") == language
