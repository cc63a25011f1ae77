"""The routing estimator's second component: a nearest-neighbour vote over the training tasks.

The phrase model (features.py + weights.json) weighs words and phrase classes one by one; this
component reads a task as a whole and asks which *training tasks* it resembles. The neighbours are
found by TF-IDF cosine similarity over the task's normalised content words and word bigrams
(normalize.py's prose: no code, traces, URLs or identifiers; stop words dropped; the same crude stem
as the phrase model's bag of words), through an inverted index shipped as data
(`data/neighbours.json`, built by bench/router_train.py from the tune part of the labelled set).

The vote reads words only: a task that comes with a file/diff context (`ctx:*` features) is
routed by the phrase model alone, which weighs the context, and tasks labelled with a context are
not in the index. Each decision ("needs Sonnet", "needs Opus") gets a vote: the k most similar training *families*
(paraphrases of one task count once, at their best wording) weighted by similarity^power, smoothed
towards 1/2 by `alpha`, as a logit. The estimator adds `scale[decision] * vote logit` to the phrase
model's logit (an ensemble by averaging logits; the scales are chosen by leave-one-source-out CV)
and `--explain` names the nearest training tasks.

Pure Python: the index's postings stay strings until a query term needs them, so loading costs a
few milliseconds.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path

from buildrunner.router.features import stem

INDEX_PATH = Path(__file__).resolve().parent / "data" / "neighbours.json"
DECISIONS = ("sonnet", "opus")
_WORD = re.compile(r"[a-z][a-z'-]*")
_cache: dict[str, NeighbourIndex] = {}


def tokens(normalized_text: str, stop: frozenset[str]) -> list[str]:
    """Content words (stemmed like the phrase model's `w:` features) then their adjacent bigrams."""
    words = []
    for m in _WORD.finditer(normalized_text.lower()):
        word = m.group(0).strip("'-")
        if len(word) < 3 or word in stop:
            continue
        words.append(stem(word))
    return list(dict.fromkeys(words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]))


class Neighbour:
    __slots__ = ("similarity", "family", "label", "text")

    def __init__(self, similarity: float, family: str, label: str, text: str) -> None:
        self.similarity, self.family, self.label, self.text = similarity, family, label, text

    def describe(self) -> str:
        return f"{self.label} {self.similarity:.2f} {self.text}"


class NeighbourIndex:
    """An inverted index of the training tasks with each family's labels (per decision: 1, 0, or
    None where the family accepts both answers)."""

    def __init__(self, data: dict) -> None:
        self._raw: str = data["postings"]
        # one line per term, "term idf id id ..." (ids base 36), sorted: a space sorts before every
        # character of a term, so the lines are in term order and a query term is found by bisection
        self._lines = self._raw.split("\n")
        self._parsed: dict[str, tuple[float, list[int]] | None] = {}
        self.norms: list[float] = data["norms"]
        self.item_family: list[int] = data["item_family"]
        self.families: list[str] = data["families"]
        self.labels: list[str] = data["labels"]  # per family: "h", "s", "o", "h/s", "s/o"
        self.texts: list[str] = data["texts"]  # per family: a short wording, for --explain
        self.targets = [_targets(label) for label in self.labels]

    @classmethod
    def build(cls, docs: Iterable[tuple[list[str], str, str, str]], snippet: int = 60) -> NeighbourIndex:
        """From (tokens, family, label, text) per training task, in a stable order."""
        docs = list(docs)
        families: dict[str, int] = {}
        labels, texts, item_family = [], [], []
        for _, family, label, text in docs:
            if family not in families:
                families[family] = len(families)
                labels.append(label)
                texts.append(" ".join(text.split())[:snippet])
            item_family.append(families[family])
        df: dict[str, int] = {}
        for toks, *_ in docs:
            for t in toks:
                df[t] = df.get(t, 0) + 1
        n = len(docs)
        idf = {t: round(math.log((n + 1) / (c + 0.5)), 4) for t, c in df.items()}
        postings: dict[str, list[int]] = {t: [] for t in sorted(idf)}
        norms = []
        for j, (toks, *_) in enumerate(docs):
            norms.append(round(math.sqrt(sum(idf[t] ** 2 for t in toks)) or 1.0, 4))
            for t in toks:
                postings[t].append(j)
        lines = (" ".join([t, repr(idf[t])] + [_b36(j) for j in ids]) for t, ids in postings.items())
        data = {"postings": "\n".join(sorted(lines)),
                "norms": norms, "item_family": item_family, "families": list(families), "labels": labels,
                "texts": texts}
        return cls(data)

    def as_data(self) -> dict:
        return {"postings": self._raw, "norms": self.norms, "item_family": self.item_family,
                "families": self.families, "labels": self.labels, "texts": self.texts}

    def _postings(self, term: str) -> tuple[float, list[int]] | None:
        """The term's idf and the tasks that contain it (parsed on first use), or None."""
        if term not in self._parsed:
            key = term + " "
            at = bisect.bisect_left(self._lines, key)
            found = None
            if at < len(self._lines) and self._lines[at].startswith(key):
                _, idf, *ids = self._lines[at].split(" ")
                found = (float(idf), [int(x, 36) for x in ids])
            self._parsed[term] = found
        return self._parsed[term]

    def nearest(self, query: list[str], k: int, exclude: set[str] | None = None) -> list[tuple[float, int]]:
        """The k most similar families as (cosine similarity, family number), best first."""
        weights: dict[str, float] = {}
        scores: dict[int, float] = {}
        for term in query:
            found = self._postings(term)
            if found is None:
                continue
            idf, ids = found
            weights[term] = idf
            for j in ids:
                scores[j] = scores.get(j, 0.0) + idf * idf
        qnorm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        best: dict[int, float] = {}
        for j, s in scores.items():
            fam = self.item_family[j]
            if exclude and self.families[fam] in exclude:
                continue
            s = s / (qnorm * self.norms[j])
            if s > best.get(fam, 0.0):
                best[fam] = s
        return sorted(((s, f) for f, s in best.items()), key=lambda x: (-x[0], x[1]))[:k]

    def vote(self, query: list[str], k: int, power: float, alpha: float,
             exclude: set[str] | None = None) -> tuple[dict[str, float], list[Neighbour]]:
        """Per decision, the logit of the similarity-weighted share of neighbours that need it
        (smoothed towards 1/2), and the neighbours."""
        top = self.nearest(query, k, exclude)
        logits = {}
        for decision in DECISIONS:
            num = den = 0.0
            for s, fam in top:
                y = self.targets[fam][decision]
                if y is None:
                    continue
                weight = s ** power
                num += weight * y
                den += weight
            p = (num + alpha * 0.5) / (den + alpha) if den + alpha > 0 else 0.5
            p = min(max(p, 1e-4), 1 - 1e-4)
            logits[decision] = math.log(p / (1 - p))
        neighbours = [Neighbour(s, self.families[f], self.labels[f], self.texts[f]) for s, f in top]
        return logits, neighbours


def _targets(label: str) -> dict[str, float | None]:
    tiers = label.split("/")
    need_sonnet: float | None = 0.0 if tiers[0] == "h" else 1.0
    need_opus: float | None = 1.0 if tiers[0] == "o" else 0.0
    if "h" in tiers and "s" in tiers:
        need_sonnet = None
    if "s" in tiers and "o" in tiers:
        need_opus = None
    return {"sonnet": need_sonnet, "opus": need_opus}


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def load_index(path: Path | None = None) -> NeighbourIndex | None:
    """The shipped index, or None when there is none (the phrase model then routes alone)."""
    key = str(path or INDEX_PATH)
    if key not in _cache:
        try:
            _cache[key] = NeighbourIndex(json.loads(Path(key).read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
    return _cache[key]
