"""Shared decisions: `.buildrunner/decisions.json`, visible to every later batch.

A decision has a topic: given with `--topic`, or the text before a leading `topic:` prefix
("auth: use JWT cookies"), or — when neither is given — the decision is compared by its words.
Two decisions on the same topic from different streams are flagged (dashboard, `status`), since
they usually mean two sessions settled the same question differently.

Writers from several terminals at once are serialized with a lock file; the file itself is
written atomically. Secrets in decision text are masked before they are stored.
"""

from __future__ import annotations

import re
import uuid

from buildrunner.errors import BrError
from buildrunner.orchestration.state import Paths, atomic_write_json, now_iso, read_json, validate_stream_name

_PREFIX = re.compile(r"^\s*([A-Za-z][\w .-]{0,40}?)\s*:\s+(\S.*)$", re.S)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"the", "and", "for", "with", "use", "uses", "using", "all", "our", "from", "into", "that", "this",
         "will", "should", "must", "are", "not", "instead", "every", "each", "any", "via", "per", "we"}


def normalize_topic(topic: str) -> str:
    return " ".join(_WORD.findall(topic.lower()))


def _stem(word: str) -> str:
    """Crude suffix stripping, enough for "stored"/"store" or "cents"/"cent" to meet."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _keywords(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}


def load(paths: Paths) -> tuple[list[dict], str | None]:
    data, error = read_json(paths.decisions_file)
    if error:
        return [], error
    if data is None:
        return [], None
    items = data.get("decisions") if isinstance(data, dict) else data
    if not isinstance(items, list):
        return [], "decisions.json does not hold a list of decisions"
    for i, d in enumerate(items):
        if not isinstance(d, dict) or not isinstance(d.get("text"), str):
            # refuse rather than skip: `record` writes the list back and would drop the entry
            return [], f"decisions.json: entry {i + 1} is not a decision (an object with a `text`)"
        if not isinstance(d.get("id"), str):
            d["id"] = f"entry-{i + 1}"  # written by hand: listing and conflict reports need an id
    return items, None


def record(paths: Paths, text: str, *, stream: str | None = None, topic: str | None = None) -> dict:
    from filelock import FileLock

    from buildrunner.engine.masking import sanitize_text

    text = (text or "").strip()
    if not text:
        raise BrError("a decision needs some text", hint='br decide "auth: sessions use JWT cookies"')
    if stream:
        validate_stream_name(stream)
    if not topic:
        m = _PREFIX.match(text)
        if m:
            topic = m.group(1)
    entry = {"id": uuid.uuid4().hex[:8], "text": sanitize_text(text), "stream": stream or None,
             "topic": normalize_topic(topic) if topic else "", "created_at": now_iso()}
    paths.orch_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(paths.orch_dir / "decisions.lock"), timeout=10):
        items, error = load(paths)
        if error:
            raise BrError(f"{paths.decisions_file}: {error}",
                          hint="fix the file by hand; br does not overwrite a file it cannot read")
        items.append(entry)
        atomic_write_json(paths.decisions_file, {"decisions": items})
    return entry


def _same_topic(a: dict, b: dict) -> bool:
    if a.get("topic") and b.get("topic"):
        return a["topic"] == b["topic"]
    ka, kb = _keywords(a.get("text", "")), _keywords(b.get("text", ""))
    if a.get("topic"):
        ka |= _keywords(a["topic"])
    if b.get("topic"):
        kb |= _keywords(b["topic"])
    if not ka or not kb:
        return False
    return len(ka & kb) / len(ka | kb) >= 0.5


def topic_conflicts(items: list[dict]) -> list[dict]:
    """Pairs of decisions from different streams that look like the same topic."""
    flagged = []
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            if not a.get("stream") or not b.get("stream") or a["stream"] == b["stream"]:
                continue
            if _same_topic(a, b):
                flagged.append({"topic": a.get("topic") or b.get("topic") or "similar wording",
                                "decisions": [a["id"], b["id"]], "streams": [a["stream"], b["stream"]],
                                "texts": [a["text"], b["text"]]})
    return flagged


