"""The one pass over an export: each task decoded once, then validated, measured, decided.

Every offline step that decides is this pass with different listeners (see
docs/architecture.md): they see one task at a time and keep what they need.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from workbench.lsformat.reader import MalformedTask, ReadNotes
from workbench.quality.agreement import AgreementMeter
from workbench.quality.decide import CONFIDENCE, decide
from workbench.quality.inference import Aggregate, InferenceReport, fit
from workbench.quality.measure import Measure
from workbench.quality.own_versions import OwnVersions
from workbench.quality.review_round import Review
from workbench.quality.second_process import reading
from workbench.quality.suggestions import SuggestionMeter, SuggestionReport
from workbench.quality.validate import Finding, ValidationReport, Validator
from workbench.records.decisions import ArticleDecision
from workbench.records.reckoning import Reckoning, Tally
from workbench.records.tasks import TaskVotes, latest_by_annotator
from workbench.schema import SCHEMA, Schema
from workbench.settings import Settings
from workbench.store.rawpulls import Source


@dataclass(frozen=True)
class Voting:
    """How votes become decisions (``quality.decide``, ``quality.inference``)."""

    min_agree: int | None = None  # K; None: a strict majority of the article's annotators
    min_annotators: int = 2
    aggregate: Aggregate = "auto"  # a model of the annotators where the data allow it
    confidence: float = CONFIDENCE  # a model's value below this goes to review

    @classmethod
    def of(cls, settings: Settings, **chosen: Any) -> Voting:
        """The settings' rule, with what a command chose on top (None: not chosen)."""
        return cls(**{"aggregate": settings.aggregate, "confidence": settings.confidence,
                      **{key: value for key, value in chosen.items() if value is not None}})


DEFAULT = Voting()
MAJORITY = Voting(aggregate="majority")  # the rule before models: a strict majority


@dataclass
class DecidedTask(TaskVotes):
    """One task after the pass: its votes, its findings and its decision."""

    findings: list[Finding] = field(default_factory=list)
    decision: ArticleDecision = field(default=None)  # type: ignore[assignment]  # set by the pass


Listener = Callable[[DecidedTask], None]


@dataclass
class ChainResult:
    source: Source
    validation: ValidationReport
    meter: AgreementMeter | None
    reckoning: Reckoning
    suggestions: SuggestionReport
    decisions: dict[str, int] = field(default_factory=dict)  # by status
    inference: InferenceReport | None = None  # the models, when any decided
    uncertain: int = 0  # articles disputed because a model was not sure enough

    @property
    def malformed(self) -> int:
        return self.reckoning.tasks_set_aside.get("malformed", 0)


def run_chain(source: Source, *listeners: Listener, review: Review | None = None,
              voting: Voting = DEFAULT, meter: AgreementMeter | None = None,
              schema: Schema = SCHEMA, measures: Sequence[Measure] = (),
              own_versions: OwnVersions | None = None,
              second_process: bool | None = None) -> ChainResult:
    """Read ``source`` once; hand every well-formed task, checked and decided, to each
    listener.

    :param review: the review round's decisions (``quality.review_round``).
    :param meter: agreement, a measure like ``measures``: they see every well-formed task.
    :param own_versions: puts back the author's own version of an annotation someone else
        changed last, from the earlier pulls (``quality.own_versions``).
    :param second_process: read and measure in a second process (``quality.second_process``);
        None: when a second core and the export's size make it pay.
    """
    validator, counts, tally, uncertain = Validator(schema), Counter[str](), Tally(), 0
    notes, suggestions = ReadNotes(), SuggestionMeter()
    decisions = review.decisions if review is not None else {}
    slips = review.set_aside if review is not None else {}
    refuse_own = review is not None and review.refuse_own
    measures = [suggestions.shown, *([meter] if meter is not None else []), *measures]
    restore = own_versions.restore if own_versions is not None else None
    inference = fit(source, voting.aggregate, voting.confidence, restore)
    with reading(source.path, notes, measures, second_process, restore) as read, \
            _young_collections_only():
        source.hash_ahead()  # after the fork; its sha256 is asked for during or after the pass
        for task in read.tasks():
            findings = validator.add(task)
            if isinstance(task, MalformedTask):
                tally.malformed(task.annotations)
                continue
            article = task.article_id or ""
            decision = decide(task, findings, min_agree=voting.min_agree,
                              min_annotators=voting.min_annotators,
                              review=decisions.get(article),
                              review_set_aside=slips.get(article, ()), refuse_own=refuse_own,
                              posteriors=inference.article(article) if inference else None)
            counts[decision.status] += 1
            if decision.status == "disputed" and any(
                    d.posterior is not None for d in decision.disagreements):
                uncertain += 1
            _reckon(tally, len(task.annotations), decision)
            checked = DecidedTask(task, latest_by_annotator(task), findings, decision)
            if not read.in_second_process:
                for measure in measures:
                    measure.see(checked)
            suggestions.add(checked, decision)
            for listener in listeners:
                listener(checked)
    return ChainResult(source=source, validation=validator.report(source, notes),
                       meter=meter, reckoning=tally.reckoning(notes.lines()),
                       suggestions=suggestions.report(),
                       decisions=dict(sorted(counts.items())),
                       inference=inference.report() if inference else None,
                       uncertain=uncertain)


def _reckon(tally: Tally, annotations: int, decision: ArticleDecision) -> None:
    """A decided task: its annotations used (they voted) or set aside, and the parts set
    aside from those used, by rule."""
    tally.tasks += 1
    tally.tasks_used += 1
    tally.annotations += annotations
    tally.annotations_used += len(decision.inputs)
    if decision.set_aside:
        used = {i.annotation_id for i in decision.inputs}
        for part in decision.set_aside:
            if part.part == "the whole annotation":
                tally.set_aside(tally.annotations_set_aside, part.reason)
            elif part.annotation_id in used:
                tally.set_aside(tally.parts_set_aside, part.reason)


@contextmanager
def _young_collections_only() -> Iterator[None]:
    """The pass keeps growing state but makes few reference cycles: collecting the older
    generations would walk all of it again and again (a third of the time, measured)."""
    threshold = gc.get_threshold()
    gc.set_threshold(50_000, 1_000_000, 1_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
