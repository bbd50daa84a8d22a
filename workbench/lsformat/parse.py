"""The reader's loose structs made into ``records.tasks`` (the general, lenient way).

Every result item of every type Label Studio writes ends up in a record, none is dropped:
text spans, document-level choices, per-region choices, relations, values of other
controls and, kept and counted as ``Other``, everything else (image regions, ranker, ...).
"""

from __future__ import annotations

from typing import Any

import msgspec

from workbench.lsformat.offsets import Offsets
from workbench.lsformat.reader import ExportAnnotation, ExportTask, ReadNotes
from workbench.lsformat.rebuilt import Rebuilt
from workbench.records.tasks import (
    Annotation,
    Edit,
    FieldValue,
    Other,
    RegionChoice,
    RegionRelation,
    Span,
    Suggestion,
    Task,
    span_units,
)
from workbench.schema import CRIME_TYPES

VALUE_KINDS = ("textarea", "rating", "number", "datetime", "taxonomy")
# Result types that draw a region other results may attach to (by sharing its id).
_REGION_TYPES = ("labels", "rectangle", "polygon", "ellipse", "keypoint", "brush")


def annotator_name(completed_by) -> str:
    if completed_by is None:
        return "unknown"
    if isinstance(completed_by, int | str):
        return f"user-{completed_by}"
    return completed_by.email or f"user-{completed_by.id}"


def user_id(completed_by) -> int | None:
    """The author's Label Studio user id, however the export gives it."""
    if completed_by is None or isinstance(completed_by, int | str):
        return int_id(completed_by)
    return int_id(completed_by.id)


def editor_id(updated_by: Any, author: int | None) -> int | None:
    """Who last changed an annotation, when that is someone other than its author."""
    editor = int_id(updated_by)
    return editor if editor is not None and author is not None and editor != author else None


def edit_of(updated_by: Any, author: int | None, updated_at: str | None) -> Edit | None:
    editor = editor_id(updated_by, author)
    return None if editor is None else Edit(by_id=editor, at=updated_at)


def named_editors(annotations: list[Annotation]) -> list[Annotation]:
    """Annotations changed by someone else, with that person named as the task names them
    (their own annotation of it gives their email), else as user-<id>."""
    if all(a.edit is None or a.edit.by for a in annotations):
        return annotations
    names = {a.annotator_id: a.annotator for a in annotations if a.annotator_id is not None}
    return [a if a.edit is None or a.edit.by else msgspec.structs.replace(
        a, edit=msgspec.structs.replace(a.edit, by=names.get(a.edit.by_id,
                                                             f"user-{a.edit.by_id}")))
        for a in annotations]


def parse_task(task: ExportTask, index: int = 0, notes: ReadNotes | None = None) -> Task:
    """An export task (the ``index``-th of its file) with offsets as Python indexes."""
    notes = notes if notes is not None else ReadNotes()
    task_id = int_id(task.id)
    if task_id is None:
        notes.tasks_without_id += 1
        task_id = -(index + 1)
    annotations = task.annotations
    if annotations is None and task.completions is not None:
        notes.old_format += 1
        annotations = task.completions
    data = task.data or {}
    text = _text(data, annotations or ())
    # Offsets matter only where a character counts two in UTF-16: never in ASCII text.
    offsets = Offsets(text) if isinstance(text, str) and not text.isascii() else None
    meta = task.meta or {}
    rebuilt = Rebuilt.of(meta) if "rebuilt" in meta else None
    if rebuilt is not None and rebuilt.task_id is not None:
        task_id = rebuilt.task_id
    article_id = data.get("article_id") or meta.get("article_id")
    parsed = []
    for position, raw in enumerate(annotations or ()):
        annotation_id = int_id(raw.id)
        if annotation_id is None:
            notes.annotations_without_id += 1
            annotation_id = -(position + 1)
        annotation = _annotation(raw, annotation_id, task_id, data, offsets)
        parsed.append(annotation if rebuilt is None else _before(annotation, raw, rebuilt))
    return Task(
        id=task_id, article_id=str(article_id) if article_id is not None else None, text=text,
        data=data, annotations=tuple(named_editors(parsed)),
        predictions=len(task.predictions or ()),
        drafts=len(task.drafts or ()), created_at=task.created_at, updated_at=task.updated_at,
        suggestion=_suggestion(task.predictions, data, offsets), meta=meta)


def parse_annotation(raw: dict[str, Any], task: Task) -> Annotation:
    """One annotation, as an export holds it, read against the task it belongs to."""
    text = task.text
    offsets = Offsets(text) if isinstance(text, str) and not text.isascii() else None
    export = msgspec.convert(raw, ExportAnnotation)
    annotation_id = int_id(export.id)
    return _annotation(export, annotation_id if annotation_id is not None else -1, task.id,
                       task.data, offsets)


def _suggestion(predictions, data: dict, offsets: Offsets | None) -> Suggestion | None:
    first = next((p for p in predictions or () if not isinstance(p, int)), None)
    if first is None:
        return None
    parsed = _annotation(ExportAnnotation(result=first.result), 0, 0, data, offsets)
    spans = span_units(parsed)
    score = first.score if isinstance(first.score, int | float) else None
    return Suggestion(model_version=first.model_version if isinstance(
        first.model_version, str) else None, crime_types=parsed.choices.get(CRIME_TYPES, ()),
        spans=spans, score=score)


def int_id(value: Any) -> int | None:
    """An id as Label Studio gives it (an int, sometimes a string of digits), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and -2 ** 63 <= value < 2 ** 63:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _text(data: dict, annotations) -> str | None:
    """The annotated text: ``data.text``, else the data field a span's ``to_name`` names."""
    text = data.get("text")
    if isinstance(text, str):
        return text
    for annotation in annotations:
        for item in annotation.result:
            if item.type == "labels" and isinstance(item.to_name, str):
                value = data.get(item.to_name)
                if isinstance(value, str):
                    return value
    return None


def _annotation(raw: ExportAnnotation, annotation_id: int, task_id: int, data: dict,
                offsets: Offsets | None) -> Annotation:
    """The result items sorted into their kinds. The loop runs for every item of a big
    export: the common kinds (text spans, choices) come first and are built positionally."""
    spans, region_choices, relations, values, others = [], [], [], [], []
    choices: dict[str, tuple[str, ...]] = {}
    picked = []  # choices: (id, control, values, has offsets), in order
    regions = None  # region ids, found when a value without offsets needs them
    not_text = None  # data fields that hold no text (a span on one is not a text span)
    for item in raw.result:
        kind, control, value = item.type, item.from_name, item.value
        if kind == "labels" and value is not None:
            start, end, to_name = value.start, value.end, item.to_name
            if type(start) is int and type(end) is int:
                if to_name is not None:
                    if not_text is None:
                        not_text = {k for k, v in data.items() if not isinstance(v, str)}
                    if to_name in not_text:
                        others.append(Other(_name(control), kind))
                        continue
                text = value.text
                if offsets is not None:
                    start, end = offsets.resolve(start, end, text)
                labels = value.labels
                spans.append(Span(_region(item.id), control if type(control) is str else (
                    _name(control) or ""), tuple(map(str, labels)) if type(labels) is list
                    else (), start, end, text if isinstance(text, str) else None))
                continue
        if kind == "choices" and value is not None and type(value.choices) is list:
            # Per region or for the document: known once every item is seen (below).
            picked.append((item.id, _name(control) or "", _strings(value.choices),
                           value.start is not None or value.x is not None))
        elif not isinstance(kind, str):
            others.append(Other(_name(control), "(no type)"))
        elif kind == "relation":
            direction = item.direction if isinstance(item.direction, str) else "right"
            ends = (_region(item.from_id), _region(item.to_id))
            source, target = ends[::-1] if direction == "left" else ends
            relations.append(RegionRelation(source, target, _strings(item.labels), direction))
        elif value is None:
            others.append(Other(_name(control), kind))
        elif kind in VALUE_KINDS and isinstance(control, str):
            if regions is None:
                regions = _regions(raw)
            if value.start is not None or value.x is not None or item.id in regions:
                others.append(Other(control, f"{kind} (per region)"))
            else:
                values.append(FieldValue(control, kind, _field_value(kind, value)))
        else:
            others.append(Other(_name(control), kind))
    if picked:
        # A choice without offsets belongs to a region when a region item shares its id.
        wanted = {rid for rid, _, _, on_region in picked if not on_region and _usable_id(rid)}
        shared = _regions(raw, wanted) if wanted else ()
        for rid, name, chosen, on_region in picked:
            if on_region or (_usable_id(rid) and rid in shared):
                region_choices.append(RegionChoice(_region(rid), name, chosen))
            else:
                choices[name] = choices.get(name, ()) + chosen
    author = user_id(raw.completed_by)
    return Annotation(
        id=annotation_id, task_id=task_id, annotator=annotator_name(raw.completed_by),
        annotator_id=author, edit=edit_of(raw.updated_by, author, raw.updated_at),
        created_at=raw.created_at, updated_at=raw.updated_at, lead_time=raw.lead_time,
        cancelled=bool(raw.was_cancelled), ground_truth=bool(raw.ground_truth),
        spans=tuple(spans), choices=choices, region_choices=tuple(region_choices),
        relations=tuple(relations), values=tuple(values), others=tuple(others))


def _before(annotation: Annotation, raw: ExportAnnotation, rebuilt: Rebuilt) -> Annotation:
    """The annotation as it was known before a rebuild (``lsformat.rebuilt``)."""
    known = rebuilt.annotation(raw.import_id, raw.updated_by, annotation.id,
                               annotation.created_at, annotation.updated_at)
    return msgspec.structs.replace(
        annotation, id=known.id, created_at=known.created_at, updated_at=known.updated_at,
        edit=known.edit() or annotation.edit)


def _regions(raw: ExportAnnotation, among: set | None = None) -> set:
    """The ids of the items that draw regions (others may attach to them by id); only
    those ``among`` the given ids, when given (a cheaper look)."""
    if among is not None:
        return {item.id for item in raw.result if _usable_id(item.id) and item.id in among
                and isinstance(item.type, str) and item.type.endswith(_REGION_TYPES)}
    return {item.id for item in raw.result if isinstance(item.type, str)
            and item.type.endswith(_REGION_TYPES) and _usable_id(item.id)}


def _usable_id(value: Any) -> bool:
    """An id a region can be known by: a string or a number (a list or object is none)."""
    return type(value) in (str, int)


def _field_value(kind: str, value) -> Any:
    """A value as agreement compares it: text normalised, numbers as floats, paths as a set."""
    raw = getattr(value, kind if kind != "textarea" else "text")
    if kind == "textarea":
        texts = raw if isinstance(raw, list) else [raw]
        return " | ".join(" ".join(str(t).split()) for t in texts if t is not None)
    if kind in ("rating", "number"):
        return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    if kind == "taxonomy":
        paths = raw if isinstance(raw, list) else []
        return frozenset(tuple(str(step) for step in path) for path in paths
                         if isinstance(path, list))
    return raw if isinstance(raw, str) else None


def _strings(values) -> tuple[str, ...]:
    return tuple(map(str, values)) if type(values) is list else ()


def _name(value) -> str | None:
    return value if isinstance(value, str) else None


def _region(value) -> str | None:
    return value if type(value) is str else None if value is None else str(value)
