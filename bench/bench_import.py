"""How much of a real detect-secrets baseline `br security baseline --import` carries over, and
whether a rotated secret ever slips through.

Corpus: every `examples.match` line of the built-in secret pack (credential shapes written from the
providers' documented formats), one file each, committed to a scratch git repository. The real
detect-secrets (dev dependency) writes `.secrets.baseline`; br imports it. Printed:

- carried: br findings whose secret detect-secrets also accepted (recall of the import), by how;
- entries: detect-secrets entries used vs not (those on lines br does not flag, or whose hash
  names no value br can see);
- rotated: every imported line rewritten with a different secret of the same shape; the import
  must let none of them through (precision: an imported entry accepts only its own secret).

    .venv/bin/python bench/bench_import.py
"""

from __future__ import annotations

import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _br(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "buildrunner", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "BR_TELEMETRY": "0"})


def _rotate(value: str, rng: random.Random) -> str:
    """Same shape, different characters: digits stay digits, letters keep their case."""
    out = []
    for ch in value:
        if ch.isdigit():
            out.append(rng.choice(string.digits))
        elif ch.islower() and ch in string.ascii_lowercase:
            out.append(rng.choice("abcdef" if ch in "abcdef" else string.ascii_lowercase))
        elif ch.isupper() and ch in string.ascii_uppercase:
            out.append(rng.choice(string.ascii_uppercase))
        else:
            out.append(ch)
    return "".join(out)


HELD_OUT_TEMPLATES = ('{{"service": {{"token": "{v}"}}}}\n', "export SERVICE_TOKEN='{v}'\n",
                      "service:\n  credentials: {v}\n")  # contexts never used while tuning the matcher


def measure(repo: Path, exe: str) -> tuple[list[dict], dict, list[dict], str]:
    """(br findings before, import summary, stored baseline entries, the detect-secrets baseline)."""
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    baseline = subprocess.run([exe, "scan"], cwd=repo, capture_output=True, text=True, check=True).stdout
    (repo / ".secrets.baseline").write_text(baseline)
    before = json.loads(_br("security", "check", "--json", "--no-baseline", cwd=repo).stdout)["findings"]
    summary = json.loads(_br("security", "baseline", "--import", ".secrets.baseline", "--json", cwd=repo).stdout)
    stored = json.loads((repo / ".buildrunner" / "baseline.json").read_text())["findings"]
    return before, summary, stored, baseline


def carried_on_flagged_lines(before: list[dict], stored: list[dict], baseline: str) -> tuple[int, int]:
    ds_lines = {(path, e.get("line_number")) for path, items in json.loads(baseline)["results"].items()
                for e in items}
    both = [f for f in before if (f["path"], f["line"]) in ds_lines]
    carried = {(e["path"], e["line"]) for e in stored}
    return sum((f["path"], f["line"]) in carried for f in both), len(both)


def held_out(exe: str, values: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        for i, value in enumerate(values):
            template = HELD_OUT_TEMPLATES[i % len(HELD_OUT_TEMPLATES)]
            (repo / f"h{i:04d}.cfg").write_text(template.format(v=value))
        before, _summary, stored, baseline = measure(repo, exe)
        hit, total = carried_on_flagged_lines(before, stored, baseline)
        print(f"held-out contexts (JSON / shell export / YAML, {len(values)} files): br findings on a line "
              f"detect-secrets flagged: {total}; carried: {hit} ({100 * hit / max(total, 1):.1f}%)")


def main() -> int:
    from buildrunner.engine.rules import load_rules

    rules = [r for r in load_rules(kinds=("secret",)).rules if r.enabled]
    exe = shutil.which("detect-secrets", path=str(Path(sys.executable).parent))
    if not exe:
        print("detect-secrets is not installed (make install)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        n = 0
        for rule in rules:
            for example in rule.examples.match:
                n += 1
                (repo / f"ex{n:04d}.txt").write_text(example + "\n", encoding="utf-8")
        before, summary, stored, baseline = measure(repo, exe)
        entries = sum(len(v) for v in json.loads(baseline)["results"].values())
        values = sorted({(repo / f["path"]).read_text().splitlines()[f["line"] - 1][f["column"] - 1:f["end_column"] - 1]
                         for f in before if f["line"] == f.get("end_line", f["line"])})
        how = Counter(e["matched_by"] for e in stored)
        print(f"corpus: {n} example lines from {len(rules)} secret rules")
        print(f"br findings: {len(before)}; carried over by the import: {len(stored)} "
              f"({100 * len(stored) / max(len(before), 1):.1f}%) by {dict(how)}")
        hit, total = carried_on_flagged_lines(before, stored, baseline)
        print(f"br findings on a line detect-secrets also flagged: {total}; carried: {hit} "
              f"({100 * hit / max(total, 1):.1f}%)")
        on_br_lines = sum(any(f"{p}:{ln}" in u for p, ln in {(f['path'], f['line']) for f in before})
                          for u in summary["unmatched"])
        print(f"detect-secrets entries: {entries}; used {entries - len(summary['unmatched'])}, "
              f"unmatched {len(summary['unmatched'])} ({on_br_lines} of them on a line br flags)")
        # precision: rotate every imported secret in place (whole, then only its second half, which
        # keeps a shared prefix); none may stay suppressed
        originals = {p: (repo / p).read_text() for p in {e["path"] for e in stored}}
        for label, keep in (("whole value", 0.0), ("second half", 0.5)):
            _rotate_all(repo, originals, before, random.Random(16), keep)
            after = json.loads(_br("security", "check", "--json", cwd=repo).stdout)
            still = {(f["path"], f["line"]) for f in after["findings"]}
            lines_of = {(e["path"], e["line"]) for e in stored}
            print(f"rotated ({label}) secrets on imported lines: {len(lines_of)}; reported again: "
                  f"{len(lines_of & still)}; still suppressed by the baseline: "
                  f"{after['summary']['suppressed_by'].get('baseline', 0)}")
    held_out(exe, values)
    return 0


def _rotate_all(repo: Path, originals: dict[str, str], findings: list[dict], rng: random.Random,
                keep: float) -> None:
    for path, text in originals.items():
        lines = text.splitlines()
        for f in (f for f in findings if f["path"] == path and f["line"] == f.get("end_line", f["line"])):
            line = lines[f["line"] - 1]
            start, end = f["column"] - 1, f["end_column"] - 1
            cut = start + int((end - start) * keep)
            lines[f["line"] - 1] = line[:cut] + _rotate(line[cut:end], rng) + line[end:]
        (repo / path).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
