"""One pass over an export: each task decoded once, then validated, measured and decided.

Every offline step is this pass with different listeners: ``validate`` keeps
the findings, ``agreement`` the meter, ``adjudicate`` logs the decisions,
``export`` stages gold records, ``report`` gathers its counts; ``sync`` runs
export and report from the same pass. Memory stays flat: listeners see one
task at a time and keep what they need.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.lsformat.reader import MalformedTask, iter_tasks
from workbench.lsformat.records import Annotation, Task, parse_task
from workbench.quality.adjudicate import ArticleDecision, decide
from workbench.quality.agreement import AgreementMeter
from workbench.quality.validate import Finding, ValidationReport, Validator
from workbench.schema import SCHEMA, Schema
from workbench.store.rawpulls import Source


@dataclass(frozen=True)
class Voting:
    """How votes become decisions (see ``adjudicate``)."""

    min_agree: int | None = None  # K; None: a strict majority of the article's annotators
    min_annotators: int = 2


@dataclass
class Checked:
    """One task after the pass: its findings and, when the pass decides, its decision."""

    task: Task
    findings: list[Finding]
    decision: ArticleDecision | None


MAJORITY = Voting()  # the default: a strict majority, two annotations at least
Listener = Callable[[Checked], None]


@dataclass
class ChainResult:
    source: Source
    validation: ValidationReport
    meter: AgreementMeter | None
    decisions: dict[str, int] = field(default_factory=dict)  # by status
    malformed: int = 0


def run_chain(source: Source, *listeners: Listener, decide_articles: bool = True,
              review: dict[str, Annotation] | None = None, voting: Voting = MAJORITY,
              meter: AgreementMeter | None = None, schema: Schema = SCHEMA) -> ChainResult:
    """Read ``source`` once; hand every well-formed task, checked, to each listener."""
    validator = Validator(schema)
    review = review or {}
    counts: Counter = Counter()
    malformed = 0
    for item in iter_tasks(source.path):
        task = item if isinstance(item, MalformedTask) else parse_task(item)
        findings = validator.add(task)
        if isinstance(task, MalformedTask):
            malformed += 1
            continue
        if meter is not None:
            meter.add(task)
        decision = None
        if decide_articles:
            decision = decide(task, findings, min_agree=voting.min_agree,
                              min_annotators=voting.min_annotators,
                              review=review.get(task.article_id or ""))
            counts[decision.status] += 1
        checked = Checked(task, findings, decision)
        for listener in listeners:
            listener(checked)
    return ChainResult(source=source, validation=validator.report(source=source),
                       meter=meter, decisions=dict(sorted(counts.items())),
                       malformed=malformed)
