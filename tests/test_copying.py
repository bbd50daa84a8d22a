"""Copying, measured on crafted exports: identical annotations beyond what the suggestions
explain, per pair of annotators, against every other pair."""

from __future__ import annotations

import random

from builders import annotation, choice, export_task, span, write_tasks

from workbench.quality.chain import run_chain
from workbench.quality.independence import CopyMeter
from workbench.store.rawpulls import Source

TEXT = ("Police in Kampot arrested two suspects after victims of human trafficking and forced "
        "labour were found at a compound; the court will hear the case of kidnapping.")
WORDS = {"Police": ("actors", "law_enforcement"), "suspects": ("actors", "perpetrator"),
         "victims": ("actors", "victim"), "court": ("actors", "judiciary"),
         "human trafficking": ("crime_mentions", "human_trafficking"),
         "kidnapping": ("crime_mentions", "kidnapping_detention")}
SUGGESTED = ["Police", "victims", "human trafficking"]


def _result(words: list[str], stance: str) -> list[dict]:
    crimes = sorted({WORDS[w][1] for w in words if WORDS[w][0] == "crime_mentions"})
    return [*(span(f"r{i}", *WORDS[w], TEXT, w) for i, w in enumerate(words)),
            choice("crime_types", *crimes), choice("stance", stance)]


def _own(rng: random.Random) -> tuple[list[str], str]:
    """An honest annotator's choice: the suggestions, give or take a word, and a stance."""
    words = [w for w in WORDS if (w in SUGGESTED) != (rng.random() < 0.3)]
    return words or ["Police"], rng.choice(["critical", "neutral", "supportive", "mixed"])


def _project(tmp_path, copier_copies: bool):
    rng = random.Random(7)
    tasks = []
    for n in range(30):
        ana, cy = _own(rng), _own(rng)
        ben = ana if copier_copies and n % 3 else _own(rng)  # ben copies 20 of 30
        people = [("ana@example.org", ana, "10:00"), ("ben@example.org", ben, "10:30"),
                  ("cy@example.org", cy, "10:10")]
        tasks.append(export_task(n + 1, TEXT, [
            annotation(n * 10 + k, who, _result(*made), created_at=f"2026-12-01T{at}:00Z")
            for k, (who, made, at) in enumerate(people)],
            data={"article_id": f"a{n}"},
            predictions=[{"model_version": "rules", "result": _result(SUGGESTED, "neutral")[
                :-1]}]))
    meter = CopyMeter()
    run_chain(Source(write_tasks(tmp_path / "export.json", tasks)), measures=[meter])
    return {(p.first, p.second): p for p in meter.report().pairs}, meter.report()


def test_a_pair_that_copies_is_flagged_and_the_later_one_named(tmp_path):
    pairs, report = _project(tmp_path, copier_copies=True)
    copied = pairs["ana@example.org", "ben@example.org"]
    assert copied.shared == 30 and copied.identical >= 20
    assert copied.flagged and copied.p_value is not None and copied.p_value < 1e-6
    assert (copied.first_was_later, copied.second_was_later) == (0, copied.identical)
    for pair in (("ana@example.org", "cy@example.org"), ("ben@example.org", "cy@example.org")):
        assert not pairs[pair].flagged, pairs[pair]
    assert report.pairs[0] == copied  # most suspicious first


def test_honest_annotators_are_not_flagged(tmp_path):
    pairs, report = _project(tmp_path, copier_copies=False)
    assert not any(p.flagged for p in pairs.values()), pairs
    assert report.compared == 90


def test_keeping_the_suggestions_alike_is_not_copying(tmp_path):
    """Three annotators who all keep the suggestion as it is, and agree on the stance:
    identical, but the suggestions explain it."""
    tasks = [export_task(n + 1, TEXT, [annotation(n * 10 + k, who, _result(SUGGESTED, "neutral")
                                                  [:-1])
                                       for k, who in enumerate(["ana", "ben", "cy"])],
                         predictions=[{"result": _result(SUGGESTED, "neutral")[:-1]}])
             for n in range(10)]
    meter = CopyMeter()
    run_chain(Source(write_tasks(tmp_path / "export.json", tasks)), measures=[meter])
    report = meter.report()
    assert report.compared == 30 and report.identical == 0
