"""Every task of an export as the steps read it (``records.Task``), in file order.

Most tasks of a pull hold only what this workbench's labeling config makes: text
spans, choices and relations, with integer ids. Such a task is decoded straight
into typed result items (a union tagged by ``type``, strict about every field
the records use) and sorted into records with no checks left to make: about
half the time of the general path. Anything else (other result kinds, ids that
are strings or missing, the old ``completions`` format, an image region's
choices, a span on a field that holds no text, NaN) fails that decoder, and the
task goes the general way (``reader`` then ``records.parse_task``). Both ways
give equal records; tests hold them to it on every export in the fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from workbench.lsformat.offsets import Offsets
from workbench.lsformat.parse import (
    annotator_name,
    edit_of,
    int_id,
    named_editors,
    parse_task,
    user_id,
)
from workbench.lsformat.reader import (
    ExportUser,
    MalformedTask,
    ReadNotes,
    decode_task,
    raw_tasks,
)
from workbench.lsformat.rebuilt import Rebuilt
from workbench.records.tasks import (
    Annotation,
    RegionChoice,
    RegionRelation,
    Span,
    Suggestion,
    Task,
)
from workbench.schema import CRIME_TYPES


class _SpanValue(msgspec.Struct):
    start: int
    end: int
    labels: list[str]
    text: str | None = None


class _ChoiceValue(msgspec.Struct, forbid_unknown_fields=True):
    """A text region's choices (offsets and words) or the document's; an image region's
    (geometry) goes the general way."""

    choices: list[str]
    start: Any = None
    end: Any = None
    text: Any = None


class _Labels(msgspec.Struct, tag_field="type", tag="labels"):
    from_name: str
    to_name: str
    value: _SpanValue
    id: str | None = None


class _Choices(msgspec.Struct, tag_field="type", tag="choices"):
    from_name: str
    value: _ChoiceValue
    id: str | None = None


class _Relation(msgspec.Struct, tag_field="type", tag="relation"):
    from_id: str
    to_id: str
    direction: str = "right"
    labels: list[str] = []


_Result = _Labels | _Choices | _Relation


class _Annotation(msgspec.Struct):
    id: int
    completed_by: ExportUser | int | str | None = None
    result: list[_Result] = []
    was_cancelled: bool | None = False
    ground_truth: bool | None = False
    created_at: str | None = None
    updated_at: str | None = None
    lead_time: float | None = None
    updated_by: int | None = None
    import_id: int | None = None  # the id it had before a rebuild (``rebuilt``)


class _Prediction(msgspec.Struct):
    model_version: Any = None
    score: Any = None
    result: list[_Result] = []


class _Task(msgspec.Struct):
    id: int
    data: dict[str, Any] | None = None
    meta: dict[str, Any] | None = None
    annotations: list[_Annotation] | None = None
    completions: None = None  # the format before Label Studio 1.0: the general way
    drafts: list[msgspec.Raw] | None = None
    predictions: list[_Prediction] | None = None
    created_at: str | None = None
    updated_at: str | None = None


_DECODER = msgspec.json.Decoder(_Task)


class _Unusual(Exception):
    """What the typed decoder let through but only the general path reads right."""


def read_tasks(path: Path, notes: ReadNotes | None = None) -> Iterator[Task | MalformedTask]:
    """Every task of a Label Studio JSON export, parsed, in file order (a stream)."""
    notes = notes if notes is not None else ReadNotes()
    for index, raw in enumerate(raw_tasks(Path(path), notes)):
        task: Task | MalformedTask | None = direct_task(raw) if type(raw) is bytes else None
        if task is None:
            item = decode_task(path, index, raw)
            task = item if isinstance(item, MalformedTask) else parse_task(item, index, notes)
        yield task


def direct_task(raw: bytes) -> Task | None:
    """The task these bytes hold, when they hold only the common kinds (else None)."""
    try:
        task = _DECODER.decode(raw)
        return _task(task)
    except (msgspec.DecodeError, _Unusual):  # a ValidationError is a DecodeError
        return None


def _task(task: _Task) -> Task:
    task_id = int_id(task.id)
    data = task.data or {}
    text = data.get("text")
    if task_id is None or not isinstance(text, str):
        raise _Unusual  # a huge id, or the text in another field
    offsets = None if text.isascii() else Offsets(text)
    meta = task.meta or {}
    rebuilt = Rebuilt.of(meta) if "rebuilt" in meta else None
    if rebuilt is not None and rebuilt.task_id is not None:
        task_id = rebuilt.task_id
    annotations = []
    for raw in task.annotations or ():
        pulled_id = int_id(raw.id)
        if pulled_id is None:
            raise _Unusual
        spans, choices, region_choices, relations = _results(raw.result, data, offsets)
        author = user_id(raw.completed_by)
        if rebuilt is None:
            annotation_id, created_at, updated_at = pulled_id, raw.created_at, raw.updated_at
            edit = edit_of(raw.updated_by, author, updated_at)
        else:
            known = rebuilt.annotation(raw.import_id, raw.updated_by, pulled_id,
                                       raw.created_at, raw.updated_at)
            annotation_id, created_at, updated_at = known.id, known.created_at, known.updated_at
            edit = known.edit() or edit_of(raw.updated_by, author, updated_at)
        annotations.append(Annotation(
            id=annotation_id, task_id=task_id, annotator=annotator_name(raw.completed_by),
            created_at=created_at, updated_at=updated_at, lead_time=raw.lead_time,
            cancelled=bool(raw.was_cancelled), ground_truth=bool(raw.ground_truth),
            spans=spans, choices=choices, region_choices=region_choices, relations=relations,
            annotator_id=author, edit=edit))
    article_id = data.get("article_id") or meta.get("article_id")
    return Task(
        id=task_id, article_id=str(article_id) if article_id is not None else None, text=text,
        data=data, annotations=tuple(named_editors(annotations)),
        predictions=len(task.predictions or ()),
        drafts=len(task.drafts or ()), created_at=task.created_at, updated_at=task.updated_at,
        suggestion=_suggestion(task.predictions, data, offsets), meta=meta)


def _suggestion(predictions: list[_Prediction] | None, data: dict,
                offsets: Offsets | None) -> Suggestion | None:
    if not predictions:
        return None
    first = predictions[0]
    spans, choices, _, _ = _results(first.result, data, offsets)
    return Suggestion(
        model_version=first.model_version if isinstance(first.model_version, str) else None,
        crime_types=choices.get(CRIME_TYPES, ()),
        spans=frozenset([(s.control, s.start, s.end, label) for s in spans
                         for label in s.labels]),
        score=first.score if isinstance(first.score, int | float) else None)


def _results(items: list[_Result], data: dict, offsets: Offsets | None
             ) -> tuple[tuple[Span, ...], dict[str, tuple[str, ...]], tuple[RegionChoice, ...],
                        tuple[RegionRelation, ...]]:
    """Spans, document choices, region choices and relations, as ``records`` sorts them."""
    spans: list[Span] = []
    relations: list[RegionRelation] = []
    picked: list[tuple[str | None, str, tuple[str, ...], bool]] = []
    # ``kind is _Labels`` narrows nothing for mypy, and a cast() is a call per item: the
    # typed locals below say what the check found, at no cost.
    for item in items:
        kind = type(item)
        if kind is _Labels:
            labeled: _Labels = item  # type: ignore[assignment]
            to_name = labeled.to_name
            if to_name in data and type(data[to_name]) is not str:
                raise _Unusual  # a span on a field that holds no text
            value = labeled.value
            start, end, text = value.start, value.end, value.text
            if offsets is not None:
                start, end = offsets.resolve(start, end, text)
            spans.append(Span(labeled.id, labeled.from_name, tuple(value.labels), start, end,
                              text))
        elif kind is _Choices:
            choice_item: _Choices = item  # type: ignore[assignment]
            choice = choice_item.value
            picked.append((choice_item.id, choice_item.from_name, tuple(choice.choices),
                           choice.start is not None))
        else:
            relation: _Relation = item  # type: ignore[assignment]
            ends = (relation.from_id, relation.to_id)
            source, target = ends[::-1] if relation.direction == "left" else ends
            relations.append(RegionRelation(source, target, tuple(relation.labels),
                                            relation.direction))
    choices: dict[str, tuple[str, ...]] = {}
    region_choices: list[RegionChoice] = []
    if picked:
        # A choice without offsets belongs to a region when a span shares its id.
        regions = {s.region for s in spans}
        for rid, name, chosen, on_region in picked:
            if on_region or (rid is not None and rid in regions):
                region_choices.append(RegionChoice(rid, name, chosen))
            else:
                choices[name] = choices.get(name, ()) + chosen
    return tuple(spans), choices, tuple(region_choices), tuple(relations)
