"""When Label Studio's own data are lost: a backup restores them, the pulls rebuild them.

The scenario runs on a managed server of its own (it deletes that server's data): people
annotate, someone changes a colleague's vote, an adjudicator decides; then the data dir is
deleted and ``workbench rebuild`` (killed once half way) brings the projects back from the
pulls, and a backup taken before brings back the very server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest
import ui
from builders import actor, choice
from click.testing import CliRunner
from servers import free_port, session_login

from workbench.cli import cli
from workbench.lsformat.stream import read_tasks
from workbench.settings import Settings
from workbench.store.rawpulls import keep, latest_pull, new_pull_path, sha256_file
from workbench.studio.backup import backups

PEOPLE = ("ana", "ben", "cy", "dee")  # dee adjudicates
# What a server gives, left out of the comparison of pulls: ids and links by id, times,
# and its own bookkeeping (counts it keeps when an annotation is saved, not imported).
# Authors are compared by email; who else changed an annotation is in meta.rebuilt.
SERVER_GIVEN = {"id", "task", "project", "created_at", "updated_at", "draft_created_at",
                "updated_by", "import_id", "last_action", "last_created_by", "unique_id",
                "completed_by", "parent_prediction", "parent_annotation", "prediction",
                "result_count", "bulk_created", "inner_id", "created_ago"}


def _client(url: str, email: str, password: str):
    from label_studio_sdk import LabelStudio

    browser = session_login(url, email, password)
    try:
        token = browser.get("/api/current-user/token").json()["token"]
    finally:
        browser.close()
    return LabelStudio(base_url=url, api_key=token)


def _run(env: dict, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _comparable(path: Path) -> list[dict]:
    """A pull's tasks by article, with what the server gives anew left out; each task's
    annotations in the order their authors made them."""
    tasks = json.loads(path.read_text())
    for task in tasks:
        task["meta"].pop("rebuilt", None)
        task["annotations"] = sorted(
            ({**{k: v for k, v in a.items() if k not in SERVER_GIVEN},
              "completed_by": a["completed_by"]["email"]} for a in task["annotations"]),
            key=json.dumps)
        task["predictions"] = [{k: p[k] for k in ("model_version", "score", "result")}
                               for p in task["predictions"]]
        for key in SERVER_GIVEN:
            task.pop(key, None)
    return sorted(tasks, key=lambda t: t["meta"]["article_id"])


def _exact(path: Path) -> list:
    """A pull as it is, but for how long ago each prediction was made ("3 minutes")."""
    tasks = json.loads(path.read_text())
    for task in tasks:
        for prediction in task["predictions"]:
            prediction.pop("created_ago")
    return tasks


def _records(path: Path) -> list:
    """A pull's tasks as the workbench reads them, ids and times included (each task's own
    times and meta aside): the rebuilt server's read as the lost one's."""
    return sorted((msgspec.structs.replace(
        task, meta={}, created_at=None, updated_at=None,
        annotations=tuple(sorted(task.annotations, key=lambda a: a.id)))
        for task in read_tasks(path)), key=lambda t: t.id)


def _snapshot(settings: Settings, title: str) -> Path:
    """The project as Label Studio exports it now, kept as a raw pull (what `pull` keeps
    when anything changed; here it says nothing did, rightly)."""
    from workbench.studio.client import connect

    studio = connect(settings, start=False)
    project = studio.find_project(title)
    target = new_pull_path(settings, project.id, title)
    partial = target.with_name(f".{target.name}.part")
    with partial.open("wb") as handle:
        studio.export_snapshot(project.id, handle.write)
    return keep(partial, target, sha256_file(partial)).path


def _gold_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix in (".jsonl", ".parquet")}


@pytest.mark.server  # a Label Studio of its own: its data are deleted
def test_a_lost_server_comes_back_from_the_pulls_and_from_a_backup(tmp_path, seeds_dir,
                                                                   browser):
    from workbench import ingest
    from workbench.studio.annotators import add_annotator
    from workbench.studio.client import connect
    from workbench.studio.server import ManagedServer

    settings = Settings(home=tmp_path / "home", port=free_port(), project="Recovery",
                        exports=tmp_path / "exports", _env_file=None)
    env = {"WORKBENCH_HOME": str(settings.home), "WORKBENCH_PORT": str(settings.port),
           "WORKBENCH_PROJECT": settings.project, "WORKBENCH_EXPORTS": str(settings.exports),
           "WORKBENCH_LABEL_STUDIO_URL": None, "WORKBENCH_LABEL_STUDIO_API_KEY": None}
    server = ManagedServer(settings)
    try:
        studio = connect(settings)
        url = studio.url
        for name in PEOPLE:
            secret = tmp_path / f"{name}.pw"
            secret.write_text(f"{name}-secret-password\n")
            add_annotator(settings, studio, f"{name}@example.org", password_file=secret,
                          role="adjudicator" if name == "dee" else None)
        people = {n: _client(url, f"{n}@example.org", f"{n}-secret-password") for n in PEOPLE}
        ana, ben, cy, dee = (people[n] for n in PEOPLE)
        _run(env, "push", str(seeds_dir))
        articles = [a.article_id for a in ingest([seeds_dir]).articles]
        project = studio.find_project(settings.project)
        admin = _client(url, *_admin(settings))
        tasks = {t.data["article_id"]: t for t in admin.tasks.list(project=project.id)}
        one, two, three, four, five = (tasks[a] for a in articles)

        def vote(who, task, stance, *crimes, lead_time=None):
            text = task.data["text"]
            return who.annotations.create(id=task.id, lead_time=lead_time, result=[
                choice("crime_types", *(crimes or ("human_trafficking",))),
                choice("stance", stance), *actor("k", text, text.split()[0])]).id

        # Agreed; a skip; an annotator's second thoughts; a dispute; a ground-truth mark.
        first = {n: vote(people[n], one, "critical", lead_time=30.5) for n in ("ana", "ben", "cy")}
        ana.annotations.create(id=two.id, result=[], was_cancelled=True)
        for name in ("ben", "cy"):
            vote(people[name], two, "neutral", "online_scam")
        vote(ana, three, "supportive")
        vote(ana, three, "critical")
        vote(ben, three, "critical")
        vote(cy, three, "critical")
        vote(ana, four, "critical")
        vote(ben, four, "supportive")
        vote(cy, four, "neutral")
        for name in ("ana", "ben"):
            vote(people[name], five, "mixed")
        marked = vote(cy, five, "critical")
        admin.annotations.update(id=marked, ground_truth=True)
        _run(env, "pull")
        # ben changes ana's vote on the agreed article: her own version is in that pull.
        ben.annotations.update(id=first["ana"], result=[
            choice("crime_types", "kidnapping"), choice("stance", "supportive")])
        _run(env, "pull")
        _run(env, "review", "push")
        review = studio.find_project(settings.for_review().project)
        disputed = list(admin.tasks.list(project=review.id))
        assert disputed
        for task in disputed:
            vote(dee, task, "critical", "human_trafficking", "corruption_collusion")
        _run(env, "review", "pull")
        _run(env, "export", "--version", "1.0.0")
        last = latest_pull(settings)
        last_review = latest_pull(settings.for_review())
        _run(env, "server", "backup", "--to", str(tmp_path / "safe"))
        (kept_backup,) = backups(tmp_path / "safe")

        # The disaster: the data dir is gone. rebuild is killed after its first batch...
        server.stop()
        shutil.rmtree(server.data_dir)
        connect(settings)
        killed = subprocess.run([sys.executable, "-c", _DIES_AFTER_ONE_BATCH],
                                env={**os.environ, **{k: v for k, v in env.items() if v},
                                     "PYTHONPATH": str(Path(__file__).parent)},
                                capture_output=True, text=True)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        partly = connect(settings, start=False).find_project(settings.project)
        assert 0 < partly.tasks < len(articles)
        # ... and run again, it finishes the job with no task twice.
        rebuilt = _run(env, "rebuild", "--silent")
        print(rebuilt)
        assert "ana-secret-password" not in rebuilt
        studio = connect(settings, start=False)
        assert studio.find_project(settings.project).tasks == len(articles)
        assert studio.find_project(settings.for_review().project).tasks == len(disputed)

        # The next pull holds nothing new; the projects equal the last pulls field by field.
        assert "Nothing changed" in _run(env, "pull")
        for title, was in ((settings.project, last),
                           (settings.for_review().project, last_review)):
            now = _snapshot(settings if title == settings.project else settings.for_review(),
                            title)
            assert _comparable(now) == _comparable(was.path)
            assert _records(now) == _records(was.path)
        # Gold from the rebuilt project's pull is the same to the byte.
        _run(env, "export", "--version", "1.0.1", "--out", str(tmp_path / "again"))
        gold = settings.exports / "gold" / "1.0.0"
        assert _gold_files(tmp_path / "again" / "1.0.1") == _gold_files(gold)
        # ana logs in with the password the rebuild made, and finds her vote where it was.
        new_password = (settings.home / "annotators" / "ana@example.org.password").read_text()
        page = browser.new_context(viewport=ui.VIEWPORT).new_page()
        page.goto(f"{url}/user/login/")
        page.fill('input[name="email"]', "ana@example.org")
        page.fill('input[name="password"]', new_password.strip())
        page.click('button[type="submit"]')
        page.wait_for_url(lambda at: "/user/login" not in at)
        project = studio.find_project(settings.project)
        rebuilt_four = next(t for t in connect(settings, start=False).task_keys(project.id)
                            if t.article_id == articles[3])
        ui.open_task(page, url, project.id, rebuilt_four.task_id)
        ui.open_annotation(page, "ana@example.org")
        ui.shot(page, "rebuilt-task-as-ana")
        stance = page.locator('.lsf-choices:has(input[name="supportive"]) input:checked')
        assert stance.get_attribute("name") == "critical"  # ana's, as she left it
        assert ui.crime_type(page, "human_trafficking").is_checked()
        page.context.close()

        # The backup taken before brings back the very server, ids and all.
        server.stop()
        refused = CliRunner().invoke(cli, ["server", "restore", str(kept_backup)], env=env)
        assert refused.exit_code == 1 and "--force" in refused.output
        _run(env, "server", "restore", str(kept_backup), "--force")
        connect(settings)
        assert "Nothing changed" in _run(env, "pull")
        assert _exact(_snapshot(settings, settings.project)) == _exact(last.path)
        _client(url, "ana@example.org", "ana-secret-password")  # the old password again

        # An upgrade: the data were last run by another Label Studio; start backs up first.
        server.stop()
        (settings.home / "label-studio.version").write_text("1.22.0\n")
        _run(env, "server", "start")
        (taken,) = backups(settings.home / "backups" / "before-upgrade")
        manifest = json.loads((taken / "backup.json").read_text())
        assert manifest["reason"].startswith("before upgrading Label Studio 1.22.0 -> ")
    finally:
        server.stop()


def _admin(settings: Settings) -> tuple[str, str]:
    credentials = json.loads((settings.home / "credentials.json").read_text())
    return credentials["email"], credentials["password"]


# A rebuild that dies (SIGKILL, no cleanup) once its first batch of two tasks is in.
_DIES_AFTER_ONE_BATCH = """
import os, signal
from workbench.settings import Settings
from workbench.studio.client import Studio, connect
from workbench.studio.rebuild import rebuild

imported = Studio.import_tasks
def import_then_die(self, project_id, tasks):
    ids = imported(self, project_id, tasks)
    os.kill(os.getpid(), signal.SIGKILL)
Studio.import_tasks = import_then_die
settings = Settings()
rebuild(settings, connect(settings, start=False), batch_size=2)
"""


# -- backups: checked, never half-written, refused when damaged ----------------------------


def _offline_home(tmp_path: Path) -> Settings:
    """A managed server's settings whose server is stopped (never started): restore's target."""
    return Settings(home=tmp_path / "stopped", port=free_port(), _env_file=None)


def test_a_backup_is_checksummed_and_a_damaged_one_is_refused_by_name(server_settings,
                                                                     tmp_path):
    from workbench.studio.backup import backup, restore

    report = backup(server_settings, to=tmp_path / "safe")
    manifest = json.loads((report.path / "backup.json").read_text())
    assert {"label_studio.sqlite3", "home/credentials.json", "home/label-studio/.env"} <= set(
        manifest["files"])
    assert manifest["label_studio"] == "1.23.2" and manifest["database"] == "sqlite"
    assert report.path.stat().st_mode & 0o777 == 0o700  # the secret key and the token
    target = _offline_home(tmp_path)
    restored = restore(target, report.path)
    for name in manifest["files"]:
        copy = target.home / name.removeprefix("home/") if name.startswith("home/") else (
            target.home / "label-studio" / name)
        assert copy.read_bytes() == (report.path / name).read_bytes()

    database = report.path / "label_studio.sqlite3"
    damaged = bytearray(database.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    database.write_bytes(bytes(damaged))
    env = {"WORKBENCH_HOME": str(target.home), "WORKBENCH_PORT": str(target.port),
           "WORKBENCH_LABEL_STUDIO_URL": None}
    result = CliRunner().invoke(cli, ["server", "restore", str(report.path), "--force"],
                                env=env)
    assert result.exit_code == 1
    assert result.output == (f"Error: backup {report.path}: label_studio.sqlite3 does not "
                             f"match its sha256 (the backup is damaged); refusing to restore "
                             f"it\n")
    assert restored.label_studio == "1.23.2"


def test_restore_refuses_a_running_server_and_a_team_server_is_not_backed_up(
        server_settings, tmp_path, cli_env):
    from workbench.errors import ConfigError, ServerError
    from workbench.studio.backup import backup, restore

    taken = backup(server_settings, to=tmp_path / "safe")
    with pytest.raises(ServerError, match="running: stop it first"):
        restore(server_settings, taken.path, force=True)
    remote = server_settings.model_copy(update={"label_studio_url": "http://127.0.0.1:1"})
    with pytest.raises(ConfigError, match="back up that server where it runs"):
        backup(remote)


def test_sync_backs_up_when_the_last_backup_is_old_and_keeps_the_newest(server_settings,
                                                                          tmp_path):
    from workbench.studio.backup import backup_if_due, backups, backups_dir

    settings = server_settings.model_copy(update={"backups_keep": 2})
    folder = backups_dir(settings)
    shutil.rmtree(folder, ignore_errors=True)
    first = backup_if_due(settings, "before sync")
    assert first is not None and backup_if_due(settings, "before sync") is None  # fresh
    first.path.rename(folder / "20200101T000000.000000Z")  # as if taken long ago
    again = backup_if_due(settings, "before sync")
    assert again is not None and len(backups(folder)) == 2
    (folder / "20190101T000000.000000Z").mkdir()  # an older one still
    shutil.copy(again.path / "backup.json", folder / "20190101T000000.000000Z")
    third = backup_if_due(settings.model_copy(update={"backup_every": 0.0}), "x")
    assert third is None  # 0: never
    newest = backup_if_due(settings.model_copy(update={"backup_every": 1e-9}), "before sync")
    assert newest is not None
    assert [p.name for p in backups(folder)] == sorted([again.path.name, newest.path.name])
    assert newest.removed and all(not p.exists() for p in newest.removed)


def _child(code: str, settings: Settings) -> subprocess.Popen:
    env = {**os.environ, "WORKBENCH_HOME": str(settings.home),
           "WORKBENCH_PORT": str(settings.port), "PYTHONPATH": str(Path(__file__).parent)}
    env.pop("WORKBENCH_LABEL_STUDIO_URL", None)
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_backup_killed_half_way_is_never_taken_for_one(server_settings, tmp_path):
    from workbench.errors import IntegrityError
    from workbench.studio.backup import backup, backups, restore

    folder = tmp_path / "safe"
    # The checksums are the last step before the backup is named: it dies there.
    child = _child(f"""
import time
from pathlib import Path
from workbench.settings import Settings
from workbench.studio import backup as b
b._sha256 = lambda path: time.sleep(600)
b.backup(Settings(), to=Path({str(folder)!r}))
""", server_settings)
    try:
        for _ in range(600):
            partial = [p for p in folder.glob(".*.partial") if (p / "label_studio.sqlite3")
                       .exists()] if folder.exists() else []
            if partial:
                break
            time.sleep(0.1)
        assert partial, child.stderr.read() if child.poll() is not None else "no partial"
    finally:
        child.kill()
        child.wait()
    assert backups(folder) == []
    with pytest.raises(IntegrityError, match="is not a whole backup"):
        restore(_offline_home(tmp_path), partial[0])
    taken = backup(server_settings, to=folder)
    assert backups(folder) == [taken.path]
    assert not partial[0].exists()  # what the killed one left is cleared


def test_a_full_disk_during_backup_is_a_clear_error_and_leaves_nothing(server_settings,
                                                                       tmp_path):
    import resource

    from workbench.studio.backup import backups

    folder = tmp_path / "safe"

    def small_disk() -> None:  # writes past 64 KiB fail as on a full disk (EFBIG)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))

    env = {**os.environ, "WORKBENCH_HOME": str(server_settings.home),
           "WORKBENCH_PORT": str(server_settings.port)}
    env.pop("WORKBENCH_LABEL_STUDIO_URL", None)
    result = subprocess.run([sys.executable, "-m", "workbench", "server", "backup", "--to",
                             str(folder)], env=env, capture_output=True, text=True,
                            preexec_fn=small_disk)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith(f"Error: backup into {folder} failed (")
    assert "nothing was kept as a backup" in result.stderr
    assert "Traceback" not in result.stderr
    assert backups(folder) == [] and list(folder.iterdir()) == []


def test_a_restore_killed_half_way_is_finished_by_running_it_again(server_settings, tmp_path):
    from workbench.studio.backup import backup, restore

    taken = backup(server_settings, to=tmp_path / "safe")
    target = _offline_home(tmp_path)
    (target.home / "state").mkdir(parents=True)  # a push ledger of the data replaced
    # The database is in, then it dies before the secret key and the credentials are.
    child = _child(f"""
import os, signal
from pathlib import Path
from workbench.settings import Settings
from workbench.studio import backup as b
copy = b._copy
def copy_then_die(source, target):
    copy(source, target)
    if source.name == "label_studio.sqlite3":
        os.kill(os.getpid(), signal.SIGKILL)
b._copy = copy_then_die
b.restore(Settings(), Path({str(taken.path)!r}))
""", target)
    child.wait()
    assert child.returncode == -signal.SIGKILL, child.stderr.read()
    database = target.home / "label-studio" / "label_studio.sqlite3"
    assert database.read_bytes() == (taken.path / "label_studio.sqlite3").read_bytes()
    assert not (target.home / "credentials.json").exists()
    restore(target, taken.path, force=True)
    manifest = json.loads((taken.path / "backup.json").read_text())
    for name in manifest["files"]:
        copy = target.home / name.removeprefix("home/") if name.startswith("home/") else (
            target.home / "label-studio" / name)
        assert copy.read_bytes() == (taken.path / name).read_bytes()
    assert not (target.home / "state").exists()
    assert not list(target.home.rglob(".*.copying"))


# -- a rebuilt project, read by the identity it had before ---------------------------------


def test_a_rebuilt_task_reads_as_before_the_rebuild_on_both_decoders(tmp_path):
    from builders import annotation, choice, export_task

    from workbench.lsformat.parse import parse_task
    from workbench.lsformat.reader import decode_task
    from workbench.lsformat.stream import direct_task
    from workbench.lsformat.summary import scan_export

    old, new = "2026-11-01T10:00:00.000000Z", "2026-12-07T18:00:00.000000Z"
    later = "2026-12-08T09:00:00.000000Z"
    vote = lambda stance: [choice("crime_types", "kidnapping"), choice("stance", stance)]
    before = export_task(7, "A man was abducted in Phnom Penh.", [
        annotation(41, "ana@example.org", vote("critical"), user=2, updated_by=3,
                   created_at=old, updated_at=old),
        annotation(42, "ben@example.org", vote("neutral"), user=3, created_at=old,
                   updated_at=old)], meta={"article_id": "a1"})
    rebuilt = export_task(1, "A man was abducted in Phnom Penh.", [
        # untouched since the rebuild: no one named as its last editor
        annotation(1, "ana@example.org", vote("critical"), user=20, import_id=41,
                   created_at=new, updated_at=new, updated_by=None),
        # changed by its author since: the old id, the new time
        annotation(2, "ben@example.org", vote("mixed"), user=30, import_id=42,
                   created_at=new, updated_at=later, updated_by=30),
        # made on the rebuilt server: its own id
        annotation(3, "cy@example.org", vote("neutral"), user=40, created_at=later,
                   updated_at=later)],
        meta={"article_id": "a1", "rebuilt": {"task_id": 7, "pull": "p.json", "annotations": [
            {"id": 41, "created_at": old, "updated_at": old, "editor": [3, "ben@example.org"]},
            {"id": 42, "created_at": old, "updated_at": old}]}})
    raw = json.dumps(rebuilt).encode()
    general = parse_task(decode_task(tmp_path, 0, raw))
    assert direct_task(raw) == general  # the fast decoder and the general one agree
    ana, ben, cy = general.annotations
    assert general.id == 7
    assert (ana.id, ana.created_at, ana.updated_at, ana.task_id) == (41, old, old, 7)
    assert (ana.edit.by_id, ana.edit.by, ana.edit.at) == (3, "ben@example.org", old)
    assert (ben.id, ben.updated_at, ben.edit) == (42, later, None)
    assert (cy.id, cy.updated_at) == (3, later)
    old_ana = parse_task(decode_task(tmp_path, 0, json.dumps(before).encode())).annotations[0]
    assert ana.edit == old_ana.edit and ana.id == old_ana.id

    # A pull of the rebuilt project is news only for what changed since.
    untouched = json.loads(raw)
    untouched["annotations"] = untouched["annotations"][:1]
    untouched["annotations"].append({**untouched["annotations"][0], "id": 2,
                                     "import_id": 42, "completed_by": {
                                         "id": 30, "email": "ben@example.org"}})
    first = {**before, "annotations": [before["annotations"][0],
                                       {**before["annotations"][1], "updated_by": None}]}
    (tmp_path / "before.json").write_text(json.dumps([first]))
    (tmp_path / "after.json").write_text(json.dumps([untouched]))
    assert scan_export(tmp_path / "before.json").fingerprint == scan_export(
        tmp_path / "after.json").fingerprint
    (tmp_path / "changed.json").write_text(json.dumps([rebuilt]))
    assert scan_export(tmp_path / "changed.json").fingerprint != scan_export(
        tmp_path / "before.json").fingerprint
