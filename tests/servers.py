"""Running servers, for the tests and the benchmarks (bench/ imports this module): a free
port, a throwaway PostgreSQL cluster, a Label Studio started the way a team runs it, and
what people do on it through its web forms (log in, sign up, make and revoke tokens)."""

from __future__ import annotations

import socket
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- a Label Studio run the way a team runs it -------------------------------------------
# Plain `label-studio start` (not the workbench's managed server): its own settings, legacy
# API tokens left off as Label Studio 1.23 leaves them, optionally on PostgreSQL; people
# sign up through the organization's invite link and use personal access tokens.


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server binaries (pg_ctl, initdb, createdb), if installed."""
    import shutil

    for candidate in [shutil.which("pg_ctl"), *sorted(Path("/usr/lib/postgresql").glob(
            "*/bin/pg_ctl"), reverse=True)]:
        if candidate:  # /usr/local/bin/pg_ctl may be a lone link into the real folder
            return Path(candidate).resolve().parent
    return None


@contextmanager
def postgres_cluster(database: str = "labelstudio"):
    """A throwaway PostgreSQL cluster on 127.0.0.1 (trust auth, run as the 'postgres' user
    when we are root) with one empty database; yields Label Studio's settings for it."""
    import os
    import shutil
    import subprocess

    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server binaries (pg_ctl) on this machine")
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # Not under a 0700 temporary dir of root's: the postgres user must reach it.
    top = Path(tempfile.mkdtemp(prefix="workbench-pg-"))
    top.chmod(0o755)
    cluster = top / "pg"
    cluster.mkdir()
    if run_as:
        shutil.chown(cluster, "postgres")
    port = free_port()
    run = lambda *args: subprocess.run([*run_as, *map(str, args)], check=True,
                                       capture_output=True)
    try:
        run(bin_dir / "initdb", "-D", cluster, "-U", "workbench", "--auth=trust", "-E", "UTF8")
        run(bin_dir / "pg_ctl", "-D", cluster, "-w", "-l", cluster / "log", "-o",
            f"-p {port} -h 127.0.0.1 -k {cluster}", "start")
        try:
            run(bin_dir / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "workbench", database)
            yield {"DJANGO_DB": "default", "POSTGRE_NAME": database, "POSTGRE_USER": "workbench",
                   "POSTGRE_PASSWORD": "", "POSTGRE_HOST": "127.0.0.1",
                   "POSTGRE_PORT": str(port)}
        finally:
            subprocess.run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(cluster), "-m", "fast",
                            "stop"], capture_output=True)
    finally:
        shutil.rmtree(top, ignore_errors=True)


class TeamServer:
    """A running Label Studio started as a team would, and its admin's login."""

    def __init__(self, url: str, data_dir: Path, admin_email: str, admin_password: str,
                 log: Path, database: str):
        self.url, self.data_dir, self.log, self.database = url, data_dir, log, database
        self.admin_email, self.admin_password = admin_email, admin_password

    def login(self, email: str | None = None, password: str | None = None):
        """A logged-in httpx client, closed at the end of a ``with`` block."""
        from contextlib import closing

        return closing(session_login(self.url, email or self.admin_email,
                                     password or self.admin_password))

    def invite_url(self) -> str:
        """The organization's signup link, as the Organization page shows it."""
        with self.login() as admin:
            return self.url + admin.get("/api/invite").json()["invite_url"]

    def sign_up(self, email: str, password: str) -> str:
        """Sign ``email`` up through the invite link and return their new personal access
        token, as a person does: signup form, then Account & Settings."""
        browser = sign_up(self.url, self.invite_url(), email, password)
        try:
            return create_token(browser)
        finally:
            browser.close()


@contextmanager
def team_server(folder: Path, *, database: dict[str, str] | None = None,
                extra_env: dict[str, str] | None = None, timeout: float = 300.0,
                workers: int = 0, gunicorn_path: str | None = None):
    """``label-studio start`` on 127.0.0.1 with its own data dir, on SQLite or (given
    ``database``, see ``postgres_cluster``) PostgreSQL; the admin comes from
    LABEL_STUDIO_USERNAME/PASSWORD at first start; no legacy token setting, telemetry off.
    Yields a ``TeamServer``; SIGTERMs the server's process group at the end.

    With ``workers``, as docs/team.md deploys it instead: ``label-studio init`` (migrations,
    admin), then gunicorn serving Label Studio's WSGI app with that many worker processes
    (gunicorn importable, or installed in ``gunicorn_path``)."""
    import os
    import secrets
    import signal
    import subprocess
    import sys

    from workbench.studio.server import TELEMETRY_OFF, clean_environment, healthy

    data_dir = folder / "label-studio"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    admin_email, admin_password = "admin@team.example", secrets.token_urlsafe(16)
    env = {**clean_environment(), **TELEMETRY_OFF, **(database or {}), **(extra_env or {}),
           "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
           "LABEL_STUDIO_USERNAME": admin_email, "LABEL_STUDIO_PASSWORD": admin_password,
           "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true"}
    executable = Path(sys.executable).parent / "label-studio"
    log = folder / "label-studio.log"
    command = [str(executable), "start", "--no-browser", "--internal-host", "127.0.0.1",
               "--port", str(port), "--data-dir", str(data_dir)]
    if workers:
        import label_studio

        subprocess.run([str(executable), "init", "-q", "--data-dir", str(data_dir)], env=env,
                       cwd=folder, check=True, capture_output=True, timeout=timeout)
        package = str(Path(label_studio.__file__).parent)
        env.update({"DJANGO_SETTINGS_MODULE": "core.settings.label_studio",
                    "PYTHONPATH": os.pathsep.join(filter(None, [gunicorn_path, package]))})
        command = [sys.executable, "-m", "gunicorn", "core.wsgi:application", "--chdir",
                   package, "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                   "--threads", "4", "--timeout", "300"]
    with open(log, "ab") as output:
        process = subprocess.Popen(command, env=env, cwd=folder, stdin=subprocess.DEVNULL,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Label Studio did not start (exit {process.poll()}); "
                                   f"see {log}")
            time.sleep(0.5)
        yield TeamServer(url, data_dir, admin_email, admin_password, log,
                         ("PostgreSQL" if database else "SQLite")
                         + (f", gunicorn {workers} workers" if workers else ""))
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def session_login(url: str, email: str, password: str):
    """An httpx client logged in through Label Studio's login form (session cookie)."""
    import httpx

    browser = httpx.Client(base_url=url, follow_redirects=False, timeout=60)
    browser.get("/user/login/")
    answer = browser.post("/user/login/", data={
        "email": email, "password": password, "persist_session": "on",
        "csrfmiddlewaretoken": browser.cookies["csrftoken"]})
    if answer.status_code != 302 or "sessionid" not in browser.cookies:
        browser.close()
        raise RuntimeError(f"could not log in as {email} (HTTP {answer.status_code})")
    return browser


def sign_up(url: str, invite_url: str, email: str, password: str):
    """An httpx client signed up (and so logged in) through the invite link's form."""
    import httpx

    browser = httpx.Client(base_url=url, follow_redirects=False, timeout=60)
    browser.get(invite_url)
    answer = browser.post(invite_url, data={
        "email": email, "password": password,
        "csrfmiddlewaretoken": browser.cookies["csrftoken"]})
    if answer.status_code != 302:  # 200: the form again, with its errors
        browser.close()
        raise RuntimeError(f"could not sign {email} up (HTTP {answer.status_code})")
    return browser


def create_token(browser) -> str:
    """A new personal access token for the logged-in user (Account & Settings > Personal
    Access Token > Create): one live token per user, so an earlier one is revoked first."""
    answer = browser.post("/api/token/")
    if answer.status_code == 409:
        for listed in browser.get("/api/token/").json():
            browser.post("/api/token/blacklist/", json={"refresh": listed["token"]})
        answer = browser.post("/api/token/")
    answer.raise_for_status()
    return answer.json()["token"]


def revoke_token(url: str, token: str) -> None:
    """Blacklist a personal access token (what "Revoke" in Account & Settings does)."""
    import httpx

    httpx.post(f"{url}/api/token/blacklist/", json={"refresh": token},
               timeout=60).raise_for_status()
