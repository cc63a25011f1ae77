"""Conflict detection and merging on real repositories (no orchestrator involved)."""

from __future__ import annotations

from buildrunner.orchestration.merge import merge_tree, run_merge

BASE = '''class Cart:
    def add(self, item):
        self.items.append(item)
        return self

    def remove(self, item):
        self.items.remove(item)
        return self

    def total(self):
        subtotal = sum(i.cost for i in self.items)
        # tax applies to the whole cart
        tax = subtotal * 0.2
        # shipping is free above 50
        shipping = 0 if subtotal > 50 else 5
        return subtotal + tax + shipping
'''


def branch(repo, name, edits, start="main"):
    repo.git("checkout", "-q", "-b", name, start)
    for path, (old, new) in edits.items():
        text = (repo.root / path).read_text() if (repo.root / path).exists() else ""
        repo.write(path, text.replace(old, new, 1) if old else new)
    repo.add()
    sha = repo.commit(f"{name} work")
    repo.git("checkout", "-q", "main")
    return sha


def setup(repo, files=None):
    for path, text in (files or {"cart.py": BASE}).items():
        repo.write(path, text)
    repo.add()
    return repo.commit("base")


def test_same_method_edited_in_two_streams_is_a_semantic_conflict_git_would_miss(git_repo):
    setup(git_repo)
    branch(git_repo, "stream/a", {"cart.py": ("subtotal = sum(i.cost for i in self.items)",
                                              "subtotal = sum(i.cost * i.qty for i in self.items)")})
    branch(git_repo, "stream/b", {"cart.py": ("shipping = 0 if subtotal > 50 else 5",
                                              "shipping = 0 if subtotal > 80 else 7")})
    assert merge_tree(git_repo.root, "stream/a", "stream/b").clean  # git sees no conflict
    report = run_merge(git_repo.root, "main", [("a", "stream/a"), ("b", "stream/b")], dry_run=True)
    a, b = report.streams
    assert a.result == "pending" and b.result == "held"
    (c,) = b.conflicts
    assert (c.kind, c.file, c.symbols, c.sides) == ("symbol", "cart.py", ["Cart.total"], ["a", "b"])
    assert "modified method Cart.total" in c.detail
    assert len(c.commits["a"]) == 1 and len(c.commits["b"]) == 1
    assert git_repo.git("rev-parse", "main").strip() == report.before  # dry run: nothing moved


def test_different_methods_of_one_class_merge_cleanly(git_repo):
    setup(git_repo)
    branch(git_repo, "stream/a", {"cart.py": ("self.items.append(item)", "self.items.insert(0, item)")})
    branch(git_repo, "stream/b", {"cart.py": ("shipping = 0 if subtotal > 50 else 5", "shipping = 0")})
    report = run_merge(git_repo.root, "main", [("a", "stream/a"), ("b", "stream/b")])
    assert [s.result for s in report.streams] == ["merged", "merged"]
    text = (git_repo.root / "cart.py").read_text()  # main is checked out: the checkout follows
    assert "insert(0, item)" in text and "shipping = 0\n" in text
    assert git_repo.git("status", "--porcelain").strip() == ""
    assert git_repo.git("log", "-1", "--format=%P", "main").split()[1] == git_repo.git("rev-parse", "stream/b").strip()


def test_typescript_signature_change_against_new_call_sites(git_repo):
    setup(git_repo, {"src/price.ts": "export function price(item: Item, qty: number): number {\n  return item.cost * qty;\n}\n",
                     "src/cart.ts": "import { price } from './price';\nexport const one = (i: Item) => price(i, 1);\n"})
    # an optional parameter keeps the existing call working: core is clean, web's new call is flagged
    branch(git_repo, "stream/core", {"src/price.ts": ("qty: number)", "qty: number, currency?: string)")})
    branch(git_repo, "stream/web", {"src/cart.ts": ("", "import { price } from './price';\n"
                                                        "export const one = (i: Item) => price(i, 1);\n"
                                                        "export const two = (i: Item) => price(i, 2);\n")})
    report = run_merge(git_repo.root, "main", [("core", "stream/core"), ("web", "stream/web")], dry_run=True)
    assert report.streams[0].conflicts == []
    (c,) = report.streams[1].conflicts
    assert c.kind == "signature" and c.file == "src/price.ts" and c.other_file == "src/cart.ts"
    assert "price(i, 2)" in c.detail and "currency?: string" in c.detail
    assert "price(i, 1)" not in c.detail  # an untouched call is not blamed


def test_signature_change_that_breaks_existing_callers_nobody_touched_is_held(git_repo):
    setup(git_repo, {"src/price.ts": "export function price(item: Item, qty: number): number {\n  return item.cost * qty;\n}\n",
                     "src/cart.ts": "import { price } from './price';\nexport const one = (i: Item) => price(i, 1);\n",
                     "shop/price.py": "def price(item, qty):\n    return item.cost * qty\n",
                     "shop/report.py": "from shop.price import price\n\n\ndef daily(xs):\n    return [price(x, 1) for x in xs]\n",
                     "shop/other.py": "def price(a):\n    return a\n\n\nprint(price(1))\n"})
    branch(git_repo, "stream/core", {"src/price.ts": ("qty: number)", "qty: number, currency: string)")})
    branch(git_repo, "stream/py", {"shop/price.py": ("(item, qty)", "(item, qty, currency)")})
    branch(git_repo, "stream/ok", {"shop/price.py": ("(item, qty)", "(item, qty, currency='EUR')")})
    report = run_merge(git_repo.root, "main", [("core", "stream/core"), ("py", "stream/py"), ("ok", "stream/ok")])
    results = {s.stream: s.result for s in report.streams}
    assert results == {"core": "held", "py": "held", "ok": "merged"}
    (c,) = report.streams[0].conflicts
    assert c.kind == "signature" and c.sides == ["core", "integration:main"] and c.other_file == "src/cart.ts"
    assert "existing calls in src/cart.ts no longer fit (line 2: price(i, 1))" in c.detail
    (p,) = report.streams[1].conflicts  # shop/other.py defines its own price(): not a caller
    assert p.other_file == "shop/report.py" and "line 5: price(x, 1)" in p.detail and p.commits["py"]


def test_removed_function_against_new_calls_and_python_js_are_kept_apart(git_repo):
    setup(git_repo, {"lib.py": "def helper(x):\n    return x\n\n\ndef other():\n    return 1\n",
                     "app.js": "function helper(y) { return y; }\n"})
    branch(git_repo, "stream/a", {"lib.py": ("def helper(x):\n    return x\n\n\n", "")})
    branch(git_repo, "stream/b", {"use.py": ("", "from lib import helper\nprint(helper(2))\n"),
                                  "app.js": ("return y;", "return helper(y - 1);")})
    report = run_merge(git_repo.root, "main", [("a", "stream/a"), ("b", "stream/b")], dry_run=True)
    (c,) = report.streams[1].conflicts
    assert c.kind == "signature" and "removed function helper" in c.detail and c.other_file == "use.py"


def test_textual_conflict_with_the_moved_integration_branch_leaves_everything_intact(git_repo):
    setup(git_repo)
    stream = branch(git_repo, "stream/a", {"cart.py": ("tax = subtotal * 0.2", "tax = subtotal * 0.25")})
    git_repo.write("cart.py", BASE.replace("tax = subtotal * 0.2", "tax = subtotal * 0.19"))
    git_repo.add()
    main = git_repo.commit("main moved")
    report = run_merge(git_repo.root, "main", [("a", "stream/a")])
    (s,) = report.streams
    assert s.result == "held"
    (c,) = s.conflicts
    assert c.kind == "textual" and c.file == "cart.py" and c.symbols == ["Cart.total"]
    assert c.sides == ["integration:main", "a"] and "Merge conflict in cart.py" in c.detail
    assert git_repo.git("rev-parse", "main").strip() == main
    assert git_repo.git("rev-parse", "stream/a").strip() == stream
    assert "<<<<" not in (git_repo.root / "cart.py").read_text()
    assert "git merge main" in report.suggestions[-1]


def test_a_dirty_checkout_blocks_the_fast_forward_without_losing_anything(git_repo):
    setup(git_repo)
    branch(git_repo, "stream/a", {"cart.py": ("0.2", "0.3")})
    before = git_repo.git("rev-parse", "main").strip()
    git_repo.write("cart.py", BASE + "# local edit\n")
    report = run_merge(git_repo.root, "main", [("a", "stream/a")])
    assert report.streams[0].result == "error" and "commit or stash" in report.streams[0].message
    assert git_repo.git("rev-parse", "main").strip() == before
    assert (git_repo.root / "cart.py").read_text().endswith("# local edit\n")


def test_integration_branch_not_checked_out_moves_by_update_ref(git_repo):
    setup(git_repo)
    git_repo.git("branch", "integration")
    branch(git_repo, "stream/a", {"new.py": ("", "x = 1\n")}, start="integration")
    report = run_merge(git_repo.root, "integration", [("a", "stream/a"), ("gone", "stream/gone")])
    assert [s.result for s in report.streams] == ["merged", "error"]
    assert "does not exist" in report.streams[1].message
    assert git_repo.git("show", "integration:new.py") == "x = 1\n"
    assert not (git_repo.root / "new.py").exists()  # the checked-out main was not touched
    again = run_merge(git_repo.root, "integration", [("a", "stream/a")])
    assert again.streams[0].result == "nothing"


def test_orchestrator_emits_telemetry_for_batches_merges_and_conflicts(project, monkeypatch):
    import json as _json

    from buildrunner.orchestration.orchestrator import Orchestrator

    monkeypatch.setenv("BR_TELEMETRY", "1")
    orch = Orchestrator(project.root)
    orch.start()
    for name, edit in (("core", "0.8"), ("api", "0.7")):  # both change discount(): a symbol conflict
        wt = project.root / ".buildrunner" / "worktrees" / name
        text = (wt / "core" / "pricing.py").read_text().replace("0.9", edit)
        text = text.replace("return total *", "total = total\n    return total *")
        (wt / "core" / "pricing.py").write_text(text)
        project.git("-C", str(wt), "commit", "-qam", f"{name} edit")
    report = orch.merge(["core", "api"])
    assert [s.result for s in report.streams] == ["merged", "held"]
    files = list((project.root / ".buildrunner").rglob("*.jsonl"))
    events = [_json.loads(line) for f in files for line in f.read_text().splitlines() if line.strip()]
    actions = [(e["type"], e["data"].get("action")) for e in events]
    assert ("orchestration", "batch_started") in actions
    assert ("orchestration", "conflicts_found") in actions
    merges = [e["data"] for e in events if e["data"].get("action") == "merge_result"]
    assert {(m["stream"], m["result"]) for m in merges} == {("core", "merged"), ("api", "held")}
    routed = [e["data"] for e in events if e["data"].get("action") == "task_routed"]
    assert routed and all(r["model"].startswith("claude-") and r["source"] == "auto" and r["complexity"]
                          for r in routed)
    assert not any("title" in r or "Prices take" in _json.dumps(r) for r in routed)  # no task text


def test_odd_file_names_binary_and_invalid_utf8_sources_do_not_break_detection(git_repo):
    setup(git_repo, {"cart.py": BASE, "blob.bin": "x"})
    branch(git_repo, "stream/a", {"caf\udcc3.py": ("", "def f():\n    return 1\n")})
    git_repo.git("checkout", "-q", "-b", "stream/b")
    (git_repo.root / "blob.bin").write_bytes(b"\x00\xff" * 100)
    (git_repo.root / "bad.py").write_bytes(b"def g(:\n  \xff\xfe\n")
    git_repo.add()
    git_repo.commit("b")
    git_repo.git("checkout", "-q", "main")
    report = run_merge(git_repo.root, "main", [("a", "stream/a"), ("b", "stream/b")])
    assert [s.result for s in report.streams] == ["merged", "merged"]


def test_same_named_calls_on_unrelated_objects_are_not_blamed(git_repo):
    setup(git_repo, {"cart.py": BASE, "tags.py": "def tags(items):\n    seen = set()\n    return seen\n",
                     "shop.py": "from cart import Cart\n\n\ndef fill(c):\n    return c\n"})
    branch(git_repo, "stream/a", {"cart.py": ("def add(self, item):", "def add(self, item, qty=1):")})
    branch(git_repo, "stream/b", {"tags.py": ("    return seen", "    seen.add('x')\n    return seen"),
                                  "shop.py": ("    return c", "    return c.add(1)")})
    report = run_merge(git_repo.root, "main", [("a", "stream/a"), ("b", "stream/b")], dry_run=True)
    (c,) = report.streams[1].conflicts  # shop.py names Cart: its new call counts; tags.py's set.add does not
    assert c.other_file == "shop.py" and "c.add(1)" in c.detail


def _verifier(git_repo, tmp_path, script: str):
    from buildrunner.orchestration.verify import Verifier

    check = tmp_path / "check.py"
    check.write_text(script)
    import sys

    return Verifier(git_repo.root, f"{sys.executable} {check}", timeout=60)


def test_verify_bisects_the_failing_stream_out_of_several_and_main_never_sees_it(git_repo, tmp_path):
    setup(git_repo, {"a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n"})
    start = git_repo.git("rev-parse", "main").strip()
    for name in ("a", "b", "c"):
        branch(git_repo, f"stream/{name}", {f"{name}.txt": (name, name + " changed" + (" BAD" if name == "b" else ""))})
    verify = _verifier(git_repo, tmp_path, "import pathlib, sys\n"
                       "bad = [p.name for p in pathlib.Path('.').glob('*.txt') if 'BAD' in p.read_text()]\n"
                       "print('checked', len(list(pathlib.Path('.').glob('*.txt'))), 'files')\n"
                       "sys.exit(f'BAD marker in {bad}' if bad else 0)\n")
    report = run_merge(git_repo.root, "main", [(n, f"stream/{n}") for n in ("a", "b", "c")], message="batch-7",
                       verify=verify)
    assert {s.stream: s.result for s in report.streams} == {"a": "merged", "b": "held", "c": "merged"}
    (c,) = report.streams[1].conflicts
    assert c.kind == "verify" and c.sides == ["b"] and "exited with code 1" in c.detail
    assert "on main + a + b" in c.detail and "BAD marker in ['b.txt']" in c.output
    assert any(s.startswith("then fix b:") for s in report.suggestions)
    from buildrunner.orchestration.repl import render_merge

    shown = "\n".join(render_merge(report))
    assert "b: held" in shown and "[verify] b:" in shown and "      | BAD marker in ['b.txt']" in shown
    # only verified results ever reached main: one fast-forward to a tree without b's change
    assert git_repo.git("log", "--first-parent", "--format=%s", f"{start}..main").split() == \
        ["Merge", "stream/c", "into", "main", "(batch-7)", "Merge", "stream/a", "into", "main", "(batch-7)"]
    assert "BAD" not in (git_repo.root / "b.txt").read_text()
    assert verify.runs == 4  # a+b+c, a, a+b, a+c (no run repeated for the same tree)
    assert git_repo.git("worktree", "list").strip().count("\n") == 0  # temporary worktrees are gone


def test_verify_failing_on_main_itself_blames_no_stream_and_merges_nothing(git_repo, tmp_path):
    setup(git_repo, {"a.txt": "BAD\n"})
    branch(git_repo, "stream/a", {"a.txt": ("BAD", "BAD still")})
    before = git_repo.git("rev-parse", "main").strip()
    verify = _verifier(git_repo, tmp_path, "import pathlib, sys\n"
                       "sys.exit(1 if 'BAD' in pathlib.Path('a.txt').read_text() else 0)\n")
    report = run_merge(git_repo.root, "main", [("a", "stream/a")], verify=verify)
    (a,) = report.streams
    assert a.result == "error" and "verify fails on main itself" in a.message and a.conflicts == []
    assert git_repo.git("rev-parse", "main").strip() == before


def test_verify_that_hangs_is_stopped_at_its_timeout(git_repo, tmp_path):
    from buildrunner.orchestration.verify import Verifier

    setup(git_repo, {"a.txt": "a\n"})
    head = git_repo.git("rev-parse", "main").strip()
    result = Verifier(git_repo.root, "echo started; sleep 30", timeout=1)(head)
    assert not result.ok and result.exit_code is None and "started" in result.tail and "verify_timeout" in result.tail
    assert result.seconds < 10


def test_a_textual_conflict_with_earlier_merged_work_names_the_stream_that_made_it(git_repo):
    setup(git_repo)
    branch(git_repo, "stream/core", {"cart.py": ("tax = subtotal * 0.2", "tax = subtotal * 0.25")})
    branch(git_repo, "stream/api", {"cart.py": ("self.items.append(item)", "self.items.insert(0, item)")})
    branch(git_repo, "stream/ui", {"cart.py": ("tax = subtotal * 0.2", "tax = subtotal * 0.19")})
    first = run_merge(git_repo.root, "main", [("core", "stream/core"), ("api", "stream/api")], message="batch-1")
    assert [s.result for s in first.streams] == ["merged", "merged"]
    report = run_merge(git_repo.root, "main", [("ui", "stream/ui")], message="batch-2")  # a later round
    (c,) = report.streams[0].conflicts
    assert c.kind == "textual" and c.sides == ["integration:main", "ui"]
    assert "from stream core" in c.detail and "api" not in c.detail


def test_existing_constructor_and_method_calls_are_checked_against_the_new_signature(git_repo):
    setup(git_repo, {"shop/cart.py": "class Cart:\n    def __init__(self, items):\n        self.items = items\n",
                     "shop/use.py": "from shop.cart import Cart\n\nc = Cart([])\n",
                     "web/cart.js": "export class Cart {\n  constructor(items) { this.items = items; }\n"
                                    "  add(item) { this.items.push(item); }\n}\n",
                     "web/use.js": "import { Cart } from './cart';\nconst c = new Cart([]);\nc.add(1);\n"})
    branch(git_repo, "stream/py", {"shop/cart.py": ("(self, items)", "(self, items, currency)")})
    branch(git_repo, "stream/pyok", {"shop/cart.py": ("(self, items)", "(self, items, currency='EUR')")})
    branch(git_repo, "stream/js", {"web/cart.js": ("constructor(items)", "constructor(items, currency)")})
    branch(git_repo, "stream/jsm", {"web/cart.js": ("add(item)", "add(item, qty)")})
    report = run_merge(git_repo.root, "main", [(n, f"stream/{n}") for n in ("py", "pyok", "js", "jsm")], dry_run=True)
    by = {s.stream: s for s in report.streams}
    assert by["pyok"].conflicts == []
    assert "existing calls in shop/use.py no longer fit (line 3: Cart([]))" in by["py"].conflicts[0].detail
    assert "existing calls in web/use.js no longer fit (line 2: new Cart([]))" in by["js"].conflicts[0].detail
    assert "(line 3: c.add(1))" in by["jsm"].conflicts[0].detail
