"""Prove that a change to the scan engine changed no finding: scan real trees, save, compare.

    .venv/bin/python bench/findings_diff.py --save /tmp/before.json      # on the old commit
    .venv/bin/python bench/findings_diff.py --against /tmp/before.json   # on the new one

Scans the same pinned source distributions as bench/bench_sqli.py (SQLAlchemy and Django by
default, unpacked under bench/.work/sqli/ and committed to a throwaway git repository) with
`br security check --json --no-baseline` and ALL built-in rules. A finding is compared on
everything that identifies and locates it: rule id, path, line, column, end line/column,
fingerprint, message, trace and masked snippet. Exit 1 (and the differing findings listed) when
the two sets differ; also compares the files-scanned and skipped counts, and lists the files
skipped by one side only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sqli import ENV, obtain_tree  # noqa: E402 — bench scripts are run as files

PACKAGES = ("sqlalchemy==2.0.36", "django==5.1.4")
FIELDS = ("rule_id", "path", "line", "column", "end_line", "end_column", "fingerprint", "message", "snippet",
          "trace")


def key(finding: dict) -> str:
    return json.dumps({f: finding.get(f) for f in FIELDS}, sort_keys=True)


def scan(tree: Path, jobs: int) -> dict:
    env = {**ENV, "BR_TELEMETRY": "0", "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "buildrunner", "security", "check", "--json", "--no-baseline",
                           "--jobs", str(jobs)], cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"br failed in {tree} ({proc.returncode}):\n{proc.stderr[-3000:]}")
    data = json.loads(proc.stdout)
    return {"findings": sorted(key(f) for f in data["findings"]),
            "files_scanned": data["summary"]["files_scanned"], "skipped": data["summary"]["skipped"],
            "skipped_files": sorted(f"{s['reason']} {s['path']}" for s in data.get("skipped", []))}


def compare(label: str, before: dict, after: dict) -> bool:
    old, new = Counter(before["findings"]), Counter(after["findings"])
    lost, gained = old - new, new - old
    same = not lost and not gained and before["files_scanned"] == after["files_scanned"] \
        and before["skipped"] == after["skipped"]
    print(f"{label}: {sum(old.values())} findings before, {sum(new.values())} after; "
          f"files scanned {before['files_scanned']} → {after['files_scanned']}, "
          f"skipped {before['skipped']} → {after['skipped']}: {'IDENTICAL' if same else 'DIFFERENT'}")
    for what, items in (("lost", lost), ("new", gained)):
        for item in sorted(items.elements()):
            f = json.loads(item)
            print(f"  {what}: {f['rule_id']} {f['path']}:{f['line']}:{f['column']}")
    if "skipped_files" in before:  # (files saved by an older version of this script have no list)
        old_skips, new_skips = set(before["skipped_files"]), set(after["skipped_files"])
        for what, items in (("no longer skipped", old_skips - new_skips), ("now skipped", new_skips - old_skips)):
            for item in sorted(items):
                print(f"  {what}: {item}")
    return same


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", metavar="FILE", help="scan and write the findings to FILE")
    group.add_argument("--against", metavar="FILE", help="scan and compare with the findings saved in FILE")
    ap.add_argument("--package", action="append", help=f"sdist to scan (repeatable; default {', '.join(PACKAGES)})")
    ap.add_argument("--jobs", type=int, default=0, help="br workers (0 = one per core)")
    args = ap.parse_args()

    results = {spec: scan(obtain_tree(spec), args.jobs) for spec in (args.package or PACKAGES)}
    if args.save:
        Path(args.save).write_text(json.dumps(results, indent=1), encoding="utf-8")
        for spec, r in results.items():
            print(f"{spec}: {len(r['findings'])} findings saved to {args.save}")
        return 0
    saved = json.loads(Path(args.against).read_text(encoding="utf-8"))
    same = [compare(spec, saved[spec], r) for spec, r in results.items() if spec in saved]
    missing = sorted(set(results) - set(saved))
    if missing:
        print(f"not in {args.against}: {', '.join(missing)}")
    return 0 if same and all(same) and not missing else 1


if __name__ == "__main__":
    os.environ.setdefault("BR_TELEMETRY", "0")
    sys.exit(main())
