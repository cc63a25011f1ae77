"""Scans and the quality gate feed telemetry counts — never the values they found."""

from tests.telemetry.conftest import log_text, read_events

AWS_KEY = "AKIAZ7FK4ZRI3R2WYOJF"


def test_security_check_records_counts_per_rule_not_values(project, br):
    (project.root / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    res = br("security", "check", "--quiet", cwd=project.root)
    assert res.exit_code == 1
    events = [e["data"] for e in read_events(project) if e["type"] == "security"]
    assert len(events) == 1
    assert events[0]["counts"] == {"secrets.aws-access-key-id": 1}
    assert events[0]["total"] == 1 and events[0]["scope"] == "files"
    assert AWS_KEY not in log_text(project)


def test_quality_check_records_score_and_coverage(project, br):
    (project.root / "app.py").write_text('def f(cur, uid):\n    cur.execute("SELECT * FROM t WHERE id = " + uid)\n')
    res = br("quality", "check", cwd=project.root)
    assert res.exit_code == 1
    quality = [e["data"] for e in read_events(project) if e["type"] == "quality"]
    assert len(quality) == 1
    assert quality[0]["passed"] is False
    assert quality[0]["violations"] >= 1
    assert 0 <= quality[0]["score"] <= 59
