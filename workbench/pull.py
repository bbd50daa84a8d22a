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


def raw_dir(settings: Settings) -> Path:
    return settings.exports / "raw"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "project"


def pull(settings: Settings, studio: Studio) -> PullReport:
    """Snapshot-export the project into a new raw pull and say what it holds."""
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
        sha256 = digest.hexdigest()
        write_text(_checksum_path(path), f"{sha256}  {path.name}\n")
        os.chmod(tmp, 0o440)
        os.replace(tmp, path)  # the pull exists from here on, complete
    finally:
        tmp.unlink(missing_ok=True)

    removed = 0
    if settings.managed:
        from workbench.server import ManagedServer

        removed = ManagedServer(settings).remove_export_files(project.id, md5s)
    summary, task_ids, updates = _scan(path)
    report = PullReport(path=path, sha256=sha256, size=size, project_id=project.id,
                        project_title=project.title, summary=summary, previous=previous,
                        export_files_removed=removed)
    if previous is not None:  # what is new since then
        _, old_tasks, old_updates = _scan(previous)
        report.new_tasks = len(task_ids - old_tasks)
        report.new_annotations = sum(1 for a in updates if a not in old_updates)
        report.updated_annotations = sum(1 for a, when in updates.items()
                                         if a in old_updates and old_updates[a] != when)
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
    return _scan(path)[0]


def _scan(path: Path) -> tuple[PullSummary, set[int], dict[int, str | None]]:
    """Counts, task ids and each annotation's last update, in one pass."""
    from workbench.models import annotator_name

    summary = PullSummary()
    annotators: set[str] = set()
    task_ids: set[int] = set()
    updates: dict[int, str | None] = {}
    for task in iter_tasks(path):
        summary.tasks += 1
        if isinstance(task, MalformedTask):
            summary.malformed += 1
            continue
        task_ids.add(task.id)
        summary.drafts += len(task.drafts)
        for annotation in task.annotations:
            updates[annotation.id] = annotation.updated_at
            annotators.add(annotator_name(annotation.completed_by))
            summary.annotations += 1
            summary.cancelled += annotation.was_cancelled
            summary.ground_truth += annotation.ground_truth
    summary.annotators = sorted(annotators)
    return summary, task_ids, updates
