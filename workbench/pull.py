"""Pull annotations back: every pull kept raw, immutable and checksummed.

A pull is Label Studio's own JSON export snapshot, written unchanged to
``exports/raw/<UTC time>_<project>_p<id>.json`` with a ``.sha256`` beside it
(``sha256sum -c`` reads it). The checksum is written first and the export
renamed into place last, so a killed pull leaves no file that a later step
would read. Raw pulls are made read-only and never modified or deleted; every
reader checks the checksum and refuses a file that no longer matches.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from workbench.atomic import write_text
from workbench.errors import InputError, WorkbenchError
from workbench.lsexport import MalformedTask, iter_tasks
from workbench.settings import Settings
from workbench.studio import Studio


class IntegrityError(WorkbenchError):
    """A raw pull does not match its checksum, or has none."""


class PullSummary(BaseModel):
    tasks: int = 0
    annotated_tasks: int = 0  # with at least one submitted annotation
    annotations: int = 0  # all, cancelled ones included
    cancelled: int = 0
    drafts: int = 0
    ground_truth: int = 0
    annotators: list[str] = Field(default_factory=list)
    malformed: int = 0


class PullReport(BaseModel):
    path: Path
    sha256: str
    size: int
    project_id: int
    project_title: str
    summary: PullSummary
    previous: Path | None = None
    new_tasks: int = 0
    new_annotations: int = 0
    updated_annotations: int = 0
    export_files_removed: int = 0
    unchanged: bool = False  # nothing changed: ``path`` is the previous pull


def raw_dir(settings: Settings) -> Path:
    return settings.exports / "raw"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "project"


def pull(settings: Settings, studio: Studio) -> PullReport:
    """Snapshot-export the project into a new raw pull and say what it holds.

    When nothing changed since the previous pull (same tasks, same annotations
    with the same update times), the new export is not stored again: the
    previous pull already holds it, and cron would otherwise fill the disk.
    """
    project = studio.find_project(settings.project)
    if project is None:
        raise InputError(f"no project {settings.project!r} on {studio.url}: push first "
                         f"(workbench push)")
    folder = raw_dir(settings)
    previous = latest_pull(settings, required=False)
    # Fixed width, to the microsecond: names sort in pull order.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    path = folder / f"{stamp}_{_slug(project.title)}_p{project.id}.json"
    if path.exists():
        raise WorkbenchError(f"{path} already exists")  # raw pulls are never overwritten

    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    tmp = folder / f".{path.name}.part"
    try:
        with open(tmp, "wb") as handle:
            def write(chunk: bytes) -> None:
                nonlocal size
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)

            md5s = studio.export_snapshot(project.id, write)
            handle.flush()
            os.fsync(handle.fileno())
        removed = 0
        if settings.managed:
            from workbench.server import ManagedServer

            removed = ManagedServer(settings).remove_export_files(project.id, md5s)
        new = _scan(tmp)
        old = _scan(previous) if previous is not None else None
        if old is not None and old.fingerprint == new.fingerprint:
            return PullReport(path=previous, sha256=verify(previous),
                              size=previous.stat().st_size, project_id=project.id,
                              project_title=project.title, summary=old.summary,
                              previous=previous, export_files_removed=removed, unchanged=True)
        sha256 = digest.hexdigest()
        write_text(_checksum_path(path), f"{sha256}  {path.name}\n")
        os.chmod(tmp, 0o440)
        os.replace(tmp, path)  # the pull exists from here on, complete
    finally:
        tmp.unlink(missing_ok=True)

    report = PullReport(path=path, sha256=sha256, size=size, project_id=project.id,
                        project_title=project.title, summary=new.summary, previous=previous,
                        export_files_removed=removed)
    if old is not None:  # what is new since then
        report.new_tasks = len(new.tasks - old.tasks)
        report.new_annotations = sum(1 for a in new.updates if a not in old.updates)
        report.updated_annotations = sum(1 for a, when in new.updates.items()
                                         if a in old.updates and old.updates[a] != when)
    return report


def _checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def verify(path: Path) -> str:
    """The pull's sha256, after checking it; IntegrityError when it does not match."""
    checksum = _checksum_path(path)
    if not checksum.exists():
        raise IntegrityError(f"{path} has no {checksum.name}: it is not a complete pull; "
                             f"refusing to use it")
    expected = checksum.read_text().split()[0]
    actual = sha256_file(path)
    if actual != expected:
        raise IntegrityError(f"{path} does not match its sha256 ({checksum.name} says "
                             f"{expected[:12]}..., the file is {actual[:12]}...): it changed "
                             f"after it was pulled; refusing to use it")
    return actual


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def pulls(settings: Settings, project_title: str | None = None) -> list[Path]:
    """Complete raw pulls (those with a checksum), oldest first; of one project if given."""
    folder = raw_dir(settings)
    if not folder.is_dir():
        return []
    slug = f"_{_slug(project_title)}_p" if project_title else "_"
    return sorted(p for p in folder.glob("*.json")
                  if slug in p.name and _checksum_path(p).exists())


def latest_pull(settings: Settings, *, required: bool = True) -> Path | None:
    """The newest verified pull of the configured project."""
    found = pulls(settings, settings.project)
    if not found:
        if required:
            raise InputError(f"no pull of {settings.project!r} in {raw_dir(settings)}: run "
                             f"`workbench pull` first, or pass --export FILE")
        return None
    verify(found[-1])
    return found[-1]


def summarize(path: Path) -> PullSummary:
    """Counts of an export, read as a stream."""
    return _scan(path).summary


@dataclass
class _Scan:
    summary: PullSummary
    tasks: set[int]
    updates: dict[int, str | None]  # annotation id -> last update
    fingerprint: str  # what people did: tasks, annotations, their updates and flags


def _scan(path: Path) -> _Scan:
    """Counts, task ids, each annotation's last update and a fingerprint, in one pass."""
    from workbench.models import annotator_name

    summary = PullSummary()
    annotators: set[str] = set()
    tasks: set[int] = set()
    updates: dict[int, str | None] = {}
    fingerprint = hashlib.sha256()
    for task in iter_tasks(path):
        summary.tasks += 1
        if isinstance(task, MalformedTask):
            summary.malformed += 1
            continue
        tasks.add(task.id)
        summary.drafts += len(task.drafts)
        summary.annotated_tasks += any(not a.was_cancelled for a in task.annotations)
        fingerprint.update(f"t{task.id}:{task.data.get('sha256')}:{len(task.drafts)}".encode())
        for annotation in task.annotations:
            updates[annotation.id] = annotation.updated_at
            annotators.add(annotator_name(annotation.completed_by))
            summary.annotations += 1
            summary.cancelled += annotation.was_cancelled
            summary.ground_truth += annotation.ground_truth
            fingerprint.update(f"a{annotation.id}:{annotation.updated_at}:"
                               f"{annotation.was_cancelled}:{annotation.ground_truth}".encode())
    summary.annotators = sorted(annotators)
    return _Scan(summary, tasks, updates, fingerprint.hexdigest())
