"""Deltas on disk: what an incremental pull got from Label Studio, kept raw like pulls.

A delta is one or more parts, each Label Studio's own export of the tasks changed since a
time in a range of task ids, and a manifest written last: which raw file it follows, since
when, each part's sha256, the tasks deleted and the pull its merge wrote. All live in
``exports/raw/deltas/``, read-only, with a ``.sha256`` beside each; parts without a
manifest are a killed pull's and are never read.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ValidationError

from workbench.errors import IntegrityError
from workbench.lsformat.reader import ExportTask, MalformedTask, ReadNotes, decode_task, raw_tasks
from workbench.lsformat.summary import task_facts
from workbench.pulls.state import StoredTask, stored
from workbench.settings import Settings
from workbench.store.rawpulls import (
    checksum_path,
    keep,
    partial_path,
    project_slug,
    raw_dir,
    verify,
)

MANIFEST = ".delta.json"


class Part(BaseModel):
    name: str
    sha256: str


class Delta(BaseModel):
    """A delta's manifest."""

    follows: str  # the raw pull or delta manifest it was taken after
    since: str  # tasks changed at or after this time (Label Studio's clock)
    parts: list[Part]
    deleted: list[int]  # task ids gone from the project since ``follows``
    server_tasks: int  # the project's task count when it was taken
    pull: str  # the pull its merge writes (``pulls.current``)


def deltas_dir(settings: Settings) -> Path:
    return raw_dir(settings) / "deltas"


def manifests(settings: Settings, project_id: int) -> list[Path]:
    """Complete deltas of the configured project, oldest first."""
    folder = deltas_dir(settings)
    pattern = f"*_{project_slug(settings.project)}_p{project_id}{MANIFEST}"
    return sorted(p for p in folder.glob(pattern) if checksum_path(p).exists()
                  ) if folder.is_dir() else []


def read_manifest(path: Path) -> Delta:
    verify(path)
    try:
        return Delta.model_validate_json(path.read_bytes())
    except ValidationError as error:
        raise IntegrityError(f"{path}: not a delta manifest ({error.errors()[0]['msg']})"
                             ) from None


def keep_part(partial: Path, path: Path, sha256: str) -> Part:
    keep(partial, path, sha256)
    return Part(name=path.name, sha256=sha256)


def keep_manifest(path: Path, delta: Delta) -> None:
    """Write the manifest, making the delta complete: checksum, read-only, rename."""
    data = delta.model_dump_json(indent=1).encode()
    tmp = partial_path(path)
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    keep(tmp, path, hashlib.sha256(data).hexdigest())


def part_tasks(path: Path, sha256: str | None = None) -> Iterator[tuple[StoredTask, ExportTask]]:
    """Each task of a part (or of a pull), checked against its sha256 first when given."""
    if sha256 is not None and verify(path) != sha256:
        raise IntegrityError(f"{path} is not the part its delta names; refusing to use it")
    for index, raw in enumerate(raw_tasks(path, ReadNotes())):
        task = decode_task(path, index, raw)
        if isinstance(task, MalformedTask) or not isinstance(raw, bytes):
            raise IntegrityError(f"{path}: task {index + 1} is not one Label Studio exports")
        yield stored(raw, task.id, task.updated_at, task_facts(task)), task


def delta_parts(settings: Settings, delta: Delta) -> Iterator[tuple[StoredTask, ExportTask]]:
    for part in delta.parts:
        yield from part_tasks(deltas_dir(settings) / part.name, part.sha256)


def part_path(manifest: Path, index: int) -> Path:
    return manifest.with_name(manifest.name.removesuffix(MANIFEST) + f".part{index}.json")


def orphan_parts(settings: Settings, project_id: int) -> list[Path]:
    """Parts (and partial files) of a delta without a manifest: a killed pull's, never
    read, safe to delete."""
    folder = deltas_dir(settings)
    if not folder.is_dir():
        return []
    complete = {m.name.removesuffix(MANIFEST) for m in manifests(settings, project_id)}
    name = re.compile(rf"^\.?(.+_{re.escape(project_slug(settings.project))}_p{project_id})"
                      rf"\.(?:delta|part\d+)\.json")
    return [p for p in folder.iterdir()
            if (found := name.match(p.name)) and found[1] not in complete]
