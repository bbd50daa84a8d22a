"""Faults a real server won't produce on demand, injected at the SDK client's HTTP transport;
and the process killed mid-way. Nothing lost, nothing duplicated, no traceback."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from builders import synthetic_articles, write_export
from click.testing import CliRunner
from servers import free_port

from workbench.cli import cli
from workbench.errors import ServerUnreachable, StudioError
from workbench.store.lock import job_lock
from workbench.studio.client import Studio
from workbench.studio.push import push
from workbench.studio.server import ManagedServer


class Faulty(httpx.HTTPTransport):
    """Passes requests to the real server, but answers the first ``times`` matching ones
    with ``fault``: a status code (after the server did or did not see the request), or a
    timeout."""

    def __init__(self, method: str, path_part: str, fault, times: int = 1,
                 forward: bool = False, headers: dict | None = None):
        super().__init__()
        self.method, self.path_part, self.fault, self.times = method, path_part, fault, times
        self.forward, self.headers = forward, headers or {}
        self.seen: Counter = Counter()
        self.faults = 0

    def handle_request(self, request):
        matches = request.method == self.method and self.path_part in request.url.path
        if matches:
            self.seen[request.url.path] += 1
        if not matches or self.faults >= self.times:
            return super().handle_request(request)
        self.faults += 1
        if self.forward:
            super().handle_request(request).read()
        if isinstance(self.fault, int):
            return httpx.Response(self.fault, headers=self.headers, json={"detail": "injected"})
        raise self.fault("injected", request=request)


def _studio(settings, transport, backoff=0.01):
    token = ManagedServer(settings).credentials().token.get_secret_value()
    return Studio(url=f"http://127.0.0.1:{settings.port}", api_key=token, backoff=backoff,
                  httpx_client=httpx.Client(transport=transport))


@pytest.mark.parametrize("fault", [500, 502, 503, httpx.ReadTimeout, httpx.RemoteProtocolError])
def test_reads_are_retried_with_backoff(settings, fault):
    transport = Faulty("GET", "/api/projects", fault, times=2)
    studio = _studio(settings, transport)
    assert studio.find_project("no such project") is None
    assert transport.faults == 2 and transport.seen["/api/projects/"] == 3


def test_retries_are_bounded(settings):
    transport = Faulty("GET", "/api/projects", 500, times=100)
    studio = _studio(settings, transport)
    with pytest.raises(StudioError, match="Label Studio refused to list projects: HTTP 500: "
                                          "injected"):
        studio.find_project("x")
    assert transport.seen["/api/projects/"] == studio.retries + 1


def test_429_waits_as_long_as_the_server_asks(settings):
    transport = Faulty("GET", "/api/projects", 429, headers={"Retry-After": "1"})
    started = time.monotonic()
    assert _studio(settings, transport).find_project("x") is None
    assert time.monotonic() - started >= 1.0


def test_a_refused_import_is_imported_once_after_asking_the_server(settings, seeds_dir):
    transport = Faulty("POST", "/import", 500)  # the server never saw it
    studio = _studio(settings, transport)
    report = push([seeds_dir], settings=settings, studio=studio)
    assert len(report.created) == 5
    assert sum(n for path, n in transport.seen.items() if path.endswith("/import")) == 2
    keys = Counter(k.article_id for k in studio.task_keys(report.project_id))
    assert len(keys) == 5 and set(keys.values()) == {1}


def test_an_import_that_landed_but_failed_is_not_imported_again(settings, seeds_dir):
    transport = Faulty("POST", "/import", 500, forward=True)  # stored, then a 500
    studio = _studio(settings, transport)
    report = push([seeds_dir], settings=settings, studio=studio)
    assert sum(n for path, n in transport.seen.items() if path.endswith("/import")) == 1
    keys = Counter(k.article_id for k in studio.task_keys(report.project_id))
    assert len(keys) == 5 and set(keys.values()) == {1}


def test_imports_are_never_retried_by_the_client_itself(settings, seeds_dir):
    transport = Faulty("POST", "/import", 503, times=100)
    studio = _studio(settings, transport)
    with pytest.raises(StudioError):
        push([seeds_dir], settings=settings, studio=studio)
    imports = sum(n for path, n in transport.seen.items() if path.endswith("/import"))
    assert imports == 3  # one per attempt of push's own, each after asking the server


RULES = os.path.join(os.path.dirname(__file__), "fixtures", "exports", "rules.json")


@pytest.mark.parametrize("command", [
    ["push", "--silent"], ["pull"], ["review", "push", "--export", RULES], ["review", "pull"],
    ["sync", "--silent"], ["annotators", "list"]])
def test_server_down_at_each_step_is_one_error_line(command, tmp_path, seeds_dir, monkeypatch):
    monkeypatch.chdir(seeds_dir.parent)
    env = {"WORKBENCH_HOME": str(tmp_path / "home"), "WORKBENCH_EXPORTS": str(tmp_path / "x"),
           "WORKBENCH_LABEL_STUDIO_URL": f"http://127.0.0.1:{free_port()}",
           "WORKBENCH_LABEL_STUDIO_API_KEY": "k" * 40}
    result = CliRunner().invoke(cli, command, env=env)
    assert result.exit_code == 1
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("Error: no Label Studio answers at http://127.0.0.1:"), error
    assert "Traceback" not in result.output


def test_server_down_status_says_down(tmp_path):
    result = CliRunner().invoke(cli, ["server", "status"], env={
        "WORKBENCH_HOME": str(tmp_path), "WORKBENCH_LABEL_STUDIO_URL":
        f"http://127.0.0.1:{free_port()}", "WORKBENCH_LABEL_STUDIO_API_KEY": "k"})
    assert result.exit_code == 1 and "is down" in result.output


def test_unreachable_is_a_studio_error_with_the_url(settings):
    studio = Studio(url=f"http://127.0.0.1:{free_port()}", api_key="k", backoff=0.01)
    with pytest.raises(ServerUnreachable, match="no Label Studio answers at"):
        studio.whoami()


def _command_env(cli_env):
    return {**os.environ, **{k: v for k, v in cli_env.items() if v is not None}}


def test_pull_killed_midway_leaves_nothing_a_later_step_reads(settings, studio, cli_env,
                                                              tmp_path):
    source = synthetic_articles(tmp_path / "in" / "syn.jsonl", 400, size=1500)
    push([source], settings=settings, studio=studio)
    raw = settings.exports / "raw"
    process = subprocess.Popen([sys.executable, "-m", "workbench", "pull"],
                               env=_command_env(cli_env), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(raw.glob(".*.part")):
        time.sleep(0.01)
    assert process.poll() is None and list(raw.glob(".*.part")), "the kill came too late"
    os.kill(process.pid, signal.SIGKILL)  # mid-download: the partial file is there
    process.wait()
    assert list(raw.glob("*.json")) == []  # no pull a later step would read
    result = CliRunner().invoke(cli, ["validate"], env=cli_env)
    assert result.output.startswith("Error: no pull of")
    assert CliRunner().invoke(cli, ["pull"], env=cli_env).exit_code == 0
    assert len(list(raw.glob("*.json"))) == 1


def test_export_killed_midway_keeps_earlier_versions_whole(tmp_path, cli_env):
    small, big = write_export(tmp_path / "small.json", 50), write_export(tmp_path / "big.json",
                                                                        3000)
    env = {**_command_env(cli_env), "WORKBENCH_EXPORTS": str(tmp_path / "exports")}
    run = lambda path: subprocess.run([sys.executable, "-m", "workbench", "export", "--export",
                                       str(path)], env=env, capture_output=True, text=True)
    assert run(small).returncode == 0
    gold = tmp_path / "exports" / "gold"
    before = {p: p.read_bytes() for p in (gold / "1.0.1").rglob("*") if p.is_file()}
    process = subprocess.Popen([sys.executable, "-m", "workbench", "export", "--export",
                                str(big)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(
            (p / "version").exists() for p in gold.glob(".staging-*")):
        time.sleep(0.01)
    assert process.poll() is None and any(
        (p / "version").exists() for p in gold.glob(".staging-*")), "the kill came too late"
    os.kill(process.pid, signal.SIGKILL)  # mid-write: the new version is half staged
    process.wait()
    assert sorted(p.name for p in gold.iterdir() if not p.name.startswith(".")) == [
        "1.0.1", "LATEST"]
    assert (gold / "LATEST").read_text() == "1.0.1\n"
    assert {p: p.read_bytes() for p in (gold / "1.0.1").rglob("*") if p.is_file()} == before
    again = run(big)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in gold.iterdir()) == ["1.0.1", "1.0.2", "LATEST"]


def _holding_the_lock(home: Path) -> subprocess.Popen:
    """Another process that holds the job lock, as a running `workbench sync` would."""
    holder = subprocess.Popen([sys.executable, "-c", "import time\nfrom pathlib import Path\n"
                               "from workbench.store.lock import job_lock\n"
                               f"with job_lock(Path({str(home)!r}), 'sync'):\n"
                               "    print('held', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_two_jobs_at_once_the_second_says_who_holds_the_lock(settings, cli_env):
    holder = _holding_the_lock(settings.home)
    try:
        for command in (["sync", "--silent"], ["export"], ["adjudicate"], ["pull"]):
            result = CliRunner().invoke(cli, command, env=cli_env)
            assert result.exit_code == 1, command
            last = result.output.rstrip().splitlines()[-1]
            assert last.startswith("Error: another workbench job is running (`workbench sync`, "
                                   f"pid {holder.pid}, since "), (command, result.output)
            assert last.endswith("wait for it to finish")
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_left_by_a_killed_job_does_not_block(settings, cli_env):
    holder = _holding_the_lock(settings.home)
    holder.kill()
    holder.wait()
    with job_lock(settings.home, "test"):
        pass
    assert json.loads((settings.home / "workbench.lock").read_text())["job"] == "test"
