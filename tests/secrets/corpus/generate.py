"""Build the labelled secret-detection accuracy set: tune.jsonl and heldout.jsonl.

    .venv/bin/python tests/secrets/corpus/generate.py     # rewrites both files (deterministic)

Positives are FAKE values generated from each provider's documented format (prefix, length,
alphabet), written in every syntax form a secret appears in; negatives are hand-written lines in the
idioms of real code and config (placeholders, references, hashes, UUIDs, identifiers, sample
credentials, prose) plus provider-shaped decoys (wrong length, prefix + xxxx).

The split is by TEMPLATE FAMILY, never at random: the tune part uses one set of syntax forms and
negative idioms, the held-out part uses different ones (other languages, config formats and
phrasings), so a filter tuned on one cannot memorise the other. Never tune on heldout.jsonl.
Each record: {"family": expected family or "none", "path": file name the line lives in,
"text": the line(s), "secret": the planted value or null, "template": the form's name}.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOW, UP, DIG = string.ascii_lowercase, string.ascii_uppercase, string.digits
ALNUM = LOW + UP + DIG
HEX = "0123456789abcdef"
URLSAFE = ALNUM + "_-"
B64 = ALNUM + "+/"


def make_generators(r: random.Random):
    def s(alpha, n):
        return "".join(r.choice(alpha) for _ in range(n))

    def jwt():
        import base64

        def b64(obj):
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
        return (b64({"alg": "HS256", "typ": "JWT"}) + "." + b64({"sub": s(DIG, 9), "iat": 1700000000 + r.randrange(10**7)})
                + "." + s(URLSAFE, 43))

    human = lambda: r.choice(["Tr0ub4dor", "Summer", "Falcon", "Orbit", "Maple", "Copper"]) + s(DIG, 4) + r.choice("!@#$%&*") + s(ALNUM, 4)
    return {
        # family: (variable name, value generator)
        "anthropic": ("ANTHROPIC_API_KEY", lambda: "sk-ant-api03-" + s(URLSAFE, 93) + "AA"),
        "openai": ("OPENAI_API_KEY", lambda: "sk-proj-" + s(URLSAFE, 74) + "T3BlbkFJ" + s(URLSAFE, 74)),
        "openrouter": ("OPENROUTER_API_KEY", lambda: "sk-or-v1-" + s(HEX, 64)),
        "aws": ("AWS_ACCESS_KEY_ID", lambda: "AKIA" + s(UP + "234567", 16)),
        "github": ("GITHUB_TOKEN", lambda: r.choice(["ghp_", "gho_", "ghs_", "ghu_"]) + s(ALNUM, 36)),
        "gitlab": ("GITLAB_TOKEN", lambda: "glpat-" + s(URLSAFE, 20)),
        "slack": ("SLACK_BOT_TOKEN", lambda: "xoxb-" + s(DIG, 12) + "-" + s(DIG, 13) + "-" + s(ALNUM, 24)),
        "stripe": ("STRIPE_SECRET_KEY", lambda: r.choice(["sk_live_", "rk_live_"]) + s(ALNUM, 99)),
        "gcp": ("GOOGLE_API_KEY", lambda: "AIza" + s(URLSAFE, 35)),
        "jwt": ("SESSION_JWT", jwt),
        "notion": ("NOTION_TOKEN", lambda: "ntn_" + s(DIG, 11) + s(ALNUM, 35)),
        "apify": ("APIFY_TOKEN", lambda: "apify_api_" + s(ALNUM, 36)),
        "sendgrid": ("SENDGRID_API_KEY", lambda: "SG." + s(URLSAFE, 22) + "." + s(URLSAFE, 43)),
        "npm": ("NPM_TOKEN", lambda: "npm_" + s(ALNUM, 36)),
        "long-tail": ("SERVICE_TOKEN", lambda: r.choice([
            lambda: "xkeysib-" + s(HEX, 64) + "-" + s(ALNUM, 16),
            lambda: "dnkey-" + s(LOW + DIG, 26) + "-" + s(LOW + DIG, 52),
            lambda: "sgp_" + s(HEX, 16) + "_" + s(HEX, 40),
            lambda: "NRJS-" + s(HEX, 19),
            lambda: "p8e-" + s(ALNUM, 32),
            lambda: "aio_" + s(ALNUM, 28),
            lambda: s(ALNUM, 6) + "_" + s(ALNUM, 29) + "_mmk",
            lambda: "AQVN" + s(URLSAFE, 36),
            lambda: "sqp_" + s(HEX, 40),
            lambda: "xsmtpsib-" + s(HEX, 64) + "-" + s(ALNUM, 16),
            lambda: "EAAM" + s(ALNUM, 140),
        ])()),
        "generic-random": ("API_SECRET", lambda: s(ALNUM, r.randrange(24, 41))),
        "generic-password": ("DB_PASSWORD", human),
        "url-credentials": ("DATABASE_URL", human),
    }


# --- positive templates: {name} variable, {lname} lowercase, {camel} camelCase, {v} the value --------
TUNE_FORMS = {
    "python-assign": ("app/settings.py", '{name} = "{v}"'),
    "python-dict": ("app/config.py", 'CONFIG = {{"{lname}": "{v}"}}'),
    "python-kwarg": ("app/client.py", 'client = Client({lname}="{v}")'),
    "dotenv": (".env", "{name}={v}"),
    "yaml": ("config/app.yaml", "  {lname}: {v}"),
    "json": ("config/app.json", '  "{camel}": "{v}",'),
    "shell-export": ("deploy.sh", "export {name}={v}"),
    "js-const": ("src/client.js", 'const {camel} = "{v}";'),
}
HELDOUT_FORMS = {
    "ts-annotated": ("src/config.ts", 'export const {camel}: string = "{v}";'),
    "go-short-assign": ("cmd/main.go", '\t{camel} := "{v}"'),
    "toml": ("config/app.toml", '{lname} = "{v}"'),
    "ini-unquoted": ("config/app.ini", "{lname} = {v}"),
    "dockerfile-env": ("Dockerfile", "ENV {name} {v}"),
    "k8s-stringdata": ("k8s/secret.yaml", "stringData:\n  {lname}: {v}"),
    "terraform": ("infra/main.tf", '  {lname} = "{v}"'),
    "xml-attr": ("App.config", '<add key="{name}" value="{v}" />'),
    "php-array": ("config/app.php", "    '{lname}' => '{v}',"),
    "js-env-fallback": ("src/app.js", 'const {camel} = process.env.{name} || "{v}";'),
    "python-getenv-default": ("app/settings.py", '{lname} = os.getenv("{name}", "{v}")'),
    "ruby-hash": ("config/initializers/app.rb", '  {lname}: "{v}",'),
}
# families whose value only makes sense in a URL or a header
URL_FORMS_TUNE = {
    "url-python": ("app/db.py", 'engine = create_engine("postgresql://app:{v}@db.prod.internal:5432/app")'),
    "url-env": (".env", "DATABASE_URL=mysql://shop:{v}@10.1.2.3:3306/shop"),
}
URL_FORMS_HELDOUT = {
    "url-yaml": ("docker-compose.yml", "      - BROKER_URL=amqp://worker:{v}@rabbit.internal:5672/"),
    "url-js": ("src/db.js", 'mongoose.connect("mongodb+srv://api:{v}@cluster0.abcde.mongodb.net/prod");'),
    "url-git": ("ci/clone.sh", "git clone https://ci-bot:{v}@git.internal/acme/app.git"),
    "url-redis": ("config/cache.py", 'CACHE_URL = "redis://default:{v}@cache.internal:6379/0"'),
}
HEADER_FORMS = {
    "tune": {"header-python": ("app/api.py", 'headers = {{"Authorization": "Bearer {v}"}}')},
    "heldout": {"header-curl": ("scripts/call.sh", "curl -H 'Authorization: Bearer {v}' https://api.internal/v1"),
                "header-xkey": ("nginx/site.conf", 'proxy_set_header X-Api-Key "{v}";')},
}

# --- negatives: real-code idioms, split by idiom family ----------------------------------------------
TUNE_NEGATIVES = [
    ("app/settings.py", 'SECRET_KEY = os.environ["SECRET_KEY"]'),
    ("app/settings.py", 'API_KEY = os.getenv("API_KEY")'),
    ("app/settings.py", 'password = "changeme"'),
    ("app/settings.py", 'api_key = "your-api-key-here"'),
    ("app/settings.py", 'token = "<YOUR_TOKEN>"'),
    ("app/settings.py", 'DB_PASSWORD = "${DB_PASSWORD}"'),
    ("app/models.py", 'password_hash = "pbkdf2_sha256$600000$Zq8wL3mT$Hx7kP2qLm9wZr7GhT2kq9XwPz4LmN8vB3sYc6DfJ1aQ="'),
    ("app/models.py", 'token_type = "bearer"'),
    ("app/models.py", 'primary_key = "user_account_id"'),
    ("app/models.py", 'request_id = "8f14e45f-ceea-467f-a9a5-c1f0f34b2e3d"'),
    ("app/views.py", 'csrf_token = request.POST.get("csrfmiddlewaretoken")'),
    ("app/views.py", 'next_page_token = response["nextPageToken"]'),
    ("app/i18n.py", 'MSG_TOKEN_EXPIRED = "Ihr Zugangstoken ist abgelaufen"'),
    ("app/i18n.py", 'ERROR_INVALID_PASSWORD = "The password you entered is incorrect"'),
    (".env.example", "STRIPE_SECRET_KEY="),
    (".env.example", "OPENAI_API_KEY=sk-..."),
    ("config/app.yaml", "  password: ${DB_PASSWORD}"),
    ("config/app.yaml", "  token_url: https://auth.internal/oauth/token"),
    ("config/app.json", '  "integrity": "sha512-/FFYLcHGXw8lM9mLOBuQr+6nFx+LGfF4ZPQ6pNHPvdbJGIaemUAcqMr9cYkH2O+ZX2Dx5VfQEUCEPtt5rVOWgA==",'),
    ("src/client.js", 'const apiKey = process.env.API_KEY;'),
    ("src/client.js", 'headers: { Authorization: `Bearer ${token}` },'),
    ("src/client.js", 'const tokenizer = new Tokenizer({ maxTokens: 4096 });'),
    ("tests/test_auth.py", 'self.client.login(username="alice", password="secret")'),
    ("tests/test_auth.py", 'user.set_password("correct horse battery staple")'),
    ("docs/install.md", "    export DATABASE_URL=postgres://user:password@localhost:5432/app"),
    ("README.md", "Set `GITHUB_TOKEN` to a token such as `ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`."),
    ("app/settings.py", 'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"'),
    ("app/settings.py", 'commit_sha = "9f1c2e4b7a3d5f60182b4c6d8e0a1b3c5d7e9f02"'),
    ("deploy.sh", 'docker login -u "$REGISTRY_USER" --password-stdin < token.txt'),
    ("app/settings.py", 'SECRET_KEY = get_random_secret_key()'),
    ("app/crypto.py", 'key = hashlib.sha256(password.encode()).hexdigest()'),
    ("app/auth.py", 'if not token:'),
    ("app/auth.py", 'password = form.cleaned_data["password"]'),
    ("app/settings.py", 'GITHUB_TOKEN = "ghp_notarealtokenatall1234"'),
    ("app/settings.py", 'SLACK_TOKEN = "xoxb-your-token"'),
    ("static/app.css", '.icon{background:url("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAABHNCSVQICAgIfAhkiAAAAAlwSFlzAAAOxAAADsQBlSsOGwAAAhlJREFUOI2lk0FIFGEUx")}'),
    ("app/settings.py", 'cache_key = "user_profile_settings_v2"'),
    ("app/settings.py", 'SESSION_COOKIE_NAME = "sessionid"'),
]
HELDOUT_NEGATIVES = [
    ("src/config.ts", 'export const apiKey: string = process.env.API_KEY ?? "";'),
    ("cmd/main.go", '\ttoken := os.Getenv("GITHUB_TOKEN")'),
    ("cmd/main.go", '\tpassword := flag.String("password", "", "database password")'),
    ("config/app.toml", 'password = "{{ vault_db_password }}"'),
    ("config/app.ini", "password = %(DB_PASSWORD)s"),
    ("config/app.ini", "secret_key = <generate with openssl rand -hex 32>"),
    ("Dockerfile", "ARG NPM_TOKEN"),
    ("Dockerfile", "ENV API_TOKEN=${API_TOKEN}"),
    ("k8s/secret.yaml", "        secretKeyRef:\n          name: db-credentials\n          key: password"),
    ("infra/main.tf", '  password = var.db_password'),
    ("infra/main.tf", '  master_password = random_password.db.result'),
    ("App.config", '<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />'),
    ("config/app.php", "    'password' => env('DB_PASSWORD', ''),"),
    ("src/app.js", 'const secret = process.env.JWT_SECRET || "";'),
    ("app/settings.py", 'db_password = os.getenv("DB_PASSWORD", "")'),
    ("config/initializers/app.rb", '  secret_key_base: ENV.fetch("SECRET_KEY_BASE"),'),
    ("src/locale/ja.json", '  "tokenExpired": "トークンの有効期限が切れました",'),
    ("src/locale/fr.json", '  "passwordHint": "Votre mot de passe doit contenir huit caractères",'),
    ("go.sum", "golang.org/x/crypto v0.21.0 h1:X31++rzVUdKhX5sWmSOFZxx8UW/ldWx55cbf08iNAMA="),
    ("yarn.lock", '  integrity sha512-TIGc6dMydWzIrNBvgZ6cWuOF3AxSw0p9Aq0fSqtm8WaFSXK8LoB0Xw7wYqb+PwbnRx+cbSeZMh3a/v6WA0dXA=='),
    ("package-lock.json", '      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",'),
    ("src/api.py", 'resp = requests.get(url, auth=(user, password))'),
    ("src/api.py", 'token = jwt.encode(payload, settings.JWT_SECRET, algorithm="HS256")'),
    ("docs/db.rst", '    engine = create_engine("postgresql://scott:tiger@localhost/test")'),
    ("setup.cfg", "mssql = mssql+pyodbc://scott:tiger^5HHH@mssql2017:1433/test?driver=ODBC+Driver+18"),
    ("ci/clone.sh", "git clone https://github.com/acme/app.git"),
    ("ci/clone.sh", 'git clone "https://x-access-token:${GITHUB_TOKEN}@github.com/acme/app.git"'),
    ("scripts/call.sh", "curl -H 'Authorization: Bearer $TOKEN' https://api.internal/v1"),
    ("scripts/call.sh", "curl -u \"$USER:$PASS\" https://ci.internal"),
    ("nginx/site.conf", 'proxy_set_header Authorization "Bearer $http_x_token";'),
    ("src/keys.go", '\tconst publicKeyPath = "/etc/ssl/certs/server.pem"'),
    ("src/ids.ts", 'const STRIPE_PUBLISHABLE_KEY = "pk_live_51HqLyjWDarjtT1zdp7dcXvLbF3mKq9zR2tY8uI0oP4aS6dF";'),
    ("src/auth.ts", 'if (password === confirmPassword) {'),
    ("src/auth.ts", 'const passwordRegex = /^(?=.*[A-Z])(?=.*\\d).{8,}$/;'),
    ("src/lexer.py", 'tokens = lexer.tokenize(source_code_string)'),
    ("src/app.rb", 'API_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"'),
    ("src/app.rb", 'AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"'),
    ("src/bundle.min.js", 'function n(e){var t=e.apiKey,r=e.authToken;return t&&r?{key:t,token:r}:null}'),
]


def camel(name: str) -> str:
    parts = name.lower().split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def build(part: str, seed: int) -> list[dict]:
    r = random.Random(seed)
    gens = make_generators(r)
    forms = TUNE_FORMS if part == "tune" else HELDOUT_FORMS
    url_forms = URL_FORMS_TUNE if part == "tune" else URL_FORMS_HELDOUT
    records = []
    for family, (name, gen) in gens.items():
        use = url_forms if family == "url-credentials" else forms
        for template, (path, pattern) in use.items():
            for _ in range(3):
                value = gen()
                text = pattern.format(name=name, lname=name.lower(), camel=camel(name), v=value)
                records.append({"family": family, "path": path, "text": text, "secret": value, "template": template})
    for template, (path, pattern) in HEADER_FORMS[part].items():
        for _ in range(4):
            value = "".join(r.choice(URLSAFE) for _ in range(40))
            records.append({"family": "bearer", "path": path, "text": pattern.format(v=value), "secret": value,
                            "template": template})
    negatives = TUNE_NEGATIVES if part == "tune" else HELDOUT_NEGATIVES
    for path, text in negatives:
        records.append({"family": "none", "path": path, "text": text, "secret": None, "template": "negative"})
    # provider-shaped decoys: wrong length, prefix + x's, UUIDs
    for family, (name, gen) in gens.items():
        if family.startswith(("generic", "url", "long-tail", "jwt")):
            continue
        value = gen()
        path, pattern = next(iter(forms.values()))
        short = value[: max(8, len(value) // 4)]
        records.append({"family": "none", "path": path, "text": pattern.format(
            name=name, lname=name.lower(), camel=camel(name), v=short), "secret": None, "template": "decoy-short"})
        records.append({"family": "none", "path": path, "text": pattern.format(
            name=name, lname=name.lower(), camel=camel(name), v=str(uuid.UUID(int=r.getrandbits(128), version=4))),
            "secret": None, "template": "decoy-uuid"})
    return records


# --- round 4: structured and command-line forms (own random stream: the records above are unchanged).
# {v} a random token, {h} a human-chosen password, {b} the base64 of {v}. Tune and held-out parts
# use different syntaxes; the held-out forms were written after the rules and never tuned on.
R4_FORMS = {
    "tune": {
        "k8s-data-lower-kind": ("k8s", "deploy/secret.yaml", "apiVersion: v1\nkind: secret\ndata:\n  api-token: {b}\n", "b"),
        "env-in-json-string": ("generic-structured", "deploy/bundle.json",
                               '{{"app.env": "LOG_LEVEL=info\\nSERVICE_TOKEN={v}\\nDEBUG=0"}}', "v"),
        "mysqldump-p": ("generic-structured", "scripts/backup.sh", "mysqldump -h db -u backup -p{h} orders > o.sql", "h"),
        "make-colon-assign": ("generic-structured", "Makefile", "DEPLOY_TOKEN := {v}", "v"),
        "curl-private-token": ("bearer", "scripts/gl.sh", 'curl -H "PRIVATE-TOKEN: {v}" https://gitlab.internal/api/v4', "v"),
    },
    "heldout": {
        "k8s-json-list": ("k8s", "deploy/secrets.json",
                          '{{"kind": "List", "items": [{{"kind": "Secret", "stringData": {{"password": "{h}"}}}}]}}', "h"),
        "k8s-yaml-list-item": ("k8s", "deploy/all.yaml",
                               "kind: List\nitems:\n- kind: Secret\n  data:\n    token: {b}\n", "b"),
        "compose-env-list": ("generic-structured", "docker-compose.yml",
                             '    environment: ["DB_HOST=db", "API_SECRET={v}"]', "v"),
        "tf-user-data": ("generic-structured", "infra/vm.tf",
                         '  user_data = "#!/bin/sh\\nexport DB_PASSWORD={h}\\nsystemctl start app\\n"', "h"),
        "redis-cli-a": ("generic-structured", "ops/flush.sh", "redis-cli -h cache.internal -a {h} FLUSHALL", "h"),
        "mariadb-quoted-p": ("generic-structured", "ops/dump.sh", "mariadb-dump -uroot -p'{h}' --all-databases", "h"),
        "make-conditional": ("generic-structured", "Makefile", "REGISTRY_PASSWORD ?= {h}", "h"),
        "wget-header": ("bearer", "ops/export.sh", "wget --header='Service-Key: {v}' https://api.internal/export", "v"),
    },
}
R4_NEGATIVES = {
    "tune": [
        ("deploy/cm.yaml", "kind: ConfigMap\ndata:\n  LOG_LEVEL: debug\n  cache.ttl: MzYwMA==\n"),
        ("deploy/bundle.json", '{"app.env": "LOG_LEVEL=info\\nSERVICE_TOKEN=${SERVICE_TOKEN}\\n"}'),
        ("scripts/backup.sh", "mysql -u root -p orders"),
        ("Makefile", "DEPLOY_TOKEN := $(shell cat .token)"),
        ("scripts/gl.sh", 'curl -H "PRIVATE-TOKEN: $GITLAB_TOKEN" https://gitlab.internal/api/v4'),
    ],
    "heldout": [
        ("deploy/tls.yaml", "kind: Secret\ntype: kubernetes.io/tls\ndata:\n  tls.crt: "
         "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJzekNDQVZtZ0F3SUJBZ0lVUQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==\n"),
        ("docker-compose.yml", '    environment: ["DB_HOST=db", "LOG_LEVEL=debug"]'),
        ("infra/vm.tf", '  user_data = "#!/bin/sh\\nexport DB_PASSWORD=${var.db_password}\\n"'),
        ("ops/flush.sh", "redis-cli -h cache.internal -a $REDIS_PASSWORD FLUSHALL"),
        ("ops/dump.sh", "mysql -uroot -proot -e 'SHOW DATABASES'"),
        ("Makefile", "REGISTRY_PASSWORD ?= $(REGISTRY_PASSWORD)"),
        ("ops/export.sh", "curl -H 'Idempotency-Key: 5c2a9e7f1b3d8a6c4e0f2b7d9a1c3e5f' https://api.internal/v1"),
        ("src/log.py", 'print(f"password={password!r}")'),
    ],
}


def build_round4(part: str, seed: int) -> list[dict]:
    import base64

    r = random.Random(seed + 4)

    def human():
        return r.choice(["Tr0ub4dor", "Summer", "Falcon", "Orbit"]) + "".join(r.choice(DIG) for _ in range(4)) \
            + r.choice("!@#%&*") + "".join(r.choice(ALNUM) for _ in range(4))

    records = []
    for template, (family, path, pattern, planted) in R4_FORMS[part].items():
        for _ in range(4):
            v, h = "".join(r.choice(ALNUM) for _ in range(32)), human()
            b = base64.b64encode(v.encode()).decode()
            values = {"v": v, "h": h, "b": b}
            records.append({"family": family, "path": path, "text": pattern.format(**values),
                            "secret": values[planted], "template": template})
    for path, text in R4_NEGATIVES[part]:
        records.append({"family": "none", "path": path, "text": text, "secret": None, "template": "negative-r4"})
    return records


def main() -> None:
    for part, seed in (("tune", 11), ("heldout", 1111)):
        records = build(part, seed) + build_round4(part, seed)
        with open(HERE / f"{part}.jsonl", "w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        print(f"{part}: {len(records)} records")


if __name__ == "__main__":
    main()
