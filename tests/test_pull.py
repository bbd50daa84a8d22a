"""Pull from a real Label Studio, three annotators' work, then validate it."""

import json
import os
import stat

import httpx
import pytest
from builders import choice, span
from click.testing import CliRunner

from workbench import ingest
from workbench.cli import cli
from workbench.errors import IntegrityError, StudioError
from workbench.store.rawpulls import latest_pull, pulls, verify
from workbench.studio.client import connect
from workbench.studio.pull import pull
from workbench.studio.push import push
from workbench.studio.server import ManagedServer


@pytest.fixture
def annotated(settings, studio, seeds_dir, annotators, ls_client):
    """Seeds pushed; ana, ben and cy post the five kinds of annotation the issue names."""
    report = push([seeds_dir], settings=settings, studio=studio)
    tasks = {t.data["article_id"]: t for t in ls_client.tasks.list(project=report.project_id)}
    a, b, c = (tasks[x.article_id] for x in ingest([seeds_dir]).articles[:3])
    text_a, text_b = a.data["text"], b.data["text"]
    ana, ben, cy = annotators["ana"], annotators["ben"], annotators["cy"]
    ids = {}
    ids["correct"] = ana.annotations.create(id=a.id, result=[
        choice("crime_types", "kidnapping_detention"), choice("stance", "supportive"),
        span("p1", "actors", "law_enforcement", text_a, "Provincial police")]).id
    ids["incomplete"] = ben.annotations.create(id=a.id, result=[
        choice("crime_types", "kidnapping_detention")]).id
    ids["mismatch"] = cy.annotations.create(id=b.id, result=[
        choice("crime_types", "human_trafficking"), choice("stance", "critical"),
        span("s1", "actors", "government", text_b, "Sar Kheng", recorded="Hun Sen")]).id
    ids["unknown_label"] = ana.annotations.create(id=b.id, result=[
        choice("crime_types", "human_trafficking"), choice("stance", "critical"),
        span("s1", "actors", "politician", text_b, "Sar Kheng")]).id
    ids["cancelled"] = ben.annotations.create(id=c.id, result=[], was_cancelled=True).id
    return report.project_id, ids


def test_pull_then_validate_reports_each_problem_once(settings, cli_env, annotated):
    project_id, ids = annotated
    pulled = CliRunner().invoke(cli, ["pull"], env=cli_env)
    assert pulled.exit_code == 0, pulled.output
    assert "5 tasks, 5 annotations (1 cancelled/skipped) by 3 annotators, 0 drafts" in (
        pulled.output)
    assert "This is the first pull." in pulled.output

    result = CliRunner().invoke(cli, ["validate", "--json"], env=cli_env)
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert sorted((f["rule"], f["annotation_id"]) for f in findings) == sorted([
        ("missing_required", ids["incomplete"]), ("offset_mismatch", ids["mismatch"]),
        ("unknown_label", ids["unknown_label"]), ("cancelled", ids["cancelled"])])
    annotators = {f["annotator"] for f in findings}
    assert annotators == {"ana@example.org", "ben@example.org", "cy@example.org"}


def test_raw_pull_is_kept_unchanged_checksummed_and_read_only(settings, studio, annotated):
    report = pull(settings, studio)
    assert report.path.parent == settings.exports / "raw"
    assert verify(report.path) == report.sha256
    assert stat.S_IMODE(report.path.stat().st_mode) == 0o440
    data = json.loads(report.path.read_text())
    assert {a["completed_by"]["email"] for t in data for a in t["annotations"]} == {
        "ana@example.org", "ben@example.org", "cy@example.org"}
    assert all(isinstance(p, dict) for t in data for p in t["predictions"])  # full objects
    # Label Studio's own copy of the export is cleaned from its data dir.
    folder = ManagedServer(settings).data_dir / "media" / "export" / str(report.project_id)
    assert report.export_files_removed == 1
    assert not list(folder.glob("*.json"))


def test_second_pull_says_what_is_new(settings, studio, annotated, annotators, ls_client):
    project_id, _ = annotated
    first = pull(settings, studio)
    task = next(t for t in ls_client.tasks.list(project=project_id) if not t.total_annotations)
    annotators["cy"].annotations.create(id=task.id, result=[
        choice("crime_types", "homicide"), choice("stance", "neutral")])
    second = pull(settings, studio)
    assert second.previous == first.path
    assert (second.new_annotations, second.updated_annotations, second.new_tasks) == (1, 0, 0)
    assert pulls(settings, settings.project) == [first.path, second.path]


def test_a_changed_raw_pull_is_refused_by_name(settings, studio, annotated, cli_env):
    report = pull(settings, studio)
    os.chmod(report.path, 0o640)
    report.path.write_text(report.path.read_text().replace("critical", "mixed"))
    with pytest.raises(IntegrityError):
        latest_pull(settings)
    result = CliRunner().invoke(cli, ["validate"], env=cli_env)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {report.path} does not match its sha256")
    assert "refusing to use it" in result.output


def test_a_download_cut_off_leaves_no_pull(settings, annotated):
    class CutDownload(httpx.HTTPTransport):
        def handle_request(self, request):
            response = super().handle_request(request)
            if request.url.path.endswith("/download"):
                response.read()
                return httpx.Response(200, headers=response.headers,
                                      stream=_Broken(response.content[:100]))
            return response

    studio = connect(settings, start=False, httpx_client=httpx.Client(transport=CutDownload()))
    with pytest.raises(StudioError):
        pull(settings, studio)
    raw = settings.exports / "raw"
    assert list(raw.iterdir()) == []  # no .json, no .sha256, no .part
    assert pull(settings, connect(settings, start=False)).summary.annotations == 5


class _Broken(httpx.SyncByteStream):
    def __init__(self, head: bytes):
        self.head = head

    def __iter__(self):
        yield self.head
        raise httpx.ReadError("connection dropped")


def test_a_pull_with_nothing_new_is_not_stored_twice(settings, studio, annotated, cli_env):
    first = pull(settings, studio)
    second = pull(settings, studio)
    assert second.unchanged and second.path == first.path
    assert pulls(settings, settings.project) == [first.path]
    output = CliRunner().invoke(cli, ["pull"], env=cli_env).output
    assert f"Nothing changed in {settings.project!r}" in output
