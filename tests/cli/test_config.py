"""`br init`, `br config` and `br status` in real repositories."""

import json

import pytest

FAKE_KEY = "sk-ant-api03-" + "Ab3_x-9Qz" * 10 + "abcAA"


def test_init_is_idempotent_and_keeps_user_edits(git_repo, br):
    first = br("init", "--no-hook", cwd=git_repo.root)
    assert first.exit_code == 0, first.output
    assert "created  .buildrunner/config.yaml" in first.stdout
    config = git_repo.root / ".buildrunner" / "config.yaml"
    config.write_text(config.read_text() + "# my note\n")
    before_gitignore = (git_repo.root / ".gitignore").read_text()
    second = br("init", "--no-hook", cwd=git_repo.root)
    assert second.exit_code == 0
    assert "kept     .buildrunner/config.yaml" in second.stdout
    assert config.read_text().endswith("# my note\n")
    assert (git_repo.root / ".gitignore").read_text() == before_gitignore
    assert ".env" in before_gitignore.splitlines()
    assert "!.env.example" in before_gitignore.splitlines()


def test_init_appends_to_existing_gitignore(git_repo, br):
    git_repo.write(".gitignore", "node_modules/\n.env\n")
    br("init", "--no-hook", cwd=git_repo.root)
    lines = (git_repo.root / ".gitignore").read_text().splitlines()
    assert lines[0] == "node_modules/"
    assert lines.count(".env") == 1
    assert ".buildrunner/telemetry/" in lines


def test_set_get_unset_round_trip_preserves_comments(git_repo, br):
    br("init", "--no-hook", cwd=git_repo.root)
    assert br("config", "set", "security.coverage_min", "65", cwd=git_repo.root).exit_code == 0
    assert br("config", "get", "security.coverage_min", cwd=git_repo.root).stdout.strip() == "65"
    text = (git_repo.root / ".buildrunner" / "config.yaml").read_text()
    assert "# Minimum total line coverage (%) for the quality gate." in text
    assert "coverage_min: 65" in text
    assert br("config", "unset", "security.coverage_min", cwd=git_repo.root).exit_code == 0
    assert br("config", "get", "security.coverage_min", cwd=git_repo.root).stdout.strip() == "80"


@pytest.mark.parametrize("key,value,message", [
    ("security.coverage_min", "abc", "expects an integer"),
    ("security.coverage_min", "101", "must be <= 100"),
    ("telemetry.enabled", "maybe", "expects true or false"),
    ("model.routing", "sometimes", "must be one of auto, manual"),
    ("security.covrage_min", "3", "unknown config key"),
])
def test_invalid_values_are_rejected_with_exit_2(git_repo, br, key, value, message):
    res = br("config", "set", key, value, cwd=git_repo.root)
    assert res.exit_code == 2
    assert message in res.stderr


def test_unknown_key_suggests_close_names(git_repo, br):
    res = br("config", "get", "security.covrage_min", cwd=git_repo.root)
    assert res.exit_code == 2
    assert "did you mean security.coverage_min" in res.stderr


def test_sensitive_values_are_masked_in_every_output(git_repo, br):
    br("init", "--no-hook", cwd=git_repo.root)
    res = br("config", "set", "model.api_key", FAKE_KEY, cwd=git_repo.root)
    assert FAKE_KEY not in res.output
    for args in (("config", "get", "model.api_key"), ("config", "get", "model.api_key", "--json"),
                 ("config", "list"), ("config", "list", "--json"), ("config", "list", "--all"),
                 ("status",), ("status", "--json")):
        out = br(*args, cwd=git_repo.root)
        assert out.exit_code == 0, (args, out.output)
        assert FAKE_KEY not in out.output, args
        assert FAKE_KEY[:4] + "…" + FAKE_KEY[-4:] in out.output, args


def test_model_default_accepts_tier_or_model_id(git_repo, br):
    def get():
        return br("config", "get", "model.default", cwd=git_repo.root).stdout.strip()

    assert br("config", "set", "model.default", "opus", cwd=git_repo.root).exit_code == 0
    assert get() == "opus"
    assert br("config", "set", "model.default", "claude-sonnet-4-5", cwd=git_repo.root).exit_code == 0
    assert get() == "claude-sonnet-4-5"
    assert br("config", "set", "model.default", "not a model!", cwd=git_repo.root).exit_code == 2
    assert get() == "claude-sonnet-4-5"  # the rejected value was not written


def test_map_keys_accept_any_subkey(git_repo, br):
    assert br("config", "set", "model.prices.sonnet.input", "2.5", cwd=git_repo.root).exit_code == 0
    out = json.loads(br("config", "list", "--json", cwd=git_repo.root).stdout)
    assert {"key": "model.prices.sonnet.input", "value": 2.5, "source": "config"} in out["keys"]


def test_malformed_config_names_file_and_line_and_is_never_overwritten(git_repo, br):
    cfg_dir = git_repo.root / ".buildrunner"
    cfg_dir.mkdir()
    broken = "security:\n  coverage_min: 80\n  exclude: [unclosed\nmodel:\n  routing: auto\n"
    (cfg_dir / "config.yaml").write_text(broken)
    for args in (("config", "list"), ("config", "set", "model.routing", "manual"), ("status",), ("init", "--no-hook")):
        res = br(*args, cwd=git_repo.root)
        assert res.exit_code == 2, args
        assert "config.yaml:" in res.stderr and "malformed YAML" in res.stderr
    assert (cfg_dir / "config.yaml").read_text() == broken


def test_wrong_type_in_file_names_the_line(git_repo, br):
    cfg_dir = git_repo.root / ".buildrunner"
    cfg_dir.mkdir()
    (cfg_dir / "config.yaml").write_text("# header\nsecurity:\n  exclude: []\n  coverage_min: lots\n")
    res = br("config", "list", cwd=git_repo.root)
    assert res.exit_code == 2
    assert "config.yaml:4:" in res.stderr
    assert "coverage_min expects an integer" in res.stderr


def test_config_that_is_not_a_mapping(git_repo, br):
    cfg_dir = git_repo.root / ".buildrunner"
    cfg_dir.mkdir()
    (cfg_dir / "config.yaml").write_text("- just\n- a list\n")
    res = br("status", cwd=git_repo.root)
    assert res.exit_code == 2
    assert "expected a mapping" in res.stderr


def test_config_with_invalid_utf8(git_repo, br):
    cfg_dir = git_repo.root / ".buildrunner"
    cfg_dir.mkdir()
    (cfg_dir / "config.yaml").write_bytes(b"security:\n  coverage_min: \xff\xfe\n")
    res = br("config", "list", cwd=git_repo.root)
    assert res.exit_code == 2
    assert "not valid UTF-8" in res.stderr


def test_status_outside_git(tmp_path, br):
    res = br("status", "--json", cwd=tmp_path)
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["git"] is False and data["initialized"] is False


def test_init_after_whitelisting_keeps_existing_fingerprints_valid(git_repo, br):
    """A whitelist made before `br init` must survive it: a fresh salt would change every
    fingerprint and bring the whitelisted secret back as a new finding."""
    git_repo.write("app.py", f'KEY = "{FAKE_KEY}"\n')
    assert br("security", "whitelist", "app.py:1", cwd=git_repo.root).exit_code == 0
    assert br("security", "check", "app.py", cwd=git_repo.root).exit_code == 0
    res = br("init", "--no-hook", cwd=git_repo.root)
    assert res.exit_code == 0, res.output
    assert "kept fingerprints unsalted" in res.stdout
    after = br("security", "check", "app.py", cwd=git_repo.root)
    assert after.exit_code == 0, after.output


def test_status_is_not_fooled_by_the_state_a_scan_leaves(git_repo, br):
    git_repo.write("a.py", "x = 1\n")
    assert br("security", "check", cwd=git_repo.root).exit_code == 0
    assert not (git_repo.root / ".buildrunner").exists()  # a scan writes nothing before `br init`
    (git_repo.root / ".buildrunner" / "state").mkdir(parents=True)  # what older versions left
    res = br("status", "--json", cwd=git_repo.root)
    assert json.loads(res.stdout)["initialized"] is False
    br("init", "--no-hook", cwd=git_repo.root)
    assert json.loads(br("status", "--json", cwd=git_repo.root).stdout)["initialized"] is True


def test_changing_the_salt_warns_when_it_voids_whitelist_entries(git_repo, br):
    br("init", "--no-hook", cwd=git_repo.root)
    quiet = br("config", "set", "security.fingerprint_salt", "first-salt", cwd=git_repo.root)
    assert quiet.exit_code == 0 and "warning" not in quiet.stderr  # nothing to void yet
    git_repo.write("app.py", f'KEY = "{FAKE_KEY}"\n')
    assert br("security", "whitelist", "app.py:1", cwd=git_repo.root).exit_code == 0
    res = br("config", "set", "security.fingerprint_salt", "other-salt", cwd=git_repo.root)
    assert res.exit_code == 0
    assert "no longer match" in res.stderr
    # the warning is true: the whitelisted secret is reported again
    assert br("security", "check", "app.py", cwd=git_repo.root).exit_code == 1
    assert "no longer match" in br("config", "unset", "security.fingerprint_salt", cwd=git_repo.root).stderr


def test_init_appends_to_a_non_utf8_gitignore_without_touching_its_bytes(git_repo, br):
    original = b"caf\xe9/\r\n*.log"  # latin-1, CRLF, no final newline
    (git_repo.root / ".gitignore").write_bytes(original)
    res = br("init", "--no-hook", cwd=git_repo.root)
    assert res.exit_code == 0, res.output
    data = (git_repo.root / ".gitignore").read_bytes()
    assert data.startswith(original + b"\n")
    assert b"\n.buildrunner/state/\n" in data and data.endswith(b"!.env.example\n")
    # a second run finds every entry and leaves the file alone
    assert br("init", "--no-hook", cwd=git_repo.root).exit_code == 0
    assert (git_repo.root / ".gitignore").read_bytes() == data


def test_init_with_a_gitignore_directory_is_a_clear_error(git_repo, br):
    (git_repo.root / ".gitignore").mkdir()
    res = br("init", "--no-hook", cwd=git_repo.root)
    assert res.exit_code == 2 and "cannot read" in res.stderr and ".gitignore" in res.stderr


@pytest.mark.parametrize("raw", ["sonnet,opus", "sonnet, opus", "[sonnet, opus]", "['sonnet', \"opus\"]"])
def test_list_values_accept_commas_or_a_yaml_style_list(git_repo, br, raw):
    assert br("config", "set", "model.fallback", raw, cwd=git_repo.root).exit_code == 0
    out = json.loads(br("config", "get", "model.fallback", "--json", cwd=git_repo.root).stdout)
    assert out["value"] == ["sonnet", "opus"]
