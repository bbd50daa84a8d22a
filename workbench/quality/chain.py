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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from workbench.lsformat.reader import MalformedTask, ReadNotes
from workbench.lsformat.records import Task, read_tasks
from workbench.quality.adjudicate import ArticleDecision, decide
from workbench.quality.agreement import AgreementMeter
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
class Checked:
    """One task after the pass: its findings and its decision."""

    task: Task
    findings: list[Finding]
    decision: ArticleDecision


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
        for part in decision.set_aside:
            if part.part == "the whole annotation":
                _bump(self.annotations_set_aside, part.reason)
            elif part.annotation_id in {i.annotation_id for i in decision.inputs}:
                _bump(self.parts_set_aside, part.reason)


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
              schema: Schema = SCHEMA) -> ChainResult:
    """Read ``source`` once; hand every well-formed task, checked and decided, to each
    listener. ``review`` holds the review round's decisions (``quality.review``)."""
    validator, counts = Validator(schema), Counter()
    notes, reckoning, suggestions = ReadNotes(), Reckoning(), SuggestionMeter()
    decisions = review.decisions if review is not None else {}
    slips = review.set_aside if review is not None else {}
    with _young_collections_only():
        for task in read_tasks(source.path, notes):
            findings = validator.add(task)
            if isinstance(task, MalformedTask):
                reckoning.add(task, None)
                continue
            if meter is not None:
                meter.add(task)
            article = task.article_id or ""
            decision = decide(task, findings, min_agree=voting.min_agree,
                              min_annotators=voting.min_annotators,
                              review=decisions.get(article),
                              review_set_aside=slips.get(article, ()))
            counts[decision.status] += 1
            reckoning.add(task, decision)
            suggestions.add(task, decision)
            checked = Checked(task, findings, decision)
            for listener in listeners:
                listener(checked)
    reckoning.notes = notes.lines()
    return ChainResult(source=source, validation=validator.report(source, notes),
                       meter=meter, reckoning=reckoning, suggestions=suggestions.report(),
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
