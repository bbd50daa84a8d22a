"""Tasks and annotations as the offline steps read them (``lsformat`` makes them).

Span offsets are Python string indexes into ``Task.text``. msgspec structs: a big export
builds millions of them, and nothing changes them after parsing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import msgspec

Unit = tuple[str, int, int, str]  # a span with one of its labels: control, start, end, label


class Span(msgspec.Struct, gc=False):
    region: str | None
    control: str
    labels: tuple[str, ...]
    start: int  # Python index into the task's text
    end: int
    text: str | None  # the text Label Studio recorded for the span


class RegionChoice(msgspec.Struct, gc=False):
    """A per-region choice: ``values`` chosen for the region ``region``."""

    region: str | None
    control: str
    values: tuple[str, ...]


class RegionRelation(msgspec.Struct, gc=False):
    """A relation between two regions of one annotation, as Label Studio stores it."""

    source: str | None  # region ids, already in the direction the arrow points
    target: str | None
    labels: tuple[str, ...]
    direction: str


class FieldValue(msgspec.Struct, gc=False):
    """A document-level value of a control that is neither choices nor labels."""

    control: str
    kind: str  # textarea, rating, number, datetime or taxonomy
    value: Any  # hashable: str (textarea, datetime), float, or a set of paths (taxonomy)


class Other(msgspec.Struct, gc=False):
    """A result item of a kind the workbench does not read (kept, counted by kind)."""

    control: str | None
    type: str  # the result type, with "(per region)" for a value attached to a region


class Edit(msgspec.Struct, frozen=True, gc=False):
    """Who, other than its author, changed an annotation last; and what counts instead."""

    by_id: int  # their Label Studio user id
    at: str | None  # when (the annotation's updated_at as pulled)
    by: str = ""  # them, as the export names them (email, else user-<id>)
    restored_from: str | None = None  # the raw pull holding the author's own version used
    changed: bool | None = None  # whether they changed its content (None: nothing to compare)


class Annotation(msgspec.Struct, frozen=True, gc=False):
    id: int
    task_id: int
    annotator: str  # email when the export has it, else "user-<id>"
    created_at: str | None
    updated_at: str | None
    lead_time: float | None
    cancelled: bool
    ground_truth: bool
    spans: tuple[Span, ...] = ()
    choices: dict[str, tuple[str, ...]] = {}  # control -> values
    region_choices: tuple[RegionChoice, ...] = ()
    relations: tuple[RegionRelation, ...] = ()
    values: tuple[FieldValue, ...] = ()
    others: tuple[Other, ...] = ()
    annotator_id: int | None = None  # the author's Label Studio user id, when the export has it
    edit: Edit | None = None  # someone other than its author changed it last

    @property
    def authors_own(self) -> bool:
        """It counts as its author's: nobody else changed it last, or the author's own
        earlier version was restored in its place, or someone marked it ground truth (in
        Label Studio a reviewer's act, which wins over the votes in any case)."""
        return self.edit is None or self.edit.restored_from is not None or self.ground_truth

    def content(self) -> tuple:
        """What the annotator labeled, without who and when."""
        return (self.spans, self.choices, self.region_choices, self.relations, self.values,
                self.others)


class Suggestion(msgspec.Struct, frozen=True, gc=False):
    """What the task's (first) prediction suggested, as annotators saw it pre-filled."""

    model_version: str | None
    crime_types: tuple[str, ...]
    spans: frozenset[Unit]
    score: float | None = None


class Task(msgspec.Struct, frozen=True, gc=False):
    id: int  # a task without an id gets -(its position in the file + 1)
    article_id: str | None
    text: str | None
    data: dict
    annotations: tuple[Annotation, ...]
    predictions: int
    drafts: int
    created_at: str | None
    updated_at: str | None
    suggestion: Suggestion | None = None  # None: no prediction (the control share, say)
    meta: dict = {}

    @property
    def label(self) -> str:
        """How messages name the task: its id, or its position when it had none."""
        return f"task {self.id}" if self.id >= 0 else f"task #{-self.id} (no id)"


def span_units(annotation: Annotation) -> frozenset[Unit]:
    """The annotation's spans, one unit per label: what span agreement compares."""
    return frozenset([(s.control, s.start, s.end, label) for s in annotation.spans
                      for label in s.labels])


def latest_by_annotator(task: Task) -> dict[str, Annotation]:
    """Each annotator's latest submitted annotation of the task: their vote. Cancelled ones,
    and those someone else changed last (``Annotation.authors_own``), are no vote."""
    latest: dict[str, Annotation] = {}
    for annotation in task.annotations:
        if annotation.cancelled or not annotation.authors_own:
            continue
        current = latest.get(annotation.annotator)
        if current is None or (annotation.updated_at or "", annotation.id) > (
                current.updated_at or "", current.id):
            latest[annotation.annotator] = annotation
    return latest


@dataclass
class TaskVotes:
    """A well-formed task with each annotator's vote (``latest_by_annotator``), worked out
    once for every measure that reads it."""

    task: Task
    latest: dict[str, Annotation]

    @cached_property
    def units(self) -> dict[str, frozenset[Unit]]:
        """Each annotator's spans (of their latest annotation), one unit per label."""
        return {name: span_units(annotation) for name, annotation in self.latest.items()}
