"""Precision and recall of the SQL injection packs on the labelled set in bench/sqli-labelled/.

The set is written in Semgrep's test style: `# ruleid: <rule id>` (or `// ruleid:`) above a line
that must be reported, `# ok: <rule id>` above one that must not. `tune/` is what the rules were
tuned on; `heldout/` was written separately and never tuned on. Each file is one class (a sink
family or an analysis class); a directory is one class too, a small project whose files are scanned
with the directory as the project root (flows across its modules).

A finding on an annotated `ruleid` line is a true positive (a different rule id of the packs is
still a detection; the rule-id agreement is printed separately); a `ruleid` line without a finding
is a false negative; any other finding is a false positive.

    .venv/bin/python bench/accuracy_sqli.py [--json] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from buildrunner.engine.code import CodeMatcher  # noqa: E402
from buildrunner.engine.model import Document  # noqa: E402
from buildrunner.engine.rules import load_pack  # noqa: E402

SET = ROOT / "bench" / "sqli-labelled"
LANGUAGE = {".py": "python", ".js": "javascript", ".ts": "typescript"}
ANNOTATION = re.compile(r"^\s*(?:#|//)\s*(ruleid|ok)\s*:\s*([\w.\-]+)")


def labels(text: str) -> dict[int, tuple[str, str]]:
    """line → (ruleid|ok, rule id) for the first code line after each annotation."""
    out: dict[int, tuple[str, str]] = {}
    pending: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        m = ANNOTATION.match(line)
        if m:
            pending.append((m.group(1), m.group(2)))
            continue
        stripped = line.strip()
        if pending and stripped and not stripped.startswith(("#", "//")):
            out[number] = pending[-1]
            pending = []
    return out


def score_project(matcher: CodeMatcher, directory: Path) -> dict:
    """A class that is a small project (a directory): every file is scanned with the directory as
    the project root, so flows across its modules are followed; the scores add up."""
    total: dict = {"tp": 0, "fp": 0, "fn": 0, "same_rule": 0, "misses": [], "false_alarms": []}
    for path in sorted(p for p in directory.rglob("*") if p.suffix in LANGUAGE):
        one = score(matcher, path, root=directory)
        for key, value in one.items():
            total[key] += value
    return total


def score(matcher: CodeMatcher, path: Path, root: Path | None = None) -> dict:
    text = path.read_text(encoding="utf-8")
    truth = labels(text)
    found = {}
    doc = Document(str(path.relative_to(root)) if root else str(path), text, LANGUAGE[path.suffix],
                   root=str(root) if root else "")
    for f in matcher.scan(doc):
        found.setdefault(f.line, f.rule_id)
    tp = [ln for ln, (kind, _) in truth.items() if kind == "ruleid" and ln in found]
    fn = [ln for ln, (kind, _) in truth.items() if kind == "ruleid" and ln not in found]
    fp = [ln for ln in found if truth.get(ln, ("", ""))[0] != "ruleid"]
    same_rule = sum(1 for ln in tp if found[ln] == truth[ln][1])
    return {"tp": len(tp), "fp": len(fp), "fn": len(fn), "same_rule": same_rule,
            "misses": [f"{path.relative_to(ROOT)}:{ln}" for ln in fn],
            "false_alarms": [f"{path.relative_to(ROOT)}:{ln} ({found[ln]})" for ln in fp]}


def ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    rules = [r for name in ("sqli-python", "sqli-javascript")
             for r in load_pack(ROOT / "buildrunner" / "rules" / f"{name}.yaml", builtin=True).rules]
    matcher = CodeMatcher(rules)
    report: dict = {}
    for part in ("tune", "heldout"):
        classes = {}
        for path in sorted((SET / part).iterdir()):
            if path.suffix in LANGUAGE:
                classes[f"{LANGUAGE[path.suffix]}/{path.stem}"] = score(matcher, path)
            elif path.is_dir():
                language = next((LANGUAGE[p.suffix] for p in sorted(path.rglob("*")) if p.suffix in LANGUAGE), "")
                classes[f"{language}/{path.name}"] = score_project(matcher, path)
        total = {k: sum(c[k] for c in classes.values()) for k in ("tp", "fp", "fn", "same_rule")}
        report[part] = {"classes": classes, "total": total}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for part, data in report.items():
        print(f"== {part}")
        print(f"{'class':28} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>7} {'F1':>6}")
        rows = list(data["classes"].items()) + [("TOTAL", data["total"])]
        for name, c in rows:
            p, r = ratio(c["tp"], c["tp"] + c["fp"]), ratio(c["tp"], c["tp"] + c["fn"])
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            print(f"{name:28} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} {p:>10.3f} {r:>7.3f} {f1:>6.3f}")
        t = data["total"]
        print(f"rule id agrees on {t['same_rule']}/{t['tp']} detections")
        if args.show_misses:
            for c in data["classes"].values():
                for m in c["misses"]:
                    print("  missed     ", m)
                for m in c["false_alarms"]:
                    print("  false alarm", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
