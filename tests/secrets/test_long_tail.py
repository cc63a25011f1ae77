"""The long tail of how secrets are written (round 4): provider tokens in other lengths under a
credential name, embedded .env lines, credential headers, database CLI passwords, Makefile `:=`,
credential words inside identifiers. Each form with what it must keep silent."""

from __future__ import annotations

import random
import string

import pytest

from buildrunner.engine.model import Document
from buildrunner.engine.secrets import SecretMatcher, secret_min_width

ALNUM = string.ascii_letters + string.digits


def rand(n: int, seed: int = 7, alphabet: str = ALNUM) -> str:
    r = random.Random(seed * 1000 + n)
    return "".join(r.choice(alphabet) for _ in range(n))


def found(matcher: SecretMatcher, text: str, path: str = "app/settings.py") -> list[tuple[str, str]]:
    out = []
    for f in matcher.scan(Document(path=path, text=text)):
        line = text.splitlines()[f.line - 1]
        out.append((f.rule_id, line[f.column - 1:f.end_column - 1] if f.end_line == f.line else line[f.column - 1:]))
    return out


def values(matcher, text, path="app/settings.py") -> list[str]:
    return [v for _r, v in found(matcher, text, path)]


# -- provider prefixes in other lengths (F5) ------------------------------------------------------
def test_secret_min_width_reads_the_secret_group():
    assert secret_min_width(r"(?<![a-z])(?P<secret>npm_[A-Za-z0-9]{36})\b") == 40
    assert secret_min_width(r"(?:x|key=(?P<secret>[a-z]{8,}))") == 8
    assert secret_min_width(r"(?P<other>.)") == 0


def test_longer_token_under_the_providers_name_is_reported_by_the_generic_rule(builtin_matcher):
    longer = "npm_" + rand(60)  # npm documents 36; a longer body is a new generation, not a decoy
    assert found(builtin_matcher, f'npmToken = "{longer}"\n') == [("secrets.generic-credential", longer)]


def test_truncated_token_under_the_providers_name_stays_claimed(builtin_matcher):
    truncated = "npm_" + rand(24)
    assert found(builtin_matcher, f'npmToken = "{truncated}"\n') == []


def test_github_tokens_may_grow_to_255_characters(builtin_matcher):
    for prefix in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"):
        token = prefix + rand(76)
        assert found(builtin_matcher, f"payload={token} status=200\n", "logs/run.log")[0][1] == token
    assert found(builtin_matcher, "payload=ghr_" + rand(30) + " status=200\n", "logs/run.log") == []


# -- KEY=value lines of a file embedded in a string (S6) ---------------------------------------------
EMB = "secrets.generic-embedded-credential"


def test_env_file_inside_a_json_string(builtin_matcher):
    token = rand(32, 1)
    text = '{"files": {"app.env": "LOG_LEVEL=info\\nSERVICE_TOKEN=' + token + '\\nDEBUG=0"}}\n'
    assert found(builtin_matcher, text, "deploy/bundle.json") == [(EMB, token)]
    # first and last line of the embedded file, `export`, spaces around `=`, \r\n line ends
    text = '{"a": "API_KEY=' + token + '\\r\\nX=1", "b": "X=1\\nexport DB_PASSWORD = Hx7!kP2q@Lm9wZ"}\n'
    assert values(builtin_matcher, text, "deploy/bundle.json") == [token, "Hx7!kP2q@Lm9wZ"]


def test_quoted_environment_list_entries(builtin_matcher):
    token = rand(32, 2)
    text = f'services:\n  app:\n    environment:\n      - "DB_HOST=db"\n      - "API_SECRET={token}"\n'
    assert values(builtin_matcher, text, "docker-compose.yml") == [token]
    text = 'services:\n  app:\n    environment:\n      - "API_SECRET=${API_SECRET}"\n'
    assert values(builtin_matcher, text, "docker-compose.yml") == []
    text = f'services:\n  app:\n    environment: ["DB_HOST=db", "API_SECRET={token}"]\n'
    assert values(builtin_matcher, text, "docker-compose.yml") == [token]
    assert values(builtin_matcher, f'docker run -e "AUTH_TOKEN={token}" app\n', "run.sh") == [token]


def test_embedded_lines_are_searched_only_on_lines_with_an_escape(builtin_matcher):
    """The rule's keywords are the escapes themselves: a plain `"TOKEN=…"` string is not an
    embedded file (and costs nothing to skip)."""
    token = rand(32, 2)
    assert [r for r, _v in found(builtin_matcher, f'x = "API_SECRET={token}"\n', "a.py") if r == EMB] == []


@pytest.mark.parametrize("text", [
    '{"app.env": "LOG_LEVEL=info\\nSERVICE_TOKEN=${SERVICE_TOKEN}\\n"}',   # a template
    '{"app.env": "MAX_TOKENS=4096\\nPASSWORD_MIN_LENGTH=12\\n"}',             # not credentials
    'url = "https://api.internal/v1?sort=asc&token=Wy8uGRHBLoryaEjHF684xDx1wIC83i9n"',  # not a line start
    'log.info("token=%s\\n", token)',
    '{"app.env": "SECRET_KEY=django-insecure-change-me\\n"}',
])
def test_embedded_lines_that_are_not_secrets(builtin_matcher, text):
    assert [r for r, _v in found(builtin_matcher, text + "\n", "deploy/bundle.json") if r == EMB] == []


def test_an_escaped_newline_is_not_part_of_the_name(builtin_matcher):
    """`\\npass=…` is the name `pass`, not `npass` (which names nothing)."""
    text = '{"ini": "[smtp]\\nuser=mailer\\npass=Hx7!kP2q@Lm9wZ\\n"}\n'
    assert values(builtin_matcher, text, "deploy/bundle.json") == ["Hx7!kP2q@Lm9wZ"]


# -- credential headers (S8) -------------------------------------------------------------------------
@pytest.mark.parametrize("header", ["PRIVATE-TOKEN", "Service-Key", "X-Octopus-Key", "Api-Token", "apikey",
                                    "Deploy-Password"])
def test_any_credential_header_name_in_curl_and_wget(builtin_matcher, header):
    token = rand(32, 3)
    assert values(builtin_matcher, f'curl -H "{header}: {token}" https://api.internal/v1\n', "ci/deploy.sh") == [token]
    assert values(builtin_matcher, f"wget --header='{header}: {token}' https://api.internal/v1\n",
                  "ci/deploy.sh") == [token]


@pytest.mark.parametrize("line", [
    "curl -H 'Idempotency-Key: 5c2a9e7f1b3d8a6c4e0f2b7d9a1c3e5f' https://api.internal/v1/charges",
    "curl -H 'Cache-Key: user_profile_settings_v2' https://cdn.internal/purge",
    'curl -H "X-Api-Key: $API_KEY" https://api.internal',
    "curl -H 'Content-Type: application/json' -H 'Accept-Encoding: gzip' https://api.internal",
])
def test_headers_that_carry_no_credential(builtin_matcher, line):
    assert found(builtin_matcher, line + "\n", "ci/deploy.sh") == []


# -- curl -u on an indented continuation line (S7) ---------------------------------------------------
def test_indented_user_line_of_a_folded_command(builtin_matcher):
    text = "      - run: >\n          curl -sS https://nexus.internal/api\n          --user ci-bot:Tr0ub4dor&3xyz\n"
    assert values(builtin_matcher, text, ".github/workflows/release.yml") == ["Tr0ub4dor&3xyz"]
    for line in ("  -u 1000:1000", "  --user www-data:www-data", "  -u admin:admin", "  -u $USER:$PASS"):
        assert found(builtin_matcher, f"docker run --rm \\\n{line}\n", "run.sh") == [], line


# -- database client command lines (S14) ------------------------------------------------------------
DB = "secrets.database-cli-password"


@pytest.mark.parametrize(("line", "secret"), [
    ("mysql -h db.internal -u app -pVq4!nR8z@Lp2 orders", "Vq4!nR8z@Lp2"),
    ("mariadb-dump -uroot -p'Km7#Tq2xWb9p' --all-databases", "Km7#Tq2xWb9p"),
    ("redis-cli -h cache -a h3Rk9sLq2Zx7 ping", "h3Rk9sLq2Zx7"),
    ("sshpass -p Tq9vL2xRm7 scp build.tgz deploy@10.0.4.7:/srv", "Tq9vL2xRm7"),
])
def test_database_client_passwords(builtin_matcher, line, secret):
    assert found(builtin_matcher, line + "\n", "scripts/backup.sh") == [(DB, secret)]


@pytest.mark.parametrize("line", [
    "mysql -u root -p orders",                        # -p alone prompts; `orders` is the database
    'mysql -u root -p"$MYSQL_ROOT_PASSWORD" orders',
    "mysql -uroot -proot",                            # a sample password
    "mysql -h db -P 3306 -u app orders",              # -P is the port
    "redis-cli -a $REDIS_PASSWORD ping",
    "import mysql.connector  # -p is not used here",
])
def test_database_client_lines_without_a_password(builtin_matcher, line):
    assert [r for r, _v in found(builtin_matcher, line + "\n", "scripts/backup.sh") if r == DB] == []


# -- unquoted values: Makefile assignments, special characters (S11) ---------------------------------
def test_makefile_assignments(builtin_matcher):
    token = rand(32, 4)
    for op in (":=", "::=", "?=", "+="):
        assert values(builtin_matcher, f"DEPLOY_TOKEN {op} {token}\n", "Makefile") == [token], op
    assert values(builtin_matcher, "DEPLOY_TOKEN := $(shell cat .token)\n", "Makefile") == []


def test_unquoted_passwords_with_brackets_and_hashes(builtin_matcher):
    assert values(builtin_matcher, "smtp_password = Tq9#vL2[x]Rm7!\n", "conf/mail.ini") == ["Tq9#vL2[x]Rm7!"]
    assert values(builtin_matcher, "DB_PASSWORD=Tq9vL2xRm7Kp # rotated monthly\n", ".env") == ["Tq9vL2xRm7Kp"]
    assert values(builtin_matcher, "allowed_keys: [read, write, admin]\n", "conf/app.yaml") == []


def test_indented_user_line_at_the_start_of_a_snippet(builtin_matcher):
    assert values(builtin_matcher, "    --user ci-bot:Tr0ub4dor&3xyz \\\n    --data x=1\n", "docs.sh") == ["Tr0ub4dor&3xyz"]


# -- provider formats with a unique prefix (N1) ------------------------------------------------------
@pytest.mark.parametrize(("rule", "token"), [
    ("secrets.intra42-client-secret", "s-s4t2ud-" + rand(64, 5, "0123456789abcdef")),
    ("secrets.intra42-client-secret", "s-s4t2af-" + rand(64, 6, "0123456789abcdef")),
    ("secrets.settlemint-access-token", "sm_pat_" + rand(16, 7)),
    ("secrets.settlemint-access-token", "sm_sat_" + rand(16, 8)),
])
def test_unique_prefix_tokens_without_a_keyword(builtin_matcher, rule, token):
    assert found(builtin_matcher, f"12:00:01 INFO retry=3 payload={token} status=200\n", "logs/app.log") == [
        (rule, token)]


@pytest.mark.parametrize("line", [
    "FT_CLIENT_ID = 'u-s4t2ud-" + rand(64, 5, "0123456789abcdef") + "'",  # the public client id
    "FT_CLIENT_SECRET = 's-s4t2ud-" + rand(20, 5, "0123456789abcdef") + "'",  # cut short
    "SETTLEMINT_ACCESS_TOKEN=sm_pat_xxxxxxxxxxxxxxxx",
    "if (token.startsWith('sm_pat_')) { login() }",
])
def test_unique_prefix_decoys(builtin_matcher, line):
    assert found(builtin_matcher, line + "\n", "src/auth.ts") == []


# -- entropy judged against what a random value of that length shows ---------------------------------
def test_expected_entropy_matches_random_values():
    from buildrunner.engine.entropy import expected_entropy, shannon_entropy

    r = random.Random(3)
    for k, alphabet in ((16, "0123456789abcdef"), (62, ALNUM)):
        for n in (12, 16, 32):
            mean = sum(shannon_entropy("".join(r.choice(alphabet) for _ in range(n))) for _ in range(400)) / 400
            assert abs(expected_entropy(n, k) - mean) < 0.05, (n, k)


@pytest.mark.parametrize(("alphabet", "length"), [("0123456789abcdef", 16), ("0123456789abcdef", 20),
                                                   ("0123456789abcdefghijklmnopqrstuvwxyz", 12), (ALNUM, 12)])
def test_nine_random_values_in_ten_pass_the_floor_at_any_length(alphabet, length):
    """A 16-character hex key averages 3.2 bits/char: a floor capped at 85 % of log2(16) = 3.4
    dropped four random keys in five."""
    from buildrunner.engine.entropy import entropy_floor_met

    r = random.Random(length)
    values = ["".join(r.choice(alphabet) for _ in range(length)) for _ in range(500)]
    assert sum(entropy_floor_met(v, 3.5) for v in values) >= 0.85 * len(values)


def test_low_entropy_values_still_fail_the_floor():
    from buildrunner.engine.entropy import entropy_floor_met

    for value in ("aaaaaaaabbbbbbbb", "abababababababab", "1111222233334444", "deadbeefdeadbeef"):
        assert not entropy_floor_met(value, 3.5), value


def test_a_short_hex_token_under_a_credential_header(builtin_matcher):
    token = "65fec25f820d9292"  # 16 random hex, 3.12 bits/char: typical for its length, under the old 3.4 cap
    assert values(builtin_matcher, f'curl -H "Token: {token}" https://api.internal\n', "run.sh") == [token]


def test_short_values_under_credential_headers(builtin_matcher):
    """A header that names a credential carries one even when it is short (10+ characters)."""
    assert values(builtin_matcher, 'curl -X POST --header "Api-Token: Qm9xT2tL7pZ"\n', "run.sh") == ["Qm9xT2tL7pZ"]
    for line in ('curl -H "X-Api-Key: 1234567890" https://x', 'curl -H "X-Api-Key: changeme12" https://x',
                 "Authorization: Negotiate", 'curl -H "Authorization: Basic ${CREDS}" https://x',
                 'headers["X-Auth-Token"] = "tokenValue"'):
        assert found(builtin_matcher, line + "\n", "run.sh") == [], line
