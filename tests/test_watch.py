"""`workbench watch`: a sync after submissions (the project's webhook) and on an interval,
against the session's real Label Studio; its listener, lock and stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from builders import actor, choice

from workbench.errors import LockedError, StudioError
from workbench.store.lock import job_lock
from workbench.watch import HEADER, PATH, Listener, Round, Watch


def _post(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data=b'{"action": "ANNOTATION_CREATED"}',
                                     headers=headers or {}, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_listener_answers_only_calls_with_its_secret():
    bell = threading.Event()
    listener = Listener(bell)
    try:
        base = listener.url.removesuffix(PATH)
        assert _post(listener.url) == 403
        assert _post(listener.url, {HEADER: "not-the-secret"}) == 403
        assert _post(base + "/elsewhere", {HEADER: listener.secret}) == 403
        assert not bell.is_set() and listener.refused == 3
        assert _post(listener.url, {HEADER: listener.secret}) == 204
        assert bell.is_set() and listener.heard == 1
        assert listener.url.startswith("http://127.0.0.1:")
    finally:
        listener.close()


def test_a_second_watch_is_refused(tmp_path):
    from helpers import offline_settings

    settings = offline_settings(tmp_path)
    held, done = threading.Event(), threading.Event()

    def first_watch() -> None:  # the lock is per thread: another one stands for the first
        with job_lock(settings.home, "watch", file="watch.lock"):
            held.set()
            done.wait(30)

    holder = threading.Thread(target=first_watch)
    holder.start()
    held.wait(10)
    try:
        with pytest.raises(LockedError, match="a watch already runs here .*workbench watch"):
            Watch(settings, None, []).run(lambda _: None)  # type: ignore[arg-type]
    finally:
        done.set()
        holder.join()


def _annotate(annotators, ls_client, project_id: int, stance: str = "critical") -> int:
    """Three people agree on the first task; its id."""
    task = next(iter(ls_client.tasks.list(project=project_id)))
    result = [choice("crime_types", "human_trafficking"), choice("stance", stance),
              *actor("k", task.data["text"], task.data["text"].split()[0])]
    for name in ("ana", "ben", "cy"):
        annotators[name].annotations.create(id=task.id, result=result)
    return task.id


def _until(rounds: list[Round], count: int, seconds: float) -> list[Round]:
    deadline = time.monotonic() + seconds
    while len(rounds) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return rounds


def test_watch_syncs_after_submissions_then_removes_its_webhook(settings, studio, seeds_dir,
                                                                 annotators, ls_client):
    rounds: list[Round] = []
    said: list[str] = []
    watch = Watch(settings, studio, [seeds_dir], every=600, quiet=1)
    runner = threading.Thread(target=watch.run, args=(rounds.append, said.append))
    runner.start()
    try:
        _until(rounds, 1, 120)
        assert rounds[0].why == "start" and rounds[0].report is not None, rounds
        assert rounds[0].report.annotated == 0
        project = studio.find_project(settings.project)
        for _ in range(50):  # the webhook comes after the first sync
            if studio.webhooks(project.id):
                break
            time.sleep(0.2)
        assert [url for _, url in studio.webhooks(project.id)] == [watch.listener.url]
        assert any("Listening at http://127.0.0.1:" in line for line in said), said

        submitted = time.time()
        _annotate(annotators, ls_client, project.id)
        _until(rounds, 2, 60)
        done = rounds[1]
        assert done.why == "webhook", rounds  # not the interval: it is ten minutes
        assert done.at - submitted < 15  # three calls, one sync a quiet second after
        assert done.report.annotated == 1 and done.report.agreed == 1
        assert done.report.gold.version is not None  # gold written within seconds
        assert watch.listener.heard == 3 and watch.listener.refused == 0
    finally:
        watch.stop()
        runner.join(60)
    assert not runner.is_alive()
    assert len(rounds) == 2  # stopping runs no sync
    assert studio.webhooks(project.id) == []
    with pytest.raises(OSError):
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            watch.listener.url, timeout=2)


def test_watch_syncs_on_the_interval_without_a_webhook(settings, studio, seeds_dir,
                                                       annotators, ls_client):
    rounds: list[Round] = []
    watch = Watch(settings, studio, [seeds_dir], every=2, webhook=False)
    runner = threading.Thread(target=watch.run, args=(rounds.append,))
    runner.start()
    try:
        _until(rounds, 1, 120)
        project = studio.find_project(settings.project)
        assert studio.webhooks(project.id) == []
        _annotate(annotators, ls_client, project.id)
        deadline = time.monotonic() + 60
        while not any(r.report and r.report.annotated for r in rounds):
            assert time.monotonic() < deadline, rounds
            time.sleep(0.2)
    finally:
        watch.stop()
        runner.join(60)
    later = [r for r in rounds if r.report and r.report.annotated]
    assert later[0].why == "interval" and later[0].report.agreed == 1
    assert all(r.why == "interval" for r in rounds[1:])


def test_the_managed_server_calls_127_0_0_1_and_no_other_internal_address(settings, studio,
                                                                         seeds_dir):
    from workbench.studio.push import push

    project_id = push([seeds_dir], settings=settings, studio=studio).project_id
    made = studio.add_webhook(project_id, "http://127.0.0.1:9/hook",
                              actions=["ANNOTATION_CREATED"], headers={})
    studio.delete_webhook(made)
    for banned in ("127.0.0.2", "10.1.2.3", "192.168.0.1", "169.254.169.254", "[::1]",
                   "0.0.0.0"):
        with pytest.raises(StudioError, match="refused to add a webhook"):
            studio.add_webhook(project_id, f"http://{banned}:9/hook",
                               actions=["ANNOTATION_CREATED"], headers={})
    assert studio.webhooks(project_id) == []


def test_watch_command_stops_on_ctrl_c_and_removes_its_webhook(settings, studio, cli_env,
                                                               seeds_dir):
    env = {**os.environ, **{k: v for k, v in cli_env.items() if v is not None}}
    for key in (k for k, v in cli_env.items() if v is None):
        env.pop(key, None)
    process = subprocess.Popen([sys.executable, "-m", "workbench", "watch", str(seeds_dir),
                                "--every", "600"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        listening = ""
        while "Listening at" not in listening:
            assert time.monotonic() < deadline and process.poll() is None
            listening = process.stderr.readline()
        project = studio.find_project(settings.project)
        assert len(studio.webhooks(project.id)) == 1
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "sync on start: 0 of 5 articles annotated" in out
    assert out.rstrip().endswith("Stopped watching."), out
    assert "Traceback" not in err
    assert studio.webhooks(project.id) == []
