"""Named filters: why a value a secret rule matched is NOT reported.

Each filter is a small pure function of a `Candidate` (the matched value, the name it was assigned
to when the rule captured one, the line, the user part of a URL) with a name and a reason string, in
the manner of detect-secrets' heuristic filters. A rule lists the filters it applies (`filters:`);
every rule applies DEFAULT_FILTERS unless it sets `placeholders: false`. `br security check
--explain` prints, for each dropped candidate, the name of the filter that dropped it.

Filters look at the WHOLE value: `your-api-key-here` is a placeholder, `Password2024!xK9q` and
`MySecretPw2024` are passwords (a value that contains `secret` or `password` among other characters
is a secret).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from buildrunner.engine.entropy import DOC_EXAMPLE_KEYS, brackets_nest, is_placeholder


class Candidate(NamedTuple):
    """A value a rule's regex matched, with what the filters may look at (a tuple: cheap to make)."""

    value: str
    key: str = ""   # the identifier the value is assigned to (`DB_PASSWORD`), when the rule captures it
    line: str = ""
    user: str = ""  # the user name of a `scheme://user:password@host` URL
    path: str = ""  # the document's path


@dataclass(frozen=True)
class SecretFilter:
    name: str
    reason: str
    drops: Callable[[Candidate], bool]


FILTERS: dict[str, SecretFilter] = {}


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


class _Lazy:
    """A regex compiled on first use: importing the filters stays cheap on the pre-commit path.

    The first attribute lookup compiles the pattern and stores the bound method on the instance, so
    later calls cost a plain attribute lookup."""

    def __init__(self, pattern: str, flags: int = 0):
        self._args = (pattern, flags)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        attr = getattr(re.compile(*self._args), name)
        self.__dict__[name] = attr
        return attr


def _filter(name: str, reason: str):
    def register(func: Callable[[Candidate], bool]) -> Callable[[Candidate], bool]:
        FILTERS[name] = SecretFilter(name, reason, func)
        return func
    return register


_WORD_RE = _Lazy(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def _words(text: str) -> list[str]:
    """`myDB_secretKey-2` → ['my', 'db', 'secret', 'key', '2'] (camel, snake, kebab, digits)."""
    return [w.lower() for w in _WORD_RE.findall(text)]


# -- placeholders ---------------------------------------------------------------------------------
# Words that make a value a placeholder when the value is made of nothing else.
_FILLER = _wordset("""
    your my the a an some any our insert enter put add set replace change fill own real actual new
    api access secret secrets auth app application client db database service bot private admin user
    key keys token tokens password passwords passwd pass pwd pw passphrase credential credentials creds
    value string str here goes this that with me it goes test tests testing demo dev local mock stub
    none null nil undefined empty todo tbd fixme default sample example dummy fake placeholder redacted
    hidden masked invalid valid wrong bad good correct incorrect foo bar baz qux abc xyz xxx
    changeme changeit letmein welcome qwerty hunter s3cr3t p4ssw0rd passw0rd pa55word secure super
    top very bearer basic for of to in is not go
""")


_LEET = str.maketrans("@4301!$57", "aaeoiisst")
_NON_LEET_DIGITS = str.maketrans("", "", "@4301!$57-_. ")  # what is left must be letters for leetspeak
_NAMING_WORDS = ("password", "passwd", "secret", "token", "apikey", "passphrase")


def _segments_into(text: str, vocabulary: frozenset) -> bool:
    """Whether `text` (lowercase letters, at most 30) splits entirely into words of `vocabulary`."""
    if not text or len(text) > 30:
        return False
    size = len(text)
    ok = [True] + [False] * size  # ok[i]: text[:i] splits into words (of at most 14 letters)
    for start in range(size):
        if ok[start]:  # only from where a split reaches: most values are reached nowhere past 0
            for end in range(start + 1, min(start + 14, size) + 1):
                if text[start:end] in vocabulary:
                    ok[end] = True
    return ok[-1]


_LOWER_PHRASE = _Lazy(r"[a-z_\-. ]+")
_NOT_LOWER = _Lazy(r"[^a-z]")


def _is_filler_phrase(value: str) -> bool:
    """`your-api-key-here`, `SuperSecret`, `p@ssw0rd`, `anewpassword`, `password123`: a value made of
    placeholder words only (leetspeak undone), or lowercase words naming a password; at most three
    trailing digits."""
    if sum(map(str.isdigit, value)) > 3 and not value.translate(_NON_LEET_DIGITS).isalpha():
        return False  # more than three digits, not all leetspeak: no placeholder phrase (fast path)
    words = _words(value)
    if not words:
        return True
    low = value.lower()
    unleet = low.translate(_LEET)
    if unleet != low and _LOWER_PHRASE.fullmatch(unleet) and _segments_into(_NOT_LOWER.sub("", unleet), _FILLER):
        return True  # `p@ssw0rd`, `S3cr3tT0k3n`
    digits = [w for w in words if w.isdigit()]
    if sum(map(len, digits)) > 3 or (digits and not words[-1].isdigit()):
        return False  # `Password2024`, `MySecretPw2024`: words plus a year are a human password
    if all(w in _FILLER for w in words if not w.isdigit()):
        return True
    if _segments_into(_NOT_LOWER.sub("", low), _FILLER):
        return True
    # lowercase words that name what they stand for: `somepassword`, `usable_password`, `nopasswd`
    return _LOWER_PHRASE.fullmatch(value) is not None and " " not in value and any(w in value for w in _NAMING_WORDS)


@_filter("placeholder", "the whole value is a placeholder (`your-api-key`, `changeme`, `xxxx`, `<token>`)")
def placeholder(c: Candidate) -> bool:
    return is_placeholder(c.value) or _is_filler_phrase(c.value)


_TEMPLATE = _Lazy(r"""
      \$\{[^}]*\}? | \$\([^)]*\)? | ^\$[A-Za-z_]\w*$ | (?<![A-Za-z0-9])\$[A-Z_][A-Z0-9_]{2,}\b  # ${X}, $(cmd), $VAR
    | \{\{.*?(?:\}\}|$) | \{%.*?%\} | \#\{[^}]*\}                             # {{ x }}, {% x %}, #{x}
    | ^\{[\w.\[\]'"]*\}$ | \{\d*\} | \{[a-z_][\w.]*(?:![rsa])?(?::[^}]*)?\}     # {x}, {x!r} (format / f-string)
    | %\(\w+\)[sdr] | ^%[sdr]$ | ^%\w+%$ | ^@\w+@$ | ^__\w+__$                 # %(x)s, %s, %X%, @X@
    | ^<[^<>]*>$ | <[A-Za-z_][\w\- ]*>                                           # <x>, <your key>
""", re.VERBOSE)


@_filter("templated", "the value is a template variable (`${X}`, `{{ x }}`, `<x>`, `%(x)s`, `{x}`)")
def templated(c: Candidate) -> bool:
    return _TEMPLATE.search(c.value) is not None and brackets_nest(c.value)


_INDIRECT = _Lazy(r"""
      ^(?:os\.environ|os\.getenv|getenv|process\.env|import\.meta\.env|ENV\[|env\(|settings\.|config\.|
          conf\.|cfg\.|self\.|this\.|params\.|props\.|options\.|opts\.|args\.|request\.|secrets\.|vars\.|
          System\.getenv|Environment\.|context\.|ctx\.)
    | ^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\(.*\)?$                   # a call: get_secret("x")
    | ^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$                         # a dotted name: app.config.SECRET
    | ^[A-Za-z_$][\w$]*\[[^\]]*\]$                                      # an index: env["X"]
""", re.VERBOSE)


@_filter("indirect_reference", "the value names where the secret lives (`settings.X`, `os.environ[...]`, "
         "`config.get(...)`), it is not the secret")
def indirect_reference(c: Candidate) -> bool:
    v = c.value
    if _INDIRECT.search(v) is None:
        return False
    # `s.ZC9Ex2…` (a Vault token) is not attribute access: a name's segments are not random runs
    name = v.split("(", 1)[0].split("[", 1)[0]
    return "." not in name or not any(_random_run(seg) for seg in name.split("."))


def _random_run(segment: str) -> bool:
    """A name segment that is a random run, not words with digits (`X25519PrivateKey` is words)."""
    if not _has_random_segment(segment):
        return False
    letters = [w for w in _WORD_RE.findall(segment) if not w.isdigit()]
    return sum(len(w) for w in letters if len(w) >= 3 and _word_like(w)) < 0.6 * sum(map(len, letters))


_SEQUENCES = ("0123456789", "1234567890", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")


@_filter("sequential_or_repeated", "the value is a run, a repeat or a keyboard sequence (`12345678`, "
         "`aaaaaaaa`, `abcdefgh`, `qwerty`)")
def sequential_or_repeated(c: Candidate) -> bool:
    body = re.sub(r"[^A-Za-z0-9]", "", c.value).lower()
    if not body:
        return True
    if len(body) >= 6 and len(set(body)) <= max(2, len(body) // 8):
        return True
    if len(body) >= 6 and any(body in seq or body in seq[::-1] for seq in _SEQUENCES):
        return True
    # a short unit repeated (abcabcabc, 1a2b1a2b1a2b)
    return any(len(body) >= 3 * n and body == (body[:n] * (len(body) // n + 1))[:len(body)] for n in range(1, 5))


_UUID = _Lazy(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
_HASH_TAGGED = _Lazy(r"^(?:sha(?:1|224|256|384|512)|md5|blake2[bs]?|sha3-\d+)[:\-=$]"
                          r"|^(?:pbkdf2_sha\d+|pbkdf2|argon2\w*|bcrypt\w*|scrypt|crypt|unsalted_\w+)\$"
                          r"|^\$(?:2[abxy]?|5|6|argon2\w*|scrypt|pbkdf2[\w-]*)\$"
                          r"|^\{(?!noop\})[\w\-]+\}.|^\{[A-Za-z0-9+/]{16,}=*\}$", re.IGNORECASE)
_HEX_DIGEST = _Lazy(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$")
_HASH_CONTEXT = _Lazy(r"(?i)hash|digest|checksum|sha\d*|md5|integrity|commit|revision|\brev\b|etag|"
                           r"fingerprint|git[_\-]?ref|\bref\b|nonce|salt")


_HASH_COMMENT = _Lazy(r"(?i)(?:#|//|/\*|--)[^\n]*\b(?:md5|sha-?\d*|hash(?:ed)?|checksum|digest|etag)\b")


def names_credential(key: str) -> bool:
    """Whether a name says credential (`DB_PASSWORD`, `auth`, `theapikey`; not `key_size`)."""
    return _names_a_credential(_words(key))


@_filter("uuid_or_hash", "the value is a UUID, a password hash (`pbkdf2_sha256$…`, `$2b$…`, `{bcrypt}…`), "
         "an encrypted value (Maven `{…}`), a digest (`sha512-…`, a hex hash or git SHA next to "
         "hash/commit/digest, or under a bare `key`), or a UUID whose name does not say credential")
def uuid_or_hash(c: Candidate) -> bool:
    v = c.value
    if _HASH_TAGGED.match(v):
        return True
    if _UUID.match(v):  # Heroku, Snyk, Postmark keys are UUIDs: under a credential name they are keys
        return not (c.key and names_credential(c.key))
    if not _HEX_DIGEST.match(v):
        return False
    if _HASH_CONTEXT.search(c.key or c.line):
        return True
    # a bare `key` holding a hex digest is a cache/lookup key, as is any digest a comment calls one
    return _words(c.key) == ["key"] or _HASH_COMMENT.search(c.line) is not None


_PATH = _Lazy(r"""
      ^(?:[a-z][a-z0-9+.\-]*://|mailto:|file:|data:)              # a URL (credentials in URLs have their own rules)
    | ^(?:~|\.{1,2})?/[\w.\-~/@%+]*$                              # /etc/ssl/key.pem, ./certs, ~/.ssh/id_rsa
    | ^[A-Za-z]:\\                                                  # C:\keys
    | ^[\w.\-]+(?:/[\w.\-]+)*\.(?:pem|key|crt|cer|p12|pfx|jks|json|ya?ml|txt|env|ini|cfg|conf|toml|
        gpg|asc|pub|der|keystore|js|ts|py|rb|go|html?|css|png|svg)$        # certs/client.key, token.json
    | ^[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:com|org|net|io|dev|internal|local|cloud|app)(?::\d+)?(?:/\S*)?$  # host names
    | ^(?:[a-z0-9_.\-]+/)+[a-z0-9_.\-]+$                          # lowercase path segments: a/b/c
""", re.VERBOSE)


@_filter("path_or_url", "the value is a file path, a host name or a URL")
def path_or_url(c: Candidate) -> bool:
    return _PATH.search(c.value) is not None


@_filter("non_ascii_prose", "the value holds non-ASCII text or words separated by spaces (UI text, prose)")
def non_ascii_prose(c: Candidate) -> bool:
    v = c.value
    if not v.isascii():
        return True
    return len(re.findall(r"[A-Za-z]{2,}", v)) >= 3 and v.count(" ") >= 2


_PUBLIC_VALUE = _Lazy(r"^(?:pk_(?:live|test)_|pk\.|AIza.{4,}public|npub1|0x[0-9a-fA-F]{40}$)|@[\w\-]+\.\w")
# The key names something other than the credential: its id, name, type, where it is, how long...
_PUBLIC_KEY_NAME = _Lazy(r"""(?ix)
    (?:^|[_\-.])(?:ids?|uuid|guid|names?|type|kind|arn|urls?|uris?|path|file|dir|length|len|size|min|max|
        count|version|label|field|header|param|prefix|suffix|pattern|regex|format|endpoint|expir\w*|ttl|
        date|time|timeout|hint|prompt|placeholder|description|desc|title|help|message|msg|error|text|
        policy|provider|source|location|store|env|var|mode|scheme|algorithm|alg|bits|public|publishable|
        last[_\-]?used|rotation\w*|manager|ref|index|idx|position|pos|column|col|table|class|enabled|
        hash|hashed|digest|salt|hasher|autocomplete|validators?|strength|mismatch)$
    | (?:^|[_\-.])(?:next|continuation|pagination|page|cursor|sync|marker|resume|resumption|idempotency|
        request|csrf|xsrf|anti[_\-]?forgery|cancel|cancellation|change|lexer|parse|parser|sort|
        max|min|num|total|input|output|prompt|completion|eos|bos|pad|unk|sep|cls|mask|special|start|end|
        first|last|prev|previous|current|lookahead|peek)[_\-]?tokens?$
    | ^(?:public|publishable)
    | (?:^|[_\-.])(?:primary|foreign|sort|partition|hash|cache|dict|map|lookup|group|sort|unique|
        composite|natural|surrogate|ssh[_\-]?host|object|redis|storage|s3|bucket|translation|i18n|
        message|hot|short|keyboard|session|idempotency|dedup|row|record|column|field|state|react|list)[_\-]?keys?$
""")


def _normalize_key(key: str) -> str:
    """`dbPassword` → `db_password`, `DB-Password` → `db_password` (for the key-name tests)."""
    return "_".join(_words(key))


@_filter("public_identifier", "the value is public (a publishable key, an address) or the key names an id, "
         "a name, a type, a length or another non-secret token kind (`page_token`, `primary_key`)")
def public_identifier(c: Candidate) -> bool:
    if _PUBLIC_VALUE.search(c.value):
        return True
    return bool(c.key) and _PUBLIC_KEY_NAME.search(_normalize_key(c.key)) is not None


@_filter("doc_example_key", "the value is a provider's published documentation example key")
def doc_example_key(c: Candidate) -> bool:
    return c.value in DOC_EXAMPLE_KEYS or bool(re.search(r"EXAMPLE(?:KEY)?$", c.value))


# Well-known sample credentials of documentation and test fixtures (never a deployed password).
SAMPLE_PASSWORDS = _wordset("""
    tiger pass password passwd pwd pw secret foo bar baz test tests testing example changeme changeit admin
    root postgres mysql redis mongo guest sa user username scott hunter2 letmein qwerty 1234 12345 123456
    12345678 password1 password123 secret123 s3cret s3cr3t mypassword mypass mysecret mysecretpassword
    topsecret xxx xxxx none null nopass nopassword dbpass dbpassword apppass pa55word passw0rd p4ssw0rd
    p@ssw0rd p@ssword default demo dev local localpass devpass testpass testpassword rabbitmq guest1
    airflow superset keycloak grafana minio minioadmin minio123 docker vagrant ubuntu pi raspberry
    tigerpassword postgrespassword mysecret1 sekret sekrit abc abc123 a b x y z
""")


# Documentation's canonical user/password pairs. A CI container often adds a few characters to the
# password to pass a complexity check (`scott:tiger^5HHH` for SQL Server): still the sample.
SAMPLE_PAIRS = {"scott": "tiger", "user": "pass", "username": "password", "foo": "bar", "postgres": "postgres",
                "root": "root", "admin": "admin", "guest": "guest", "test": "test", "sa": "sa", "mysql": "mysql",
                "alice": "secret", "bob": "secret", "john": "doe", "me": "secret"}


@_filter("sample_url_credentials", "the URL holds well-known sample credentials (scott/tiger, user/pass, "
         "foo/bar, postgres/postgres, a password equal to the user name)")
def sample_url_credentials(c: Candidate) -> bool:
    password, user = c.value.lower(), c.user.lower()
    if password in SAMPLE_PASSWORDS or (user and password == user):
        return True
    canonical = SAMPLE_PAIRS.get(user)
    if canonical and password.startswith(canonical) and len(password) - len(canonical) <= 6:
        return True
    return _is_filler_phrase(c.value)


_WORDISH = _Lazy(r"[aeiouy]", re.IGNORECASE)


def _word_like(token: str) -> bool:
    """A pronounceable alphabetic token: has a vowel, no run of 5 consonants (`validation`, `prod`)."""
    return len(token) >= 3 and _WORDISH.search(token) is not None and \
        re.search(r"[^aeiouy\d]{5}", token.lower()) is None


def is_uuid(value: str) -> bool:
    return _UUID.match(value) is not None


def human_password(c: Candidate) -> bool:
    """A password-named key holding a value a human chose (`Summer2024!`, `hunter2hunter2`): no
    entropy floor applies to it. Letters-only values and identifiers (`overEvery`, `credit_card`)
    still need the floor: under a `*Pass` name they are names, not passwords."""
    v = c.value
    return bool(c.key) and is_password_key(c.key) and not v.isalpha() and _IDENTIFIER.match(v) is None


def is_password_key(key: str) -> bool:
    """The name says password (`DB_PASSWORD`, `dbPass`, `PGPASSWORD`, `pwd`): human-chosen values
    are expected, so no entropy floor applies (placeholders and references are still filtered)."""
    return _is_password_key(key) or any(w.endswith(("password", "passwd")) for w in _words(key))


def _is_password_key(key: str) -> bool:
    return any(w in ("password", "passwd", "pass", "pwd", "pw", "passphrase", "passcode")
               or w.startswith(("password", "passwd")) for w in _words(key))


_TEST_OR_DOC_PATH = _Lazy(r"""(?ix)
    (?:^|/)(?:tests?|testing|spec|specs|__tests__|__mocks__|fixtures?|testdata|test_data|examples?|samples?|
        demos?|docs?|documentation|e2e|mocks?)(?:/|$)
    | (?:^|/)(?:test_[^/]*|[^/]*_tests?\.\w+|[^/]*\.(?:test|spec)\.\w+|conftest\.py|[^/]*_test\.go)$
    | \.(?:md|rst|adoc|ipynb|html?)$
""")


def is_test_or_doc_path(path: str) -> bool:
    return bool(path) and _TEST_OR_DOC_PATH.search(path.replace("\\", "/")) is not None


def strong_random(value: str) -> bool:
    """A value that looks machine-generated: 20+ characters, near the entropy its alphabet allows,
    not made of words."""
    from buildrunner.engine.entropy import entropy_floor_met

    return len(value) >= 20 and entropy_floor_met(value, 4.5) and not words_not_random(Candidate(value))


@_filter("test_or_doc_sample", "in a test, fixture, example or documentation file, a value that is not a "
         "strong random token (20+ random characters) is a sample (`superS3cret`, `tiger^5HHH`)")
def test_or_doc_sample(c: Candidate) -> bool:
    return is_test_or_doc_path(c.path) and not strong_random(c.value)


_FIXTURE_WORDS = _wordset("test tests testing fake dummy mock mocked sample example masked invalid wrong bad "
                           "expired bogus stub placeholder fixture")


@_filter("fixture_name", "the name says the value is a fixture or sample (`TEST_SECRET`, `fake_token`, "
         "`invalid_password`, `mock_api_key`)")
def fixture_name(c: Candidate) -> bool:
    return bool(c.key) and any(w in _FIXTURE_WORDS for w in _words(c.key))


@_filter("words_not_random", "a token/key value made of words and few digits (`ValidationError2`, "
         "`prod_payments_v2`) is an identifier; password keys take human-chosen values, except one "
         "lowercase word (`swordfish`)")
def words_not_random(c: Candidate) -> bool:
    v = c.value
    if is_password_key(c.key):
        # one lowercase word (`swordfish`, `mismatch`) or a snake_case name (`card_number`, the
        # next field of `("password", "card_number")`); dashed passphrases stay passwords
        return (v.isalpha() and v.islower()) or _SNAKE_NAME.match(v) is not None
    if _has_random_segment(v) or _UUID.match(v):
        return False  # `live_4394acbaec88fe67…`: a short leading word does not make a token a name
        # (UUIDs are judged by uuid_or_hash, on what their name says)
    if _IDENTIFIER.match(v):
        return True
    parts = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", v)
    letters = sum(len(p) for p in parts if not p.isdigit())
    digits = sum(len(p) for p in parts if p.isdigit())
    if not letters or digits > 6:
        return False
    short = [p for p in parts if len(p) <= 2 and not p.isdigit()]
    in_words = sum(len(p) for p in parts if not p.isdigit() and (_word_like(p) or len(p) <= 2))
    return in_words >= 0.8 * letters and len(short) <= 2


_SNAKE_NAME = _Lazy(r"^[a-z]+(?:_[a-z]+)+$")
_SEGMENT_SPLIT = _Lazy(r"[_\-.]+")


def _has_random_segment(value: str) -> bool:
    """A `_`/`-`/`.`-separated segment of 12+ characters that mixes letters and digits and is near
    the entropy its alphabet allows (`5hjy6tvo8ie6ch08yp1h`, a 32-hex run): machine-made."""
    from buildrunner.engine.entropy import entropy_floor_met

    for seg in _SEGMENT_SPLIT.split(value):
        if len(seg) >= 12 and not seg.isalpha() and not seg.isdigit() \
                and sum(map(str.isdigit, seg)) >= 3 and entropy_floor_met(seg, 3.5):
            return True
    return False


# snake_case, CONSTANT_CASE, kebab-case and dotted identifiers, migration names: `_user_id`, `my_name_1`,
# `0006_require_contenttypes_0002`, `FORBIDDEN_VALUE`, `current-password`
_IDENTIFIER = _Lazy(r"^_*(?:[a-z0-9]+(?:[_\-.][a-z0-9]+)+|[A-Z0-9]+(?:_[A-Z0-9]+)+|[a-z]+)_*$")


_CREDENTIAL_WORDS = _wordset("""
    key keys apikey secret secrets token password passwords passwd passphrase passcode pass pwd pw auth
    authorization cred creds credential credentials jwt
""")
_SUFFIXES = ("key", "token", "secret", "password", "passwd", "pwd", "pass", "creds", "credential", "credentials")
_COMPOUND_PREFIXES = _wordset("""
    api access secret private auth client app db admin root user master signing encryption session bot
    refresh service account deploy mysql postgres redis smtp mail ftp ssh bearer oauth hmac webhook
    consumer license subscription integration personal id jwt login sa
""")


# Suffixes no ordinary English word ends with: `PGPASSWORD`, `MYSQL_PWD` (one word), `theapikey`.
_STRONG_SUFFIXES = ("password", "passwd", "pwd", "apikey", "secret", "token", "creds", "credential",
                    "credentials")
# `key` followed by one of these nouns names a keyboard key, a key's metadata or a structure part
# (`key_down_event`, `keyPressed`, `KeyMeshing`, `key_size`), not a credential.
_KEY_NOUNS = _wordset("""
    alias aliases board code codes frame frames id ids length len mesh meshing name names pair pairs
    press pressed presses ring selector signature size stone store storetype type word words up down
    left right event events stroke strokes handler listener binding bindings map mapping path file
""")


# Credential compounds no English word contains: inside a longer one-word name they still name a
# credential (`fooapikeyfoo`, `myapikeyvalue`); `monkey`, `turkey`, `bypass` contain none of them.
_EMBEDDED_COMPOUNDS = ("apikey", "secretkey", "accesskey", "privatekey", "authtoken", "accesstoken")


def _credential_word(word: str) -> bool:
    if word in _CREDENTIAL_WORDS:
        return True
    if word.endswith(_STRONG_SUFFIXES):
        return True
    if any(c in word for c in _EMBEDDED_COMPOUNDS):
        return True
    return any(word.endswith(s) and word[:-len(s)] in _COMPOUND_PREFIXES for s in _SUFFIXES)


def _names_a_credential(words: list[str]) -> bool:
    for i, word in enumerate(words):
        if word == "key" and i + 1 < len(words) and words[i + 1] in _KEY_NOUNS:
            continue  # `key_down_event`, `KeyMeshing`: the key of a keyboard or a structure
        if _credential_word(word):
            return True
    return False


@_filter("keyword_not_credential", "the keyword is part of another word (`monkey`, `bypass`, `author`, "
         "`tokenizer`) or a key plus a noun (`key_down_event`, `keySize`): the name does not say credential")
def keyword_not_credential(c: Candidate) -> bool:
    if not c.key:
        return False
    return not _names_a_credential(_words(c.key))


@_filter("not_embedded_line", "the `KEY=value` does not start a line of a file embedded in a string "
         "(after an escaped `\\n`, or right after the string's opening quote)")
def not_embedded_line(c: Candidate) -> bool:
    if not c.key:
        return False
    # a line of an embedded file (spaces around `=` allowed in INI), or a quoted `KEY=value`
    # environment entry, which has no spaces (`'password = (a|b)'` is a pattern, not an entry)
    key = re.escape(c.key)
    start = re.compile(r"""\\[nrt](?:export[ \t]+)?""" + key + r"""[ \t]*=|["']""" + key + "=")
    return start.search(c.line) is None


PROVIDER_PREFIX_REASON = ("the value starts with a provider's prefix (`ghp_`, `xoxb-`): only that provider's "
                          "rule may report it, and it does not match the provider's format")


def key_words(key: str) -> list[str]:
    """The lowercase words of a name: `myDB_secretKey-2` → my, db, secret, key, 2."""
    return _words(key)


def names_provider(key: str, providers: frozenset[str]) -> bool:
    """Whether the name says which provider the value is for (`OPENAI_API_KEY`, `githubToken`),
    among the providers br has a rule for: then br knows the format, and a value that is not in it
    (a UUID, a wrong length) is not that provider's key."""
    return bool(key and providers) and not providers.isdisjoint(_words(key))


PROVIDER_NAME_REASON = ("the name says which provider the key is for, and that provider's keys are not "
                        "UUIDs (br's rule for it knows the format)")


def claimed_by_provider(value: str, prefixes: tuple[str, ...], truncated: bool = False) -> bool:
    """The provider-prefix claim (`provider_prefix` in --explain): a value that starts with a
    provider's literal prefix (`ghp_`, `xoxb-`, `sk_live_`) is that provider's rule's to report.

    Unless what follows the prefix is itself a strong random token (20+ random characters): then
    the value is a credential in a format the provider's rule does not know (a longer token
    generation, a new variant) and the generic rule reports it. Under a name that says the
    provider, only when the value is at least as long as the provider's shortest token with that
    prefix (GitHub documents that its tokens grow up to 255 characters): a `truncated` value,
    shorter than any token the provider issues (`OPENAI_API_KEY = "sk-proj-<a quarter of a
    key>"`), is a cut-off copy or a decoy. `ghp_notarealtoken…` stays claimed."""
    if not prefixes:
        return False
    low = value.lower()
    if not low.startswith(prefixes):  # one C-level test for the usual case: no provider's prefix
        return False
    prefix = max((p for p in prefixes if low.startswith(p)), key=len, default="")
    return bool(prefix) and (truncated or not strong_random(value[len(prefix):]))


DEFAULT_FILTERS = ("placeholder", "templated", "doc_example_key")


def first_drop(candidate: Candidate, names) -> str | None:
    """The name of the first filter in `names` that drops `candidate`, or None when none does."""
    for name in names:
        if FILTERS[name].drops(candidate):
            return name
    return None
