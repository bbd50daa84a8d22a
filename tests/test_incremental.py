"""Incremental pull against a real Label Studio: only what changed is asked for, kept raw
as a delta, merged; the merged pull is byte for byte the snapshot Label Studio would give,
after creates, updates, deletes, skips and deleted tasks, and after a pull killed at any
point."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from builders import choice, write_export
from click.testing import CliRunner
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from workbench.cli import cli
from workbench.lsformat.summary import scan_export
from workbench.pulls.current import merged_from, rebuild_state
from workbench.pulls.deltas import deltas_dir, manifests, part_tasks, read_manifest
from workbench.pulls.state import TaskState, comparable
from workbench.store.rawpulls import pulls
from workbench.studio.pull import CHUNK, _ranges
from workbench.studio.pull import pull as pull_with_overlap
from workbench.studio.push import push


def pull(settings, studio, **options):
    """A pull asking for what changed since the last one began, without the five minutes
    more a real one asks for (saves in flight): these tests change things seconds apart."""
    return pull_with_overlap(settings, studio, overlap=timedelta(0), **options)


@pytest.fixture
def project(settings, studio, seeds_dir, ls_client):
    """The seeds pushed and pulled once (a full pull): {article_id: task id}."""
    report = push([seeds_dir], settings=settings, studio=studio)
    time.sleep(1.1)  # the server's clock is read to the second: the push is before it
    first = pull(settings, studio)
    assert first.full and first.delta is None
    return report.project_id, [t.id for t in ls_client.tasks.list(project=report.project_id)]


def _as_label_studio_has_it(pull, studio, project_id) -> bool:
    """The pull is byte for byte Label Studio's own full export of the project now, but for
    the ages Label Studio words from the clock ("3 hours, 40 minutes")."""
    parts: list[bytes] = []
    studio.export_snapshot(project_id, parts.append, title="test snapshot")
    return comparable(pull.read_bytes()) == comparable(b"".join(parts))


def _stance(value: str) -> list[dict]:
    return [choice("crime_types", "online_scam"), choice("stance", value)]


def test_each_kind_of_change_is_pulled_as_a_delta_equal_to_the_snapshot(
        settings, studio, project, annotators, ls_client, seeds_dir, tmp_path):
    project_id, tasks = project
    ana, ben = annotators["ana"], annotators["ben"]
    created = ana.annotations.create(id=tasks[0], result=_stance("critical")).id
    ben.annotations.create(id=tasks[1], result=[], was_cancelled=True)  # a skip
    one = pull(settings, studio)
    assert not one.full and one.delta is not None
    assert (one.new_annotations, one.updated_annotations, one.new_tasks) == (2, 0, 0)
    delta = read_manifest(one.delta)
    asked = {t["id"] for part in delta.parts
             for t in json.loads((deltas_dir(settings) / part.name).read_text())}
    assert asked == {tasks[0], tasks[1]}  # only the changed tasks came over the wire
    assert _as_label_studio_has_it(one.path, studio, project_id)

    ana.annotations.update(id=created, result=_stance("supportive"))
    two = pull(settings, studio)
    assert (two.new_annotations, two.updated_annotations) == (0, 1)
    assert read_manifest(two.delta).follows == one.delta.name

    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "new.txt").write_text("Police in Kampot arrested two men on Friday "
                                               "for running an unlicensed casino.\n")
    push([seeds_dir, tmp_path / "more"], settings=settings, studio=studio)
    ls_client.annotations.delete(id=created)
    ls_client.tasks.delete(id=str(tasks[2]))
    three = pull(settings, studio)
    assert (three.deleted_tasks, three.new_tasks) == (1, 1)
    assert read_manifest(three.delta).deleted == [tasks[2]]
    assert _as_label_studio_has_it(three.path, studio, project_id)
    assert three.summary.tasks == 5 and three.summary.annotations == 1

    nothing = pull(settings, studio)
    assert nothing.unchanged and nothing.path == three.path
    assert len(manifests(settings, project_id)) == 3  # a pull with nothing new keeps nothing

    full = pull(settings, studio, full=True)
    assert full.full and full.reconciled == []  # the merged deltas held exactly the snapshot


def test_a_difference_the_deltas_missed_is_named_by_the_full_pull(settings, studio, project,
                                                                  annotators, cli_env):
    project_id, tasks = project
    annotators["ana"].annotations.create(id=tasks[0], result=_stance("critical"))
    pull(settings, studio)
    # A draft does not touch its task: deltas do not see it, the full pull names it.
    ben = annotators["ben"]
    made = httpx.post(f"http://127.0.0.1:{settings.port}/api/tasks/{tasks[3]}/drafts",
                      headers=ben._client_wrapper.get_headers(),
                      json={"result": _stance("neutral"), "lead_time": 1.0})
    assert made.status_code == 201, made.text
    assert pull(settings, studio).unchanged
    full = pull(settings, studio, full=True)
    assert full.reconciled == [f"task {tasks[3]}: drafts differ (deltas do not see drafts)"]
    output = CliRunner().invoke(cli, ["pull", "--full"], env=cli_env).output
    assert "the merged deltas held exactly the same" in output  # the snapshot is the truth


def test_the_state_is_rebuilt_from_the_raw_files_alone(settings, studio, project, annotators,
                                                       cli_env):
    project_id, tasks = project
    for n, task_id in enumerate(tasks[:3]):
        annotators["cy"].annotations.create(id=task_id, result=_stance("neutral"))
        last = pull(settings, studio)
        assert last.delta is not None, n
    state = settings.home / "state" / "pulls"
    for file in state.iterdir():
        file.unlink()
    result = CliRunner().invoke(cli, ["rebuild-state"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "and 3 deltas after it: 5 tasks" in result.output
    assert rebuild_state(settings).deltas == 3
    annotators["cy"].annotations.create(id=tasks[3], result=_stance("critical"))
    after = pull(settings, studio)
    assert after.delta is not None and after.new_annotations == 1
    assert _as_label_studio_has_it(after.path, studio, project_id)


# A pull that dies (SIGKILL, no cleanup) right after the step named on its command line.
_DIES_AFTER = """
import os, signal, sys
import workbench.pulls.current, workbench.pulls.state, workbench.studio.pull as pulling
from workbench.settings import Settings
from workbench.studio.client import connect

def dying(module, name):
    original = getattr(module, name)
    def step(*args, **kwargs):
        result = original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
    setattr(module, name, step)

where = {"part": (pulling, "keep_part"), "manifest": (pulling, "keep_manifest"),
         "merge": (workbench.pulls.state.TaskState, "merge"),
         "writing": (workbench.pulls.current, "write_text"),
         "pull": (pulling, "write_pull")}
dying(*where[sys.argv[1]])
settings = Settings()
pulling.pull(settings, connect(settings, start=False))
"""


@pytest.mark.parametrize("step", ["part", "manifest", "merge", "writing", "pull"])
def test_a_pull_killed_after_any_step_loses_and_duplicates_nothing(step, settings, studio,
                                                                   project, annotators,
                                                                   cli_env):
    project_id, tasks = project
    annotators["ana"].annotations.create(id=tasks[0], result=_stance("critical"))
    env = {**os.environ, **{k: v for k, v in cli_env.items() if v is not None}}
    killed = subprocess.run([sys.executable, "-c", _DIES_AFTER, step], env=env,
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    annotators["ben"].annotations.create(id=tasks[1], result=_stance("neutral"))
    after = pull(settings, studio)
    assert _as_label_studio_has_it(after.path, studio, project_id)
    assert after.summary.annotations == 2
    kept = manifests(settings, project_id)
    assert len(kept) == (2 if step in ("manifest", "merge", "writing", "pull") else 1)
    assert [p for p in pulls(settings, settings.project) if merged_from(p).exists()] == [
        deltas_dir(settings).parent / read_manifest(m).pull for m in kept]
    leftovers = [p.name for p in deltas_dir(settings).iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert pull(settings, studio, full=True).reconciled == []


def test_tasks_the_question_missed_are_found_by_the_count(settings, studio, project, seeds_dir,
                                                          tmp_path):
    """An import that commits after the overlap has passed: the pull asks for nothing
    changed (its question starts ten minutes ahead here), the count gives the tasks away."""
    project_id, _ = project
    (tmp_path / "late").mkdir()
    (tmp_path / "late" / "late.txt").write_text("Customs officers in Koh Kong seized a boat "
                                                "carrying forty people on Monday.\n")
    push([seeds_dir, tmp_path / "late"], settings=settings, studio=studio)
    late = pull_with_overlap(settings, studio, overlap=-timedelta(minutes=10))
    assert late.new_tasks == 1 and late.summary.tasks == 6
    assert _as_label_studio_has_it(late.path, studio, project_id)


_OPS = st.lists(st.tuples(
    st.sampled_from(["annotate", "skip", "update", "delete", "delete_task", "new_task"]),
    st.integers(0, 99), st.sampled_from(["ana", "ben", "cy"]), st.booleans()),
    min_size=3, max_size=6)


@settings_(max_examples=3, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS)
def test_any_sequence_of_changes_merges_into_the_snapshot(ops, settings, studio, seeds_dir,
                                                          annotators, ls_client):
    """Random creates, updates, deletes, skips, deleted and new tasks, pulled after some of
    them: every merged pull is byte for byte Label Studio's own snapshot of that moment."""
    own = settings.model_copy(update={"project": f"prop-{uuid.uuid4().hex[:10]}"})
    project_id = push([seeds_dir], settings=own, studio=studio).project_id
    time.sleep(1.1)
    pull(own, studio)
    made: list[tuple[str, int, int]] = []  # (annotator, annotation id, task id)
    for kind, pick, who, then_pull in ops:
        tasks = [t.id for t in ls_client.tasks.list(project=project_id, fields="task_only")]
        task = tasks[pick % len(tasks)] if tasks else None
        if kind in ("annotate", "skip") and task is not None:
            made.append((who, annotators[who].annotations.create(
                id=task, result=[] if kind == "skip" else _stance("neutral"),
                was_cancelled=kind == "skip").id, task))
        elif kind == "update" and made:
            author, annotation, _ = made[pick % len(made)]
            annotators[author].annotations.update(id=annotation, result=_stance("critical"))
        elif kind == "delete" and made:
            ls_client.annotations.delete(id=made.pop(pick % len(made))[1])
        elif kind == "delete_task" and task is not None and len(tasks) > 1:
            ls_client.tasks.delete(id=str(task))
            made = [m for m in made if m[2] != task]
        elif kind == "new_task":
            ls_client.projects.import_tasks(id=project_id, request=[
                {"data": {"text": f"Article {pick}: a raid on a casino in Sihanoukville."}}])
        if then_pull:
            pulled = pull(own, studio)
            assert _as_label_studio_has_it(pulled.path, studio, project_id), ops
    final = pull(own, studio)
    assert _as_label_studio_has_it(final.path, studio, project_id), ops
    assert pull(own, studio, full=True).reconciled == [], ops


# -- offline parts -----------------------------------------------------------------------


def test_the_state_counts_what_a_scan_of_the_same_pull_counts(tmp_path):
    export = write_export(tmp_path / "pull.json", 60, seed=3)
    with TaskState(tmp_path / "state.sqlite") as state:
        state.replace_all((task for task, _ in part_tasks(export)), position="pull.json")
        assert state.summary() == scan_export(export).summary
        assert state.count() == 60 and state.position == "pull.json"


def test_ranges_hold_at_most_a_chunk_and_span_at_most_what_is_asked():
    ids = [*range(1, 5001), 9000, 9001, 20000]
    assert _ranges(ids, span=None) == [(1, 2000), (2001, 4000), (4001, 20000)]
    assert _ranges(ids, span=CHUNK) == [(1, 2000), (2001, 4000), (4001, 5000), (9000, 9001),
                                        (20000, 20000)]
    assert _ranges([], span=None) == []


def test_a_task_read_again_later_is_no_news_for_the_clock_s_wording(settings, studio,
                                                                     project):
    """Label Studio words each prediction's age ("3 hours, 40 minutes"): a task asked for
    again a minute on differs in those words only, and is not a change."""
    project_id, _ = project
    state = settings.home / "state" / "pulls" / f"{settings.project}_p{project_id}.sqlite"
    with sqlite3.connect(state) as db:  # the state as a minute ago
        aged = [(re.sub(rb'"created_ago": "[^"]*"', b'"created_ago": "9 hours"', body), i)
                for i, body in db.execute("SELECT id, body FROM task")]
        assert aged and all(b"9 hours" in body for body, _ in aged)
        db.executemany("UPDATE task SET body = ? WHERE id = ?", aged)
    again = pull_with_overlap(settings, studio, overlap=timedelta(hours=4))  # asks for all
    assert again.unchanged and again.delta is None


def test_comparable_leaves_out_only_the_clock_s_wording():
    body = b'{"id": 3, "created_ago": "3 hours, 40 minutes", "result": []}'
    assert comparable(body) == b'{"id": 3, , "result": []}'
    assert comparable(b'{"text": "created_ago"}') == b'{"text": "created_ago"}'
