"""Predictions already made, by (text sha256, model_version): an article pushed again, to
this project or another, is never predicted twice by the same rules.

One SQLite file, ``$WORKBENCH_HOME/cache/predictions.sqlite``; each prediction is kept as
the JSON Label Studio imports. It is a cache: a damaged file is set aside and a new one
started, a failed write is let go, and deleting it costs only the time to predict again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from workbench.settings import Settings

_CHUNK = 500  # keys per query: SQLite's limit on variables is 32,766, older builds 999


def predictions_path(settings: Settings) -> Path:
    return settings.home / "cache" / "predictions.sqlite"


class PredictionCache:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open(path)
        except sqlite3.DatabaseError:  # not a database, or damaged: start again beside it
            path.replace(path.with_name(path.name + ".damaged"))
            self._db = self._open(path)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS predictions (sha256 TEXT NOT NULL, "
                   "model_version TEXT NOT NULL, prediction BLOB NOT NULL, "
                   "PRIMARY KEY (sha256, model_version)) WITHOUT ROWID")
        return db

    def get(self, model_version: str, shas: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(sha256, prediction JSON) of those of ``shas`` predicted by ``model_version``."""
        keys = list(shas)
        try:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start:start + _CHUNK]
                yield from self._db.execute(
                    f"SELECT sha256, prediction FROM predictions WHERE model_version = ? AND "
                    f"sha256 IN ({','.join('?' * len(chunk))})", [model_version, *chunk])
        except sqlite3.DatabaseError:  # damaged inside: what is left is predicted again
            return

    def put(self, model_version: str, made: Iterable[tuple[str, bytes]]) -> None:
        try:
            with self._db:  # one transaction
                self._db.executemany("INSERT OR REPLACE INTO predictions VALUES (?, ?, ?)",
                                     [(sha, model_version, json) for sha, json in made])
        except sqlite3.DatabaseError:  # damaged, or the disk is full: a cache can do without
            pass

    def __enter__(self) -> PredictionCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()
