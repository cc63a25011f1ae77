"""The estimator's nearest-neighbour component (router/neighbours.py): the inverted index, the vote,
its place in the ensemble, and --explain naming the nearest training tasks."""

from __future__ import annotations

import json
import math

import pytest

from buildrunner.router import estimator, neighbours
from buildrunner.router.features import STOPWORDS, extract
from buildrunner.router.neighbours import NeighbourIndex, load_index, tokens


def _index(rows):
    """(family, label, text) rows -> an index, one task per row."""
    return NeighbourIndex.build((tokens(extract(text).normalized.text, STOPWORDS), fam, label, text)
                                for fam, label, text in rows)


ROWS = [
    ("f1", "o", "write the event sourcing proposal for the ledger: projections, snapshots and replay"),
    ("f1", "o", "ledger event sourcing: propose projections, snapshots and replay"),
    ("f2", "s", "add a replay command to the ledger cli that rebuilds one projection"),
    ("f3", "h", "fix the spelling of 'ledgre' in the ledger README"),
    ("f4", "s/o", "split the ledger projections into their own service"),
    ("f5", "h/s", "rename the snapshot flag in the ledger cli help text"),
]


def test_tokens_are_content_words_and_their_bigrams():
    toks = tokens("Please fix the flaky login test in the CI pipeline", STOPWORDS)
    assert "the" not in toks and "in" not in toks
    assert {"fix", "flaky", "login", "test", "pipeline"} <= set(toks)
    assert "flaky_login" in toks and "login_test" in toks
    assert len(toks) == len(set(toks))


def test_a_paraphrase_family_counts_once_and_the_nearest_come_first():
    index = _index(ROWS)
    query = tokens("propose event sourcing for the ledger with snapshots and replay", STOPWORDS)
    near = index.nearest(query, k=10)
    families = [index.families[f] for _, f in near]
    assert families[0] == "f1"
    assert len(families) == len(set(families))  # the two wordings of f1 are one neighbour
    assert [s for s, _ in near] == sorted((s for s, _ in near), reverse=True)
    assert 0 < near[0][0] <= 1.0 + 1e-9


def test_the_vote_follows_the_neighbours_labels():
    index = _index(ROWS)
    logits, near = index.vote(tokens("event sourcing proposal for the ledger: snapshots and replay", STOPWORDS),
                              k=1, power=2.0, alpha=0.5)
    assert near[0].family == "f1" and near[0].label == "o"
    assert logits["opus"] > 0 and logits["sonnet"] > 0
    logits, near = index.vote(tokens("fix the spelling of ledgre in the README", STOPWORDS), k=1, power=2.0, alpha=0.5)
    assert near[0].label == "h"
    assert logits["sonnet"] < 0 and logits["opus"] < 0


def test_a_family_that_accepts_two_answers_does_not_vote_on_that_decision():
    index = _index(ROWS)
    logits, near = index.vote(tokens("split the ledger projections into their own service", STOPWORDS),
                              k=1, power=2.0, alpha=0.5)
    assert near[0].label == "s/o"
    assert logits["opus"] == pytest.approx(0.0)  # s/o: no opinion on "needs Opus", the prior (1/2)
    assert logits["sonnet"] > 0


def test_no_shared_word_means_no_neighbour_and_a_neutral_vote():
    index = _index(ROWS)
    logits, near = index.vote(tokens("quantum chromodynamics", STOPWORDS), k=5, power=2.0, alpha=0.5)
    assert near == [] and logits == {"sonnet": 0.0, "opus": 0.0}


def test_the_index_survives_its_data_form():
    index = _index(ROWS)
    again = NeighbourIndex(json.loads(json.dumps(index.as_data())))
    query = tokens("add a replay command to the ledger cli", STOPWORDS)
    assert again.vote(query, 3, 2.0, 0.5)[0] == index.vote(query, 3, 2.0, 0.5)[0]


def test_the_shipped_index_matches_the_shipped_weights():
    """bench/router_train.py writes both; every posting points at a task, every task at a family."""
    index = load_index()
    weights = estimator.load_weights()
    assert index is not None and weights["neighbours"]["k"] >= 1
    assert len(index.norms) == len(index.item_family) == weights["neighbours"]["items"]
    assert len(index.families) == len(index.labels) == len(index.texts) == weights["neighbours"]["families"]
    # tasks labelled with a file/diff context are not in the index (about 8 % of the tune part since
    # round 7b's in-editor requests, most of which name their file)
    assert 0.85 * weights["trained_on"]["items"] < weights["neighbours"]["items"] < weights["trained_on"]["items"]
    for term in ("typo", "design", "fix_typo"):
        idf, ids = index._postings(term)
        assert idf > 0 and all(0 <= j < len(index.norms) for j in ids)


def _with_index(rows, scale):
    weights = dict(estimator.load_weights())
    weights["neighbours"] = {**weights["neighbours"], "scale": {"sonnet": scale, "opus": scale}}
    weights["_index"] = _index(rows)
    return weights


def test_the_vote_moves_both_decisions_by_its_scale():
    task = "event sourcing proposal for the ledger: projections, snapshots and replay"
    off = estimator.estimate(task, weights=_with_index(ROWS, 0.0))
    on = estimator.estimate(task, weights=_with_index(ROWS, 1.0))
    strong = estimator.estimate(task, weights=_with_index(ROWS, 2.0))
    assert on.opus.logit > off.opus.logit
    assert strong.opus.logit - off.opus.logit == pytest.approx(2 * (on.opus.logit - off.opus.logit), abs=1e-3)
    assert all(name != "neighbours" for name, _, _ in off.opus.contributions)  # scale 0: no component


def test_explain_names_the_nearest_training_tasks():
    est = estimator.estimate("event sourcing proposal for the ledger: projections, snapshots and replay",
                             weights=_with_index(ROWS, 1.0))
    name, contribution, words = est.opus.contributions[0]
    assert name == "neighbours" and contribution > 0
    assert words[0].startswith("o ") and "event sourcing proposal" in words[0]
    assert est.opus.as_dict()["top"][0]["feature"] == "neighbours"


def test_the_shipped_router_explains_with_its_neighbours():
    est = estimator.estimate("fix the typo in the README's install section")
    for decision in (est.sonnet, est.opus):
        name, contribution, words = decision.contributions[0]
        assert name == "neighbours" and words
        label, similarity = words[0].split(" ")[:2]
        assert label in {"h", "s", "o", "h/s", "s/h", "s/o", "o/s"} and 0 < float(similarity) <= 1.0 + 1e-9
    assert est.sonnet.contributions[0][1] < 0  # its neighbours are small edits: a vote against Sonnet


def test_without_an_index_the_phrase_model_routes_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(neighbours, "INDEX_PATH", tmp_path / "missing.json")
    assert neighbours.load_index(tmp_path / "missing.json") is None
    weights = dict(estimator.load_weights())
    monkeypatch.setattr(estimator, "load_index", lambda: None)
    est = estimator.estimate("add a --json flag to the status command", weights=weights)
    assert all(name != "neighbours" for name, _, _ in est.sonnet.contributions)
    assert not math.isnan(est.sonnet.logit)


def test_a_task_with_context_is_routed_by_the_phrase_model_alone():
    """The vote reads words only; with --files/--diff context the phrase model (which weighs the
    context) routes alone: the same words across 23 files and two packages are not a one-file edit."""
    from buildrunner.router.complexity import TaskContext

    plain = estimator.estimate("rename foo to bar")
    wide = estimator.estimate("rename foo to bar", TaskContext(files=23, packages=("api", "web")))
    assert plain.sonnet.contributions[0][0] == "neighbours"
    assert all(name != "neighbours" for name, _, _ in wide.sonnet.contributions + wide.opus.contributions)
    assert (plain.tier, wide.tier) == ("haiku", "sonnet")
