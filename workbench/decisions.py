"""Run adjudication over an export, and keep the decisions log.

The log, ``exports/decisions.jsonl``, is append-only: one line per article
each time its outcome or its inputs change, with the decision, the
annotations it was made from and the pull it came from. Running again on the
same data appends nothing. A line cut short by a crash is skipped when read.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from workbench.adjudicate import ArticleDecision, decide, digest
from workbench.lsexport import MalformedTask, iter_tasks
from workbench.models import Annotation, Task, parse_task
from workbench.settings import Settings
from workbench.validate import check_task

LOG_NAME = "decisions.jsonl"
OnDecision = Callable[[ArticleDecision, Task], None]


class AdjudicationReport(BaseModel):
    source: str
    articles: int = 0
    counts: dict[str, int] = Field(default_factory=dict)  # by status
    disputed: list[ArticleDecision] = Field(default_factory=list)
    log: Path
    logged: int = 0  # lines appended this run
    malformed: int = 0


def log_path(settings: Settings) -> Path:
    return settings.exports / LOG_NAME


def adjudicate_export(export: Path, settings: Settings, *, min_agree: int | None = None,
                      min_annotators: int = 2, review: dict[str, Annotation] | None = None,
                      on_decision: OnDecision | None = None, source_sha256: str | None = None,
                      write_log: bool = True) -> AdjudicationReport:
    """Decide every article of ``export`` (streamed); log what changed; report the rest.

    ``review`` maps article ids to the adjudicator's annotation; ``on_decision``
    sees every decision with its task (the gold export listens there).
    """
    log = log_path(settings)
    report = AdjudicationReport(source=str(export), log=log)
    counts: Counter = Counter()
    review = review or {}
    latest = _latest_digests(log) if write_log else {}
    source = {"file": export.name, "sha256": source_sha256}
    writer = _Appender(log) if write_log else None
    try:
        for item in iter_tasks(export):
            if isinstance(item, MalformedTask):
                report.malformed += 1
                continue
            task = parse_task(item)
            decision = decide(task, check_task(task), min_agree=min_agree,
                              min_annotators=min_annotators,
                              review=review.get(task.article_id or ""))
            report.articles += 1
            counts[decision.status] += 1
            if decision.status == "disputed":
                report.disputed.append(decision)
            if writer is not None:
                canonical = decision.canonical()
                hashed = digest(canonical)
                if latest.get(decision.article_id) != hashed:
                    head = {"logged_at": _now(), "source": source,
                            "article_id": decision.article_id, "status": decision.status,
                            "digest": hashed}
                    writer.write(head, canonical)
                    latest[decision.article_id] = hashed
                    report.logged += 1
            if on_decision is not None:
                on_decision(decision, task)
    finally:
        if writer is not None:
            writer.close()
    report.counts = dict(sorted(counts.items()))
    return report


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


def _latest_digests(log: Path) -> dict[str, str]:
    return {record["article_id"]: record["digest"] for record in read_log(log)
            if "article_id" in record and "digest" in record}


class _Appender:
    """Appends JSON lines; starts on a fresh line if the last one was cut short."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("a", encoding="utf-8")
        if self.handle.tell() > 0:
            with path.open("rb") as reader:
                reader.seek(-1, os.SEEK_END)
                if reader.read(1) != b"\n":
                    self.handle.write("\n")

    def write(self, head: dict, decision: str) -> None:
        """One line: ``head``'s keys, then ``"decision"``, already serialised."""
        line = json.dumps(head, ensure_ascii=False, sort_keys=True)
        self.handle.write(f'{line[:-1]}, "decision": {decision}}}\n')

    def close(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
