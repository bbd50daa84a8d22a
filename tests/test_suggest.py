"""Suggestions off push's critical path: made in worker processes ahead of the import, kept
by (text sha256, model_version), never made twice by the same rules."""

from __future__ import annotations

import msgspec
import pytest
from builders import synthetic_articles

from workbench.ingest.articles import ingest
from workbench.ingest.preannotate import PreAnnotator
from workbench.ingest.suggest import PARALLEL_FROM, Suggestions
from workbench.store.predictions import PredictionCache


@pytest.fixture(scope="module")
def articles(tmp_path_factory):
    folder = tmp_path_factory.mktemp("suggest")
    return ingest([synthetic_articles(folder / "a.jsonl", PARALLEL_FROM + 40, size=1500)]
                  ).articles


@pytest.fixture(scope="module")
def annotator():
    return PreAnnotator()


def _all(suggestions: Suggestions, articles) -> list[dict]:
    suggestions.plan(articles)
    return [suggestions.prediction(a) for a in articles]


def test_workers_make_the_same_predictions_in_the_same_order(articles, annotator):
    with Suggestions(annotator=annotator, processes=1) as suggestions:
        made = _all(suggestions, articles)
        assert suggestions._pool is not None  # the workers made them
    assert made == [annotator.predict(a.text) for a in articles]
    assert suggestions.made == len(articles) and suggestions.cached == 0


def test_the_same_text_by_the_same_rules_is_never_predicted_twice(articles, annotator, tmp_path):
    path = tmp_path / "predictions.sqlite"
    first = articles[:20]
    with PredictionCache(path) as cache, Suggestions(cache=cache, annotator=annotator,
                                                     processes=0) as suggestions:
        before = _all(suggestions, first)
    # Later, in another project: the 20 again and 5 new ones, in another order.
    again = articles[20:25] + first[::-1]
    with PredictionCache(path) as cache, Suggestions(cache=cache, annotator=annotator,
                                                     processes=0) as suggestions:
        after = _all(suggestions, again)
        assert (suggestions.made, suggestions.cached) == (5, 20)
    assert after[5:] == before[::-1]
    assert after[:5] == [annotator.predict(a.text) for a in articles[20:25]]


def test_other_rules_predict_again(articles, annotator, tmp_path):
    path = tmp_path / "predictions.sqlite"
    with PredictionCache(path) as cache:
        cache.put("other-rules/1", [(articles[0].sha256, msgspec.json.encode({"result": []}))])
        with Suggestions(cache=cache, annotator=annotator, processes=0) as suggestions:
            (made,) = _all(suggestions, articles[:1])
            assert (suggestions.made, suggestions.cached) == (1, 0)
    assert made == annotator.predict(articles[0].text)


def test_an_article_not_planned_is_predicted_on_the_spot(articles, annotator):
    with Suggestions(annotator=annotator, processes=1) as suggestions:
        suggestions.plan(articles[:PARALLEL_FROM])
        assert suggestions.prediction(articles[-1]) == annotator.predict(articles[-1].text)


def test_a_damaged_cache_is_set_aside_and_started_again(articles, annotator, tmp_path):
    path = tmp_path / "predictions.sqlite"
    path.write_bytes(b"not a database, cut short by a full disk" * 100)
    with PredictionCache(path) as cache, Suggestions(cache=cache, annotator=annotator,
                                                     processes=0) as suggestions:
        _all(suggestions, articles[:3])
    assert (tmp_path / "predictions.sqlite.damaged").exists()
    with PredictionCache(path) as cache:
        assert len(list(cache.get(annotator.model_version, [a.sha256 for a in articles[:3]]))
                   ) == 3


def test_a_worker_that_dies_leaves_the_push_to_predict_the_rest_itself(articles, annotator):
    import os
    import signal

    with Suggestions(annotator=annotator, processes=1) as suggestions:
        suggestions.plan(articles)
        first = suggestions.prediction(articles[0])
        for pid in list(suggestions._pool._processes):  # as the kernel's OOM killer would
            os.kill(pid, signal.SIGKILL)
        rest = [suggestions.prediction(a) for a in articles[1:]]
    assert [first, *rest] == [annotator.predict(a.text) for a in articles]
