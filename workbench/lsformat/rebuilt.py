"""Ids and times a task had before ``workbench rebuild`` recreated it on a new server.

Label Studio gives a rebuilt task and its annotations new ids and times, and no import
can say who else changed an annotation last. The rebuild keeps all three in the task's
``meta.rebuilt`` and hands each annotation its old id as ``id`` (Label Studio keeps it as
``import_id``); read back through here, they are the task's identity again, so an
annotation keeps its id in the decisions log and the gold, an edit by someone else is
still one (and told once), and a pull right after a rebuild holds nothing new. An
annotation changed since the rebuild (Label Studio then names who changed it,
``updated_by``) keeps its new times: that change came after all the old ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.records.tasks import Edit


@dataclass(frozen=True, slots=True)
class Known:
    """An annotation's id and times as the workbench knows it, and who other than its
    author changed it last before a rebuild (their old user id and name)."""

    id: Any
    created_at: Any
    updated_at: Any
    editor: tuple[int, str] | None = None

    def edit(self) -> Edit | None:
        return None if self.editor is None else Edit(
            by_id=self.editor[0], by=self.editor[1], at=_text(self.updated_at))


@dataclass(frozen=True, slots=True)
class Rebuilt:
    task_id: int | None
    annotations: dict[int, Known]  # by old id

    @classmethod
    def of(cls, meta: Any) -> Rebuilt | None:
        """What ``meta`` says of the task's life before a rebuild (None: not rebuilt)."""
        record = meta.get("rebuilt") if isinstance(meta, dict) else None
        if not isinstance(record, dict):
            return None
        annotations = {}
        items = record.get("annotations")
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and type(item.get("id")) is int:
                editor = item.get("editor")
                annotations[item["id"]] = Known(
                    item["id"], _text(item.get("created_at")), _text(item.get("updated_at")),
                    (editor[0], editor[1]) if isinstance(editor, list) and len(editor) == 2
                    and type(editor[0]) is int and isinstance(editor[1], str) else None)
        task_id = record.get("task_id")
        return cls(task_id if type(task_id) is int else None, annotations)

    def annotation(self, import_id: Any, updated_by: Any, id: Any, created_at: Any,
                   updated_at: Any) -> Known:
        """An annotation as it was known before the rebuild; as pulled when the rebuild did
        not import it, with the old id only when someone changed it since."""
        if type(import_id) is not int or import_id not in self.annotations:
            return Known(id, created_at, updated_at)
        if updated_by is not None:
            return Known(import_id, created_at, updated_at)
        return self.annotations[import_id]


def record(task_id: int, annotations: list[Known]) -> dict[str, Any]:
    """``meta.rebuilt`` of a task imported again: its id, and its annotations' in the
    order imported."""
    return {"task_id": task_id, "annotations": [
        {"id": known.id, "created_at": known.created_at, "updated_at": known.updated_at,
         **({"editor": list(known.editor)} if known.editor else {})}
        for known in annotations]}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
