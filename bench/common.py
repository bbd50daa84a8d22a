"""Helpers shared by the benchmarks: a throwaway managed server and synthetic data."""

from __future__ import annotations

import json
import socket
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from workbench.settings import Settings
from workbench.studio.server import ManagedServer

# About as many cue phrases per kilobyte as the seed articles (a dozen), so the
# pre-annotations, which Label Studio stores item by item, weigh what real ones do.
SENTENCES = (
    "Police in Sihanoukville said {n} victims of human trafficking were rescued on Tuesday. ",
    "The operation followed months of complaints from families in several provinces. ",
    "Workers described long shifts, confiscated passports and unpaid wages at the site. ",
    "The provincial court charged two suspects with kidnapping. ",
    "Officials said the investigation would continue into next month and beyond. ",
    "Residents near the building said they had noticed nothing unusual for years. ",
    "Rights groups said more needed to be done to protect those who were rescued. ",
    "The Interior Minister ordered a review of the special economic zone. ",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def managed_server():
    """A fresh managed Label Studio in a temporary home; stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as home:
        settings = Settings(home=Path(home), port=free_port(), _env_file=None)
        server = ManagedServer(settings)
        started = time.perf_counter()
        server.start()
        print(f"(Label Studio started in {time.perf_counter() - started:.0f} s)", flush=True)
        try:
            yield settings
        finally:
            server.stop()


@contextmanager
def fresh_server():
    """(settings, studio, raw SDK client, scratch folder) on a fresh managed server."""
    from workbench.studio.client import connect

    with managed_server() as settings, tempfile.TemporaryDirectory() as scratch:
        studio = connect(settings, start=False)
        yield settings, studio, sdk_client(settings, studio.url), Path(scratch)


def sdk_client(settings: Settings, url: str):
    """The raw SDK client the baselines use, with the managed server's token."""
    from label_studio_sdk import LabelStudio

    token = ManagedServer(settings).credentials().token.get_secret_value()
    return LabelStudio(base_url=url, api_key=token, timeout=3600)


def synthetic_jsonl(path: Path, count: int, *, size: int = 3000, prefix: str = "a") -> Path:
    """``count`` distinct articles of about ``size`` characters, one JSON object a line."""
    with path.open("w") as handle:
        for n in range(count):
            parts, length, k = [], 0, 0
            while length < size:
                part = SENTENCES[(n + k) % len(SENTENCES)].format(n=n)
                parts.append(part)
                length += len(part)
                k += 1
            handle.write(json.dumps({"id": f"{prefix}-{n}", "title": f"Article {n}",
                                     "text": "".join(parts)[:size]}) + "\n")
    return path


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda row: "| " + " | ".join(
        str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, rows)])


# Linux starts a forked child's peak-memory count at its parent's size, so a bench
# process grown big (a server session's tasks) would inflate every figure: a small
# middle process starts the command and reports the command's own time and peak.
_MIDDLE = """
import os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
      usage.ru_utime + usage.ru_stime)
"""
PEAKS = Path(__file__).resolve().parent / "peaks.py"


@dataclass
class Measured:
    """One command's run: wall time, CPU time of it and its children, and its peak memory
    (the sum of its own and its children's, which run beside it)."""

    seconds: float
    cpu: float
    mib: float


def measure(command: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MiB) of one child process."""
    found = run_measured(command)
    return found.seconds, found.mib


def run_measured(command: list[str]) -> Measured:
    """``command`` in its own process; a Python command (``sys.executable`` first) runs
    through bench/peaks.py, so that the peaks of the processes it starts are added."""
    import subprocess
    import sys

    with tempfile.NamedTemporaryFile("r", suffix=".peaks") as peaks:
        if command[0] == sys.executable:
            command = [sys.executable, str(PEAKS), peaks.name, *command[1:]]
        out = subprocess.run([sys.executable, "-c", _MIDDLE, *command], capture_output=True,
                             text=True, check=True).stdout.split()
        elapsed, peak_kib, code, cpu = float(out[0]), int(out[1]), int(out[2]), float(out[3])
        if code not in (0, 1):  # validate exits 1 on findings
            raise RuntimeError(f"{command} failed with exit code {code}")
        written = Path(peaks.name).read_text().split()
        if written:  # its own peak and its children's, which run beside it
            peak_kib = int(written[0]) + int(written[1])
    return Measured(seconds=elapsed, cpu=cpu, mib=peak_kib / 1024)


def json_load_command(path: Path) -> list[str]:
    """The baseline: merely json.load the file."""
    import sys

    return [sys.executable, "-c", f"import json; json.load(open({str(path)!r}, encoding='utf-8'))"]


def synthetic_export(folder: Path, tasks: int, disputed: float = 0.0) -> Path:
    """A synthetic pull of ``tasks`` x 3 annotations (see synthetic.py), ``disputed`` the share
    of its articles the votes cannot settle, cached in ``folder``."""
    from synthetic import write_export

    folder.mkdir(parents=True, exist_ok=True)
    shown = f"-disputed-{disputed:g}" if disputed else ""
    path = folder / f"export-{tasks}{shown}.json"
    if not path.exists():
        started = time.perf_counter()
        write_export(path, tasks, disputed=disputed)
        print(f"(wrote {path.name}: {path.stat().st_size / 1e6:,.0f} MB in "
              f"{time.perf_counter() - started:.0f} s)", flush=True)
    return path


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
