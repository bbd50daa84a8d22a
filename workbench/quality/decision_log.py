"""The decisions log: each article's decision, appended when it changed.

The log, ``exports/decisions.jsonl``, is append-only: one line per article
each time its outcome or its inputs change, with the decision, the
annotations it was made from and the pull it came from. Running again on the
same data appends nothing. A line cut short by a crash is skipped when read.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from workbench.quality.chain import DecidedTask
from workbench.records.decisions import digest
from workbench.settings import Settings
from workbench.store.rawpulls import Source

LOG_NAME = "decisions.jsonl"


def log_path(settings: Settings) -> Path:
    return settings.exports / LOG_NAME


class DecisionLog:
    """A chain listener that appends each decision that changed since it was last logged.
    Every line this run logs carries the run's time."""

    def __init__(self, settings: Settings, source: Source):
        self.path = log_path(settings)
        self.source = source
        self.latest = _latest_digests(self.path)
        self.logged = 0
        self._appender: _Appender | None = None
        # A line's keys but the article's, as json.dumps(sort_keys=True) writes them (the
        # source's once the first line is written: a user's file is hashed meanwhile).
        self._logged_at = json.dumps(_now())
        self._source: str | None = None

    def __enter__(self) -> DecisionLog:
        self._appender = _Appender(self.path)
        return self

    def __exit__(self, *exc) -> None:
        assert self._appender is not None  # made by __enter__
        self._appender.close()

    def add(self, checked: DecidedTask) -> None:
        decision = checked.decision
        canonical = decision.canonical()
        hashed = digest(canonical)
        article = decision.article_id
        if self.latest.get(article) != hashed:
            if self._source is None:
                self._source = json.dumps({"file": self.source.name,
                                           "sha256": self.source.sha256},
                                          ensure_ascii=False, sort_keys=True)
            assert self._appender is not None  # made by __enter__
            self._appender.write(
                f'{{"article_id": {json.dumps(article, ensure_ascii=False)}, "digest": '
                f'"{hashed}", "logged_at": {self._logged_at}, "source": {self._source}, '
                f'"status": "{decision.status}", "decision": {canonical}}}\n')
            self.latest[article] = hashed
            self.logged += 1


def _now() -> str:
    """UTC to the microsecond, as ``2026-11-20T10:00:00.000000Z``."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def read_log(log: Path):
    """The log's records, in order; a line cut short by a crash is skipped."""
    if not log.exists():
        return
    with log.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


class _Head(msgspec.Struct):
    """The two keys of a log line the log itself reads back (the decision is skipped)."""

    article_id: str | None = None
    digest: str | None = None


_HEAD = msgspec.json.Decoder(_Head)


def _latest_digests(log: Path) -> dict[str, str]:
    """Each article's digest as last logged; lines cut short, or not a record, skipped."""
    latest: dict[str, str] = {}
    if not log.exists():
        return latest
    with log.open("rb") as handle:
        for line in handle:
            try:
                head = _HEAD.decode(line)
            except msgspec.DecodeError:  # ValidationError is one too
                continue
            if head.article_id is not None and head.digest is not None:
                latest[head.article_id] = head.digest
    return latest


class _Appender:
    """Appends JSON lines; starts on a fresh line if the last one was cut short. Lines are
    written as UTF-8 bytes through a large buffer: a decision line runs to kilobytes."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("ab", buffering=1 << 20)
        if self.handle.tell() > 0:
            with path.open("rb") as reader:
                reader.seek(-1, os.SEEK_END)
                if reader.read(1) != b"\n":
                    self.handle.write(b"\n")

    def write(self, line: str) -> None:
        self.handle.write(line.encode())

    def close(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
