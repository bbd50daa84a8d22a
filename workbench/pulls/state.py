"""The project's current tasks, merged from a full pull and the deltas after it.

One SQLite file per project under ``$WORKBENCH_HOME/state/pulls/``: each task as the raw
JSON Label Studio exported, with what the pull's summary counts of it, so that a delta
replaces a few rows and the summary is a sum. It is derived, never the truth: the raw
pulls and deltas are, and ``rebuild`` (``studio.delta``) makes the file again from them.
``position`` names the last raw file merged; a delta is merged in the same transaction
that moves it, so a killed merge leaves the state of before.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workbench.errors import IntegrityError
from workbench.lsformat.summary import ExportSummary, TaskFacts
from workbench.settings import Settings
from workbench.store.rawpulls import project_slug

_CHUNK = 500  # ids per query (SQLite's variable limit)
TIME = "%Y-%m-%dT%H:%M:%S.%fZ"  # as the Data Manager's date filter takes it


@dataclass(frozen=True)
class StoredTask:
    """A task as merged: its raw JSON and what the summary counts of it."""

    id: int
    updated_at: str
    body: bytes
    facts: TaskFacts


def state_path(settings: Settings, project_id: int) -> Path:
    slug = project_slug(settings.project)
    return settings.home / "state" / "pulls" / f"{slug}_p{project_id}.sqlite"


class TaskState:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a merge that returned is on disk
        self._db.execute("CREATE TABLE IF NOT EXISTS task (id INTEGER PRIMARY KEY, "
                         "updated_at TEXT NOT NULL, body BLOB NOT NULL, annotations INTEGER, "
                         "cancelled INTEGER, drafts INTEGER, ground_truth INTEGER, "
                         "annotated INTEGER, annotators TEXT)")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, "
                         "value TEXT NOT NULL)")

    # -- reading ---------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def position(self) -> str | None:
        """The name of the last raw pull or delta merged; None: nothing yet."""
        return self.meta("position")

    @property
    def watermark(self) -> str | None:
        """The newest ``updated_at`` of any task merged (Label Studio's clock)."""
        row = self._db.execute("SELECT max(updated_at) FROM task").fetchone()
        return row[0] if row and row[0] else None

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM task").fetchone()[0]

    def ids(self) -> set[int]:
        return {row[0] for row in self._db.execute("SELECT id FROM task")}

    def bodies(self, ids: Iterable[int]) -> dict[int, bytes]:
        wanted, found = list(ids), dict[int, bytes]()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            found.update(self._db.execute(
                f"SELECT id, body FROM task WHERE id IN ({','.join('?' * len(chunk))})",
                chunk))
        return found

    def all_bodies(self) -> Iterator[bytes]:
        """Every task's JSON, by id: the order of Label Studio's own export."""
        for (body,) in self._db.execute("SELECT body FROM task ORDER BY id"):
            yield body

    def summary(self) -> ExportSummary:
        """What the whole state holds, summed from each task's facts."""
        row = self._db.execute("SELECT count(*), sum(annotations), sum(cancelled), "
                               "sum(drafts), sum(ground_truth), sum(annotated) FROM task"
                               ).fetchone()
        names: set[str] = set()
        for (annotators,) in self._db.execute("SELECT DISTINCT annotators FROM task"):
            names.update(json.loads(annotators))
        tasks, annotations, cancelled, drafts, ground_truth, annotated = (n or 0 for n in row)
        return ExportSummary(tasks=tasks, annotated_tasks=annotated, annotations=annotations,
                             cancelled=cancelled, drafts=drafts, ground_truth=ground_truth,
                             annotators=sorted(names))

    # -- writing: each call one transaction ------------------------------------------------

    def replace_all(self, tasks: Iterable[StoredTask], position: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM task")
            self._insert(tasks)
            self._set(position=position)

    def merge(self, changed: Iterable[StoredTask], deleted: Iterable[int], position: str
              ) -> None:
        with self._db:
            gone = list(deleted)
            for start in range(0, len(gone), _CHUNK):
                chunk = gone[start:start + _CHUNK]
                self._db.execute(f"DELETE FROM task WHERE id IN ({','.join('?' * len(chunk))})",
                                 chunk)
            self._insert(changed)
            self._set(position=position)

    def set(self, **values: str) -> None:
        with self._db:
            self._set(**values)

    def _insert(self, tasks: Iterable[StoredTask]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO task VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((t.id, t.updated_at, t.body, t.facts.annotations, t.facts.cancelled,
              t.facts.drafts, t.facts.ground_truth, t.facts.annotated,
              json.dumps(t.facts.annotators)) for t in tasks))

    def _set(self, **values: str) -> None:
        self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", values.items())

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TaskState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_state(path: Path) -> TaskState:
    """The state at ``path``; a damaged file is set aside (it is derived) and a new one
    started, which the next pull fills from scratch."""
    try:
        state = TaskState(path)
        state.position  # noqa: B018  # reads the file: a damaged one fails here
        return state
    except sqlite3.DatabaseError:
        path.replace(path.with_name(path.name + ".damaged"))
        for journal in ("-wal", "-shm"):
            path.with_name(path.name + journal).unlink(missing_ok=True)
        return TaskState(path)


_AGO = re.compile(rb'"created_ago": "[^"\\]*"')


def comparable(body: bytes) -> bytes:
    """A task's JSON (or a whole export) without what Label Studio words from the clock:
    ``created_ago`` ("3 hours, 40 minutes") changes while nothing in the task does."""
    return _AGO.sub(b"", body)


def stored(raw: bytes, task_id: object, updated_at: object, facts: TaskFacts) -> StoredTask:
    """A task of a pull as the state keeps it; its time in one fixed-width form, so that
    times compare as text (Label Studio leaves out zero microseconds)."""
    try:
        when = datetime.fromisoformat(str(updated_at).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        when = None
    if not isinstance(task_id, int) or not isinstance(updated_at, str) or when is None:
        raise IntegrityError(f"a task without an integer id or a time it was updated at, in "
                             f"a pull ({json.dumps(raw[:80].decode('utf-8', 'replace'))}...)")
    return StoredTask(id=task_id, updated_at=when.strftime(TIME), body=raw, facts=facts)
