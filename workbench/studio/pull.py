"""Pull annotations back, keeping what Label Studio gave raw in the store.

Label Studio is asked for export snapshots of at most ``CHUNK`` tasks, by ranges of task
ids. A full pull (``full=True``, the first one, or one every ``settings.full_pull_every``
hours) asks for every task and proves the merged state equal to what it got, naming each
task that is not. The others are incremental: they ask only for the tasks changed since the
last pull began (less ``OVERLAP``) and keep them as a delta (``pulls.deltas``); merged into
the project's state (``pulls.state``), the delta is written out as a pull of the whole
project, which every offline command reads as before. Files are downloaded under a
temporary name, hashed as they arrive, and kept only when complete; a pull that holds
nothing new is not kept at all.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
from pydantic import BaseModel

from workbench.errors import InputError
from workbench.lsformat.reader import ExportTask, ReadNotes, raw_tasks
from workbench.lsformat.summary import ExportSummary, scan_export
from workbench.pulls.current import record_of, taken_at, up_to_date, write_pull
from workbench.pulls.deltas import (
    MANIFEST,
    Delta,
    Part,
    deltas_dir,
    keep_manifest,
    keep_part,
    orphan_parts,
    part_path,
    part_tasks,
)
from workbench.pulls.state import (
    TIME,
    StoredTask,
    TaskState,
    comparable,
    open_state,
    state_path,
)
from workbench.settings import Settings
from workbench.store.lock import job_lock
from workbench.store.rawpulls import (
    Source,
    keep,
    latest_pull,
    new_pull_path,
    partial_path,
    pulls,
    raw_dir,
    recorded,
    verify,
)
from workbench.studio.client import ProjectInfo, Studio

# Ask again for what changed this long before the last pull began: a save that began
# before it may commit after it, with an earlier time. (An import that commits later still
# shows in the count of tasks, and its tasks are then asked for by id.)
OVERLAP = timedelta(minutes=1)
CHUNK = 2000  # tasks per request: ~20 MB and a few seconds with three annotators each


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
    # Nothing people did changed: ``path`` is the previous pull (or, when Label Studio's
    # bytes changed all the same, as a rebuilt project's ids do, the new one).
    unchanged: bool = False
    full: bool = True  # a whole snapshot; else a delta, merged
    delta: Path | None = None  # the delta's manifest
    deleted_tasks: int = 0
    reconciled: list[str] | None = None  # a full pull's differences from the merged state
    verified: bool = True  # False: ``sha256`` is the one recorded, the file not read

    @property
    def source(self) -> Source:
        """The pull to read next, checked against its checksum."""
        return Source(self.path, sha256=self.sha256 if self.verified else verify(self.path),
                      pulled=True)


def pull(settings: Settings, studio: Studio, *, full: bool = False,
         overlap: timedelta = OVERLAP) -> PullReport:
    """Bring the project's changes into the store: a delta, or a full snapshot when
    ``full``, when there is none yet, or when the last is ``full_pull_every`` hours old."""
    with job_lock(settings.home, "pull"):
        project = studio.find_project(settings.project)
        if project is None:
            raise InputError(f"no project {settings.project!r} on {studio.url}: push first "
                             f"(workbench push)")
        with open_state(state_path(settings, project.id)) as state:
            # None: a new state (a first pull, or a restore removed it); "": rebuilt from
            # the raw files (``rebuild-state``); else the project it holds, by when it was
            # made: a project rebuilt after a loss has the same id and other tasks.
            known = state.meta("project")
            if known is None or known not in ("", project.created_at):
                state.replace_all((), position="")
                state.set(began="", full_at="")
                full = True
            else:
                up_to_date(settings, state, project.id)
            for orphan in orphan_parts(settings, project.id):
                orphan.unlink(missing_ok=True)
            began = studio.server_time()
            if full or _full_due(settings, state):
                report = _full(settings, studio, project, state, overlap)
            else:
                report = _incremental(settings, studio, project, state, overlap)
            # Only now: a first pull that failed leaves a state the next one starts again.
            state.set(project=project.created_at)
            if began is not None:  # where the next pull's question starts
                state.set(began=began.strftime(TIME))
            return report


def _since(state: TaskState, overlap: timedelta) -> str:
    """Where the next question starts: the newest change held or the last pull's start
    (Label Studio's clock), the later, less ``overlap``; a pull long after the last change
    asks for nothing already held."""
    last = max(state.watermark or "", state.meta("began") or "")
    return (datetime.strptime(last, TIME) - overlap).strftime(TIME) if last else ""


def _full_due(settings: Settings, state: TaskState) -> bool:
    full_at = state.meta("full_at")
    if not state.position or not full_at or state.watermark is None:
        return True
    age = datetime.now(UTC) - datetime.fromisoformat(full_at)
    return settings.full_pull_every == 0 or age >= timedelta(hours=settings.full_pull_every)


def _download(settings: Settings, studio: Studio, project_id: int, path: Path,
              ranges: list[tuple[int, int]], since: str | None = None) -> tuple[str, int, int]:
    """The tasks in these id ranges (changed since ``since``, when given), one export
    snapshot a range, joined into ``path``'s partial file as Label Studio's one snapshot of
    them all would be: (sha256, size, export files of the server's removed)."""
    digest, size, md5s = hashlib.sha256(), 0, []
    with open(partial_path(path), "wb") as handle:
        def put(data: bytes) -> None:
            nonlocal size
            handle.write(data)
            digest.update(data)
            size += len(data)

        put(b"[")
        count = 0
        for first, last in ranges:
            got: list[bytes] = []
            md5s += studio.export_snapshot(project_id, got.append, since=since,
                                           ids=(first, last))
            for task in msgspec.json.decode(b"".join(got), type=list[msgspec.Raw]):
                put(bytes(task) if not count else b", " + bytes(task))
                count += 1
        put(b"]")
        handle.flush()
        os.fsync(handle.fileno())
    removed = 0
    if settings.managed:
        from workbench.studio.server import ManagedServer

        removed = ManagedServer(settings).remove_export_files(project_id, md5s)
    return digest.hexdigest(), size, removed


def _full(settings: Settings, studio: Studio, project: ProjectInfo, state: TaskState,
          overlap: timedelta) -> PullReport:
    previous = latest_pull(settings, required=False)
    raw_dir(settings).mkdir(parents=True, exist_ok=True)
    path = new_pull_path(settings, project.id, project.title)
    tmp = partial_path(path)
    try:
        # By ranges of task ids: no request carries more than CHUNK tasks (a proxy's
        # limits on time and size), and the file is the snapshot Label Studio would give.
        every = sorted(key.task_id for key in studio.task_keys(project.id))
        sha256, size, removed = _download(settings, studio, project.id, path,
                                          _ranges(every, span=CHUNK))
        reconciled = _compare(state, tmp, _since(state, overlap)) if state.position else None
        new = scan_export(tmp)
        old = scan_export(previous.path) if previous is not None else None
        common = dict(project_id=project.id, project_title=project.title,
                      previous=previous.path if previous else None,
                      export_files_removed=removed, reconciled=reconciled)
        same = old is not None and old.fingerprint == new.fingerprint
        if same and previous is not None and _content(previous.path) == _content(tmp):
            _replace(state, tmp, state.position or record_of(previous.path))
            return PullReport(path=previous.path, sha256=previous.sha256,
                              size=previous.path.stat().st_size, summary=new.summary,
                              unchanged=True, **common)  # type: ignore[arg-type]
        # Kept when only its bytes changed too (a rebuilt project's new ids): the state
        # it becomes must be rebuildable from the raw files.
        kept = keep(tmp, path, sha256)
        _replace(state, kept.path, kept.path.name)
    finally:
        tmp.unlink(missing_ok=True)
    report = PullReport(path=kept.path, sha256=kept.sha256, size=size, summary=new.summary,
                        unchanged=same, **common)  # type: ignore[arg-type]
    if old is not None and not same:  # what is new since then
        report.new_tasks = len(new.tasks - old.tasks)
        report.new_annotations = sum(1 for a in new.updates if a not in old.updates)
        report.updated_annotations = sum(1 for a, when in new.updates.items()
                                         if a in old.updates and old.updates[a] != when)
    return report


def _content(export: Path) -> str:
    """What an export holds, as a digest that the clock's wording does not move."""
    digest = hashlib.sha256()
    for raw in raw_tasks(export, ReadNotes()):
        digest.update(comparable(raw if isinstance(raw, bytes) else msgspec.json.encode(raw)))
    return digest.hexdigest()


def _replace(state: TaskState, snapshot: Path, position: str) -> None:
    state.replace_all((task for task, _ in part_tasks(snapshot)), position=position)
    state.set(full_at=taken_at(snapshot.name.lstrip(".")).isoformat())


def _compare(state: TaskState, snapshot: Path, news_from: str) -> list[str]:
    """Each task where the merged state and Label Studio's snapshot differ, and how; a
    task changed from ``news_from`` on (what the next delta asks for) is news instead."""
    held = state.ids()
    differences = []
    for batch in _batches(task for task, _ in part_tasks(snapshot)):
        mine = state.bodies(task.id for task in batch)
        for task in batch:
            held.discard(task.id)
            if task.updated_at >= news_from or (
                    task.id in mine and comparable(mine[task.id]) == comparable(task.body)):
                continue
            if task.id not in mine:
                differences.append(f"task {task.id}: in Label Studio, not in the merged state")
                continue
            keys = _differing_keys(mine[task.id], task.body)
            differences.append(f"task {task.id}: {', '.join(keys)} differ"
                               + (" (deltas do not see drafts)" if keys == ["drafts"] else ""))
    differences += [f"task {task_id}: in the merged state, deleted in Label Studio"
                    for task_id in sorted(held)]
    return differences


def _batches(tasks: Iterator[StoredTask], size: int = 500) -> Iterator[list[StoredTask]]:
    batch: list[StoredTask] = []
    for task in tasks:
        batch.append(task)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _differing_keys(mine: bytes, theirs: bytes) -> list[str]:
    a, b = msgspec.json.decode(mine), msgspec.json.decode(theirs)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def _incremental(settings: Settings, studio: Studio, project: ProjectInfo, state: TaskState,
                 overlap: timedelta) -> PullReport:
    found = pulls(settings, settings.project)
    assert found and state.watermark is not None  # _full_due says so
    previous = found[-1]
    since = _since(state, overlap)
    ids = studio.changed_tasks(project.id, since)
    server_tasks = project.tasks  # counted before the question: a task made since is in it
    stamp = new_pull_path(settings, project.id, project.title).name.removesuffix(".json")
    manifest = deltas_dir(settings) / f"{stamp}{MANIFEST}"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    parts: list[Part] = []
    got: dict[int, tuple[StoredTask, ExportTask]] = {}
    removed = 0

    def fetch(ranges: list[tuple[int, int]], changed_since: str | None) -> None:
        nonlocal removed
        for first, last in ranges:
            path = part_path(manifest, len(parts))
            sha256, _, files = _download(settings, studio, project.id, path,
                                         [(first, last)], changed_since)
            removed += files
            got.update((task.id, (task, parsed))
                       for task, parsed in part_tasks(partial_path(path)))
            parts.append(keep_part(partial_path(path), path, sha256))

    try:
        fetch(_ranges(ids, span=None), since)
        deleted, missed = _deleted_and_missed(studio, project.id, state, got, server_tasks)
        fetch(_ranges(missed, span=CHUNK), None)
        old = state.bodies(got)
        changed = [task for task, _ in got.values()
                   if task.id not in old or comparable(old[task.id]) != comparable(task.body)]
        common = dict(project_id=project.id, project_title=project.title,
                      previous=previous, export_files_removed=removed, full=False)
        if not changed and not deleted:
            for part in parts:
                _discard(deltas_dir(settings) / part.name)
            # Not read now: a sync that finds nothing new has nothing to read it for.
            return PullReport(path=previous, sha256=recorded(previous), verified=False,
                              size=previous.stat().st_size, summary=state.summary(),
                              unchanged=True, **common)  # type: ignore[arg-type]
        pull_path = raw_dir(settings) / f"{stamp}.json"
        keep_manifest(manifest, Delta(follows=state.position or "", since=since, parts=parts,
                                      deleted=deleted, server_tasks=server_tasks,
                                      pull=pull_path.name))
    finally:
        for index in range(len(parts) + 1):
            partial_path(part_path(manifest, index)).unlink(missing_ok=True)
    state.merge(changed, deleted, position=manifest.name)
    written = write_pull(state, pull_path, manifest.name)
    report = PullReport(path=written.path, sha256=written.sha256,
                        size=written.path.stat().st_size, summary=state.summary(),
                        delta=manifest, deleted_tasks=len(deleted),
                        new_tasks=sum(1 for task in changed if task.id not in old),
                        **common)  # type: ignore[arg-type]
    _count_annotations(report, old, [got[task.id][1] for task in changed])
    return report


def _deleted_and_missed(studio: Studio, project_id: int, state: TaskState,
                        got: dict[int, tuple[StoredTask, ExportTask]], server_tasks: int
                        ) -> tuple[list[int], list[int]]:
    """The tasks deleted since the state's last pull, and those the question missed (an
    import that committed after the overlap): only when the server's count of tasks is not
    the state's with the new ones are all its ids listed."""
    held = state.ids()
    if server_tasks == len(held | got.keys()):
        return [], []
    present = {key.task_id for key in studio.task_keys(project_id)}
    return sorted(held - present - got.keys()), sorted(present - held - got.keys())


def _ranges(ids: list[int], span: int | None) -> list[tuple[int, int]]:
    """Ascending ids as (first, last) ranges of at most CHUNK of them, each spanning at
    most ``span`` ids when given (a range asked for whole brings every task in it)."""
    ranges: list[tuple[int, int]] = []
    count = 0
    for task_id in sorted(ids):
        first = ranges[-1][0] if ranges else None
        if first is None or count == CHUNK or (span is not None and task_id - first >= span):
            ranges.append((task_id, task_id))
            count = 1
        else:
            ranges[-1] = (first, task_id)
            count += 1
    return ranges


def _count_annotations(report: PullReport, old: dict[int, bytes],
                       changed: list[ExportTask]) -> None:
    decode: Callable[[bytes], ExportTask] = msgspec.json.Decoder(ExportTask).decode
    for task in changed:
        before = ({a.id: a.updated_at for a in decode(old[task.id]).annotations or ()}
                  if task.id in old else {})
        for annotation in task.annotations or ():
            if annotation.id not in before:
                report.new_annotations += 1
            elif before[annotation.id] != annotation.updated_at:
                report.updated_annotations += 1


def _discard(path: Path) -> None:
    """A part that brought nothing new: not kept (cron would fill the disk)."""
    for file in (path, path.with_name(path.name + ".sha256")):
        file.unlink(missing_ok=True)
