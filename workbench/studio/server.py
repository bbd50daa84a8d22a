"""The managed Label Studio: start, stop and health of a local server.

Everything lives under ``$WORKBENCH_HOME``::

    label-studio/       Label Studio's data dir (SQLite database, its secret key in .env)
    credentials.json    admin email, password and API token (0600)
    server.json         pid, port and URL of the running server
    label-studio.log    the server's output

The server binds 127.0.0.1 by default, sends no telemetry, checks for no new
version, reports no errors anywhere and fetches nothing (``studio.offline``).
Label Studio reads plain ``HOST``, ``PORT``, ``USERNAME`` and ``PASSWORD`` and
its own ``LABEL_STUDIO_*`` variables from the environment; those are set here
and nowhere else, so a user's shell cannot leak into it. Its database settings
(``DJANGO_DB``, ``POSTGRE_*``) pass through: that is how the managed server
runs on PostgreSQL.
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel, SecretStr

from workbench.errors import MissingExtra, ServerError
from workbench.settings import Settings
from workbench.store.atomic import write_text
from workbench.studio.offline.networks import CALLS_LOOPBACK

ADMIN_EMAIL = "admin@workbench.local"
# Variables Label Studio reads that must come from us, not from the user's shell.
_STRAY = ("HOST", "PORT", "USERNAME", "PASSWORD")
# No telemetry, no version check, no error reports: any Label Studio we start.
TELEMETRY_OFF = {
    "LATEST_VERSION_CHECK": "false",
    "COLLECT_ANALYTICS": "false",
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
}
_QUIET = {
    **TELEMETRY_OFF,
    "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
    "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
    "DJANGO_SETTINGS_MODULE": "workbench.studio.offline.settings",
}


class Credentials(BaseModel):
    """The managed server's admin account; stored 0600, never printed."""

    email: str
    password: SecretStr
    token: SecretStr


@dataclass(frozen=True)
class ServerInfo:
    url: str
    pid: int | None
    version: str | None


class ManagedServer:
    """A Label Studio process owned by the workbench."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.home = settings.home.resolve()
        self.data_dir = self.home / "label-studio"
        self.credentials_file = self.home / "credentials.json"
        self.state_file = self.home / "server.json"
        self.log_file = self.home / "label-studio.log"

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.port}"

    # -- credentials -------------------------------------------------------------------

    def credentials(self) -> Credentials:
        """The admin account, created (not yet on the server) on first use."""
        if self.credentials_file.exists():
            return Credentials.model_validate_json(self.credentials_file.read_text())
        if (self.data_dir / "label_studio.sqlite3").exists():
            raise ServerError(
                f"{self.credentials_file} is missing but {self.data_dir} holds a server: "
                f"its token is lost. Move {self.data_dir} away to start afresh.")
        credentials = Credentials(email=ADMIN_EMAIL, password=SecretStr(secrets.token_urlsafe(18)),
                                  token=SecretStr(secrets.token_hex(20)))
        self.home.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home, 0o700)
        write_text(self.credentials_file, json.dumps({
            "email": credentials.email,
            "password": credentials.password.get_secret_value(),
            "token": credentials.token.get_secret_value(),
        }, indent=2), permissions=0o600)
        return credentials

    # -- lifecycle ---------------------------------------------------------------------

    def running(self) -> ServerInfo | None:
        """The server when our process answers its health check, else None."""
        state = self._state()
        if state is None or not _alive(state["pid"]):
            return None
        if state["url"] != self.url or not healthy(self.url):
            return None
        return ServerInfo(url=self.url, pid=state["pid"], version=state.get("version"))

    def start(self, *, timeout: float = 240.0) -> ServerInfo:
        """Start the server and return once it is healthy; a no-op when it runs.

        Two commands starting it at once: the second waits for the first's server.
        """
        info = self.running()
        if info:
            return info
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / "server-start.lock", "w") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)  # released when the file closes
            return self.running() or self._start(timeout)

    def _start(self, timeout: float) -> ServerInfo:
        if healthy(self.url) or _port_taken(self.settings.host, self.settings.port):
            raise ServerError(f"port {self.settings.port} is already in use by another program: "
                              f"set WORKBENCH_PORT to a free port")
        executable = _label_studio_executable()
        credentials = self.credentials()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(
                [executable, "start", "--no-browser", "--internal-host", self.settings.host,
                 "--port", str(self.settings.port), "--data-dir", str(self.data_dir)],
                env=self.environment(credentials), cwd=self.home, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        version = label_studio_version()
        write_text(self.state_file, json.dumps(
            {"pid": process.pid, "url": self.url, "version": version}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.state_file.unlink(missing_ok=True)
                raise ServerError(f"Label Studio exited with code {process.returncode} while "
                                  f"starting; see {self.log_file}")
            if healthy(self.url):
                return ServerInfo(url=self.url, pid=process.pid, version=version)
            time.sleep(0.5)
        _terminate(process.pid)
        self.state_file.unlink(missing_ok=True)
        raise ServerError(f"Label Studio did not answer within {timeout:.0f} s; "
                          f"see {self.log_file}")

    def stop(self, *, timeout: float = 30.0) -> bool:
        """SIGTERM the server and wait for it; False when it was not running."""
        state = self._state()
        self.state_file.unlink(missing_ok=True)
        if state is None or not _alive(state["pid"]):
            return False
        _terminate(state["pid"], timeout=timeout)
        return True

    def remove_export_files(self, project_id: int, md5s: list[str]) -> int:
        """Delete the files Label Studio kept of these export snapshots; how many."""
        folder = self.data_dir / "media" / "export" / str(project_id)
        removed = 0
        for md5 in md5s:
            for path in folder.glob(f"project-{project_id}-at-*-{md5[:8]}*"):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def environment(self, credentials: Credentials) -> dict[str, str]:
        """The server's environment: the user's, minus what Label Studio must not read."""
        env = clean_environment()
        env.update(_QUIET)
        env.update({
            "LABEL_STUDIO_BASE_DATA_DIR": str(self.data_dir),
            "LABEL_STUDIO_USERNAME": credentials.email,
            "LABEL_STUDIO_PASSWORD": credentials.password.get_secret_value(),
            "LABEL_STUDIO_USER_TOKEN": credentials.token.get_secret_value(),
            "LABEL_STUDIO_HOST": self.url,
        })
        # Its calls to this machine (`workbench watch`'s webhooks) go straight, never through
        # a proxy from the environment; and only a server that nobody else reaches may call
        # 127.0.0.1 (``studio.offline.settings``).
        for key in ("NO_PROXY", "no_proxy"):
            env[key] = ",".join(filter(None, [env.get(key), *_LOOPBACK]))
        env[CALLS_LOOPBACK] = "1" if self.settings.host in _LOOPBACK else "0"
        return env

    def manage(self, *args: str, stdin: str = "", timeout: float = 180.0) -> str:
        """Run a ``label-studio`` management command on this server's data; its output.

        A new session has no terminal, so a command that asks (getpass) reads stdin.
        """
        result = subprocess.run([_label_studio_executable(), *args], input=stdin.encode(),
                                env=self.environment(self.credentials()), cwd=self.home,
                                capture_output=True, timeout=timeout, start_new_session=True)
        output = result.stdout.decode(errors="replace")
        if result.returncode != 0:
            raise ServerError(f"label-studio {args[0]} failed (exit {result.returncode}): "
                              f"{output.strip().splitlines()[-1:] or 'no output'}")
        return output

    def _state(self) -> dict | None:
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None


def clean_environment() -> dict[str, str]:
    """This process's environment without what Label Studio would take as its own settings
    (plain HOST, PORT, USERNAME, PASSWORD and every LABEL_STUDIO_* variable)."""
    return {key: value for key, value in os.environ.items()
            if key not in _STRAY and not key.startswith("LABEL_STUDIO_")}


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def healthy(url: str, timeout: float = 2.0) -> bool:
    """True when Label Studio answers ``GET /health`` with 200."""
    host = urllib.parse.urlsplit(url).hostname or ""
    # A proxy from the environment must not stand between us and a local server.
    handlers = [urllib.request.ProxyHandler({})] if host in _LOOPBACK else []
    try:
        with urllib.request.build_opener(*handlers).open(f"{url}/health",
                                                          timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def label_studio_version() -> str | None:
    try:
        return metadata.version("label-studio")
    except metadata.PackageNotFoundError:
        return None


def _label_studio_executable() -> str:
    try:
        installed = importlib.util.find_spec("label_studio") is not None
    except ModuleNotFoundError:
        installed = False
    beside = Path(sys.executable).parent / "label-studio"
    found = str(beside) if beside.exists() else shutil.which("label-studio")
    if not installed or not found:
        raise MissingExtra("server", "running the managed Label Studio",
                           "or set WORKBENCH_LABEL_STUDIO_URL to a server of yours")
    return found


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (anyone's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _alive(pid: int) -> bool:
    if not pid_alive(pid):
        return False
    try:  # a reused pid belongs to some other program
        return b"label" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def _port_taken(host: str, port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def _terminate(pid: int, *, timeout: float = 30.0) -> None:
    """SIGTERM the server's process group (it ignores SIGINT), then SIGKILL if it hangs."""
    try:
        group = os.getpgid(pid)
    except ProcessLookupError:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive_or_zombie(pid):
                return
            time.sleep(0.2)


def _alive_or_zombie(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)  # reap it when it is our child
        if finished:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
