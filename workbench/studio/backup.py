"""Backups of the managed Label Studio's data, and restoring one.

A backup is a folder ``$WORKBENCH_HOME/backups/<UTC time>/`` (or under ``--to``): the
database (SQLite's online backup while the server runs, or ``pg_dump`` for PostgreSQL), the
server's secret key (``.env``), and the workbench's own state beside it (the admin's
credentials, who adjudicates, what people were told, the passwords it made), each with its
sha256 in ``backup.json``. It is written under a hidden name and renamed when whole, so a
backup cut short (a kill, a full disk) is never taken for one. Uploaded media and export
files are not kept: the workbench's tasks are text, and its pulls are kept raw already.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel

from workbench.errors import ConfigError, IntegrityError, ServerError
from workbench.settings import Settings
from workbench.store.atomic import write_text
from workbench.studio.server import ManagedServer, ServerInfo, label_studio_version, pid_alive

MANIFEST = "backup.json"
VERSION_FILE = "label-studio.version"  # the version the data was last run with
SQLITE = "label_studio.sqlite3"
DUMP = "labelstudio.dump"
STAMP = "%Y%m%dT%H%M%S.%fZ"
UPGRADES = "before-upgrade"  # under backups/, the backups start takes before migrations
# Beside the database, relative to $WORKBENCH_HOME: what a restored server needs to be used
# as it was. Not the push ledgers (state/): a restore drops them, and push reads the server.
KEPT = ("label-studio/.env", "credentials.json", "roles.json", "notices.json", "annotators")
_PARTIAL = re.compile(r"^\.(?P<stamp>\d{8}T[\d.]+Z)\.(?P<pid>\d+)\.partial$")


class BackupReport(BaseModel):
    path: Path
    bytes: int
    database: str  # sqlite or postgresql
    label_studio: str | None
    reason: str
    removed: list[Path] = []  # older backups let go by retention


class RestoreReport(BaseModel):
    path: Path
    database: str
    label_studio: str | None  # the version the backup was made with
    installed: str | None  # the version that will run it (its migrations, if newer)


def start_managed(settings: Settings) -> ServerInfo:
    """Start the managed server; when the installed Label Studio is not the one its data was
    last run with, back the data up first (the new version's migrations change it for
    good). The version that runs is then recorded beside the data."""
    server = ManagedServer(settings)
    info = server.running()
    if info is not None:
        return info
    recorded = server.home / VERSION_FILE
    installed = label_studio_version()
    last = recorded.read_text().strip() if recorded.exists() else None
    if last and installed and last != installed and _has_database(server):
        # Kept apart, out of reach of retention: the way back, for as long as it is wanted.
        backup(settings, to=backups_dir(settings) / UPGRADES,
               reason=f"before upgrading Label Studio {last} -> {installed}")
    info = server.start()
    if installed:
        write_text(recorded, installed + "\n")
    return info


def backups_dir(settings: Settings) -> Path:
    return settings.home / "backups"


def backups(folder: Path) -> list[Path]:
    """Complete backups in ``folder`` (those with a manifest), oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and (p / MANIFEST).exists())


def backup(settings: Settings, *, to: Path | None = None, reason: str = "asked"
           ) -> BackupReport:
    """Copy the managed server's data into a new backup, consistent while it runs."""
    server = _managed(settings, "back up")
    if not _has_database(server):
        raise ServerError(f"{server.data_dir} holds no Label Studio database yet: nothing to "
                          f"back up")
    folder = to or backups_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(folder)
    stamp = datetime.now(UTC).strftime(STAMP)
    partial = folder / f".{stamp}.{os.getpid()}.partial"
    partial.mkdir(mode=0o700)  # it holds the secret key and the admin's token
    try:
        database = _dump(server, partial)
        for name in KEPT:
            _copy(server.home / name, partial / "home" / name)
        files = {str(p.relative_to(partial)): _sha256(p)
                 for p in sorted(partial.rglob("*")) if p.is_file()}
        version = label_studio_version()
        manifest = {"created": stamp, "reason": reason, "database": database,
                    "label_studio": version, "files": files}
        write_text(partial / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        os.replace(partial, folder / stamp)
    except (OSError, sqlite3.Error) as error:
        raise ServerError(f"backup into {folder} failed ({error}); nothing was kept "
                          f"as a backup") from None
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    path = folder / stamp
    removed = _retain(folder, settings.backups_keep) if to is None else []
    return BackupReport(path=path, bytes=sum(p.stat().st_size for p in path.rglob("*")
                                             if p.is_file()),
                        database=database, label_studio=version, reason=reason,
                        removed=removed)


def backup_if_due(settings: Settings, reason: str) -> BackupReport | None:
    """A backup when the managed server has data and its last backup is older than
    ``backup_every`` hours (0: never); what ``sync`` does before changing the server."""
    if not settings.managed or settings.backup_every <= 0:
        return None
    if not _has_database(ManagedServer(settings)):
        return None
    found = backups(backups_dir(settings))
    if found:
        created = datetime.strptime(found[-1].name, STAMP).replace(tzinfo=UTC)
        if datetime.now(UTC) - created < timedelta(hours=settings.backup_every):
            return None
    return backup(settings, reason=reason)


def restore(settings: Settings, source: Path, *, force: bool = False) -> RestoreReport:
    """Put a backup's data back into the (stopped) managed server. Each file is replaced
    whole; a restore cut short is finished by running it again."""
    server = _managed(settings, "restore")
    if server.running() is not None:
        raise ServerError("the managed Label Studio is running: stop it first "
                          "(workbench server stop)")
    manifest = verify(source)
    database = manifest["database"]
    present = (server.data_dir / SQLITE).exists() or database == "postgresql"
    if present and not force:
        raise ServerError(f"{server.data_dir} already holds a Label Studio database: "
                          f"restore --force replaces it (take a backup first if in doubt)")
    server.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        if database == "sqlite":
            for journal in ("-wal", "-shm", "-journal"):  # the old database's, not this one's
                (server.data_dir / (SQLITE + journal)).unlink(missing_ok=True)
            _copy(source / SQLITE, server.data_dir / SQLITE)
        else:
            _pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname",
                os.environ["POSTGRE_NAME"], str(source / DUMP))
        for name in manifest["files"]:
            if name.startswith("home/"):
                _copy(source / name, server.home / name.removeprefix("home/"))
        shutil.rmtree(server.home / "state", ignore_errors=True)  # ledgers of other data
        if manifest["label_studio"]:
            write_text(server.home / VERSION_FILE, manifest["label_studio"] + "\n")
    except OSError as error:
        raise ServerError(f"restoring {source} failed ({error}); run it again to "
                          f"finish") from None
    return RestoreReport(path=source, database=database, label_studio=manifest["label_studio"],
                         installed=label_studio_version())


def verify(source: Path) -> dict:
    """A backup's manifest, after checking every file against it; IntegrityError, naming
    the backup and the file, when one does not match."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
        files = manifest["files"]
        database = manifest["database"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise IntegrityError(f"{source} is not a whole backup: its {MANIFEST} cannot be read "
                             f"({error}); refusing to restore it") from None
    if {"sqlite": SQLITE, "postgresql": DUMP}.get(database) not in files:
        raise IntegrityError(f"backup {source}: {MANIFEST} names no database; refusing to "
                             f"restore it")
    for name, expected in files.items():
        path = source / name
        if not path.is_file() or _sha256(path) != expected:
            raise IntegrityError(f"backup {source}: {name} does not match its sha256 (the "
                                 f"backup is damaged); refusing to restore it")
    return manifest


def _managed(settings: Settings, verb: str) -> ManagedServer:
    if not settings.managed:
        raise ConfigError(f"WORKBENCH_LABEL_STUDIO_URL points at a Label Studio the workbench "
                          f"does not run: it does not {verb} it (back up that server where "
                          f"it runs; docs/team.md says how)")
    return ManagedServer(settings)


def _has_database(server: ManagedServer) -> bool:
    return _postgres() or (server.data_dir / SQLITE).exists()


def _postgres() -> bool:
    return os.environ.get("DJANGO_DB") == "default" and bool(os.environ.get("POSTGRE_NAME"))


def _dump(server: ManagedServer, folder: Path) -> str:
    """The database into ``folder``: ``sqlite`` or ``postgresql``."""
    if _postgres():
        _pg("pg_dump", "--format=custom", "--file", str(folder / DUMP),
            os.environ["POSTGRE_NAME"])
        return "postgresql"
    source = sqlite3.connect(f"file:{server.data_dir / SQLITE}?mode=ro", uri=True)
    target = sqlite3.connect(folder / SQLITE)
    try:
        source.backup(target)  # consistent while the server writes
    finally:
        target.close()
        source.close()
    return "sqlite"


def _pg(program: str, *args: str) -> None:
    """A PostgreSQL client program against Label Studio's database (its POSTGRE_* settings)."""
    env = {**os.environ, "PGHOST": os.environ.get("POSTGRE_HOST", "127.0.0.1"),
           "PGPORT": os.environ.get("POSTGRE_PORT", "5432"),
           "PGUSER": os.environ.get("POSTGRE_USER", ""),
           "PGPASSWORD": os.environ.get("POSTGRE_PASSWORD", "")}
    found = shutil.which(program) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{program}"))), None)
    if found is None:
        raise ServerError(f"{program} is not installed (Debian: apt-get install "
                          f"postgresql-client)")
    result = subprocess.run([found, *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise ServerError(f"{program} failed: {result.stderr.strip().splitlines()[-1:]}")


def _copy(source: Path, target: Path) -> None:
    """``target`` becomes a copy of ``source`` (a file or a folder's files), each file whole
    or not at all; nothing when ``source`` does not exist."""
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file():
                _copy(path, target / path.relative_to(source))
    elif source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.copying")
        shutil.copy2(source, partial)
        os.replace(partial, target)


def _remove_abandoned(folder: Path) -> None:
    """Backups cut short (their process gone) are removed; one under way is left alone."""
    for path in folder.iterdir():
        found = _PARTIAL.match(path.name)
        if found and not pid_alive(int(found["pid"])):
            shutil.rmtree(path, ignore_errors=True)


def _retain(folder: Path, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest backups; the removed ones."""
    old = backups(folder)[:-keep] if keep > 0 else []
    for path in old:
        shutil.rmtree(path)
    return old


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
