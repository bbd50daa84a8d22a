"""The managed server on PostgreSQL, through Label Studio's own settings (DJANGO_DB, POSTGRE_*)."""

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from helpers import free_port, missing

from workbench.settings import Settings
from workbench.studio.client import connect
from workbench.studio.push import push
from workbench.studio.server import ManagedServer



def _postgres_bin() -> Path | None:
    for candidate in [shutil.which("pg_ctl"), *sorted(Path("/usr/lib/postgresql").glob(
            "*/bin/pg_ctl"), reverse=True)]:
        if candidate:
            return Path(candidate).parent
    return None


BIN = _postgres_bin()


@pytest.fixture
def postgres():
    """A throwaway PostgreSQL cluster on 127.0.0.1, trust auth, owned by a non-root user."""
    if BIN is None:
        missing("no PostgreSQL server binary (pg_ctl) on this machine")
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing("running as root and there is no 'postgres' user to run initdb as")
        run_as = ["runuser", "-u", "postgres", "--"]
    # Not under pytest's tmp dir: that one is 0700 to root, closed to the postgres user.
    top = Path(tempfile.mkdtemp(prefix="workbench-pg-"))
    top.chmod(0o755)
    cluster = top / "pg"
    cluster.mkdir()
    if run_as:
        shutil.chown(cluster, "postgres")
    port = free_port()
    subprocess.run([*run_as, str(BIN / "initdb"), "-D", str(cluster), "-U", "workbench",
                    "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run([*run_as, str(BIN / "pg_ctl"), "-D", str(cluster), "-w", "-l",
                    str(cluster / "log"), "-o", f"-p {port} -h 127.0.0.1 -k {cluster}", "start"],
                   check=True, capture_output=True)
    yield port
    subprocess.run([*run_as, str(BIN / "pg_ctl"), "-D", str(cluster), "-m", "fast", "stop"],
                   capture_output=True)
    shutil.rmtree(top, ignore_errors=True)


@pytest.mark.server  # starts a Label Studio of its own
def test_managed_server_on_postgres(postgres, tmp_path, monkeypatch, seeds_dir):
    for key, value in {"DJANGO_DB": "default", "POSTGRE_NAME": "postgres",
                       "POSTGRE_USER": "workbench", "POSTGRE_PASSWORD": "",
                       "POSTGRE_HOST": "127.0.0.1", "POSTGRE_PORT": str(postgres)}.items():
        monkeypatch.setenv(key, value)
    settings = Settings(home=tmp_path / "home", port=free_port(), _env_file=None)
    server = ManagedServer(settings)
    server.start()
    try:
        report = push([seeds_dir], settings=settings, studio=connect(settings, start=False))
        assert len(report.created) == 5
        assert not (server.data_dir / "label_studio.sqlite3").exists()
        count = subprocess.run(
            [str(BIN / "psql") if (BIN / "psql").exists() else "psql",
             "-h", "127.0.0.1", "-p", str(postgres), "-U", "workbench", "-d", "postgres",
             "-tAc", "select count(*) from task"], capture_output=True, text=True, check=True)
        assert count.stdout.strip() == "5"
    finally:
        server.stop()
