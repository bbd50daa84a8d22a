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
from workbench.watch import HEADER, Listener, Round, Watch, listener_path


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
    listener = Listener(bell, "/workbench-watch/home")
    try:
        base = listener.url.removesuffix("/workbench-watch/home")
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


def test_the_managed_server_bans_what_label_studio_bans_but_127_0_0_1():
    """Label Studio's own list of banned networks, read from its source (so an upgrade that
    changes it fails here), against ours: the same addresses, 127.0.0.1 alone let through."""
    import importlib.util
    import ipaddress
    import re
    from pathlib import Path

    from workbench.studio.offline.networks import banned_but_loopback

    spec = importlib.util.find_spec("label_studio")
    assert spec is not None and spec.origin is not None
    source = (Path(spec.origin).parent / "core" / "utils" / "io.py").read_text()
    listed = source[source.index("default_banned_subnets = ["):]
    theirs = [ipaddress.ip_network(n) for n in
              re.findall(r"'([0-9a-f:.]+/\d+)'", listed[:listed.index("]")])]
    ours = [ipaddress.ip_network(n) for n in banned_but_loopback()]
    assert len(theirs) == 31
    probes = [ipaddress.ip_address(a) for a in (
        "127.0.0.1", "127.0.0.0", "127.0.0.2", "127.255.255.255", "10.0.0.1", "0.0.0.0",
        "169.254.169.254", "172.16.5.4", "192.168.1.1", "100.64.0.1", "224.0.0.1", "8.8.8.8",
        "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "2001:4860::8888")]
    for probe in probes:
        banned_by_them = any(probe in n for n in theirs if n.version == probe.version)
        banned_by_us = any(probe in n for n in ours if n.version == probe.version)
        assert banned_by_us == (banned_by_them and str(probe) != "127.0.0.1"), probe


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
    from workbench.studio.push import push

    project_id = push([seeds_dir], settings=settings, studio=studio).project_id
    left = studio.add_webhook(project_id, f"http://127.0.0.1:9{listener_path(settings.home)}",
                              actions=["ANNOTATION_CREATED"], headers={HEADER: "old secret"})
    someone_elses = studio.add_webhook(project_id, "http://127.0.0.1:9/their-hook",
                                       actions=["ANNOTATION_CREATED"], headers={})
    rounds: list[Round] = []
    said: list[str] = []
    watch = Watch(settings, studio, [seeds_dir], every=600, quiet=5)
    runner = threading.Thread(target=watch.run, args=(rounds.append, said.append))
    runner.start()
    try:
        _until(rounds, 1, 120)
        assert rounds[0].why == "start" and rounds[0].report is not None, rounds
        assert rounds[0].report.annotated == 0
        for _ in range(50):  # the webhook comes after the first sync
            if any("Listening at http://127.0.0.1:" in line for line in said):
                break
            time.sleep(0.2)
        hooks = dict(studio.webhooks(project_id))
        assert left not in hooks  # a killed watch's is removed, anybody else's stays
        assert sorted(hooks.values()) == sorted([watch.listener.url,
                                                 "http://127.0.0.1:9/their-hook"])

        submitted = time.time()
        _annotate(annotators, ls_client, project_id)
        _until(rounds, 2, 60)
        done = rounds[1]
        assert done.why == "webhook", rounds  # not the interval: it is ten minutes
        assert done.at - submitted < 20  # three calls, one sync five quiet seconds after
        assert done.report.annotated == 1 and done.report.agreed == 1
        assert done.report.gold.version is not None  # gold written within seconds
        assert watch.listener.heard == 3 and watch.listener.refused == 0
    finally:
        watch.stop()
        runner.join(60)
    assert not runner.is_alive()
    assert len(rounds) == 2  # stopping runs no sync
    assert [hook for hook, _ in studio.webhooks(project_id)] == [someone_elses]
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
        project_id = studio.find_project(settings.project).id
        assert studio.webhooks(project_id) == []
        _annotate(annotators, ls_client, project_id)
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
    for banned in ("127.0.0.2", "10.1.2.3", "192.168.0.1", "169.254.169.254", "0.0.0.0"):
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
    said: list[str] = []
    threading.Thread(target=lambda: said.extend(process.stderr), daemon=True).start()
    try:
        deadline = time.monotonic() + 120
        while not any("Listening at" in line for line in said):
            assert time.monotonic() < deadline and process.poll() is None, said
            time.sleep(0.2)
        project_id = studio.find_project(settings.project).id
        assert len(studio.webhooks(project_id)) == 1
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, said
    assert "sync on start: 0 of 5 articles annotated" in out
    assert out.rstrip().endswith("Stopped watching."), out
    assert not any("Traceback" in line for line in said)
    assert studio.webhooks(project_id) == []
