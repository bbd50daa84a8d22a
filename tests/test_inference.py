"""Gold beyond majority vote: Dawid-Skene checked against crowd-kit, and the default rule
against majority vote on a simulated crowd whose truth is known."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from builders import CROWD_CRIMES, annotation, choice, crowd, export_task, write_tasks
from click.testing import CliRunner

from workbench.cli import cli
from workbench.quality.chain import MAJORITY, Voting, run_chain
from workbench.quality.review_tasks import ReviewStage
from workbench.records.decisions import ArticleDecision
from workbench.settings import Settings
from workbench.stats.truth import dawid_skene
from workbench.store.rawpulls import Source


@pytest.fixture(scope="module")
def pool(tmp_path_factory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("crowd") / "export.json"
    return path, crowd(path, 400, seed=1)


def _decide(path: Path, voting: Voting) -> tuple[dict[str, ArticleDecision], object]:
    found: dict[str, ArticleDecision] = {}
    result = run_chain(Source(path), lambda c: found.setdefault(c.decision.article_id,
                                                                 c.decision), voting=voting)
    return found, result


def _scores(found: dict[str, ArticleDecision], truth: dict) -> dict[str, float]:
    """Of the stances and crime types (each candidate type of each article), the share
    decided without review and the share of those right."""
    stances = [(d.stance, truth[a][0]) for a, d in found.items()]
    decided = [(x, y) for x, y in stances if x is not None]
    values = [(a, c) for a in found for c in CROWD_CRIMES]
    open_ = {(a, x.item) for a, d in found.items() for x in d.disagreements
             if x.field == "crime_types"}
    settled = [(a, c) for a, c in values if (a, c) not in open_]
    return {"stance decided": len(decided) / len(stances),
            "stance right": sum(x == y for x, y in decided) / len(decided),
            "crime types decided": len(settled) / len(values),
            "crime types right": sum((c in found[a].crime_types) == (c in truth[a][1])
                                     for a, c in settled) / len(settled)}


def test_our_dawid_skene_is_crowd_kits(pool):
    from crowdkit.aggregation import DawidSkene

    path, _ = pool
    rows = [(t["data"]["article_id"], a["completed_by"]["email"],
             next(r for r in a["result"] if r["from_name"] == "stance")["value"]["choices"][0])
            for t in json.loads(path.read_text()) for a in t["annotations"]]
    binary = [(item, who, "yes" if label == "critical" else "no") for item, who, label in rows]
    for responses in (rows, binary):
        ours = dawid_skene(responses)
        theirs = DawidSkene(n_iter=100).fit(pd.DataFrame(responses,
                                                         columns=["task", "worker", "label"]))
        assert ours.iterations == len(theirs.loss_history_)
        expected = theirs.probas_.loc[ours.items, ours.labels].to_numpy()
        assert np.abs(ours.posteriors - expected).max() < 1e-6
        errors = theirs.errors_
        for w, who in enumerate(ours.annotators):
            matrix = errors.loc[who].loc[ours.labels, ours.labels].to_numpy()
            assert np.abs(ours.errors[w] - matrix).max() < 1e-6


def test_the_default_beats_majority_vote_where_the_truth_is_known(pool):
    path, truth = pool
    majority = _scores(_decide(path, MAJORITY)[0], truth)
    model = _scores(_decide(path, Voting())[0], truth)
    assert model["stance decided"] >= 0.9 and model["crime types decided"] >= 0.9, model
    assert model["stance right"] >= majority["stance right"] + 0.05, (model, majority)
    assert model["crime types right"] >= majority["crime types right"] + 0.1, (model, majority)


def test_the_careless_and_the_adversary_are_flagged_near_chance(pool):
    path, _ = pool
    _, result = _decide(path, Voting())
    report = result.inference  # type: ignore[attr-defined]
    assert report.fields["stance"].startswith("Dawid-Skene")
    flagged = {(c.annotator, c.field) for c in report.competence if c.near_chance}
    for who in ("careless0", "careless1", "adversary"):
        assert (f"{who}@example.org", "stance") in flagged
    assert not any(a.startswith("careful") for a, _ in flagged), flagged
    careful = [c for c in report.competence if c.annotator.startswith("careful")
               and c.field == "stance"]
    assert all(abs(c.accuracy - 0.85) < 0.1 and c.items > 50 for c in careful), careful


def test_a_value_the_model_is_unsure_of_goes_to_review_most_unsure_first(pool, tmp_path):
    path, _ = pool
    found, _ = _decide(path, Voting(confidence=0.95))
    unsure = [x.posterior for d in found.values() for x in d.disagreements
              if x.posterior is not None]
    assert unsure and all(0.05 < p < 0.95 for p in unsure)
    settings = Settings(home=tmp_path / "home", exports=tmp_path / "exports", _env_file=None)
    with ReviewStage(settings) as stage:
        run_chain(Source(path), stage.add, voting=Voting(confidence=0.95))
        order = [article for article, _, _ in stage.items()]
    sureness = [min((x.posterior for x in found[a].disagreements if x.posterior is not None),
                    default=0.0) for a in order]
    assert sureness == sorted(sureness) and len(order) > 10


def test_a_small_project_is_decided_as_majority_vote_decides(tmp_path):
    """Five articles: too few for a model; auto gives today's decisions, byte for byte."""
    text = "Police freed victims of trafficking."
    tasks = [export_task(n, text, [
        annotation(n * 10 + k, who, [choice("crime_types", "human_trafficking"),
                                      choice("stance", stance)])
        for k, (who, stance) in enumerate((("ana", "critical"), ("ben", "critical"),
                                           ("cy", "neutral")))], data={"article_id": f"a{n}"})
             for n in range(5)]
    path = write_tasks(tmp_path / "export.json", tasks)
    auto, result = _decide(path, Voting())
    majority, _ = _decide(path, MAJORITY)
    assert {a: d.canonical() for a, d in auto.items()} == {
        a: d.canonical() for a, d in majority.items()}
    assert "posterior" not in "".join(d.canonical() for d in auto.values())
    assert result.inference.fields["stance"].startswith("majority vote: 5 items")  # type: ignore


def test_export_says_how_in_the_card_and_the_provenance(pool, tmp_path):
    path, _ = pool
    env = {"WORKBENCH_HOME": str(tmp_path / "home"), "WORKBENCH_EXPORTS": str(tmp_path / "e")}
    result = CliRunner().invoke(cli, ["export", "--export", str(path)], env=env)
    assert result.exit_code == 0, result.output
    (version,) = (tmp_path / "e" / "gold").glob("1.*")
    card = (version / "README.md").read_text()
    assert "`--aggregate auto`" in card and "Dawid-Skene" in card and "near chance" in card
    assert "careless0@example.org" not in card  # pseudonyms only
    records = [json.loads(line) for line in (version / "gold.jsonl").open()]
    stances = [r["provenance"]["stance"] for r in records]
    assert {s["method"] for s in stances} >= {"dawid_skene", "unanimous"}
    assert all(0.6 <= s["posterior"] <= 1 for s in stances)
    again = CliRunner().invoke(cli, ["export", "--export", str(path), "--aggregate", "majority",
                                     "--out", str(tmp_path / "m")], env=env)
    assert again.exit_code == 0, again.output
    majority = [json.loads(line) for line in next((tmp_path / "m").glob("1.*")).joinpath(
        "gold.jsonl").open()]
    assert all("posterior" not in r["provenance"]["stance"] for r in majority)
