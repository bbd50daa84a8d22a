"""The project's current tasks, kept level with its raw pulls and deltas (files only).

The state (``pulls.state``) is the newest full pull with every delta after it merged;
each merge also writes the whole state as a pull of its own, so every offline command
reads one file as before. Such a pull has a ``.from`` file beside it naming its delta:
it is derived, and a rebuild starts from the newest pull without one, Label Studio's own
snapshot. ``up_to_date`` runs first in every pull, so a pull killed at any point is
finished, or rebuilt, by the next.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workbench.pulls.deltas import (
    MANIFEST,
    delta_parts,
    deltas_dir,
    manifests,
    part_tasks,
    read_manifest,
)
from workbench.pulls.state import TaskState, open_state, state_path
from workbench.settings import Settings
from workbench.store.atomic import write_text
from workbench.store.rawpulls import (
    Source,
    keep,
    partial_path,
    project_slug,
    pulls,
    raw_dir,
    verify,
)

STAMP = "%Y%m%dT%H%M%S.%fZ"  # how raw file names begin (``rawpulls.new_pull_path``)


def merged_from(pull: Path) -> Path:
    """The file beside a pull written by a merge, naming the delta it holds."""
    return pull.with_name(pull.name + ".from")


def record_of(pull: Path) -> str:
    """The raw record a pull stands for: its delta when a merge wrote it, else itself."""
    written = merged_from(pull)
    return written.read_text().strip() if written.exists() else pull.name


def snapshots(settings: Settings, project_id: int) -> list[Path]:
    """The project's pulls that are Label Studio's snapshots, not merges; oldest first."""
    return [p for p in pulls(settings, settings.project)
            if p.name.endswith(f"_{project_slug(settings.project)}_p{project_id}.json")
            and not merged_from(p).exists()]


def taken_at(name: str) -> datetime:
    return datetime.strptime(name[:len("20261207T213000.000000Z")], STAMP).replace(tzinfo=UTC)


@dataclass
class Rebuilt:
    base: str | None  # the snapshot it started from
    deltas: int  # merged after it
    tasks: int


def up_to_date(settings: Settings, state: TaskState, project_id: int) -> None:
    """Bring the state level with the newest raw record (rebuilding it when it is not),
    and write the pull of its last delta when a killed merge did not."""
    newest = [p.name for p in snapshots(settings, project_id)[-1:]]
    newest += [m.name for m in manifests(settings, project_id)[-1:]]
    if (state.position or None) != max(newest, default=None):
        rebuild(settings, state, project_id)
    if state.position and state.position.endswith(MANIFEST):
        pull = raw_dir(settings) / read_manifest(deltas_dir(settings) / state.position).pull
        if not pull.exists():
            write_pull(state, pull, state.position)


def rebuild(settings: Settings, state: TaskState, project_id: int) -> Rebuilt:
    """The state from the raw files alone: the newest snapshot, then each delta that follows
    it, checked against their checksums."""
    found = snapshots(settings, project_id)
    if not found:
        state.replace_all((), position="")
        return Rebuilt(base=None, deltas=0, tasks=0)
    base = found[-1]
    state.replace_all((task for task, _ in part_tasks(base, verify(base))), position=base.name)
    state.set(full_at=taken_at(base.name).isoformat())
    following = {}
    for path in manifests(settings, project_id):
        if path.name > base.name:
            delta = read_manifest(path)
            following[delta.follows] = (path.name, delta)
    position, merged = base.name, 0
    while position in following:
        name, delta = following.pop(position)
        state.merge((task for task, _ in delta_parts(settings, delta)), delta.deleted, name)
        position, merged = name, merged + 1
    return Rebuilt(base=base.name, deltas=merged, tasks=state.count())


def write_pull(state: TaskState, path: Path, delta: str) -> Source:
    """The whole state as one export at ``path``, written like a pull (checksum, read-only,
    rename), with the name of the delta it holds beside it. Label Studio writes its
    exports with ", " between tasks; so does this."""
    write_text(merged_from(path), f"{delta}\n")
    digest = hashlib.sha256()
    tmp = partial_path(path)
    try:
        with open(tmp, "wb") as handle:
            def put(data: bytes) -> None:
                handle.write(data)
                digest.update(data)

            put(b"[")
            for index, body in enumerate(state.all_bodies()):
                put(b", " + body if index else body)
            put(b"]")
            handle.flush()
            os.fsync(handle.fileno())
        return keep(tmp, path, digest.hexdigest())
    finally:
        tmp.unlink(missing_ok=True)


def rebuild_state(settings: Settings) -> Rebuilt:
    """Rebuild the state of the project's newest pulls (``workbench rebuild-state``)."""
    found = pulls(settings, settings.project)
    if not found:
        return Rebuilt(base=None, deltas=0, tasks=0)
    project_id = int(found[-1].name.rsplit("_p", 1)[1].removesuffix(".json"))
    with open_state(state_path(settings, project_id)) as state:
        rebuilt = rebuild(settings, state, project_id)
        if state.meta("project") is None:  # trusted by the next pull (``studio.pull``)
            state.set(project="")
        return rebuilt
