"""`br security check --verify` against fake providers (real HTTP servers on 127.0.0.1)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import uninstrumented_env
from tests.migrate.tokens import github_pat, hex32, mailgun_key, slack_bot


def _check(br, root, *args):
    res = br("security", "check", "--json", "--verify", *args, cwd=root)
    assert res.exit_code in (0, 1), res.output
    return res, {(f["path"], f["line"]): f for f in json.loads(res.stdout)["findings"]}


@pytest.fixture
def leaky(git_repo):
    keys = {"gh_live": github_pat("live"), "gh_dead": github_pat("dead"), "slack_live": slack_bot("live"),
            "slack_dead": slack_bot("dead"), "dd_live": hex32("dd"), "mg_live": mailgun_key("live")}
    git_repo.write("settings.py", "\n".join([
        f'GH = "{keys["gh_live"]}"',
        f'GH_OLD = "{keys["gh_dead"]}"',
        f'SLACK = "{keys["slack_live"]}"',
        f'SLACK_OLD = "{keys["slack_dead"]}"',
        f'DD_API_KEY = "{keys["dd_live"]}"',
        f'MAILGUN = "{keys["mg_live"]}"',
        'password = "Wq9#vLz2!pXr7@Tb"',
        "",
    ]))
    return git_repo, keys


def test_verdicts_per_provider(leaky, br, providers):
    repo, keys = leaky
    providers.live |= {keys["gh_live"], keys["slack_live"], keys["dd_live"], keys["mg_live"]}
    res, found = _check(br, repo.root)
    verdicts = {line: f["verified"] for (_p, line), f in found.items()}
    assert verdicts == {1: "live", 2: "revoked", 3: "live", 4: "revoked", 5: "live", 6: "live", 7: "unknown"}
    assert found[("settings.py", 7)]["extra"]["verify_detail"] == "no verifier for this rule"
    assert "verification: 4 live, 2 revoked, 1 unknown" in res.stderr
    assert "LIVE keys found" in res.stderr
    for key in keys.values():
        assert key not in res.output


def test_each_secret_goes_only_to_its_own_provider(leaky, br, providers):
    repo, keys = leaky
    _check(br, repo.root)
    gh = providers.all["github"].requests
    assert sorted(r["headers"]["Authorization"] for r in gh) == sorted(
        f"Bearer {keys[k]}" for k in ("gh_live", "gh_dead"))
    assert all(r["path"] == "/user" and r["method"] == "GET" for r in gh)
    slack = providers.all["slack"].requests
    assert [r["method"] for r in slack] == ["POST", "POST"] and all(r["body"] == b"" for r in slack)
    for name, fake in providers.all.items():
        seen = " ".join(str(dict(r["headers"])) + r["path"] for r in fake.requests)
        own = {"github": ("gh_live", "gh_dead"), "slack": ("slack_live", "slack_dead"), "datadog": ("dd_live",),
               "mailgun": ("mg_live",)}[name]
        for k, v in keys.items():
            if k not in own:
                assert v not in seen, f"{k} was sent to {name}"
            if "mg" not in k:
                assert v not in fake.requests[0]["path"] if fake.requests else True  # never in a URL
    dd = providers.all["datadog"].requests
    assert dd[0]["headers"]["DD-API-KEY"] == keys["dd_live"]


@pytest.mark.slow
def test_a_key_is_checked_once_and_requests_are_rate_limited(git_repo, br, providers):
    tokens = [github_pat(f"r{i}") for i in range(3)]
    git_repo.write("a.py", "\n".join(f'T{i} = "{t}"' for i, t in enumerate(tokens)) + "\n")
    git_repo.write("b.py", f'SAME = "{tokens[0]}"\n')  # the same key again: not sent twice
    _check(br, git_repo.root)
    reqs = providers.all["github"].requests
    assert len(reqs) == 3
    gaps = [b["at"] - a["at"] for a, b in zip(reqs, reqs[1:], strict=False)]
    assert min(gaps) >= 0.4  # DEFAULT_INTERVAL_S between two requests to one provider


@pytest.mark.slow
def test_timeouts_and_unreachable_are_unknown(git_repo, br, providers):
    assert br("config", "set", "security.verify_timeout_ms", "500", cwd=git_repo.root).exit_code == 0
    providers.all["github"].delay_s = 2.0
    git_repo.write("a.py", f'T = "{github_pat("slow")}"\nS = "{slack_bot("x")}"\n')
    providers.all["slack"].close()  # nothing listens any more
    res, found = _check(br, git_repo.root)
    assert found[("a.py", 1)]["verified"] == "unknown" and "within" in found[("a.py", 1)]["extra"]["verify_detail"]
    assert found[("a.py", 2)]["verified"] == "unknown" and "cannot reach" in found[("a.py", 2)]["extra"]["verify_detail"]
    assert res.exit_code == 1


def test_other_formats_carry_the_verdict(leaky, br, providers):
    repo, keys = leaky
    providers.live.add(keys["gh_live"])
    text = br("security", "check", "--verify", "--no-color", cwd=repo.root).stdout
    assert "[LIVE KEY]" in text and "[revoked]" in text
    gcc = br("security", "check", "--verify", "--format", "gcc", cwd=repo.root).stdout
    assert "settings.py:1:7: error: " in gcc and "(verified: live)" in gcc
    sarif = json.loads(br("security", "check", "--verify", "--format", "sarif", cwd=repo.root).stdout)
    props = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r["properties"].get("verification")
             for r in sarif["runs"][0]["results"]}
    assert props[1] == "live" and props[2] == "revoked"
    gh = br("security", "check", "--verify", "--format", "github", cwd=repo.root).stdout
    assert "Verified: live" in gh


def test_stdin_is_verified_from_the_text_read(git_repo, br, providers):
    token = github_pat("stdin")
    providers.live.add(token)
    res = br("security", "check", "-", "--verify", "--json", cwd=git_repo.root, input=f"TOKEN={token}\n")
    assert json.loads(res.stdout)["findings"][0]["verified"] == "live"


def test_without_verify_nothing_is_sent(leaky, br, providers):
    repo, _ = leaky
    res = br("security", "check", "--json", cwd=repo.root)
    assert res.exit_code == 1 and all(not f.requests for f in providers.all.values())
    assert "verified" not in json.loads(res.stdout)["findings"][0]


def test_hook_never_verifies_nor_imports_http(tmp_path, git_repo, providers):
    """The pre-commit path imports no HTTP client and contacts no provider."""
    git_repo.write("a.py", f'T = "{github_pat("hook")}"\n')
    git_repo.add()
    code = ("import sys, runpy; sys.argv = ['br', 'hook', 'run'];\n"
            "try:\n    runpy.run_module('buildrunner', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "bad = sorted(m for m in ('urllib.request', 'http.client', 'buildrunner.engine.verify', 'buildrunner.engine.verifyspec') "
            "if m in sys.modules)\nprint('IMPORTED', bad)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=git_repo.root, capture_output=True, text=True,
                          env=uninstrumented_env(**providers.env()))
    assert "IMPORTED []" in proc.stdout, proc.stdout + proc.stderr
    assert all(not f.requests for f in providers.all.values())


def test_override_must_be_loopback_for_plain_http(git_repo, br, providers, monkeypatch):
    monkeypatch.setenv("BR_VERIFY_URL_GITHUB", "http://attacker.example:8080")
    git_repo.write("a.py", f'T = "{github_pat("o")}"\n')
    res = br("security", "check", "--verify", cwd=git_repo.root)
    assert res.exit_code == 2 and "BR_VERIFY_URL_GITHUB" in res.stderr and "127.0.0.1" in res.stderr
    assert github_pat("o") not in res.output


def test_per_run_limit(git_repo, br, providers):
    assert br("config", "set", "security.verify_max", "2", cwd=git_repo.root).exit_code == 0
    git_repo.write("a.py", "\n".join(f'T{i} = "{github_pat(f"m{i}")}"' for i in range(4)) + "\n")
    res, found = _check(br, git_repo.root)
    assert len(providers.all["github"].requests) == 2
    assert sum("per-run" in f["extra"]["verify_detail"] or "more than 2" in f["extra"]["verify_detail"]
               for f in found.values()) == 2
    assert "2 not checked" in res.stderr


def test_history_and_staged_findings_are_verified_from_git(git_repo, br, providers):
    """A key deleted since it was committed is still live until revoked: --history --verify reads
    it from the commit; --staged reads the index, not the (different) work tree."""
    old, staged = github_pat("hist"), github_pat("staged")
    providers.live |= {old, staged}
    git_repo.write("cfg.py", f'T = "{old}"\n')
    git_repo.add()
    git_repo.commit("add token")
    git_repo.write("cfg.py", "import os\nT = os.environ['T']\n")
    git_repo.add()
    git_repo.commit("remove token")
    res = br("security", "check", "--history", "--verify", "--json", cwd=git_repo.root)
    [f] = json.loads(res.stdout)["findings"]
    assert f["verified"] == "live" and f["origin"]["kind"] == "history", res.output
    git_repo.write("new.py", f'S = "{staged}"\n')
    git_repo.add()
    git_repo.write("new.py", "S = None\n")  # the work tree no longer has it; the commit would
    res = br("security", "check", "--staged", "--verify", "--json", cwd=git_repo.root)
    [f] = json.loads(res.stdout)["findings"]
    assert f["verified"] == "live", res.output
    sent = [r["headers"]["Authorization"] for r in providers.all["github"].requests]
    assert sent == [f"Bearer {old}", f"Bearer {staged}"]
