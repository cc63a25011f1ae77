"""engine/literals.py: both backends find exactly what a brute-force search finds, in the same order."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine import literals
from buildrunner.engine.literals import Literals, lower_same_length

hyperscan = pytest.importorskip("hyperscan", reason="Hyperscan has wheels for x86_64 only")

# ASCII of both cases, the letters whose lowercase is odd ('İ' → 2 characters, Kelvin sign → 'k'),
# 2-byte, 3-byte and 4-byte UTF-8 characters, line ends
ALPHABET = "abkeyKEYAB_-( <?.\n\r" + "İ\u212aßé¶€中😀"
WORD_ALPHABET = "abkeyKEYAB_-( <?."


def brute_force(words: list[str], text: str, caseless: bool) -> list[tuple[int, int]]:
    """Every (start, word index), by end offset then longer word first: the contract, spelled out."""
    haystack = lower_same_length(text) if caseless else text
    unique = list(dict.fromkeys(w.lower() if caseless else w for w in words if w))
    found = [(start, i) for i, w in enumerate(unique) for start in range(len(haystack))
             if haystack.startswith(w, start)]
    return sorted(found, key=lambda f: (f[0] + len(unique[f[1]]), -len(unique[f[1]])))


def find_with(backend: str, words, text: str, caseless: bool, monkeypatch) -> list[tuple[int, int]]:
    monkeypatch.setenv("BR_LITERALS", backend)
    return Literals(words, caseless=caseless).find(text)


words_strategy = st.lists(st.text(alphabet=WORD_ALPHABET, min_size=1, max_size=4), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(words=words_strategy, text=st.text(alphabet=ALPHABET, max_size=60), caseless=st.booleans())
def test_both_backends_find_what_brute_force_finds(words, text, caseless):
    expected = brute_force(words, text, caseless)
    grouped: dict[int, list[int]] = {}
    for start, index in expected:
        grouped.setdefault(index, []).append(start)
    with pytest.MonkeyPatch.context() as mp:
        for backend in ("hyperscan", "aho-corasick"):
            assert find_with(backend, words, text, caseless, mp) == expected
            assert Literals(words, caseless=caseless).find_grouped(text) == grouped


@settings(max_examples=100, deadline=None)
@given(words=words_strategy, parts=st.lists(st.text(alphabet=ALPHABET, max_size=12), max_size=6))
def test_words_planted_at_the_ends_and_overlapping_are_all_found(words, parts):
    text = words[0] + "".join(p + words[i % len(words)] for i, p in enumerate(parts)) + words[-1]
    with pytest.MonkeyPatch.context() as mp:
        for caseless in (False, True):
            assert find_with("hyperscan", words, text, caseless, mp) == brute_force(words, text, caseless)


def test_two_word_sets_scanning_one_text_share_its_bytes_and_both_find_everything(monkeypatch):
    """A worker scans each document for the secret keywords, then for the SQL sink names: the text is
    turned into bytes once, and a different text of equal content never gets stale bytes."""
    monkeypatch.setenv("BR_LITERALS", "hyperscan")
    text = "password = 1\ncur.execute(q) ¶ token"
    secrets_words, sink_words = ["password", "token"], ["execute", "raw"]
    assert Literals(secrets_words, caseless=True).find(text) == brute_force(secrets_words, text, True)
    encoded = literals._last_encoded[1]
    assert encoded == text.encode("ascii", "replace") and literals._last_encoded[0] is text
    assert Literals(sink_words, caseless=False).find(text) == brute_force(sink_words, text, False)
    assert literals._scan_bytes(text) is encoded  # reused, not encoded again
    other = "".join(["password = 2", "\ncur.execute(q)"])
    assert literals._scan_bytes(other) == other.encode("ascii")
    assert Literals(sink_words, caseless=False).find(other) == brute_force(sink_words, other, False)


def test_overlapping_and_nested_words_are_all_reported(monkeypatch):
    words = ["key", "api_key", "ey", "keykey"]
    text = "API_KEYKEY = 1"
    expected = [(0, 1), (4, 0), (5, 2), (4, 3), (7, 0), (8, 2)]  # by end, the longer first
    assert find_with("hyperscan", words, text, True, monkeypatch) == expected
    assert find_with("aho-corasick", words, text, True, monkeypatch) == expected
    assert find_with("hyperscan", words, text, False, monkeypatch) == []


def test_offsets_are_characters_after_multibyte_text(monkeypatch):
    text = "¶ 中文 😀 token=1\npassword: x €"
    for backend in ("hyperscan", "aho-corasick"):
        found = find_with(backend, ["token", "password"], text, True, monkeypatch)
        assert [text[s:s + 5] for s, _ in found] == ["token", "passw"]


def test_a_question_mark_in_a_word_never_matches_a_non_ascii_character(monkeypatch):
    text = "get€.( get?.( ü?.("  # Hyperscan sees each non-ASCII character as `?`
    for backend in ("hyperscan", "aho-corasick"):
        assert find_with(backend, ["get?.(", "?.("], text, False, monkeypatch) == [(7, 0), (10, 1), (15, 1)]
        monkeypatch.setenv("BR_LITERALS", backend)
        assert Literals(["get?.(", "?.("]).find_grouped(text) == {0: [7], 1: [10, 15]}


def test_the_kelvin_sign_lowercases_to_k_on_both_backends(monkeypatch):
    text = "\u212aEY = 1"  # 'K' (Kelvin sign): its lowercase is ASCII 'k'
    assert find_with("hyperscan", ["key"], text, True, monkeypatch) == [(0, 0)]
    assert find_with("aho-corasick", ["key"], text, True, monkeypatch) == [(0, 0)]


def test_dotted_capital_i_keeps_offsets_aligned(monkeypatch):
    text = "İ\u212aEY KEY"  # lower() would change the length: only ASCII is lowered
    assert find_with("hyperscan", ["key"], text, True, monkeypatch) == [(5, 0)]
    assert find_with("aho-corasick", ["key"], text, True, monkeypatch) == [(5, 0)]


def test_lone_surrogates_and_non_ascii_words(monkeypatch):
    monkeypatch.setenv("BR_LITERALS", "hyperscan")
    assert Literals(["key"], caseless=True).find("\udcff key") == [(2, 0)]
    words = Literals(["clé", "key"], caseless=True)
    assert words.find("CLÉ KEY") == [(0, 0), (4, 1)]
    assert words._hs is False  # a non-ASCII word: Hyperscan is never compiled


def test_fallback_until_enough_text_then_hyperscan(monkeypatch):
    monkeypatch.delenv("BR_LITERALS", raising=False)
    monkeypatch.setattr(literals, "LAZY_BYTES", 100)
    words = Literals(["key"], caseless=True)
    assert words.find("KEY" + "." * 97) == [(0, 0)]
    assert words._hs is None  # small texts: no import, no compile
    assert words.find("x key") == [(2, 0)]
    assert words._hs  # past LAZY_BYTES the fast backend is built and used
    assert words.find("x key") == [(2, 0)]


def test_prepare_builds_the_fast_backend_unless_disabled(monkeypatch):
    monkeypatch.delenv("BR_LITERALS", raising=False)
    words = Literals(["key"])
    words.prepare()
    assert words._hs
    monkeypatch.setenv("BR_LITERALS", "aho-corasick")
    words = Literals(["key"])
    words.prepare()
    assert words._hs is None
    assert words.find("a key") == [(2, 0)]


def test_concurrent_scans_from_threads_agree(monkeypatch):
    monkeypatch.setenv("BR_LITERALS", "hyperscan")
    words = Literals(["key", "token", "password"], caseless=True)
    text = "x = KEY; token: y; PASSWORD=z\n" * 2000
    expected = words.find(text)
    results: list = []

    def work():
        results.extend(words.find(text) == expected for _ in range(20))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results and all(results)


def test_a_hyperscan_error_switches_to_the_fallback(monkeypatch):
    monkeypatch.setenv("BR_LITERALS", "hyperscan")
    words = Literals(["key"], caseless=True)
    words.prepare()

    class Broken:
        def scan(self, *_args, **_kwargs):
            raise hyperscan.error("unsupported CPU")

    words._hs = Broken()
    assert words.find("a KEY") == [(2, 0)]
    assert words._hs is False
    assert words.find_grouped("a KEY key") == {0: [2, 6]}


def test_search_and_empty_inputs():
    assert not Literals([]).find("key")
    assert not Literals(["", ""]).search("key")
    assert Literals(["KEY"], caseless=True).search("a key")
    assert not Literals(["KEY"]).search("a key")
    assert Literals(["key"]).find("") == []


def test_a_small_scan_does_not_import_hyperscan():
    """The pre-commit hook's path: small texts stay on the fallback, the import is never paid."""
    code = ("import sys\n"
            "from buildrunner.engine.secrets import SecretMatcher, builtin_secret_rules\n"
            "from buildrunner.engine.model import Document\n"
            "m = SecretMatcher(builtin_secret_rules())\n"
            "found = m.scan(Document(path='a.py', text='token = \"ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5' + '\"'))\n"
            "print(len(found), 'hyperscan' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "BR_TELEMETRY": "0"})
    assert out.stdout.split() == ["1", "False"]


def test_fast_backend_ready_only_once_hyperscan_is_loaded_and_not_disabled(monkeypatch):
    """Callers whose regex path beats the fallback (built-sql's prefilter) ask this before using
    `Literals`: true only when Hyperscan is already imported, and never when it is turned off."""
    pytest.importorskip("hyperscan")
    monkeypatch.delenv("BR_LITERALS", raising=False)
    assert literals.fast_backend_ready()
    monkeypatch.setenv("BR_LITERALS", "aho-corasick")
    assert not literals.fast_backend_ready()
    monkeypatch.delenv("BR_LITERALS")
    monkeypatch.delitem(sys.modules, "hyperscan")
    assert not literals.fast_backend_ready()


# -- the compiled database, kept in the user's cache directory ------------------------------------
def _cached_files(tmp_cache) -> list:
    return sorted((tmp_cache / "buildrunner" / "literals").glob("*.hsdb"))


@pytest.fixture
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("BR_NO_RULE_CACHE", raising=False)
    monkeypatch.delenv("BR_LITERALS", raising=False)
    return tmp_path / "cache"


class _NoCompile:
    """Stands in for hyperscan.Database: a database that would have to be compiled fails loudly."""

    def __init__(self, *_args, **_kwargs):
        raise AssertionError("compiled although a cached database was there")


def test_the_compiled_database_is_reused_from_the_user_cache(tmp_cache, monkeypatch):
    text = "a KEY, a token; passWORD=x key"
    first = Literals(["key", "token", "password"], caseless=True)
    first.prepare()
    expected = first.find(text)
    assert expected == brute_force(["key", "token", "password"], text, True)
    [cached] = _cached_files(tmp_cache)
    assert cached.stat().st_mode & 0o777 == 0o600

    monkeypatch.setattr(hyperscan, "Database", _NoCompile)
    again = Literals(["key", "token", "password"], caseless=True)
    again.prepare()
    assert again._hs  # loaded, with a scratch space of its own: it scans
    assert again.find(text) == expected
    assert again.find_grouped(text) == first.find_grouped(text)


def test_the_cache_key_covers_the_words_their_order_and_the_flags(tmp_cache):
    for words, caseless in ((["key", "token"], True), (["token", "key"], True), (["key", "token"], False),
                            (["key", "tokens"], True)):
        found = Literals(words, caseless=caseless)
        found.prepare()
        assert found.find("KEY token key tokens") == brute_force(words, "KEY token key tokens", caseless)
    assert len(_cached_files(tmp_cache)) == 4


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty"])
def test_a_damaged_cached_database_is_compiled_again(tmp_cache, damage):
    Literals(["key", "token"], caseless=True).prepare()
    [cached] = _cached_files(tmp_cache)
    data = cached.read_bytes()
    cached.write_bytes({"flip": data[:-7] + bytes([data[-7] ^ 0x55]) + data[-6:],
                        "truncate": data[: len(data) // 2], "empty": b""}[damage])
    words = Literals(["key", "token"], caseless=True)
    words.prepare()
    assert words._hs
    assert words.find("a KEY; TOKEN") == [(2, 0), (7, 1)]
    assert cached.read_bytes() == data  # rewritten


def test_no_cache_is_read_or_written_when_rule_caching_is_off(tmp_cache, monkeypatch):
    monkeypatch.setenv("BR_NO_RULE_CACHE", "1")
    words = Literals(["key"], caseless=True)
    words.prepare()
    assert words.find("KEY") == [(0, 0)]
    assert _cached_files(tmp_cache) == []


def test_the_cache_keeps_a_bounded_number_of_databases(tmp_cache, monkeypatch):
    monkeypatch.setattr(literals, "DATABASE_FILES_KEPT", 3)
    for i in range(6):
        Literals([f"word{i}"]).prepare()
    assert len(_cached_files(tmp_cache)) == 3


def test_prepare_search_builds_the_automaton_search_uses(monkeypatch):
    monkeypatch.delenv("BR_LITERALS", raising=False)
    words = Literals(["key"], caseless=True)
    words.prepare_search()
    assert words._aho is not None and words._hs is None  # no Hyperscan for a first-word search
    assert words.search("a KEY") and not words.search("a kex")
    Literals([]).prepare_search()  # nothing to build
