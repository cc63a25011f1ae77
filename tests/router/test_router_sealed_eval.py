"""`bench/router_eval.py --sealed DIR`: the command the lead runs once on the sealed router set.

Run as a user runs it (a subprocess on a directory of YAML sets written here), never on the real
sealed directory: scores per source against always-Sonnet / always-Haiku, one audit line per run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SET_A = """source: typed
families:
  - [h, "fix the typo in the README", "readme typo: recieve -> receive"]
  - [s, "add a --json flag to the list command"]
  - [o, "write an ADR choosing between Kafka and SQS for the event bus"]
"""
SET_B = """source: pasted
families:
  - [s/o, "should we split the monolith into services?"]
"""


def run_eval(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "bench" / "router_eval.py"), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_sealed_scores_every_file_per_source_and_logs_one_line(tmp_path):
    sealed = tmp_path / "sealed"
    sealed.mkdir()
    (sealed / "a.yaml").write_text(SET_A, encoding="utf-8")
    (sealed / "b.yaml").write_text(SET_B, encoding="utf-8")
    (sealed / "notes.txt").write_text("not a set", encoding="utf-8")
    log = tmp_path / "log.jsonl"
    first = run_eval("--sealed", str(sealed), "--log", str(log))
    assert first.returncode == 0, first.stderr
    assert "5 tasks" in first.stdout
    for row in ("all", "typed", "pasted"):
        assert any(line.split()[:2] == [row, "5" if row == "all" else ("4" if row == "typed" else "1")]
                   for line in first.stdout.splitlines()), (row, first.stdout)
    record = json.loads(log.read_text(encoding="utf-8"))
    assert record["part"] == "sealed" and len(record["git_commit"]) >= 40
    # the log is committed: a set outside the repository is named, never by this machine's path
    assert record["dir"] == "sealed" and str(tmp_path) not in log.read_text(encoding="utf-8")
    assert len(record["weights_sha256_16"]) == 16 and len(record["data_sha256_16"]) == 16
    counts = record["counts"]
    assert set(counts) == {"all", "typed", "pasted"}
    assert counts["all"]["router"]["n"] == 5
    # the baselines are computed, not copied: always-Haiku is right only on the 2 Haiku items
    assert counts["all"]["always_haiku"] == {"n": 5, "acceptable": 0.4, "under": 0.6, "over": 0.0}
    assert counts["all"]["always_sonnet"] == {"n": 5, "acceptable": 0.4, "under": 0.2, "over": 0.4}
    assert counts["pasted"]["always_sonnet"]["acceptable"] == 1.0  # s/o accepts Sonnet
    # the router row is the router's own routes, not a baseline's
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from router_eval import _rates, evaluate, load_sealed
    finally:
        sys.path.pop(0)
    items = load_sealed(sealed)
    assert counts["all"]["router"] == _rates(evaluate(items))
    assert counts["typed"]["router"] == _rates(evaluate([i for i in items if i.source == "typed"]))
    second = run_eval("--sealed", str(sealed), "--log", str(log))
    assert second.returncode == 0
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["data_sha256_16"] == record["data_sha256_16"]


def test_sealed_bad_input_exits_2_with_the_file(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    log = tmp_path / "log.jsonl"
    result = run_eval("--sealed", str(empty), "--log", str(log))
    assert result.returncode == 2 and "no *.yaml" in result.stderr and "Traceback" not in result.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text('source: x\nfamilies:\n  - [s, "a"\n  - [h, "b"]\n', encoding="utf-8")
    result = run_eval("--sealed", str(broken), "--log", str(log))
    assert result.returncode == 2 and "x.yaml:" in result.stderr and "Traceback" not in result.stderr
    (broken / "x.yaml").write_text('source: x\nfamilies:\n  - [q, "a"]\n', encoding="utf-8")
    result = run_eval("--sealed", str(broken), "--log", str(log))
    assert result.returncode == 2 and "x.yaml" in result.stderr and "Traceback" not in result.stderr
    assert not log.exists()  # nothing scored, nothing logged
