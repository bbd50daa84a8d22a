"""No secret leaks: not in output, logs, raw pulls or gold; and Label Studio stays home."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.studio.server import ManagedServer

FAKE_KEY = "fake-api-key-7f3a9c0e5b1d4e2f8a6c"


def _every_command(seeds_dir, password_file):
    return [["schema"], ["ingest", str(seeds_dir)], ["push", str(seeds_dir), "--silent"],
            ["pull"], ["validate"], ["agreement"], ["adjudicate"], ["review", "push"],
            ["export"], ["report"], ["server", "status"], ["annotators", "list"],
            ["annotators", "add", "sec@example.org", "--password-file", str(password_file)],
            ["sync", str(seeds_dir), "--silent"]]


def test_no_command_shows_a_password_or_token(settings, cli_env, seeds_dir, tmp_path,
                                              annotators):
    server = ManagedServer(settings)
    credentials = server.credentials()
    secrets = [credentials.password.get_secret_value(), credentials.token.get_secret_value(),
               "annotator-secret-passphrase"]
    password_file = tmp_path / "pw"
    password_file.write_text(secrets[2] + "\n")
    outputs = []
    for command in _every_command(seeds_dir, password_file):
        result = CliRunner().invoke(cli, command, env=cli_env)
        assert result.exception is None or isinstance(result.exception, SystemExit), command
        outputs.append(result.output)
    written = [p for p in settings.exports.rglob("*") if p.is_file()]
    assert any("gold" in str(p) or "raw" in str(p) for p in written)
    texts = outputs + [p.read_text(errors="replace") for p in written]
    texts.append(server.log_file.read_text(errors="replace"))
    for secret in secrets:
        assert not any(secret in text for text in texts)


def test_a_remote_key_is_never_echoed(seeds_dir, tmp_path, settings):
    env = {"WORKBENCH_HOME": str(tmp_path / "home"), "WORKBENCH_EXPORTS": str(tmp_path / "x"),
           "WORKBENCH_LABEL_STUDIO_URL": f"http://127.0.0.1:{settings.port}",
           "WORKBENCH_LABEL_STUDIO_API_KEY": FAKE_KEY}
    for command in (["push", str(seeds_dir), "--silent"], ["pull"], ["server", "status"],
                    ["review", "pull"], ["annotators", "list"]):
        result = CliRunner().invoke(cli, command, env=env)
        assert result.exit_code == 1, (command, result.output)
        assert FAKE_KEY not in result.output
        assert "Traceback" not in result.output


def test_credentials_and_raw_pulls_are_private_to_their_owner(settings, studio, seeds_dir):
    from workbench.studio.pull import pull
    from workbench.studio.push import push

    push([seeds_dir], settings=settings, studio=studio)
    report = pull(settings, studio)
    assert oct(ManagedServer(settings).credentials_file.stat().st_mode & 0o777) == "0o600"
    assert not report.path.stat().st_mode & 0o007  # nothing for others: it names annotators


def test_label_studio_called_nobody_outside(outbound_trap, server_settings):
    """Its proxy settings point at a trap that records every attempt; there is none.

    The login page and the tips it asks for are visited first: Label Studio
    itself fetches those tips from GitHub unless the workbench stops it.
    """
    url = ManagedServer(server_settings).running().url
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{url}/user/login/") as page:
        assert b"heidi-tips" in page.read()
    with pytest.raises(urllib.error.HTTPError) as tips:
        opener.open(f"{url}/heidi-tips/")
    assert tips.value.code == 404
    assert outbound_trap.connections == []


def test_the_trap_does_catch_a_call_that_tries(outbound_trap):
    """The trap is live: a client honouring the proxy variables lands in it."""
    before = len(outbound_trap.connections)
    env = {**os.environ, **outbound_trap.environment}
    subprocess.run([sys.executable, "-c", "import urllib.request as u\ntry:\n"
                    " u.urlopen('http://pypi.org/simple/', timeout=3)\nexcept Exception:\n"
                    " pass"], env=env, timeout=30)
    assert len(outbound_trap.connections) == before + 1
    assert json.dumps(outbound_trap.connections[-1].decode()).count("pypi.org") >= 1
