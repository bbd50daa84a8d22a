"""The managed Label Studio: a real server, started by the session fixture."""

import json
import re
import stat
import subprocess
import sys

import httpx
import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.studio.client import connect
from workbench.studio.server import ADMIN_EMAIL, ManagedServer, healthy


def test_server_answers_on_loopback_only(server_settings):
    server = ManagedServer(server_settings)
    info = server.running()
    assert info is not None and info.url == f"http://127.0.0.1:{server_settings.port}"
    cmdline = open(f"/proc/{info.pid}/cmdline", "rb").read().split(b"\0")
    assert cmdline[cmdline.index(b"--internal-host") + 1] == b"127.0.0.1"
    listening = open("/proc/net/tcp").read().splitlines()[1:]
    port_hex = f"{server_settings.port:04X}"
    local = {line.split()[1] for line in listening if line.split()[3] == "0A"}  # LISTEN
    assert f"0100007F:{port_hex}" in local
    assert f"00000000:{port_hex}" not in local


def test_credentials_are_private_and_the_stray_environment_did_not_leak(server_settings):
    server = ManagedServer(server_settings)
    assert stat.S_IMODE(server.credentials_file.stat().st_mode) == 0o600
    studio = connect(server_settings, start=False)
    # HOST/PORT/USERNAME from the shell were set when the fixture started it: ignored.
    assert studio.whoami() == ADMIN_EMAIL
    assert "intruder@example.com" not in {u["email"] for u in studio.users()}


def test_outbound_calls_are_off(server_settings):
    env = ManagedServer(server_settings).environment(
        ManagedServer(server_settings).credentials())
    assert env["COLLECT_ANALYTICS"] == "false" and env["LATEST_VERSION_CHECK"] == "false"
    assert env["SENTRY_DSN"] == "" and env["FRONTEND_SENTRY_DSN"] == ""
    assert "HOST" not in env and "USERNAME" not in env


def test_start_is_a_no_op_when_running(server_settings):
    server = ManagedServer(server_settings)
    before = server.running()
    assert server.start().pid == before.pid


def test_status_lists_projects(server_settings, cli_env, seeds_dir, settings, studio):
    from workbench.studio.push import push

    push([seeds_dir], settings=settings, studio=studio)
    result = CliRunner().invoke(cli, ["server", "status"], env=cli_env)
    assert result.exit_code == 0
    assert result.output.startswith(
        f"Label Studio (managed) is up: http://127.0.0.1:{server_settings.port}, version 1.23.2\n")
    assert f"{settings.project!r}: 5 tasks, 0 annotations" in result.output


@pytest.mark.server  # starts a Label Studio of its own
def test_restart_keeps_data_and_token(tmp_path):
    """A server of its own: stopping the session's would disturb other tests."""
    from servers import free_port

    from workbench.settings import Settings

    settings = Settings(home=tmp_path / "home", port=free_port(), _env_file=None)
    env = {"WORKBENCH_HOME": str(settings.home), "WORKBENCH_PORT": str(settings.port)}
    run = lambda *args: subprocess.run([sys.executable, "-m", "workbench", *args],
                                       capture_output=True, text=True, env={**_base_env(), **env})
    started = run("server", "start")
    assert started.returncode == 0, started.stderr
    token = json.loads((settings.home / "credentials.json").read_text())["token"]
    password = json.loads((settings.home / "credentials.json").read_text())["password"]
    assert token not in started.stdout + started.stderr
    assert password not in started.stdout + started.stderr
    studio = connect(settings, start=False)
    studio.create_project(title="kept")
    stopped = run("server", "stop")
    assert stopped.stdout == "Label Studio stopped\n"
    assert not healthy(studio.url)
    assert run("server", "status").returncode == 1
    assert run("server", "start").returncode == 0
    again = connect(settings, start=False)
    assert [p.title for p in again.projects()] == ["kept"]
    assert run("server", "stop").returncode == 0


def test_port_in_use_is_a_clear_error(server_settings, tmp_path):
    from workbench.settings import Settings

    other = Settings(home=tmp_path / "other", port=server_settings.port, _env_file=None)
    result = CliRunner().invoke(cli, ["server", "start"], env={
        "WORKBENCH_HOME": str(other.home), "WORKBENCH_PORT": str(other.port)})
    assert result.exit_code == 1
    assert result.output.endswith(f"Error: port {other.port} is already in use by another "
                                  f"program: set WORKBENCH_PORT to a free port\n")


def test_annotator_can_log_in_and_no_password_is_printed(settings, cli_env, tmp_path):
    email = f"ana-{settings.project[-6:]}@example.org"
    password_file = tmp_path / "pw.txt"
    password_file.write_text("correct horse battery staple\n")
    result = CliRunner().invoke(cli, ["annotators", "add", email, "--password-file",
                                      str(password_file)], env=cli_env)
    assert result.exit_code == 0, result.output
    login_url = f"http://127.0.0.1:{settings.port}/user/login/"
    assert result.output == f"{email}: created. Log in at {login_url}\n"
    assert _can_log_in(login_url, email, "correct horse battery staple")
    assert not _can_log_in(login_url, email, "wrong password")

    again = CliRunner().invoke(cli, ["annotators", "add", email], env=cli_env)
    assert "already exists; its password is unchanged" in again.output
    assert _can_log_in(login_url, email, "correct horse battery staple")

    generated = CliRunner().invoke(cli, ["annotators", "add", email, "--reset-password"],
                                   env=cli_env)
    stored = settings.home / "annotators" / f"{email}.password"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    new_password = stored.read_text().strip()
    assert new_password not in generated.output and "already existed" in generated.output
    assert _can_log_in(login_url, email, new_password)
    assert not _can_log_in(login_url, email, "correct horse battery staple")
    listed = CliRunner().invoke(cli, ["annotators", "list"], env=cli_env)
    assert re.search(rf"^\d+\t{re.escape(email)}$", listed.output, re.M)


def test_annotators_add_rejects_a_bad_email(cli_env):
    result = CliRunner().invoke(cli, ["annotators", "add", "not-an-email"], env=cli_env)
    assert (result.exit_code, result.output) == (1, "Error: not an email address: 'not-an-email'\n")


def _can_log_in(login_url: str, email: str, password: str) -> bool:
    with httpx.Client(follow_redirects=True) as client:
        page = client.get(login_url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        client.post(login_url, data={"csrfmiddlewaretoken": token, "email": email,
                                     "password": password}, headers={"Referer": login_url})
        return client.get(login_url.replace("/user/login/", "/api/current-user/whoami")
                          ).status_code == 200


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
