"""`select_model` and `br model route`: auto, manual, overrides, fallback chains, speed."""

from __future__ import annotations

import json
import sys

import pytest

from buildrunner import config as cfg
from buildrunner.errors import ConfigError
from buildrunner.router.routing import select_model


def _conf(root, text):
    path = root / ".buildrunner" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return cfg.load(path)


def test_auto_routes_by_complexity(tmp_path):
    conf = _conf(tmp_path, "model:\n  routing: auto\n")
    assert select_model("Sort the imports in models.py", config=conf).tier == "haiku"
    assert select_model("Implement a /health endpoint", config=conf).tier == "sonnet"
    # the product policy: bug fixes (even concurrency ones) are Sonnet work, planning is Opus's
    assert select_model("Fix the deadlock in the connection pool", config=conf).tier == "sonnet"
    assert select_model("Write an RFC for the new auth design", config=conf).tier == "opus"
    assert select_model("Should we split billing and auth out of the monolith first?", config=conf).tier == "opus"


def test_manual_uses_default_and_still_records_complexity(tmp_path):
    conf = _conf(tmp_path, "model:\n  routing: manual\n  default: haiku\n")
    sel = select_model("Migrate the session storage from cookies to Redis", config=conf)
    assert sel.tier == "haiku" and sel.mode == "manual"
    assert sel.complexity.level == "complex"


def test_override_beats_routing_and_accepts_model_ids(tmp_path):
    conf = _conf(tmp_path, "model:\n  routing: manual\n  default: haiku\n")
    assert select_model("anything", config=conf, override="opus").model_id == "claude-opus-5-5"
    sel = select_model("anything", config=conf, override="claude-sonnet-4-6")
    assert sel.model_id == "claude-sonnet-4-6" and sel.mode == "override" and sel.spec.estimated
    with pytest.raises(ConfigError):
        select_model("anything", config=conf, override="llama-3")


def test_default_fallback_chain_goes_to_sonnet_then_the_other_tier(tmp_path):
    conf = _conf(tmp_path, "model:\n  routing: auto\n")
    haiku = select_model("Fix the typo in README", config=conf)
    assert [s.tier for s in haiku.chain] == ["haiku", "sonnet", "opus"]
    opus = select_model("Design the architecture for the billing system", config=conf)
    assert [s.tier for s in opus.chain] == ["opus", "sonnet", "haiku"]


def test_configured_fallback_chain(tmp_path):
    conf = _conf(tmp_path, "model:\n  fallback: [opus]\n  models:\n    opus: claude-opus-5\n")
    sel = select_model("Fix the typo in README", config=conf)
    assert [s.model_id for s in sel.chain] == ["claude-haiku-5-5", "claude-opus-5"]


def test_route_command_text_json_and_explain(br, tmp_path):
    _conf(tmp_path, "model:\n  routing: auto\n")
    res = br("model", "route", "Fix the race condition in the job queue", cwd=tmp_path)
    assert res.exit_code == 0
    assert res.stdout.startswith("claude-sonnet-5-5  [sonnet, complex")
    res = br("model", "route", "Refactor the parser", "--files", "12", "--json", "--explain", cwd=tmp_path)
    data = json.loads(res.stdout)
    assert data["tier"] == "sonnet" and data["complexity"] == "complex"
    top = data["decisions"]["needs_sonnet"]["top"] + data["decisions"]["needs_opus"]["top"]
    assert any(t["feature"] == "ctx:files>=8" and t["words"] == ["12 files"] for t in top)
    assert data["fallback_chain"] == ["claude-opus-5-5", "claude-haiku-5-5"]
    res = br("model", "route", "Format the code with black", "--explain", cwd=tmp_path)
    assert "claude-haiku-5-5" in res.stdout
    assert "needs sonnet? no" in res.stdout and "needs opus? no" in res.stdout
    assert "← 'format'" in res.stdout  # the words behind the top contributions


def test_route_override_and_bad_model(br, tmp_path):
    assert "claude-haiku-5-5" in br("model", "route", "Design a system", "--model", "haiku", cwd=tmp_path).stdout
    res = br("model", "route", "x", "--model", "gpt-4o", cwd=tmp_path)
    assert res.exit_code == 2 and "unknown model 'gpt-4o'" in res.stderr
    for empty in ("", "   "):  # a blank task (an unset shell variable) is not routed as "medium"
        res = br("model", "route", empty, "--json", cwd=tmp_path)
        assert res.exit_code == 2 and "the task is empty" in res.stderr and res.stdout == ""


@pytest.mark.parametrize("config_text, key, name", [
    ("model:\n  routing: manual\n  default: gpt\n", "model.default", "gpt"),
    ("model:\n  fallback: [opus, gpt5]\n", "model.fallback", "gpt5"),
])
def test_an_unknown_configured_model_names_the_setting(br, tmp_path, config_text, key, name):
    with pytest.raises(ConfigError):
        _conf(tmp_path, config_text)
    res = br("model", "route", "x", cwd=tmp_path)
    assert res.exit_code == 2 and f"{key} must be one of haiku, sonnet, opus" in res.stderr
    assert f"got '{name}'" in res.stderr and "config.yaml:" in res.stderr  # file and line: fix it there
    assert br("model", "route", "x", "--model", "sonnet", cwd=tmp_path).exit_code == 2


def test_route_reports_malformed_config_with_line(br, tmp_path):
    path = tmp_path / ".buildrunner" / "config.yaml"
    path.parent.mkdir()
    path.write_text("model:\n  routing: [auto\n", encoding="utf-8")
    res = br("model", "route", "x", cwd=tmp_path)
    assert res.exit_code == 2 and "config.yaml:" in res.stderr
    assert path.read_text() == "model:\n  routing: [auto\n"


def test_route_never_imports_anthropic(tmp_path):
    import subprocess

    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "buildrunner", "model", "route",
                           "Fix the login bug"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("claude-")
    modules = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "buildrunner.router.routing" in modules
    assert not any(m == "anthropic" or m.startswith("anthropic.") for m in modules)
    assert not modules & {"httpx", "httpx2", "rich"}


def test_route_format_json_matches_json_flag(br, tmp_path):
    a = json.loads(br("model", "route", "Write a PRD for billing", "--format", "json", cwd=tmp_path).stdout)
    b = json.loads(br("model", "route", "Write a PRD for billing", "--json", cwd=tmp_path).stdout)
    assert a == b and a["complexity"] == "planning" and "reasons" not in a


def test_route_uses_real_files_as_context(br, tmp_path):
    for rel in ("api/orders.py", "web/orders.ts", "worker/orders.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("def f():\n    return 1\n")
    args = ["model", "route", "Refactor the order totals", "--json", "--explain"]
    alone = json.loads(br(*args, cwd=tmp_path).stdout)
    assert alone["tier"] == "sonnet" and alone["complexity"] == "medium"
    spread = json.loads(br(*args, "--file", "api/orders.py", "--file", "web/orders.ts",
                           "--file", "worker/orders.py", cwd=tmp_path).stdout)
    # a multi-file refactor is still Sonnet work (the policy), but a complex one
    assert spread["tier"] == "sonnet" and spread["complexity"] == "complex"
    top = spread["decisions"]["needs_sonnet"]["top"] + spread["decisions"]["needs_opus"]["top"]
    assert any(t["feature"] == "ctx:packages>=2" and t["words"] == ["api", "web", "worker"] for t in top)


def test_route_reads_file_paths_relative_to_the_current_directory(br, tmp_path):
    (tmp_path / ".git").mkdir()  # the project root
    big = tmp_path / "web" / "a" / "big.ts"
    big.parent.mkdir(parents=True)
    big.write_text("x" * 400_000)
    (tmp_path / "web" / "b").mkdir()
    (tmp_path / "web" / "b" / "y.ts").write_text("y\n")
    args = ["model", "route", "Rename foo to bar", "--json", "--explain"]
    from_root = json.loads(br(*args, "--file", "web/a/big.ts", "--file", "web/b/y.ts", cwd=tmp_path).stdout)
    from_sub = json.loads(br(*args, "--file", "a/big.ts", "--file", "b/y.ts", cwd=tmp_path / "web").stdout)
    top = {t["feature"]: t["words"] for d in from_root["decisions"].values() for t in d["top"]}
    assert top.get("ctx:files>=2") == ["2 files"]
    assert from_sub == from_root  # the same file, named from a subdirectory
    wide = json.loads(br(*args, "--file", "web/a/big.ts", "--file", "web/b/y.ts", "--files", "9", cwd=tmp_path).stdout)
    assert wide["tier"] == "sonnet"  # a rename across nine files is a multi-file refactor
