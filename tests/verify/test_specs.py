"""The shipped verification specs and a user's inline `verify:` block."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from buildrunner.engine.verify import load_specs
from buildrunner.engine.verifyspec import VerifySpecError, parse_verify
from tests.migrate.tokens import github_pat


def test_shipped_specs_name_existing_rules_and_https_provider_hosts():
    from buildrunner.engine.rules import load_rules

    ids = {r.id for r in load_rules(kinds=("secret",)).rules}
    specs = load_specs()
    assert len({s["provider"] for s in specs.values()}) >= 10
    for rule_id, spec in specs.items():
        assert rule_id in ids, f"secrets-verify.yaml names unknown rule {rule_id}"
        url = urlsplit(spec["url"])
        assert url.scheme == "https" and spec["provider"].replace("huggingface", "huggingface") in (
            url.hostname.replace("datadoghq", "datadog").replace("mailgun.net", "mailgun"))


def test_verify_pack_is_not_loaded_as_a_rule_pack():
    from buildrunner.engine.rules import builtin_pack_paths

    assert all(not p.name.endswith("-verify.yaml") for p in builtin_pack_paths())


GOOD = {"provider": "acme", "url": "https://api.acme.example/v1/me", "headers": {"Authorization": "Bearer {secret}"},
        "live": {"status": [200]}, "revoked": {"status": [401]}}


@pytest.mark.parametrize(("change", "field"), [
    ({"url": "https://api.acme.example/v1/me?key={secret}"}, "verify.url"),
    ({"url": "http://api.acme.example/v1/me"}, "verify.url"),
    ({"headers": {"Accept": "application/json"}}, "verify.headers"),
    ({"headers": {"Authorization": "Bearer {token}"}}, "verify.headers.Authorization"),
    ({"live": {"status": []}}, "verify.live.status"),
    ({"revoked": {"status": [200]}}, "verify.revoked.status"),
    ({"method": "DELETE"}, "verify.method"),
    ({"provider": "Acme Corp"}, "verify.provider"),
    ({"body": "x"}, "verify.body"),
])
def test_spec_errors_name_the_field(change, field):
    with pytest.raises(VerifySpecError) as err:
        parse_verify({**GOOD, **change})
    assert err.value.field == field


def test_loopback_http_is_allowed():
    assert parse_verify({**GOOD, "url": "http://127.0.0.1:9000/me"})["url"].startswith("http://127.0.0.1")


RULE = """\
rules:
- id: acme.api-key
  kind: secret
  name: Acme API key
  severity: high
  message: Acme key.
  keywords: [acme_]
  regex: (?P<secret>acme_[A-Za-z0-9]{{24}})
  examples:
    match: [{{text: "k = 'acme_abcdefghijklmnopqrstuvwx'", secret: acme_abcdefghijklmnopqrstuvwx}}]
  verify:
    provider: acme
    url: {url}
    headers: {{X-Acme-Key: "{{secret}}"}}
    live: {{status: [200]}}
    revoked: {{status: [401, 403]}}
"""


def test_user_rule_inline_verify_block(git_repo, br, providers):
    from tests.verify.conftest import FakeProvider

    key = "acme_" + github_pat("acme")[4:28]
    acme = providers.add(FakeProvider("acme", "/v1/me", "GET",
                                      lambda h: (200, {}) if h.get("X-Acme-Key") == key else (403, {})))
    git_repo.write(".buildrunner/rules/acme.yaml", RULE.format(url=f"{acme.url}/v1/me"))
    git_repo.write("a.py", f"K = '{key}'\n")
    res = br("security", "check", "--verify", "--json", "--rules", "acme", cwd=git_repo.root)
    assert json.loads(res.stdout)["findings"][0]["verified"] == "live", res.output
    assert acme.requests[0]["headers"]["X-Acme-Key"] == key


def test_user_rule_bad_verify_block_is_rejected_with_file_rule_field(git_repo, br):
    git_repo.write(".buildrunner/rules/acme.yaml", RULE.format(url="https://api.acme.example/v1/me?k={secret}"))
    git_repo.write("a.py", "x = 1\n")
    res = br("security", "check", cwd=git_repo.root)
    assert res.exit_code == 2
    assert "acme.yaml" in res.stderr and "acme.api-key" in res.stderr and "verify.url" in res.stderr
    assert "Traceback" not in res.output
