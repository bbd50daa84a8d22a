"""`workbench sync`, the main job, end to end on a real Label Studio."""

import pandas as pd
from builders import actor, choice
from click.testing import CliRunner

from workbench import ingest, load_gold
from workbench.cli import cli


def _result(text, stance):
    return [choice("crime_types", "human_trafficking"), choice("stance", stance),
            *actor("k", text, "Sar Kheng")]


def test_sync_pushes_then_exports_gold_once_people_agree(settings, cli_env, seeds_dir,
                                                         annotators, ls_client, monkeypatch,
                                                         tmp_path):
    monkeypatch.chdir(seeds_dir.parent)  # sync's default input is ./seeds
    run = lambda: CliRunner().invoke(cli, ["sync", "--silent"], env=cli_env)
    first = run()
    assert first.exit_code == 0, first.output
    assert "5 tasks created, 0 already there" in first.output
    assert "Articles: 5 in the project, 0 annotated, 0 agreed" in first.output
    assert "No gold yet" in first.output
    assert f"Annotate: http://127.0.0.1:{settings.port}/projects/" in first.output

    from workbench.studio.client import connect

    project = connect(settings, start=False).find_project(settings.project)
    tasks = {t.data["article_id"]: t for t in ls_client.tasks.list(project=project.id)}
    articles = [a for a in ingest([seeds_dir]).articles if "Sar Kheng" in a.text]
    agreed, disputed = tasks[articles[0].article_id], tasks[articles[1].article_id]
    for name in ("ana", "ben", "cy"):
        annotators[name].annotations.create(id=agreed.id,
                                            result=_result(agreed.data["text"], "critical"))
    for name, stance in (("ana", "critical"), ("ben", "supportive")):
        annotators[name].annotations.create(id=disputed.id,
                                            result=_result(disputed.data["text"], stance))

    second = run()
    assert second.exit_code == 0, second.output
    assert "0 tasks created, 5 already there" in second.output
    assert ("Articles: 5 in the project, 2 annotated, 1 agreed, 0 adjudicated, 1 awaiting "
            "review, 3 awaiting annotations") in second.output
    assert "Wrote gold version 1.0.1: 1 article in" in second.output
    assert "Disputed, awaiting review (1 article):\n" in second.output
    assert f"  {disputed.data['article_id']} " in second.output
    assert "stance: critical 1, supportive 1" in second.output  # why, naming nobody
    assert "Review: http://127.0.0.1:" in second.output
    assert "(adjudicators: dee@example.org)" in second.output
    report = settings.exports / "reports" / "report.html"
    assert f"Quality report: {report}" in second.output
    assert report.read_text().count('<svg class="chart"') >= 5

    gold = load_gold(settings.exports / "gold")
    assert gold["article_id"].tolist() == [articles[0].article_id]
    assert gold.iloc[0]["stance"] == "critical"
    plain = pd.read_parquet(settings.exports / "gold" / "1.0.1" / "gold")
    assert plain["crime_types"].iloc[0].tolist() == ["human_trafficking"]

    third = run()  # nothing changed: nothing new anywhere
    assert "Gold unchanged since version 1.0.1" in third.output
    from workbench.store.rawpulls import pulls

    assert len(pulls(settings, settings.project)) == 2  # the third pull held nothing new
    # The review tasks the second sent are no news: nobody has reviewed anything yet.
    assert "Nothing new since the last sync" in third.output
    assert "Articles: 5 in the project, 2 annotated, 1 agreed" in third.output
    assert "Validating" not in third.output and "Disputed, awaiting review" in third.output

    changed = CliRunner().invoke(cli, ["sync", "--silent"],
                                 env={**cli_env, "WORKBENCH_CONFIDENCE": "0.9"})
    assert "Validating, adjudicating, exporting" in changed.output  # a setting changed
    report.unlink()
    again = run()
    assert "Validating, adjudicating, exporting" in again.output  # an output was missing
    assert report.exists()
    assert "Nothing new since the last sync" in run().output
