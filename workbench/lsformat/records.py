"""Tasks and annotations as the offline steps see them, parsed from an export.

Validation, agreement and adjudication read these, never the export's raw
dicts. They are dataclasses, not pydantic models: the export format is guarded
once, at the edge (``lsexport``); these are built millions of times on a big
export, which is also why only tasks and annotations are frozen (a frozen
dataclass takes twice as long to build). Nothing modifies them after parsing.
Span offsets here are Python string indexes into ``Task.text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.lsformat.offsets import Offsets
from workbench.lsformat.reader import ExportAnnotation, ExportTask


@dataclass(slots=True)
class Span:
    region: str | None
    control: str
    labels: tuple[str, ...]
    start: int  # Python index into the task's text
    end: int
    text: str | None  # the text Label Studio recorded for the span


@dataclass(slots=True)
class RegionChoice:
    """A per-region choice: ``values`` chosen for the region ``region``."""

    region: str | None
    control: str
    values: tuple[str, ...]


@dataclass(slots=True)
class RegionRelation:
    """A relation between two regions of one annotation, as Label Studio stores it."""

    source: str | None  # region ids, already in the direction the arrow points
    target: str | None
    labels: tuple[str, ...]
    direction: str


@dataclass(slots=True)
class Other:
    """A result item of a kind the workbench does not read (kept, counted)."""

    control: str | None
    type: str


@dataclass(frozen=True, slots=True)
class Annotation:
    id: int
    task_id: int
    annotator: str  # email when the export has it, else "user-<id>"
    created_at: str | None
    updated_at: str | None
    lead_time: float | None
    cancelled: bool
    ground_truth: bool
    spans: tuple[Span, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # control -> values
    region_choices: tuple[RegionChoice, ...] = ()
    relations: tuple[RegionRelation, ...] = ()
    others: tuple[Other, ...] = ()


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    article_id: str | None
    text: str | None
    data: dict
    annotations: tuple[Annotation, ...]
    predictions: int
    drafts: int
    created_at: str | None
    updated_at: str | None


def annotator_name(completed_by) -> str:
    if completed_by is None:
        return "unknown"
    if isinstance(completed_by, int):
        return f"user-{completed_by}"
    return completed_by.email or f"user-{completed_by.id}"


def parse_task(task: ExportTask) -> Task:
    """An export task with its offsets converted to Python indexes."""
    text = _text(task)
    offsets = Offsets(text) if isinstance(text, str) else None
    meta = task.meta or {}
    article_id = task.data.get("article_id") or meta.get("article_id")
    return Task(
        id=task.id, article_id=str(article_id) if article_id is not None else None, text=text,
        data=task.data, annotations=tuple(_annotation(a, task.id, offsets)
                                          for a in task.annotations),
        predictions=len(task.predictions), drafts=len(task.drafts),
        created_at=task.created_at, updated_at=task.updated_at)


def _text(task: ExportTask) -> str | None:
    """The annotated text: ``data.text``, else the data field a span's ``to_name`` names."""
    text = task.data.get("text")
    if isinstance(text, str):
        return text
    for annotation in task.annotations:
        for item in annotation.result:
            value = task.data.get(item.get("to_name") or "")
            if isinstance(value, str):
                return value
    return None


def _annotation(raw: ExportAnnotation, task_id: int, offsets: Offsets | None) -> Annotation:
    spans, region_choices, relations, others = [], [], [], []
    choices: dict[str, tuple[str, ...]] = {}
    items = [(item, item.get("value") or {}) for item in raw.result]  # each looked up once
    regions = {item.get("id") for item, value in items if value.get("labels") is not None}
    for item, value in items:
        control, labels = item.get("from_name"), value.get("labels")
        if item["type"] == "relation":
            direction = item.get("direction")
            ends = (item.get("from_id"), item.get("to_id"))
            source, target = ends[::-1] if direction == "left" else ends
            relations.append(RegionRelation(source=source, target=target,
                                      labels=tuple(item.get("labels") or ()),
                                      direction=direction or "right"))
        elif labels is not None and (start := value.get("start")) is not None:
            end, text = value.get("end"), value.get("text")
            end = start if end is None else end
            if offsets is not None:
                start, end = offsets.resolve(start, end, text)
            spans.append(Span(region=item.get("id"), control=control or "",
                              labels=tuple(labels), start=start, end=end, text=text))
        elif (chosen := value.get("choices")) is not None:
            # Per-region choices carry the region's id (and, on text, its offsets).
            region = item.get("id")
            if value.get("start") is not None or region in regions:
                region_choices.append(RegionChoice(region=region, control=control or "",
                                                   values=tuple(chosen)))
            else:
                choices[control or ""] = choices.get(control or "", ()) + tuple(chosen)
        else:
            others.append(Other(control=control, type=item["type"]))
    return Annotation(
        id=raw.id, task_id=task_id, annotator=annotator_name(raw.completed_by),
        created_at=raw.created_at, updated_at=raw.updated_at, lead_time=raw.lead_time,
        cancelled=raw.was_cancelled, ground_truth=raw.ground_truth, spans=tuple(spans),
        choices=choices, region_choices=tuple(region_choices), relations=tuple(relations),
        others=tuple(others))
