"""Pull annotations back: Label Studio's own export snapshot, kept raw in the store.

The snapshot is downloaded under a temporary name, hashed as it arrives, and
kept (``store.rawpulls.keep``) only when complete. A pull that holds nothing
new since the previous one is not stored again: the previous pull already
holds it, and cron would otherwise fill the disk.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pydantic import BaseModel

from workbench.errors import InputError
from workbench.lsformat.summary import ExportSummary, scan_export
from workbench.settings import Settings
from workbench.store.lock import job_lock
from workbench.store.rawpulls import (
    Source,
    keep,
    latest_pull,
    new_pull_path,
    partial_path,
    raw_dir,
)
from workbench.studio.client import Studio


class PullReport(BaseModel):
    path: Path
    sha256: str
    size: int
    project_id: int
    project_title: str
    summary: ExportSummary
    previous: Path | None = None
    new_tasks: int = 0
    new_annotations: int = 0
    updated_annotations: int = 0
    export_files_removed: int = 0
    unchanged: bool = False  # nothing changed: ``path`` is the previous pull

    @property
    def source(self) -> Source:
        """The pull to read next, already hashed."""
        return Source(self.path, sha256=self.sha256, pulled=True)


def pull(settings: Settings, studio: Studio) -> PullReport:
    """Snapshot-export the project into a new raw pull and say what it holds."""
    with job_lock(settings.home, "pull"):
        return _pull(settings, studio)


def _pull(settings: Settings, studio: Studio) -> PullReport:
    project = studio.find_project(settings.project)
    if project is None:
        raise InputError(f"no project {settings.project!r} on {studio.url}: push first "
                         f"(workbench push)")
    previous = latest_pull(settings, required=False)
    path = new_pull_path(settings, project.id, project.title)
    raw_dir(settings).mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    tmp = partial_path(path)
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
            from workbench.studio.server import ManagedServer

            removed = ManagedServer(settings).remove_export_files(project.id, md5s)
        new = scan_export(tmp)
        old = scan_export(previous.path) if previous is not None else None
        if previous is not None and old is not None and old.fingerprint == new.fingerprint:
            return PullReport(path=previous.path, sha256=previous.sha256,
                              size=previous.path.stat().st_size, project_id=project.id,
                              project_title=project.title, summary=old.summary,
                              previous=previous.path, export_files_removed=removed,
                              unchanged=True)
        kept = keep(tmp, path, digest.hexdigest())
    finally:
        tmp.unlink(missing_ok=True)

    report = PullReport(path=kept.path, sha256=kept.sha256, size=size, project_id=project.id,
                        project_title=project.title, summary=new.summary,
                        previous=previous.path if previous else None,
                        export_files_removed=removed)
    if old is not None:  # what is new since then
        report.new_tasks = len(new.tasks - old.tasks)
        report.new_annotations = sum(1 for a in new.updates if a not in old.updates)
        report.updated_annotations = sum(1 for a, when in new.updates.items()
                                         if a in old.updates and old.updates[a] != when)
    return report
