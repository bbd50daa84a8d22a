"""The review round on a real Label Studio: three annotators disagree, dee adjudicates."""

import dataclasses
import json

import pytest
from builders import actor, choice
from click.testing import CliRunner
from helpers import decisions

from workbench import ingest
from workbench.cli import cli
from workbench.quality.chain import Voting
from workbench.quality.review_tasks import AGREED
from workbench.studio.push import push


def _run(args, env):
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_disagreements_go_to_review_and_the_adjudicator_decides(
        settings, studio, seeds_dir, annotators, ls_client, cli_env):
    project = push([seeds_dir], settings=settings, studio=studio).project_id
    articles = ingest([seeds_dir]).articles
    tasks = {t.data["article_id"]: t for t in ls_client.tasks.list(project=project)}
    disputed, agreed = tasks[articles[1].article_id], tasks[articles[4].article_id]
    text = disputed.data["text"]
    ana, ben, cy, dee = (annotators[n] for n in ("ana", "ben", "cy", "dee"))
    # On one article they disagree on the stance, on a crime type and on a span.
    ana.annotations.create(id=disputed.id, result=[
        choice("crime_types", "human_trafficking", "corruption_collusion"),
        choice("stance", "critical"), *actor("k", text, "Sar Kheng", stance="supports")])
    ben.annotations.create(id=disputed.id, result=[
        choice("crime_types", "human_trafficking"), choice("stance", "supportive"),
        *actor("k", text, "Sar Kheng", stance="supports")])
    cy.annotations.create(id=disputed.id, result=[
        choice("crime_types", "human_trafficking"), choice("stance", "neutral"),
        *actor("k", text, "Sar Kheng", stance="supports"),
        *actor("o", text, "organized crime", label="perpetrator")])
    # On another they agree completely.
    other = agreed.data["text"]
    for who in (ana, ben, cy):
        who.annotations.create(id=agreed.id, result=[
            choice("crime_types", "human_trafficking"), choice("stance", "supportive"),
            *actor("k", other, "Sar Kheng")])

    _run(["pull"], cli_env)
    output = _run(["adjudicate", "--min-agree", "3"], cli_env)
    assert "2 agreed" not in output and "1 disputed" in output
    assert ("stance: the article: critical: ana@example.org; supportive: ben@example.org; "
            "neutral: cy@example.org") in output
    assert "crime_types: corruption_collusion: chosen: ana@example.org" in output
    assert "actors: 'organized crime'" in output

    output = _run(["review", "push", "--min-agree", "3"], cli_env)
    assert output.startswith("1 disputed article: 1 sent to review, 0 already there")
    review = studio.find_project(settings.for_review().project)
    (task,) = list(ls_client.tasks.list(project=review.id, fields="all"))
    assert task.data["text"] == text
    versions = {p.model_version: p.result for p in task.predictions}
    names = json.loads((settings.exports / "raw" / "pseudonyms.json").read_text())
    assert set(versions) == {AGREED, *(names[f"{n}@example.org"] for n in ("ana", "ben", "cy"))}
    # The dispute, in the labeling view: each point, who chose what, by pseudonym only; and
    # who decides, the adjudicator, by name.
    dispute = task.data["dispute"]
    assert not any(f"{n}@example.org" in dispute for n in ("ana", "ben", "cy"))
    assert "<b>Decides here:</b> dee@example.org." in dispute
    assert (f"<b>critical</b>: {names['ana@example.org']} &middot; <b>supportive</b>: "
            f"{names['ben@example.org']} &middot; <b>neutral</b>: {names['cy@example.org']}"
            ) in dispute
    assert "<mark" in dispute and ">organized crime</mark>" in dispute
    agreed_part = versions[AGREED]
    assert {r["from_name"] for r in agreed_part} == {"crime_types", "actors", "actor_stance"}
    assert next(r for r in agreed_part if r["from_name"] == "crime_types")["value"] == {
        "choices": ["human_trafficking"]}
    # The Data Manager lists the dispute as plain text, its HTML hidden in every tab, the
    # one made for the project and one someone added since (Label Studio shows markup).
    assert "; stance: critical 1, supportive 1, neutral 1; " in task.data["disputed"]
    assert "<" not in task.data["disputed"]
    ls_client.views.create(project=review.id, data={"title": "mine"})
    again = _run(["review", "push", "--min-agree", "3"], cli_env)
    assert again.startswith("1 disputed article: 0 sent to review, 1 already there")
    tabs = ls_client.views.list(project=review.id)
    assert len(tabs) == 2 and all(tab.data["hiddenColumns"][mode] == ["tasks:data.dispute"]
                                  for tab in tabs for mode in ("explore", "labeling")), tabs

    dee.annotations.create(id=task.id, result=[
        choice("crime_types", "human_trafficking", "corruption_collusion"),
        choice("stance", "critical"), *actor("k", text, "Sar Kheng", stance="supports")])
    # ana, who is no adjudicator, submits in the review project too: reported, ignored.
    annotators["ana"].annotations.create(id=task.id, result=[
        choice("crime_types", "human_trafficking"), choice("stance", "supportive")])
    output = _run(["review", "pull"], cli_env)
    assert "1 article adjudicated\n" in output
    assert "Ignored: a review submission by ana@example.org" in output

    result = CliRunner().invoke(cli, ["adjudicate", "--min-agree", "3", "--json"], env=cli_env)
    assert json.loads(result.stdout)["counts"] == {"adjudicated": 1, "agreed": 1, "awaiting": 3}

    from workbench.quality.decision_log import read_log

    gold = decisions(settings, voting=Voting(min_agree=3))
    decision = gold[articles[1].article_id]
    assert (decision.status, decision.decided_by) == ("adjudicated", "dee@example.org")
    assert decision.crime_types == ["human_trafficking", "corruption_collusion"]
    assert decision.stance == "critical"
    assert [(a.text, a.labels, a.stance) for a in decision.actors] == [
        ("Sar Kheng", ["government"], "supports")]
    # ana's vote, kept beside dee's call
    assert dataclasses.asdict(decision.stance_provenance) == {
        "method": "adjudicated", "annotators": ["ana@example.org"],
        "agreement": pytest.approx(1 / 3), "decided_by": "dee@example.org"}
    assert gold[articles[4].article_id].stance_provenance.method == "unanimous"

    # Re-runs change nothing: no new log lines, nothing sent to review again.
    log = list(read_log(settings.exports / "decisions.jsonl"))
    assert _run(["adjudicate", "--min-agree", "3"], cli_env).count("0 new entries") == 1
    assert len(list(read_log(settings.exports / "decisions.jsonl"))) == len(log)
    assert [r["status"] for r in log if r["article_id"] == articles[1].article_id] == [
        "disputed", "adjudicated"]
    assert _run(["review", "push", "--min-agree", "3"], cli_env).startswith(
        "0 disputed articles: 0 sent to review")


def test_ground_truth_marked_in_label_studio_wins(settings, studio, seeds_dir, annotators,
                                                  ls_client, cli_env):
    project = push([seeds_dir], settings=settings, studio=studio).project_id
    task = next(iter(ls_client.tasks.list(project=project)))
    ids = {}
    for name, stance in (("ana", "critical"), ("ben", "critical"), ("cy", "mixed")):
        ids[name] = annotators[name].annotations.create(id=task.id, result=[
            choice("crime_types", "human_trafficking"), choice("stance", stance)]).id
    ls_client.annotations.update(id=ids["cy"], ground_truth=True)
    _run(["pull"], cli_env)
    decision = next(d for d in decisions(settings).values() if d.task_id == task.id)
    assert (decision.status, decision.stance, decision.decided_by) == (
        "ground_truth", "mixed", "cy@example.org")


def test_the_dispute_shows_each_annotators_version_of_a_span_side_by_side(tmp_path):
    """Offline: three annotators draw an actor three ways; the review task's dispute panel
    shows, per disputed span, each one's own spans in the words around it, in a column of
    their own (by pseudonym), with labels and stance, and says so where one drew nothing."""
    from builders import annotation, export_task, span, write_tasks
    from helpers import offline_settings

    from workbench.quality.chain import run_chain
    from workbench.quality.review_tasks import ReviewStage
    from workbench.store.pseudonyms import Pseudonyms, pseudonyms_path
    from workbench.store.rawpulls import Source

    text = ("Villagers said the Interior Minister Sar Kheng visited the province on Monday. "
            "Police arrested two men accused of trafficking workers to a casino.")
    base = [choice("crime_types", "human_trafficking"), choice("stance", "neutral")]
    export = write_tasks(tmp_path / "export.json", [export_task(1, text, [
        annotation(11, "ana@example.org", [*base, *actor(
            "a", text, "Interior Minister Sar Kheng", stance="supports")]),
        annotation(12, "ben@example.org", [*base, *actor("b", text, "Sar Kheng",
                                                         stance="neutral")]),
        annotation(13, "cy@example.org", [*base, span("c", "crime_mentions",
                                                      "human_trafficking", text,
                                                      "trafficking")]),
    ], data={"article_id": "a1"})])
    settings = offline_settings(tmp_path)
    with ReviewStage(settings) as stage:
        run_chain(Source(export), stage.add, voting=Voting(min_agree=3))
        ((_, _, build),) = stage.items()
        dispute = build()["data"]["dispute"]
    names = Pseudonyms(pseudonyms_path(settings))
    versions = dispute.split("Each version of the disputed spans")[1]
    heads = [names(f"{n}@example.org") for n in ("ana", "ben", "cy")]
    assert versions.index(heads[0]) < versions.index(heads[1]) < versions.index(heads[2])
    assert not any(f"{n}@example.org" in dispute for n in ("ana", "ben", "cy"))
    assert ">Interior Minister Sar Kheng</mark><sub" in versions
    assert ">Sar Kheng</mark><sub" in versions
    assert "government: supports" in versions and "government: neutral" in versions
    assert "nothing marked here" in versions  # cy drew no actor there
    assert "the Interior Minister" in versions  # context around ben's shorter span
