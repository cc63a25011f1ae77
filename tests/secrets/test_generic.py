"""The generic detector through the real matcher: forms, case styles, provider claim, shadowing, --explain."""

from __future__ import annotations

import pytest

from buildrunner.engine.model import Document
from buildrunner.engine.secrets import Dropped, SecretMatcher, explain_documents
from tests.secrets.conftest import make_rule

RANDOM = "Zq8wL3mT9vR2xK7pB4nY6cJ1"
HUMAN = "Hx7!kP2q@Lm9wZ"


def found(matcher, text, path="src/app/config.py"):
    return [(f.rule_id, text.splitlines()[f.line - 1][f.column - 1:f.end_column - 1])
            for f in matcher.scan(Document(path=path, text=text))]


FORMS = [
    ("src/settings.py", f'DB_SECRET: str = "{RANDOM}"', RANDOM),
    ("src/main.go", f'token := "{RANDOM}"', RANDOM),
    ("src/config.php", f"'password' => '{HUMAN}',", HUMAN),
    ("Makefile", f'AUTH_TOKEN ?= "{RANDOM}"', RANDOM),
    ("src/app.js", f'const apiKey = process.env.API_KEY || "{RANDOM}";', RANDOM),
    ("src/app.ts", f'const token = process.env.TOKEN ?? "{RANDOM}";', RANDOM),
    ("src/app.py", f'secret = os.getenv("APP_SECRET", "{RANDOM}")', RANDOM),
    ("src/db.py", f'conn = psycopg2.connect(host="db", password="{HUMAN}")', HUMAN),
    ("src/db.py", f'cursor.execute(sql, ("password", "{HUMAN}"))', HUMAN),
    ("src/auth.py", f'if password == "{HUMAN}":', HUMAN),
    ("NuGet.Config", f'<add key="ClearTextPassword" value="{HUMAN}" />', HUMAN),
    ("settings.xml", f"<password>{HUMAN}</password>", HUMAN),
    ("src/App.java", f'String privateKey = "{RANDOM}";', RANDOM),
    ("src/app.js", f'let dbPass = "{HUMAN}"', HUMAN),
    ("config/app.ini", f"db_password = {HUMAN}", HUMAN),
    ("config/app.properties", f"spring.datasource.password={HUMAN}", HUMAN),
    (".env", f"export SERVICE_TOKEN={RANDOM}", RANDOM),
    ("Dockerfile", f"ENV REGISTRY_TOKEN {RANDOM}", RANDOM),
    ("k8s/secret.yaml", f"stringData:\n  password: {HUMAN}", HUMAN),
    ("deploy.sh", f"docker login --username ci --password {HUMAN} registry.internal", HUMAN),
    ("deploy.sh", f"curl -u deploy:{HUMAN} https://ci.internal/api", HUMAN),
    ("deploy.sh", f'curl -H "Authorization: Token {RANDOM}" https://api.internal', RANDOM),
    ("nginx.conf", f'proxy_set_header X-Api-Key "{RANDOM}";', RANDOM),
    ("src/db.py", 'DB_PASSWORD = "Password2024!xK9q"', "Password2024!xK9q"),
    ("src/db.py", 'URL = "postgres://app:MySecretPw2024@db.prod.internal/app"', "MySecretPw2024"),
    ("main.tf", f'  password = "{HUMAN}"', HUMAN),
    ("docker/config.json", f'"auth": "{RANDOM}"', RANDOM),
    ("infra/variables.tf", f'variable "db_password" {{ default = "{HUMAN}" }}', HUMAN),
    # assignment operators: GNU make, PHP, C-family compound assignment, logical assignment
    ("Makefile", f'DEPLOY_TOKEN ::= "{RANDOM}"', RANDOM),
    ("Makefile", f'DEPLOY_TOKEN :::= "{RANDOM}"', RANDOM),
    ("src/config.php", f'$apiSecret .= "{RANDOM}";', RANDOM),
    ("src/app.js", f'options.authToken += "{RANDOM}";', RANDOM),
    ("src/app.js", f'cfg.apiKey ??= "{RANDOM}";', RANDOM),
    ("src/app.js", f'cfg.apiKey ||= "{RANDOM}";', RANDOM),
    # typed declarations: Go, Kotlin, Swift
    ("src/main.go", f'var serviceToken string = "{RANDOM}"', RANDOM),
    ("src/Main.kt", f'val clientSecret: String = "{RANDOM}"', RANDOM),
    ("src/App.swift", f'let apiKey: String? = "{RANDOM}"', RANDOM),
    # Objective-C / C# string literals, PHP array append, whitespace-separated conf values
    ("src/AppDelegate.m", f'NSString *apiKey = @"{RANDOM}";', RANDOM),
    ("src/config.php", f'$secrets[]= "{RANDOM}";', RANDOM),
    ("conf/app.conf", f'auth_token "{RANDOM}";', RANDOM),
    # Dockerfile and shell forms with KEY=value
    ("Dockerfile", f"ENV REGISTRY_TOKEN={RANDOM}", RANDOM),
    ("Dockerfile", f"ARG NPM_AUTH_TOKEN={RANDOM}", RANDOM),
    ("env.sh", f"declare -x SERVICE_SECRET={RANDOM}", RANDOM),
    ("deploy.sh", "export PGPASSWORD='Wq7!rT2mLp9z'", "Wq7!rT2mLp9z"),
    # XML element value on its own line
    ("settings.xml", f"<serviceToken>\n    {RANDOM}\n</serviceToken>", RANDOM),
    # curl forms: `=`, empty user, mixed quoting, a `$` inside, a continuation line
    ("deploy.sh", f"curl --user=ops:{HUMAN} https://ci.internal", HUMAN),
    ("deploy.sh", 'curl -u ":Tq8!zL2wKp" https://search.internal:9200', "Tq8!zL2wKp"),
    ("deploy.sh", "curl --user ops:'Tq8zL2wKp5' -X POST https://ci.internal", "Tq8zL2wKp5"),
    ("deploy.sh", "curl -k -u ops:Tq8zL$2wKp https://search.internal:9200", "Tq8zL$2wKp"),
    ("deploy.sh", "curl -X POST https://ci.internal/api \\\n  -u ops:Tq8zL2wKp5 \\\n  -d @body.json", "Tq8zL2wKp5"),
    # credential headers: Api-Token scheme, bare Token / apikey header names, UUID-shaped keys
    ("deploy.sh", f'curl -H "Authorization: Api-Token {RANDOM}" https://api.internal', RANDOM),
    ("deploy.sh", f'curl -H "Token: {RANDOM}" https://api.internal', RANDOM),
    ("deploy.sh", 'curl --header "apikey: 4b1f7c2e-9a3d-4e6b-8c0f-2d5a7e9b1c3f" https://api.internal',
     "4b1f7c2e-9a3d-4e6b-8c0f-2d5a7e9b1c3f"),
    ("src/main.go", 'token := env.GetOr("api_token", "4b1f7c2e-9a3d-4e6b-8c0f-2d5a7e9b1c3f")',
     "4b1f7c2e-9a3d-4e6b-8c0f-2d5a7e9b1c3f"),
    # a UUID under a provider's name is kept when that provider's keys are UUIDs (Snyk, Heroku)
    ("pom.xml", "<snykApiToken>\n  4b1f7c2e-9a3d-4e6b-8c0f-2d5a7e9b1c3f\n</snykApiToken>",
     "4b1f7c2e-9a3d-4e6b-8c0f-2d5a7e9b1c3f"),
    # connection strings
    ("appsettings.json", f'"Db": "Server=tcp:sql.internal,1433;Database=app;User ID=app;Password={HUMAN};"', HUMAN),
    # password names take human-chosen passwords without an entropy floor
    ("config/app.yaml", "  password: letmein42letmein42", "letmein42letmein42"),
    ("config/app.yaml", 'passwd: "admin2024admin!"', "admin2024admin!"),
    # unquoted values may contain braces; only real templates are filtered
    (".env", "DB_PASSWORD=q8Z}mT2!vL9x{R", "q8Z}mT2!vL9x{R"),
    # a literal with stray braces is not a template
    ("src/app.py", 'api_key = "{{k}9)x${Tq]w7(Lm[Zp>-_$#r2}}"', "{{k}9)x${Tq]w7(Lm[Zp>-_$#r2}}"),
]

PEM_BODY = ["MIIEpAIBAAKCAQEAYS31YPrGp2eDsCFbno9WAEL/KPfphpvf4gaOxnWDJhgKQsR0",
            "hQkE8Bg7wDwXgORA30BLMxabXtaejryamzP4jXsiDPyBQt550Y5D9H+Q4IJsN4dF",
            "l+sxvYEG/B/RsHj7NS77vyGskAcHg6+SwD3H3Pb+9ygCvVxs0bkmRFQEoAA2anxy"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\\n", "\\r\\n"], ids=["lf", "crlf", "escaped-lf", "escaped-crlf"])
def test_pem_private_key_in_every_encoding(builtin_matcher, newline):
    pem = newline.join(["-----BEGIN RSA PRIVATE KEY-----", *PEM_BODY, "-----END RSA PRIVATE KEY-----"])
    text = f'{{"key": "{pem}"}}\n' if "\\" in newline else pem + "\n"
    rules = [f.rule_id for f in builtin_matcher.scan(Document(path="config/key.json", text=text))]
    assert rules == ["secrets.private-key-rsa"]


@pytest.mark.parametrize(("path", "line", "value"), FORMS, ids=[f"{p}:{v[:6]}" for p, _l, v in FORMS])
def test_every_form_is_found(builtin_matcher, path, line, value):
    values = [v for _r, v in found(builtin_matcher, line + "\n", path)]
    assert values == [value]


NOT_SECRETS = [
    ("src/app.py", "api_key = ghp_notarealtokenatall1234".join(['"', '"'])),  # provider prefix, malformed
    ("src/app.py", 'MISSING_TOKEN_MESSAGE = "Le jeton d’accès a expiré"'),
    ("src/app.py", 'password = "your-password-here"'),
    ("src/app.py", 'token = "ValidationError2"'),
    ("src/app.py", 'cache_key = "user_profile_settings_v2"'),
    ("src/app.py", 'PASSWORD_HASH = "pbkdf2_sha256$600000$abc$defghijkl"'),
    ("src/app.py", 'monkey = "Zq8wL3mT9vR2xK7pB4nY6cJ1"'),
    ("tests/test_login.py", 'client.login(username="bob", password="superS3cret")'),
    ("docs/db.rst", 'engine = create_engine("postgresql://scott:tiger@localhost/test")'),
    ("src/app.py", 'DEFAULT_URL = "mssql+pyodbc://scott:tiger^5HHH@mssql2017:1433/test"'),
    # key plus a noun, digests under a bare key, UUIDs under a provider's name, identifiers under *Pass
    ("src/keys.js", "on_key_down_event = 'Zq8wL3mT9vR2xK7pB4nY6cJ1'"),
    ("src/oids.rs", 'pub const OID_Cipher_KeyMeshing = "oid-cipher-key-meshing";'),
    ("src/cache.py", 'key = "5d41402abc4b2a76b9719d911017c592"  # md5 of the request path'),
    ("src/app.ts", 'export const githubToken: string = "4b1f7c2e-9a3d-4e6b-8c0f-2d5a7e9b1c3f";'),
    ("src/fp.js", "  'somePass': 'overSome',"),
    ("src/views.py", "@sensitive_variables('user', 'password', 'card_number')"),
    ("src/app.py", 'OPENAI_API_KEY = "sk-proj-Rq8ZmT2vL9xK7pB4nY6cJ1wQ3e"'),  # known format, too short
    ("Dockerfile", "ENV API_TOKEN=${API_TOKEN}"),
    ("deploy.sh", "docker run \\\n  -u 1000:1000 app"),
    ("appsettings.json", '"Db": "Server=localhost;Database=app;User ID=sa;Password=${DB_PASSWORD};"'),
    ("settings.xml", "<keyAlias>\n    release-signing\n</keyAlias>"),
]


@pytest.mark.parametrize(("path", "line"), NOT_SECRETS, ids=[l[:30] for _p, l in NOT_SECRETS])
def test_decoys_in_real_code_idioms_are_not_reported(builtin_matcher, path, line):
    assert found(builtin_matcher, line + "\n", path) == []


def test_a_malformed_provider_token_is_claimed_but_a_wellformed_one_reported_once(builtin_matcher):
    ghp = "ghp_" + "R8aZ3kL0pQ7wX2vN5mC9tY4bH6jD1sF8gE3u"
    assert found(builtin_matcher, f'api_key = "{ghp}"\n') == [("secrets.github-pat", ghp)]
    dropped: list[Dropped] = []
    builtin_matcher.spans(Document(path="a.py", text='api_key = "ghp_notarealtokenatall1234"\n'), dropped)
    assert [d.reason for d in dropped if d.rule_id == "secrets.generic-credential"] == ["provider_prefix"]


def test_a_multiline_specific_match_does_not_silence_the_lines_around_it():
    """A long specific match (window) shadows only generic values lying wholly inside it."""
    block = make_rule(id="custom.block", keywords=["begin blob"], window=5,
                      regex=r"BEGIN BLOB\n(?P<secret>(?:[^\n]*\n){0,4}?)END BLOB")
    generic = make_rule(id="custom.generic", keywords=["token"], fallback=True,
                        regex=r"token = \"(?P<secret>[A-Za-z0-9]{16,})\"")
    matcher = SecretMatcher([block, generic])
    text = f'BEGIN BLOB\ntoken = "{RANDOM}"\nEND BLOB\nx = 1\n'
    assert [r for r, _v in found(matcher, text, "a.txt")] == ["custom.block"]  # inside: the block's value
    text = f'BEGIN BLOB\nQm9xT2tL7pZ3rW8v\nEND BLOB\ntoken = "{RANDOM}"\n'
    assert sorted(r for r, _v in found(matcher, text, "a.txt")) == ["custom.block", "custom.generic"]
    # a specific match that runs past its region into the next line's value does not hide that value
    greedy = make_rule(id="custom.greedy", keywords=["begin blob"], window=5,
                       regex=r"BEGIN BLOB(?P<secret>[\s\S]{40})")
    matcher = SecretMatcher([greedy, generic])
    text = f'BEGIN BLOB\nQm9xT2tL7pZ3rW8v\ntoken = "{RANDOM}"\n'
    assert sorted(r for r, _v in found(matcher, text, "a.txt")) == ["custom.generic", "custom.greedy"]


def test_explain_names_the_filter_and_masks_the_value(builtin_secret_rules):
    text = ('api_key = "your-api-key-here"\ntoken = "ghp_notarealtokenatall1234"\n'
            'url = "postgres://scott:tiger@localhost/test"\nDB_PASSWORD = "Password2024!xK9q"\n')
    lines = explain_documents([Document(path="app.py", text=text)], builtin_secret_rules)
    assert any(line.startswith("app.py:1: secrets.generic-credential: not reported (placeholder)") for line in lines)
    assert any("app.py:2:" in line and "(provider_prefix)" in line for line in lines)
    assert any("app.py:3:" in line and "(sample_url_credentials)" in line for line in lines)
    assert not any("app.py:4:" in line for line in lines)  # reported, so not explained
    assert "ghp_notarealtokenatall1234" not in "\n".join(lines) and "scott:tiger" not in "\n".join(lines)


def test_check_explain_cli(repo, br):
    repo.write("app.py", 'api_key = "your-api-key-here"\nDB_PASSWORD = "Password2024!xK9q"\n')
    res = br("security", "check", "--explain", "--no-color", cwd=repo.root)
    assert res.exit_code == 1
    assert "1 candidate secret(s) not reported:" in res.stdout
    assert "app.py:1: secrets.generic-credential: not reported (placeholder)" in res.stdout
    assert "Password2024!xK9q" not in res.output
    res = br("security", "check", "--explain", "--format", "json", cwd=repo.root)
    assert "not reported (placeholder)" in res.stderr and "not reported" not in res.stdout


def test_no_two_specific_rules_report_the_same_value(builtin_secret_rules, builtin_matcher):
    """One secret, one finding: overlapping provider rules would double every report."""
    doubles, matched = [], 0
    for rule in builtin_secret_rules:
        for example in rule.examples.match:
            text = getattr(example, "text", example)
            spans = [(c.rule.id, s, e) for c, _ls, s, e in
                     builtin_matcher.spans(Document(path="example.txt", text=text)) if not c.spec["fallback"]]
            matched += any(rule_id == rule.id for rule_id, _s, _e in spans)
            doubles += [(a, b) for i, (a, s1, e1) in enumerate(spans) for b, s2, e2 in spans[i + 1:]
                        if s1 < e2 and s2 < e1]
    assert matched >= len(builtin_secret_rules) // 2, (matched, len(builtin_secret_rules))  # examples really matched
    assert doubles == []


def test_accuracy_corpus_is_split_by_template_and_scores_without_false_alarms():
    """The labelled set's two parts share no syntax form; the rules miss nothing and cry no wolf on it."""
    import json
    from pathlib import Path

    corpus = Path(__file__).parent / "corpus"
    parts = {p: [json.loads(x) for x in (corpus / f"{p}.jsonl").read_text(encoding="utf-8").splitlines()]
             for p in ("tune", "heldout")}
    forms = {p: {r["template"] for r in recs if r["family"] != "none"} for p, recs in parts.items()}
    assert not forms["tune"] & forms["heldout"]
    negatives = {p: {r["text"] for r in recs if r["template"] == "negative"} for p, recs in parts.items()}
    assert not negatives["tune"] & negatives["heldout"]
    import importlib.util

    spec = importlib.util.spec_from_file_location("accuracy", Path(__file__).parents[2] / "bench" / "accuracy_secrets.py")
    accuracy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(accuracy)
    for recs in parts.values():
        stats, misses, false_alarms = accuracy.score_br(recs)
        assert false_alarms == [] and len(misses) <= len(recs) // 50


def test_a_jwt_with_a_mangled_header_is_still_a_jwt_but_random_eyj_strings_are_not():
    """Logs and copies damage headers: a header and payload that decode to JSON text are a token's
    shape; random base64 after `eyJ` decodes to binary and is rejected."""
    import base64
    import random

    from buildrunner.engine.secrets import VALIDATORS

    payload = base64.urlsafe_b64encode(b'{"sub":"svc-ingest","iat":1712345678}').decode().rstrip("=")
    mangled_header = "eyJhbGciOixxxiIsInR5cCI6IkpXVCJ9"  # `{"alg":"` + damaged bytes
    assert VALIDATORS["jwt"](f"{mangled_header}.{payload}.Qm9xT2tL7pZ3rW8vN1cY5s")
    rng = random.Random(7)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    def rand(n):
        return "".join(rng.choice(alphabet) for _ in range(n))

    assert not any(VALIDATORS["jwt"](f"eyJ{rand(30)}.eyJ{rand(40)}.{rand(20)}") for _ in range(100))
