"""One pass over an export: each task decoded once, then validated, measured and decided.

Every offline step that decides is this pass with different listeners:
``adjudicate`` logs the decisions, ``export`` stages gold records, ``report``
gathers its counts, ``feedback`` the slips; ``sync`` runs them all from the same
pass. Memory stays flat: listeners see one task at a time and keep what they
need. The pass also reckons: every task and annotation read is used, or set
aside with its reason.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from workbench.lsformat.reader import MalformedTask, ReadNotes
from workbench.lsformat.records import Task
from workbench.quality.adjudicate import ArticleDecision, decide
from workbench.quality.agreement import AgreementMeter, latest_by_annotator
from workbench.quality.apart import Measure, Read, reading
from workbench.quality.suggestions import SuggestionMeter, SuggestionReport
from workbench.quality.validate import Finding, ValidationReport, Validator
from workbench.schema import SCHEMA, Schema
from workbench.store.rawpulls import Source

if TYPE_CHECKING:  # review builds on the chain
    from workbench.quality.review import Review


@dataclass(frozen=True)
class Voting:
    """How votes become decisions (see ``adjudicate``)."""

    min_agree: int | None = None  # K; None: a strict majority of the article's annotators
    min_annotators: int = 2


@dataclass
class Checked(Read):
    """One task after the pass: as read (``apart.Read``: the task, each annotator's latest
    annotation), its findings and its decision."""

    findings: list[Finding] = field(default_factory=list)
    decision: ArticleDecision | None = None


MAJORITY = Voting()  # the default: a strict majority, two annotations at least
Listener = Callable[[Checked], None]


class Reckoning(BaseModel):
    """Everything read, accounted for: each task and annotation is used, or set aside with
    the reason; the parts set aside from annotations that were used are counted by rule."""

    tasks: int = 0
    tasks_used: int = 0
    tasks_set_aside: dict[str, int] = Field(default_factory=dict)
    annotations: int = 0
    annotations_used: int = 0  # each annotator's latest, not cancelled: they voted
    annotations_set_aside: dict[str, int] = Field(default_factory=dict)
    parts_set_aside: dict[str, int] = Field(default_factory=dict)  # rule -> parts
    notes: list[str] = Field(default_factory=list)  # what the reader made up or translated

    @property
    def balanced(self) -> bool:
        return (self.tasks == self.tasks_used + sum(self.tasks_set_aside.values())
                and self.annotations == self.annotations_used
                + sum(self.annotations_set_aside.values()))


class _Reckoner:
    """Counts for the ``Reckoning`` during the pass, in plain integers (setting a pydantic
    model's attribute costs more than the counting)."""

    def __init__(self):
        self.tasks = self.tasks_used = self.annotations = self.annotations_used = 0
        self.tasks_set_aside: dict[str, int] = {}
        self.annotations_set_aside: dict[str, int] = {}
        self.parts_set_aside: dict[str, int] = {}

    def add(self, task: Task | MalformedTask, decision: ArticleDecision | None) -> None:
        self.tasks += 1
        if isinstance(task, MalformedTask):
            _bump(self.tasks_set_aside, "malformed")
            self.annotations += task.annotations
            if task.annotations:
                _bump(self.annotations_set_aside, "in a malformed task", task.annotations)
            return
        self.tasks_used += 1
        self.annotations += len(task.annotations)
        self.annotations_used += len(decision.inputs)
        if decision.set_aside:
            used = {i.annotation_id for i in decision.inputs}
            for part in decision.set_aside:
                if part.part == "the whole annotation":
                    _bump(self.annotations_set_aside, part.reason)
                elif part.annotation_id in used:
                    _bump(self.parts_set_aside, part.reason)

    def reckoning(self, notes: list[str]) -> Reckoning:
        return Reckoning(tasks=self.tasks, tasks_used=self.tasks_used,
                         tasks_set_aside=self.tasks_set_aside, annotations=self.annotations,
                         annotations_used=self.annotations_used,
                         annotations_set_aside=self.annotations_set_aside,
                         parts_set_aside=self.parts_set_aside, notes=notes)


def _bump(counts: dict[str, int], key: str, by: int = 1) -> None:
    counts[key] = counts.get(key, 0) + by


@dataclass
class ChainResult:
    source: Source
    validation: ValidationReport
    meter: AgreementMeter | None
    reckoning: Reckoning
    suggestions: SuggestionReport
    decisions: dict[str, int] = field(default_factory=dict)  # by status

    @property
    def malformed(self) -> int:
        return self.reckoning.tasks_set_aside.get("malformed", 0)


def run_chain(source: Source, *listeners: Listener, review: Review | None = None,
              voting: Voting = MAJORITY, meter: AgreementMeter | None = None,
              schema: Schema = SCHEMA, measures: Sequence[Measure] = (),
              apart: bool | None = None) -> ChainResult:
    """Read ``source`` once; hand every well-formed task, checked and decided, to each
    listener. ``review`` holds the review round's decisions (``quality.review``).
    ``meter`` (agreement) and ``measures`` see every well-formed task as read; they run
    apart, with the reading, in a second process when ``apart`` (None: when a second core
    and the export's size make it pay, ``apart.worth_it``), else in the pass; they hold
    the same figures either way."""
    validator, counts = Validator(schema), Counter()
    notes, reckoner, suggestions = ReadNotes(), _Reckoner(), SuggestionMeter()
    decisions = review.decisions if review is not None else {}
    slips = review.set_aside if review is not None else {}
    measures = [suggestions.shown, *([meter] if meter is not None else []), *measures]
    with reading(source.path, notes, measures, apart) as read, _young_collections_only():
        source.hash_ahead()  # after the fork; its sha256 is asked for during or after the pass
        for task in read.tasks():
            findings = validator.add(task)
            if isinstance(task, MalformedTask):
                reckoner.add(task, None)
                continue
            article = task.article_id or ""
            decision = decide(task, findings, min_agree=voting.min_agree,
                              min_annotators=voting.min_annotators,
                              review=decisions.get(article),
                              review_set_aside=slips.get(article, ()))
            counts[decision.status] += 1
            reckoner.add(task, decision)
            checked = Checked(task, latest_by_annotator(task), findings, decision)
            if not read.apart:
                for measure in measures:
                    measure.measure(checked)
            suggestions.add(checked)
            for listener in listeners:
                listener(checked)
    return ChainResult(source=source, validation=validator.report(source, notes),
                       meter=meter, reckoning=reckoner.reckoning(notes.lines()),
                       suggestions=suggestions.report(),
                       decisions=dict(sorted(counts.items())))


@contextmanager
def _young_collections_only() -> Iterator[None]:
    """The pass keeps growing state (counts, staged offsets, findings) but makes few
    reference cycles: Python's collections of the older generations would walk all of it
    again and again (a third of the time, measured). During the pass only young objects are
    collected, as they pile up."""
    threshold = gc.get_threshold()
    gc.set_threshold(50_000, 1_000_000, 1_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
