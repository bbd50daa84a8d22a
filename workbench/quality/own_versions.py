"""An annotation someone else changed last, read as its author left it.

Label Studio Community keeps no history of an annotation, but the workbench keeps every pull:
the author's own last version is in the newest earlier pull where they, not someone else,
had changed it last. What was found (or that nothing was) is remembered in
``exports/raw/own_versions.jsonl``, so each edit costs one look through the earlier pulls.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from workbench.lsformat.parse import editor_id, parse_annotation, user_id
from workbench.lsformat.reader import ExportUser, ReadNotes, raw_tasks
from workbench.lsformat.rebuilt import Known, Rebuilt
from workbench.records.tasks import Task
from workbench.settings import Settings
from workbench.store.rawpulls import Source, pulls, raw_dir

CACHE = "own_versions.jsonl"
Key = tuple[int, str | None]  # an annotation's id, and when it was changed last


class _Who(msgspec.Struct):
    """Of an annotation, just who made it, who changed it last, and when."""

    id: Any = None
    completed_by: ExportUser | int | str | None = None
    updated_by: Any = None
    updated_at: Any = None
    created_at: Any = None
    import_id: Any = None


class _Task(msgspec.Struct):
    annotations: list[_Who] | None = None
    meta: Any = None

    def identities(self) -> Iterator[tuple[_Who, Known]]:
        """Each annotation, with its id, times and editor as the workbench knows them:
        those it had before a rebuild, when it was rebuilt (``lsformat.rebuilt``)."""
        rebuilt = Rebuilt.of(self.meta)
        for who in self.annotations or ():
            editor = editor_id(who.updated_by, user_id(who.completed_by))
            known = Known(who.id, who.created_at, who.updated_at) if rebuilt is None else (
                rebuilt.annotation(who.import_id, who.updated_by, who.id, who.created_at,
                                   who.updated_at))
            if editor is not None and known.editor is None:
                known = Known(known.id, known.created_at, known.updated_at, (editor, ""))
            yield who, known


_WHO = msgspec.json.Decoder(_Task)


class _Found(msgspec.Struct):
    """A line of the cache: the author's own version (None: no earlier pull has one)."""

    annotation_id: int
    changed_at: str | None
    pull: str | None = None
    annotation: dict[str, Any] | None = None


class OwnVersions:
    """Restores annotations someone else changed last from the pulls taken before
    ``source`` (newest first); ``restore`` is applied to every task as it is read."""

    def __init__(self, source: Path, earlier: list[Path], cache: Path):
        self.source, self.earlier, self.cache = source, earlier, cache
        self._known: dict[Key, _Found] | None = None

    @classmethod
    def for_source(cls, settings: Settings, source: Source) -> OwnVersions | None:
        """For a raw pull, the pulls of its project taken before it; a user's own file has
        none (what someone else changed there is set aside)."""
        if not source.pulled:
            return None
        earlier = [p for p in pulls(settings, settings.project) if p.name < source.name]
        return cls(source.path, earlier[::-1], raw_dir(settings) / CACHE)

    def restore(self, task: Task) -> Task:
        """The task, each annotation someone else changed last replaced by its author's own
        earlier version when a pull holds one (``Edit.restored_from`` names it)."""
        if all(a.edit is None for a in task.annotations):
            return task
        known = self._look_up({(a.id, a.edit.at) for a in task.annotations if a.edit})
        annotations = []
        for annotation in task.annotations:
            edit = annotation.edit
            found = known.get((annotation.id, edit.at)) if edit is not None else None
            if edit is not None and found and found.annotation:
                own = parse_annotation(found.annotation, task)
                annotation = msgspec.structs.replace(
                    own, ground_truth=annotation.ground_truth,  # a mark, not the content
                    edit=msgspec.structs.replace(edit, restored_from=found.pull,
                                                 changed=own.content() != annotation.content()))
            annotations.append(annotation)
        return msgspec.structs.replace(task, annotations=tuple(annotations))

    def _look_up(self, keys: set[Key]) -> dict[Key, _Found]:
        if self._known is None:
            self._known = _read_cache(self.cache)
        if not keys <= self._known.keys():
            # Every edit of the export at once: one look through the earlier pulls for all.
            wanted = {key for key in _edits(self.source) | keys if key not in self._known}
            found = _search(self.earlier, {annotation_id for annotation_id, _ in wanted})
            new = [_Found(annotation_id=i, changed_at=at, pull=found.get(i, (None, None))[0],
                          annotation=found.get(i, (None, None))[1]) for i, at in sorted(
                              wanted, key=lambda k: (k[0], k[1] or ""))]
            _append(self.cache, new)
            self._known.update({(f.annotation_id, f.changed_at): f for f in new})
        return self._known


def _edits(path: Path) -> set[Key]:
    """Every annotation of the export someone other than its author changed last."""
    edits = set()
    for raw in _tasks(path):
        for _, known in raw.identities():
            if known.editor is not None and isinstance(known.id, int):
                edits.add((known.id, known.updated_at if isinstance(known.updated_at, str)
                           else None))
    return edits


def _search(earlier: list[Path], wanted: set[int]) -> dict[int, tuple[str, dict[str, Any]]]:
    """For each wanted annotation id, the newest earlier pull where its author had changed it
    last, and the annotation as that pull holds it."""
    found: dict[int, tuple[str, dict[str, Any]]] = {}
    for pull in earlier:
        if not wanted - found.keys():
            break
        for raw, task in _tasks_with_bytes(pull):
            hits = {w.id: known for w, known in task.identities()
                    if isinstance(w.id, int) and isinstance(known.id, int)
                    and known.id in wanted and known.id not in found and known.editor is None}
            if hits:
                whole = json.loads(raw)
                for annotation in whole.get("annotations") or ():
                    if annotation.get("id") in hits:  # with the id the workbench knows
                        known = hits[annotation["id"]]
                        found[known.id] = (pull.name, {
                            **annotation, "id": known.id, "created_at": known.created_at,
                            "updated_at": known.updated_at})
    return found


def _tasks(path: Path) -> Iterator[_Task]:
    for _, task in _tasks_with_bytes(path):
        yield task


def _tasks_with_bytes(path: Path) -> Iterator[tuple[bytes, _Task]]:
    """Each task's bytes, and who made and changed its annotations (others skipped)."""
    for raw in raw_tasks(path, ReadNotes()):
        if type(raw) is bytes and raw[:1] == b"{":
            try:
                yield raw, _WHO.decode(raw)
            except msgspec.DecodeError:  # a malformed task: the pass reports it
                continue


def _read_cache(path: Path) -> dict[Key, _Found]:
    known: dict[Key, _Found] = {}
    if path.exists():
        decoder = msgspec.json.Decoder(_Found)
        with path.open("rb") as handle:
            for line in handle:
                try:
                    found = decoder.decode(line)
                except msgspec.DecodeError:  # a line cut short by a crash
                    continue
                known[found.annotation_id, found.changed_at] = found
    return known


def _append(path: Path, lines: list[_Found]) -> None:
    if not lines:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        if handle.tell() > 0:
            with path.open("rb") as reader:
                reader.seek(-1, os.SEEK_END)
                if reader.read(1) != b"\n":
                    handle.write(b"\n")  # after a line cut short
        handle.write(b"".join(msgspec.json.encode(found) + b"\n" for found in lines))
        handle.flush()
        os.fsync(handle.fileno())
