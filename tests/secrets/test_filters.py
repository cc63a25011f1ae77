"""Each named filter: what it drops and what it must keep (engine/secret_filters.py)."""

from __future__ import annotations

import pytest

from buildrunner.engine.entropy import alphabet_size, entropy_floor_met
from buildrunner.engine.secret_filters import (
    FILTERS,
    Candidate,
    claimed_by_provider,
    first_drop,
    human_password,
    names_provider,
)

# filter name → (values or candidates it drops, values or candidates it keeps)
CASES = {
    "placeholder": (
        ["your-api-key-here", "changeme", "xxxxxxxxxxxx", "SuperSecret", "p@ssw0rd", "password123",
         "anewpassword", "usable_password", "<token>", "INSERT_YOUR_KEY", "REDACTED", "my-secret-token"],
        ["Password2024!xK9q", "MySecretPw2024", "Hx7!kP2q@Lm9wZ", "AUn025k50SBh1o/mkukChndsMlxv73FB",
         "secret1234", "S3nd!ng-M4il-2024"],
    ),
    "templated": (
        ["${DB_PASSWORD}", "{{ api_key }}", "<your key>", "%(password)s", "{password}", "$API_TOKEN",
         "#{secret}", "%DB_PASS%", "{{secret", "$(cat /run/secrets/key)", "{password!r}"],
        ["Hx7!kP2q@Lm9wZ", "AUn025k50SBh1o/mkukChndsMlxv73FB", "a{b}c" * 0 + "Zq8wL3mT9vR2xK7p",
         # braces that do not nest are characters of a literal, not a template
         "{{k}9)x${Tq]w7(Lm[Zp>-_$#r2}}", "Qw}8{zR)3${Lp]x", "R4nd0m{x)Yz9Kq2"],
    ),
    "indirect_reference": (
        ["settings.SECRET_KEY", "os.environ['X']", "config.get('token')", "get_secret('db')",
         "app.config.SECRET", "env['API_KEY']", "process.env.TOKEN", "self.password"],
        ["Hx7!kP2q@Lm9wZ", "Zq8wL3mT9vR2xK7pB4nY6cJ1", "s3cr3t.Value!2024",
         "s.Rk7Qm2Xz9Lp4Tw8Nv3Hb6Jc1", "t.8hQ2mZ7xR4kW9pL3vN6bC1"],  # Vault-style tokens, not attribute access
    ),
    "sequential_or_repeated": (
        ["12345678", "aaaaaaaaaa", "abcdefghij", "qwertyuiop", "abcabcabcabc", "0987654321", "a-a-a-a-a-a-a"],
        ["Zq8wL3mT9vR2xK7p", "Password2024!xK9q", "1a9f3c7e2b8d"],
    ),
    "uuid_or_hash": (
        ["8f14e45f-ceea-467f-a9a5-c1f0f34b2e3d", "sha512-FFYLcHGXw8lM9mLOBuQr", "pbkdf2_sha256$600000$abc$def",
         "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "{bcrypt}$2a$10$abc",
         "{COQLCE6DU6GtcS5P+Xe9dA==}",
         Candidate("9f1c2e4b7a3d5f60182b4c6d8e0a1b3c5d7e9f02", key="commit_token"),
         Candidate("8f14e45f-ceea-467f-a9a5-c1f0f34b2e3d", key="request_uuid"),
         Candidate("8f14e45f-ceea-467f-a9a5-c1f0f34b2e3d", key="tenant"),
         # a bare `key` holding a hex digest, or a digest a comment calls one, is a lookup key
         Candidate("5d41402abc4b2a76b9719d911017c592", key="key"),
         Candidate("5d41402abc4b2a76b9719d911017c592", key="lookup", line='lookup = "…"  # md5 of the path')],
        [Candidate("9f1c2e4b7a3d5f60182b4c6d8e0a1b3c", key="api_key"), "{noop}Hx7!kP2q@Lm9wZ",
         "Zq8wL3mT9vR2xK7pB4nY6cJ1",
         # UUID-shaped keys (Heroku, Snyk, Postmark) under a name that says credential
         Candidate("8f14e45f-ceea-467f-a9a5-c1f0f34b2e3d", key="api_token"),
         Candidate("8f14e45f-ceea-467f-a9a5-c1f0f34b2e3d", key="Authorization"),
         Candidate("8f14e45f-ceea-467f-a9a5-c1f0f34b2e3d", key="X-Deploy-ApiKey"),
         Candidate("5d41402abc4b2a76b9719d911017c592", key="signing_key")],
    ),
    "path_or_url": (
        ["/etc/ssl/private/server.key", "./certs/client.pem", "~/.ssh/id_rsa", "C:\\keys\\prod.pfx",
         "https://auth.internal/token", "secrets/token.json", "vault.service.internal", "a/b/c"],
        ["AUn025k50SBh1o/mkukChndsMlxv73FB", "Zq8wL3mT9vR2xK7pB4nY6cJ1", "wJalrXUtnFEMI/K7MDENG/bPxRf"],
    ),
    "non_ascii_prose": (
        ["Le jeton d’accès a expiré", "トークンの有効期限が切れました", "the token has expired already"],
        ["Zq8wL3mT9vR2xK7pB4nY6cJ1", "Hx7!kP2q@Lm9wZ"],
    ),
    "public_identifier": (
        ["pk_live_51HqLyjWDarjtT1zdp7dcXvLb", "ops@acme.io",
         Candidate("Zq8wL3mT9vR2xK7pB4nY6cJ1", key="api_key_id"),
         Candidate("Zq8wL3mT9vR2xK7pB4nY6cJ1", key="nextPageToken"),
         Candidate("Zq8wL3mT9vR2xK7pB4nY6cJ1", key="SECRET_NAME"),
         Candidate("Zq8wL3mT9vR2xK7pB4nY6cJ1", key="primaryKey"),
         Candidate("Zq8wL3mT9vR2xK7pB4nY6cJ1", key="password_hash")],
        [Candidate("Zq8wL3mT9vR2xK7pB4nY6cJ1", key="api_key"),
         Candidate("Zq8wL3mT9vR2xK7pB4nY6cJ1", key="privateKey"),
         Candidate("Zq8wL3mT9vR2xK7pB4nY6cJ1", key="ACCESS_TOKEN"),
         Candidate("Zq8wL3mT9vR2xK7pB4nY6cJ1", key="client-secret")],
    ),
    "doc_example_key": (
        ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"],
        ["AKIAZ7QW3RT5YUI8OPL2", "Zq8wL3mT9vR2xK7pB4nY6cJ1"],
    ),
    "sample_url_credentials": (
        [Candidate("tiger", user="scott"), Candidate("tiger^5HHH", user="scott"), Candidate("pass", user="user"),
         Candidate("bar", user="foo"), Candidate("postgres", user="postgres"), Candidate("app", user="app"),
         Candidate("password", user="deploy"), Candidate("yourpassword", user="deploy")],
        [Candidate("MySecretPw2024", user="app"), Candidate("Hx7kP2qLm9wZ", user="deploy"),
         Candidate("tigerclaw-2024-Xq", user="scott"), Candidate("Password2024!xK9q", user="root")],
    ),
    "words_not_random": (
        [Candidate("ValidationError", key="token"), Candidate("prod_payments_v2", key="secret"),
         Candidate("FORBIDDEN_VALUE", key="api_key"), Candidate("UniqueID", key="key"),
         Candidate("swordfish", key="password"), Candidate("card_number", key="password"), Candidate("0006_require_contenttypes_0002", key="auth")],
        [Candidate("AUn025k50SBh1o/mkukChndsMlxv73FB", key="api_key"),
         Candidate("MySecretPw2024", key="DB_PASSWORD"), Candidate("plum-anvil-orbit-cedar", key="passphrase"),
         Candidate("mkd3@RFVbgt5", key="PGPASSWORD"),  # a keyboard-walk password under a one-word name Candidate("Hx7!kP2q@Lm9wZ", key="dbPass"),
         Candidate("Zq8wL3mT9vR2xK7pB4nY6cJ1", key="token"),
         # a short word before a long random segment does not make a token an identifier
         Candidate("live_7e1c90ab44d2f83b6a0c5e9d17f2b4a8c3d", key="payments_token"),
         Candidate("u-k8x2ab-3f9e0c7d1b6a4e2f8c5d9b0a7e3f1c6d", key="intra_secret"),
         Candidate("tk_2mq_8hv3r9tx0pl4wz7kc5ne1yb6dj", key="apiKey")],
    ),
    "keyword_not_credential": (
        [Candidate("Zq8wL3mT9vR2xK7p", key="monkey"), Candidate("Zq8wL3mT9vR2xK7p", key="bypass_cache"),
         Candidate("Zq8wL3mT9vR2xK7p", key="author"), Candidate("Zq8wL3mT9vR2xK7p", key="tokenizer"),
         # `key` followed by a noun: a keyboard key or a key's metadata
         Candidate("Zq8wL3mT9vR2xK7p", key="key_up_handler"), Candidate("Zq8wL3mT9vR2xK7p", key="onKeyPressed"),
         Candidate("Zq8wL3mT9vR2xK7p", key="CIPHER_KeyMeshing"), Candidate("Zq8wL3mT9vR2xK7p", key="keySize"),
         Candidate("Zq8wL3mT9vR2xK7p", key="turkeybreast"), Candidate("Zq8wL3mT9vR2xK7p", key="donkeypassage")],
        [Candidate("Zq8wL3mT9vR2xK7p", key="apiKey"), Candidate("Zq8wL3mT9vR2xK7p", key="DB_PASS"),
         Candidate("Zq8wL3mT9vR2xK7p", key="accesstoken"), Candidate("Zq8wL3mT9vR2xK7p", key="clientsecret"),
         Candidate("Zq8wL3mT9vR2xK7p", key="jwt"), Candidate("Zq8wL3mT9vR2xK7p", key="AUTH"),
         Candidate("Zq8wL3mT9vR2xK7p", key="creds"),
         # a credential word inside a longer name: PGPASSWORD, MYSQL_PWD-style, `theapikey`
         Candidate("Zq8wL3mT9vR2xK7p", key="PGPASSWORD"), Candidate("Zq8wL3mT9vR2xK7p", key="SMTPPASSWORD"),
         Candidate("Zq8wL3mT9vR2xK7p", key="myapikey"), Candidate("Zq8wL3mT9vR2xK7p", key="githubtoken"),
         Candidate("Zq8wL3mT9vR2xK7p", key="key_vault_secret"),
         # a credential compound inside a longer one-word name
         Candidate("Zq8wL3mT9vR2xK7p", key="fooapikeyfoo"), Candidate("Zq8wL3mT9vR2xK7p", key="myaccesstokenvalue")],
    ),
    "not_embedded_line": (
        [Candidate("Zq8wL3mT9vR2xK7p", key="token", line='url = "https://h/x?a=1&token=Zq8wL3mT9vR2xK7p"'),
         Candidate("(blah|fake)", key="password", line="scan --exclude-lines 'password = (blah|fake)'"),
         Candidate("Zq8wL3mT9vR2xK7p", key="API_KEY", line="call(API_KEY=Zq8wL3mT9vR2xK7p)")],
        [Candidate("Zq8wL3mT9vR2xK7p", key="API_KEY", line='{"a.env": "X=1\\nAPI_KEY=Zq8wL3mT9vR2xK7p\\n"}'),
         Candidate("Zq8wL3mT9vR2xK7p", key="API_KEY", line='env: ["API_KEY=Zq8wL3mT9vR2xK7p"]'),
         Candidate("Zq8wL3mT9vR2xK7p", key="TOKEN", line='"a": "X=1\\r\\nexport TOKEN=Zq8wL3mT9vR2xK7p"')],
    ),
    "fixture_name": (
        [Candidate("Zq8wL3mT9vR2xK7p", key="TEST_SECRET"), Candidate("Zq8wL3mT9vR2xK7p", key="fake_token"),
         Candidate("Zq8wL3mT9vR2xK7p", key="invalidPassword")],
        [Candidate("Zq8wL3mT9vR2xK7p", key="PROD_SECRET"), Candidate("Zq8wL3mT9vR2xK7p", key="latest_token")],
    ),
    "test_or_doc_sample": (
        [Candidate("superS3cret", path="tests/test_auth.py"), Candidate("tiger^5HHH", path="docs/db.rst"),
         Candidate("Hx7!kP2q@Lm9wZ", path="src/app/auth.test.ts"), Candidate("mypass12", path="README.md")],
        [Candidate("Hx7!kP2q@Lm9wZ", path="src/app/auth.ts"),
         Candidate("AUn025k50SBh1o/mkukChndsMlxv73FB", path="tests/test_auth.py"),
         Candidate("superS3cret", path="src/contest/settings.py")],
    ),
}


def _cand(item) -> Candidate:
    return item if isinstance(item, Candidate) else Candidate(item)


def test_every_filter_is_tested_and_documented():
    assert set(CASES) == set(FILTERS)
    for name, f in FILTERS.items():
        assert f.name == name and len(f.reason) > 20, name


@pytest.mark.parametrize("name", sorted(CASES))
def test_filter_drops_what_it_should(name):
    drops = FILTERS[name].drops
    assert [v for v in CASES[name][0] if not drops(_cand(v))] == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_filter_keeps_what_it_must(name):
    drops = FILTERS[name].drops
    assert [v for v in CASES[name][1] if drops(_cand(v))] == []


def test_first_drop_names_the_first_filter_in_order():
    c = Candidate("${API_TOKEN}")  # both a template and made of placeholder words
    assert first_drop(c, ["templated", "placeholder"]) == "templated"
    assert first_drop(c, ["placeholder", "templated"]) == "placeholder"
    assert first_drop(Candidate("Zq8wL3mT9vR2xK7p"), list(FILTERS)) is None


def test_provider_prefix_claim():
    prefixes = ("ghp_", "xoxb-", "sk_live_")
    assert claimed_by_provider("ghp_notarealtoken123", prefixes)
    assert claimed_by_provider("XOXB-1234", prefixes)  # prefixes are lowercase, values compared lowercased
    assert not claimed_by_provider("Zq8wL3mT9vR2xK7p", prefixes)
    assert not claimed_by_provider("ghp_x", ())
    # what follows the prefix is a strong random token: a format the provider's rule does not know
    # (a longer generation), reported by the generic rule unless the value is a truncated copy
    longer = "ghp_" + "R8aZ3kL0pQ7wX2vN5mC9tY4bH6jD1sF8gE3uW7qT2zK5xV9nB4"
    assert not claimed_by_provider(longer, prefixes)
    assert claimed_by_provider(longer, prefixes, truncated=True)


def test_names_provider():
    providers = frozenset({"github", "openai", "stripe"})
    assert names_provider("OPENAI_API_KEY", providers) and names_provider("githubToken", providers)
    assert not names_provider("api_token", providers) and not names_provider("", providers)
    assert not names_provider("stripes_key", providers)  # whole words only


@pytest.mark.parametrize(("key", "value", "human"), [
    ("DB_PASSWORD", "hunter2hunter2", True), ("PGPASSWORD", "Sup3rS3cure", True), ("dbPass", "r00tr00t!", True),
    ("api_token", "hunter2hunter2", False),         # not a password name: the entropy floor applies
    ("allPass", "overEvery", False),               # letters only: a name, not a password
    ("password", "credit_card_number", False),     # an identifier
])
def test_human_password_needs_no_entropy_floor(key, value, human):
    assert human_password(Candidate(value, key=key)) is human


def test_entropy_is_judged_on_the_values_own_alphabet():
    assert alphabet_size("deadbeef01") == 16 and alphabet_size("AbC123") == 62 and alphabet_size("a!b") == 95
    # a random 32-digit hex key cannot reach 3.5 bits over 16 symbols... it does pass the capped floor
    assert entropy_floor_met("9f1c2e4b7a3d5f60182b4c6d8e0a1b3c", 3.5)
    assert entropy_floor_met("Hx7!kP2q@Lm9", 3.5)  # 12 characters cannot show more than log2(12) bits
    assert not entropy_floor_met("aaaaaaaabbbbbbbb", 3.5)
    assert not entropy_floor_met("トークンの有効期限が切れました", 1.0)  # non-ASCII never counts as random
