"""Push against a real Label Studio: idempotent on article_id, whatever happens."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import httpx
import pytest
from builders import choice, synthetic_articles
from click.testing import CliRunner
from pydantic import SecretStr

from workbench import SCHEMA, SCHEMA_VERSION, ingest
from workbench.cli import cli
from workbench.errors import StudioError
from workbench.studio.client import Studio, connect
from workbench.studio.push import ensure_project, project_settings, push


def _article_ids_on_server(studio, project_id) -> Counter:
    return Counter(k.article_id for k in studio.task_keys(project_id))


def test_push_seeds_then_push_again_imports_nothing(settings, studio, seeds_dir):
    first = push([seeds_dir], settings=settings, studio=studio)
    assert first.project_created and len(first.created) == 5 and first.unchanged == 0
    second = push([seeds_dir], settings=settings, studio=studio)
    assert (second.created, second.unchanged, second.project_created) == ([], 5, False)
    ids = _article_ids_on_server(studio, first.project_id)
    assert ids == Counter({a.article_id: 1 for a in ingest([seeds_dir]).articles})


def test_tasks_carry_metadata_and_a_prediction(settings, studio, seeds_dir, ls_client):
    from workbench.ingest.preannotate import PreAnnotator

    report = push([seeds_dir], settings=settings, studio=studio)
    articles = {a.article_id: a for a in ingest([seeds_dir]).articles}
    tasks = list(ls_client.tasks.list(project=report.project_id, fields="all"))
    assert len(tasks) == 5
    for task in tasks:
        article = articles[task.data["article_id"]]
        assert task.data == {
            "text": article.text, "article_id": article.article_id, "sha256": article.sha256,
            "title": article.title, "source": article.source, "url": article.url,
            "published": article.published.isoformat() if article.published else None}
        (prediction,) = task.predictions
        assert prediction.model_version == PreAnnotator().model_version
        assert prediction.model_version.endswith(f"/schema-{SCHEMA_VERSION}")
        spans = [r for r in prediction.result if r["type"] == "labels"]
        assert spans, "every seed mentions an actor or a crime"
        for span in spans:
            value = span["value"]
            assert article.text[value["start"]:value["end"]] == value["text"]


def test_project_has_the_generated_config_guidelines_and_overlap(settings, studio, seeds_dir):
    from workbench import guidelines_html, label_config

    report = push([seeds_dir], settings=settings, studio=studio)
    project = studio.project(report.project_id)
    assert project.label_config.strip() == label_config().strip()
    assert project.fields["expert_instruction"] == guidelines_html()
    assert project.fields["maximum_annotations"] == settings.overlap
    parsed = project.fields["parsed_label_config"]
    assert set(parsed) == {"crime_types", "stance", "actors", "crime_mentions", "actor_stance"}


def test_server_validation_refuses_a_broken_config(studio):
    with pytest.raises(StudioError, match="Label Studio refused to create the project: HTTP 400"):
        studio.create_project(title="broken", label_config="<View><Choices name='x'></View>")


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (its prediction workers), from /proc."""
    from pathlib import Path

    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    from pathlib import Path

    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_push_killed_mid_import_then_rerun_has_one_task_per_article(settings, studio, tmp_path,
                                                                   cli_env):
    """Killed with its prediction workers busy (enough articles to start them): the workers
    end too, and the re-run leaves one task per article."""
    # Texts of this test alone: any the session pushed before come from the cache of
    # predictions, and too few left to predict start no workers.
    source = synthetic_articles(tmp_path / "syn.jsonl", 400, size=1513)
    env = {**os.environ, **{k: v for k, v in cli_env.items() if v is not None}}
    env.pop("WORKBENCH_LABEL_STUDIO_URL", None)
    command = [sys.executable, "-m", "workbench", "push", str(source), "--batch-size", "20",
               "--silent"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    project = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it once some, not all, tasks landed
        project = project or studio.find_project(settings.project)
        if project and 0 < studio.project(project.id).tasks:
            break
        time.sleep(0.05)
    workers = _children(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    landed = studio.project(project.id).tasks
    assert 0 < landed < 400
    assert workers, "no prediction workers were running"
    deadline = time.monotonic() + 10
    while any(map(_running, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_running, workers)), "prediction workers outlived the push"
    rerun = subprocess.run(command, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    ids = _article_ids_on_server(studio, project.id)
    assert len(ids) == 400 and set(ids.values()) == {1}


def test_state_deleted_then_rerun_creates_no_duplicates(settings, studio, seeds_dir):
    import shutil

    push([seeds_dir], settings=settings, studio=studio)
    shutil.rmtree(settings.home / "state")
    again = push([seeds_dir], settings=settings, studio=studio)
    assert (again.created, again.unchanged) == ([], 5)
    assert set(_article_ids_on_server(studio, again.project_id).values()) == {1}


def test_duplicates_already_on_the_server_are_removed(settings, studio, seeds_dir):
    from workbench.ingest.preannotate import PreAnnotator
    from workbench.studio.push import task_payload

    report = push([seeds_dir], settings=settings, studio=studio)
    article = ingest([seeds_dir]).articles[0]
    studio.import_tasks(report.project_id, [task_payload(article, PreAnnotator())])  # by hand
    again = push([seeds_dir], settings=settings, studio=studio)
    assert again.duplicates_removed == 1 and again.created == []
    assert set(_article_ids_on_server(studio, report.project_id).values()) == {1}


def test_changed_text_replaces_unannotated_and_keeps_annotated(settings, studio, tmp_path,
                                                               ls_client):
    source = tmp_path / "a.jsonl"
    rows = [{"id": "keep", "text": "Police arrested two kidnappers."},
            {"id": "swap", "text": "A court jailed a trafficker."}]
    source.write_text("\n".join(json.dumps(r) for r in rows))
    report = push([source], settings=settings, studio=studio)
    task_ids = {k.article_id: k.task_id for k in studio.task_keys(report.project_id)}
    ls_client.annotations.create(id=task_ids["keep"], result=[choice("stance", "neutral")])
    rows = [{"id": r["id"], "text": r["text"] + " Officials denied it."} for r in rows]
    source.write_text("\n".join(json.dumps(r) for r in rows))
    result = CliRunner().invoke(cli, ["push", str(source), "--silent"],
                                env={"WORKBENCH_HOME": str(settings.home),
                                     "WORKBENCH_PORT": str(settings.port),
                                     "WORKBENCH_PROJECT": settings.project})
    assert result.exit_code == 0, result.output
    assert ("changed: keep: its text differs from the task's, which has annotations: "
            "kept the task as it is") in result.output
    assert ("0 tasks created, 0 already there, 2 changed (1 replaced, 1 kept: annotated)"
            in result.output)
    keys = {k.article_id: k for k in studio.task_keys(report.project_id)}
    new_text = {a.article_id: a for a in ingest([source]).articles}
    assert keys["keep"].task_id == task_ids["keep"] and keys["keep"].annotations == 1
    assert keys["keep"].sha256 != new_text["keep"].sha256
    assert keys["swap"].sha256 == new_text["swap"].sha256  # task ids get reused: not compared
    assert ls_client.tasks.get(id=keys["swap"].task_id).data["text"] == new_text["swap"].text


def test_dry_run_changes_nothing(settings, studio, seeds_dir):
    result = CliRunner().invoke(cli, ["push", str(seeds_dir), "--dry-run"], env={
        "WORKBENCH_HOME": str(settings.home), "WORKBENCH_PORT": str(settings.port),
        "WORKBENCH_PROJECT": settings.project})
    assert result.exit_code == 0
    assert f"Project {settings.project!r} would be created" in result.output
    assert "5 tasks would be created, 0 already there" in result.output
    assert studio.find_project(settings.project) is None


def test_lost_answer_to_an_import_is_not_imported_twice(settings, seeds_dir):
    """The server stores the batch, the answer never arrives: push asks, then moves on."""

    class LoseFirstImportAnswer(httpx.HTTPTransport):
        lost = 0

        def handle_request(self, request):
            response = super().handle_request(request)
            if request.method == "POST" and "/import" in request.url.path and not self.lost:
                response.read()
                self.lost += 1
                raise httpx.ReadTimeout("answer lost", request=request)
            return response

    transport = LoseFirstImportAnswer()
    studio = connect(settings, start=False, httpx_client=httpx.Client(transport=transport))
    report = push([seeds_dir], settings=settings, studio=studio)
    assert transport.lost == 1
    assert sorted(report.created) == sorted(a.article_id for a in ingest([seeds_dir]).articles)
    assert set(_article_ids_on_server(studio, report.project_id).values()) == {1}
    assert len(_article_ids_on_server(studio, report.project_id)) == 5


def test_schema_change_that_drops_used_labels_says_what_to_do(settings, studio, seeds_dir,
                                                              ls_client):
    report = push([seeds_dir], settings=settings, studio=studio)
    task = next(studio.task_keys(report.project_id))
    ls_client.annotations.create(id=task.task_id, result=[choice("stance", "mixed")])
    narrower = SCHEMA.model_copy(update={"stances": SCHEMA.stances[:3]})  # no "mixed"
    with pytest.raises(StudioError) as raised:
        ensure_project(studio, project_settings(settings, narrower))
    message = str(raised.value)
    assert message.startswith("Label Studio refused to accept the new labeling config for "
                              f"project {report.project_id}: HTTP 400")
    assert "mixed (1 annotation)" in message
    assert "Keep those values in the schema" in message
    assert f"WORKBENCH_PROJECT='{settings.project} v2'" in message


def test_server_down_is_an_error_line_not_a_traceback(seeds_dir, tmp_path):
    from servers import free_port

    result = CliRunner().invoke(cli, ["push", str(seeds_dir)], env={
        "WORKBENCH_HOME": str(tmp_path), "WORKBENCH_LABEL_STUDIO_URL":
        f"http://127.0.0.1:{free_port()}", "WORKBENCH_LABEL_STUDIO_API_KEY": "k" * 40})
    assert result.exit_code == 1
    assert result.output.startswith("Error: no Label Studio answers at http://127.0.0.1:")
    assert "Traceback" not in result.output and "k" * 40 not in result.output


def test_remote_url_without_a_key_is_a_config_error(seeds_dir, tmp_path):
    result = CliRunner().invoke(cli, ["push", str(seeds_dir)], env={
        "WORKBENCH_HOME": str(tmp_path), "WORKBENCH_LABEL_STUDIO_URL": "http://127.0.0.1:1",
        "WORKBENCH_LABEL_STUDIO_API_KEY": None})
    assert result.output == ("Error: WORKBENCH_LABEL_STUDIO_URL is set but "
                             "WORKBENCH_LABEL_STUDIO_API_KEY is not\n")


def test_direct_studio_client_works_with_the_remote_settings(settings, seeds_dir):
    """The same server, addressed as a remote one: URL and key instead of the managed home."""
    from workbench.studio.server import ManagedServer

    token = ManagedServer(settings).credentials().token.get_secret_value()
    remote = settings.model_copy(update={"label_studio_url": f"http://127.0.0.1:{settings.port}",
                                         "label_studio_api_key": SecretStr(token)})
    studio = connect(remote)
    assert isinstance(studio, Studio)
    assert len(push([seeds_dir], settings=remote, studio=studio).created) == 5


def test_the_control_share_goes_without_suggestions_and_the_report_tells_them_apart(
        settings, studio, annotators, ls_client, tmp_path, cli_env):
    """Push (a share of the articles without predictions, marked so), annotators at work,
    pull, report: the two groups the report compares are the ones pushed."""
    from workbench.ingest.control import in_control
    from workbench.report.collect import collect
    from workbench.studio.pull import pull

    settings = settings.model_copy(update={"control_share": 0.5})
    source = synthetic_articles(tmp_path / "ctl.jsonl", 12, size=600, prefix="ctl")
    control = {a.article_id for a in ingest([source]).articles if in_control(a.article_id, 0.5)}
    assert 0 < len(control) < 12  # both groups, or the test shows nothing
    env = {**cli_env, "WORKBENCH_PROJECT": settings.project, "WORKBENCH_CONTROL_SHARE": "0.5"}
    shown = CliRunner().invoke(cli, ["push", str(source)], env=env)
    assert shown.exit_code == 0, shown.output
    assert ("12 tasks created" in shown.output
            and f"{len(control)} of them without suggestions" in shown.output), shown.output
    tasks = list(ls_client.tasks.list(project=_project_id(studio, settings), fields="all"))
    assert len(tasks) == 12
    for task in tasks:
        if task.data["article_id"] in control:
            assert not task.predictions and task.meta["suggestions"] == "control"
        else:
            (prediction,) = task.predictions
            assert task.meta["suggestions"] == prediction.model_version
    for name in ("ana", "ben"):
        for task in tasks:
            suggested = [{k: v for k, v in dict(r).items() if k not in ("score", "meta")}
                         for r in (task.predictions[0].result if task.predictions else [])]
            annotators[name].annotations.create(id=task.id, result=[
                *suggested, choice("stance", "neutral")])
    pull(settings, studio)
    groups = collect(settings, replicates=20).suggestions.groups
    assert groups["without suggestions"].tasks == len(control)
    assert groups["with suggestions"].tasks == 12 - len(control)


def _project_id(studio, settings) -> int:
    return next(p.id for p in studio.projects() if p.title == settings.project)


def test_suggestions_are_made_once_and_their_scores_show(settings, studio, ls_client, tmp_path):
    """The same texts pushed into a second project are not predicted again (the cache by
    text and rules); the project's model version is the rules', so Label Studio fills its
    prediction score column, even after someone set another version."""
    from workbench.ingest.control import in_control
    from workbench.ingest.preannotate import PreAnnotator

    articles = synthetic_articles(tmp_path / "a.jsonl", 9, size=1777)  # texts of this test
    first_six = tmp_path / "six.jsonl"
    first_six.write_text("".join(articles.read_text().splitlines(keepends=True)[:6]))
    share = settings.control_share
    suggested = [not in_control(a.article_id, share) for a in ingest([articles]).articles]
    first = push([first_six], settings=settings, studio=studio)
    assert (first.predicted, first.predicted_before) == (sum(suggested[:6]), 0)

    other = settings.model_copy(update={"project": settings.project + " other"})
    second = push([articles], settings=other, studio=studio)
    assert len(second.created) == 9
    assert (second.predicted, second.predicted_before) == (sum(suggested[6:]),
                                                          sum(suggested[:6]))
    # A task predicted by older rules, and the project's version set to theirs (as Label
    # Studio does on a project's first import): push puts the rules' back.
    version = PreAnnotator().model_version
    ls_client.projects.import_tasks(id=second.project_id, request=[{
        "data": {"text": "An older task.", "article_id": "older"},
        "predictions": [{"model_version": "older-rules/1", "score": 0.5, "result": []}]}])
    studio.update_project(second.project_id, model_version="older-rules/1")
    push([articles], settings=other, studio=studio)  # nothing to import
    assert studio.project(second.project_id).fields["model_version"] == version
    tasks = [t for t in ls_client.tasks.list(project=second.project_id, fields="all")
             if t.data["article_id"] != "older"]
    scores = sorted((t.predictions_score is not None, len(t.predictions)) for t in tasks)
    assert scores == sorted((s, int(s)) for s in suggested), scores
    output = CliRunner().invoke(cli, ["push", str(articles)], env={
        "WORKBENCH_HOME": str(settings.home), "WORKBENCH_PORT": str(settings.port),
        "WORKBENCH_PROJECT": settings.project + " third", "WORKBENCH_LABEL_STUDIO_URL": None,
        "WORKBENCH_LABEL_STUDIO_API_KEY": None}).output
    assert f"Suggestions: 0 made by the rules, {sum(suggested)} predicted before" in output
