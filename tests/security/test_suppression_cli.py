"""Whitelist, baseline and --report-unused through the CLI, as a user would run them."""

from __future__ import annotations

import json

from tests.engine.scanhelp import RULES, token


def _check_json(br, repo, *args):
    res = br("security", "check", "--json", *RULES, *args, cwd=repo.root)
    return res, json.loads(res.stdout) if res.stdout.strip() else {}


def test_whitelist_by_path_line_survives_moves_but_not_new_values(repo, br):
    repo.write("cfg.py", f"A = 1\nKEY = '{token(1)}'\n")
    res = br("security", "whitelist", "cfg.py:2", "--reason", "test fixture", cwd=repo.root)
    assert res.exit_code == 0, res.output
    assert "testpack.token" in res.stdout and "cfg.py:2" in res.stdout
    assert token(1) not in res.output
    text = (repo.root / ".buildrunner" / "whitelist.txt").read_text()
    assert token(1) not in text and token(1)[7:15] not in text
    assert "testpack.token cfg.py:2 test fixture (added " in text
    assert br("security", "check", *RULES, cwd=repo.root).exit_code == 0
    # lines inserted above: still whitelisted
    repo.write("cfg.py", f"# header\n\n\nA = 1\nKEY = '{token(1)}'\n")
    res, data = _check_json(br, repo)
    assert res.exit_code == 0 and data["summary"]["suppressed_by"] == {"whitelist": 1}
    # a new secret on the whitelisted line is still caught
    repo.write("cfg.py", f"# header\n\n\nA = 1\nKEY = '{token(2)}'\n")
    res, data = _check_json(br, repo)
    assert res.exit_code == 1 and data["findings"][0]["line"] == 5


def test_whitelist_by_fingerprint(repo, br):
    repo.write("a.js", f"const k = '{token(1)}';\nconst j = '{token(2)}';\n")
    _, data = _check_json(br, repo)
    fp = next(f["fingerprint"] for f in data["findings"] if f["line"] == 2)
    res = br("security", "whitelist", "--fingerprint", fp, "--reason", "rotated", cwd=repo.root)
    assert res.exit_code == 0 and fp in res.stdout
    res, data = _check_json(br, repo)
    assert [f["line"] for f in data["findings"]] == [1]
    # adding it again is a no-op with a warning
    res = br("security", "whitelist", "--fingerprint", fp, cwd=repo.root)
    assert "already whitelisted" in res.stderr
    assert (repo.root / ".buildrunner" / "whitelist.txt").read_text().count(fp) == 1


def test_whitelist_staged_only_line(repo, br):
    repo.write("a.py", f"x = 1\nKEY = '{token(1)}'\n")
    repo.add()
    repo.write("a.py", "x = 1\n")  # the hook saw line 2 of the staged version
    assert br("security", "check", "--staged", *RULES, cwd=repo.root).exit_code == 1
    res = br("security", "whitelist", "a.py:2", cwd=repo.root)
    assert res.exit_code == 0, res.output
    assert br("security", "check", "--staged", *RULES, cwd=repo.root).exit_code == 0


def test_whitelist_errors(repo, br):
    repo.write("a.py", "x = 1\n")
    assert br("security", "whitelist", "a.py:1", cwd=repo.root).exit_code == 2  # nothing there
    assert br("security", "whitelist", "a.py", cwd=repo.root).exit_code == 2  # no line
    assert br("security", "whitelist", "--fingerprint", "nothex", cwd=repo.root).exit_code == 2
    assert br("security", "whitelist", cwd=repo.root).exit_code == 2
    assert not (repo.root / ".buildrunner" / "whitelist.txt").exists()


def test_whitelist_rule_option_picks_one_of_several(repo, br):
    repo.write("a.py", f"KEY = '{token(1)}'; K2 = 'brpy_Q8x2Lm4Pz7Rt1Vb6'\n")
    res = br("security", "whitelist", "a.py:1", "--rule", "testpack.pykey", cwd=repo.root)
    assert res.exit_code == 0 and "testpack.pykey" in res.stdout and "testpack.token" not in res.stdout
    _, data = _check_json(br, repo)
    assert [f["rule_id"] for f in data["findings"]] == ["testpack.token"]


def test_malformed_whitelist_warns_with_line_number(repo, br):
    repo.write(".buildrunner/whitelist.txt", "# ok\nthis is not a fingerprint\n")
    repo.write("a.py", f"KEY = '{token(1)}'\n")
    res = br("security", "check", *RULES, cwd=repo.root)
    assert res.exit_code == 1
    assert "whitelist.txt:2" in res.stderr and "not a fingerprint" in res.stderr


def test_baseline_suppresses_existing_and_reports_new(repo, br):
    repo.write("old.py", f"KEY = '{token('old')}'\n")
    res = br("security", "baseline", *(), cwd=repo.root)
    assert res.exit_code == 0, res.output
    assert "covers" in res.stdout
    data = json.loads((repo.root / ".buildrunner" / "baseline.json").read_text())
    testpack = [e for e in data["findings"] if e["rule_id"] == "testpack.token"]
    assert len(testpack) == 1 and testpack[0]["path"] == "old.py"
    assert token("old") not in json.dumps(data)
    assert br("security", "check", *RULES, cwd=repo.root).exit_code == 0
    repo.write("new.py", f"KEY = '{token('new')}'\n")
    res, out = _check_json(br, repo)
    assert res.exit_code == 1 and [f["path"] for f in out["findings"]] == ["new.py"]
    # --no-baseline shows everything
    _, out = _check_json(br, repo, "--no-baseline")
    assert sorted(f["path"] for f in out["findings"]) == ["new.py", "old.py"]


def test_baseline_update_keeps_dates_and_refuses_silent_overwrite(repo, br):
    repo.write("old.py", f"KEY = '{token('old')}'\n")
    assert br("security", "baseline", cwd=repo.root).exit_code == 0
    path = repo.root / ".buildrunner" / "baseline.json"
    data = json.loads(path.read_text())
    data["findings"] = [dict(e, created="2020-01-01T00:00:00+00:00") for e in data["findings"]]
    path.write_text(json.dumps(data))
    res = br("security", "baseline", cwd=repo.root)
    assert res.exit_code == 2 and "--update" in res.stderr
    repo.write("new.py", f"KEY = '{token('new')}'\n")
    res = br("security", "baseline", "--update", "--json", cwd=repo.root)
    counts = json.loads(res.stdout)
    assert counts["added"] >= 1 and counts["kept"] >= 1
    entries = {e["path"]: e for e in json.loads(path.read_text())["findings"] if e["rule_id"] == "testpack.token"}
    assert entries["old.py"]["created"] == "2020-01-01T00:00:00+00:00"
    assert entries["new.py"]["created"] != "2020-01-01T00:00:00+00:00"


def test_corrupt_baseline_exits_2_and_is_not_rewritten(repo, br):
    repo.write(".buildrunner/baseline.json", "{not json")
    repo.write("a.py", "x = 1\n")
    res = br("security", "check", *RULES, cwd=repo.root)
    assert res.exit_code == 2 and "baseline.json:1" in res.stderr
    assert (repo.root / ".buildrunner" / "baseline.json").read_text() == "{not json"
    assert br("security", "check", "--no-baseline", *RULES, cwd=repo.root).exit_code == 0


def test_report_unused(repo, br):
    repo.write("a.py", f"KEY = '{token(1)}'\nK2 = '{token(2)}'\n")
    assert br("security", "whitelist", "a.py:1", cwd=repo.root).exit_code == 0
    assert br("security", "whitelist", "a.py:2", cwd=repo.root).exit_code == 0
    repo.write("a.py", f"KEY = '{token(1)}'\n")  # the second secret is gone
    res = br("security", "check", "--report-unused", *RULES, cwd=repo.root)
    assert res.exit_code == 0
    assert "1 whitelist/baseline entries matched no finding" in res.stderr
    assert "whitelist.txt:3" in res.stderr  # line 1 is the header comment
    # nothing was rewritten as a side effect
    assert (repo.root / ".buildrunner" / "whitelist.txt").read_text().count("testpack.token") == 2


def test_inline_ignore_and_bare_hint_through_cli(repo, br):
    repo.write("a.py", f"KEY = '{token(1)}'  # br: ignore[testpack.token]\nK2 = '{token(2)}'  # br: ignore\n")
    res = br("security", "check", *RULES, cwd=repo.root)
    assert res.exit_code == 1
    assert "a.py:2" in res.stdout and "a.py:1:" not in res.stdout
    assert "bare `br: ignore` suppresses nothing" in res.stderr


def test_unwritable_whitelist_location_exits_2(repo, br):
    (repo.root / ".buildrunner" / "whitelist.txt").mkdir()  # unwritable even for root
    repo.write("a.py", f"KEY = '{token(1)}'\n")
    res = br("security", "whitelist", "a.py:1", "--reason", "x", cwd=repo.root)
    assert res.exit_code == 2 and "cannot write" in res.stderr
    assert token(1) not in res.output


def test_whitelist_staged_file_deleted_from_work_tree(repo, br):
    repo.write("gone.py", f"KEY = '{token(1)}'\n")
    repo.add()
    (repo.root / "gone.py").unlink()
    assert br("security", "check", "--staged", *RULES, cwd=repo.root).exit_code == 1
    res = br("security", "whitelist", "gone.py:1", cwd=repo.root)
    assert res.exit_code == 0, res.output
    assert br("security", "check", "--staged", *RULES, cwd=repo.root).exit_code == 0


def test_partial_scans_do_not_call_other_files_entries_unused(repo, br):
    """Scanning one path or the index reads only some files: the other files' whitelist entries
    are not "unused" (deleting them, as that would suggest, brings their findings back)."""
    repo.write("a.py", f"KEY = '{token(1)}'\n")
    repo.write("b.py", "x = 1\n")
    assert br("security", "whitelist", "a.py:1", cwd=repo.root).exit_code == 0
    repo.add("b.py")
    for args in (("b.py",), ("--staged",)):
        res, data = _check_json(br, repo, *args)
        assert res.exit_code == 0, res.output
        assert data["summary"]["unused_suppressions"] == 0 and data["unused_suppressions"] == []
        text = br("security", "check", *RULES, *args, cwd=repo.root)
        assert "unused" not in text.output
        bad = br("security", "check", "--report-unused", *RULES, *args, cwd=repo.root)
        assert bad.exit_code == 2 and "needs a full scan" in bad.stderr
    # the full scan still knows the entry is used
    res, data = _check_json(br, repo)
    assert data["summary"]["suppressed_by"] == {"whitelist": 1} and data["unused_suppressions"] == []


def test_a_secret_pasted_into_the_reason_is_not_stored(repo, br):
    from buildrunner.mask import mask_value

    pasted = "ghp_" + "Zq8Xv2Lr5Tn9Wc4Yb7Md1Kf6Hs3Jp0Ga2Ue5"
    repo.write("a.py", f"KEY = '{token(1)}'\n")
    res = br("security", "whitelist", "a.py:1", "--reason", f"rotated, was {pasted}", cwd=repo.root)
    assert res.exit_code == 0, res.output
    res = br("security", "whitelist", "--fingerprint", "0123456789abcdef:0", "--reason", pasted, cwd=repo.root)
    assert res.exit_code == 0, res.output
    text = (repo.root / ".buildrunner" / "whitelist.txt").read_text()
    assert pasted not in text and pasted[4:20] not in text
    assert text.count(mask_value(pasted)) == 2


def test_baseline_update_repairs_a_corrupt_baseline_as_its_error_hint_says(repo, br):
    repo.write("a.py", f"KEY = '{token(1)}'\n")
    repo.write(".buildrunner/baseline.json", "{not json")
    res = br("security", "check", *RULES, cwd=repo.root)
    assert res.exit_code == 2 and "br security baseline --update" in res.stderr
    assert br("security", "baseline", cwd=repo.root).exit_code == 2  # without --update: kept as is
    assert (repo.root / ".buildrunner" / "baseline.json").read_text() == "{not json"
    res = br("security", "baseline", "--update", cwd=repo.root)
    assert res.exit_code == 0, res.output
    assert "not valid JSON" in res.stderr and "fresh baseline" in res.stderr
    assert br("security", "check", *RULES, cwd=repo.root).exit_code == 0
