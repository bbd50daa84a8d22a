"""The managed server on PostgreSQL, through Label Studio's own settings (DJANGO_DB, POSTGRE_*)."""

import os
import pwd
import subprocess

import pytest
from helpers import missing
from servers import free_port, postgres_bin, postgres_cluster

from workbench.settings import Settings
from workbench.studio.backup import backup, restore
from workbench.studio.client import connect
from workbench.studio.push import push
from workbench.studio.server import ManagedServer

BIN = postgres_bin()


@pytest.fixture
def postgres():
    """A throwaway PostgreSQL cluster on 127.0.0.1: Label Studio's settings for it."""
    if BIN is None:
        missing("no PostgreSQL server binary (pg_ctl) on this machine")
    if os.geteuid() == 0:  # initdb refuses root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing("running as root and there is no 'postgres' user to run initdb as")
    with postgres_cluster() as database:
        yield database


@pytest.mark.server  # starts a Label Studio of its own
def test_managed_server_on_postgres(postgres, tmp_path, monkeypatch, seeds_dir):
    for key, value in postgres.items():
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
             "-h", "127.0.0.1", "-p", postgres["POSTGRE_PORT"], "-U", "workbench",
             "-d", postgres["POSTGRE_NAME"],
             "-tAc", "select count(*) from task"], capture_output=True, text=True, check=True)
        assert count.stdout.strip() == "5"

        # A backup (pg_dump) and a restore (pg_restore) over a database that changed since.
        taken = backup(settings)
        assert taken.database == "postgresql" and (taken.path / "labelstudio.dump").stat(
            ).st_size > 0
        studio = connect(settings, start=False)
        studio.create_project(title="after the backup")
        server.stop()
        restore(settings, taken.path, force=True)
        server.start()
        titles = [p.title for p in connect(settings, start=False).projects()]
        assert titles == [settings.project]
    finally:
        server.stop()
