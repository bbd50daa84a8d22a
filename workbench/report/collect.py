"""What the maintainer's quality report shows, gathered in one streaming pass over a pull.

Progress, label distributions, agreement with bootstrap intervals, annotator
by annotator confusion matrices, where disagreements cluster and the validation
findings. ``reportpage`` draws it; this module only counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

from pydantic import BaseModel, Field

from workbench.lsformat.records import Annotation
from workbench.quality.agreement import AgreementMeter, AgreementReport, latest_by_annotator
from workbench.quality.chain import MAJORITY, ChainResult, Checked, Voting, run_chain
from workbench.quality.review import latest_review
from workbench.quality.validate import Summary
from workbench.schema import SCHEMA, Schema
from workbench.settings import Settings
from workbench.store.rawpulls import open_export

NONE = "(none)"
TOP = 20  # articles and labels listed where disagreements cluster
SHOWN_FINDINGS = 200
CONFUSION_PAIRS = 6  # annotator pairs with the most shared articles
REPLICATES = 500  # bootstrap resamples for the intervals


class AnnotatorProgress(BaseModel):
    submitted: int = 0
    cancelled: int = 0
    with_errors: int = 0
    mean_lead_time: float | None = None  # seconds


class Confusion(BaseModel):
    """How annotator ``a`` (rows) and ``b`` (columns) labelled the articles both did."""

    field: str
    a: str
    b: str
    labels: list[str]
    counts: list[list[int]]
    shared: int  # articles both labelled


class ArticleDisagreements(BaseModel):
    article_id: str
    title: str | None
    disagreements: int
    fields: list[str]


class ReportData(BaseModel):
    source: str
    sha256: str
    overlap: int
    tasks: int = 0
    states: dict[str, int] = Field(default_factory=dict)  # not started / in progress / complete
    decisions: dict[str, int] = Field(default_factory=dict)  # agreed, disputed, ...
    annotators: dict[str, AnnotatorProgress] = Field(default_factory=dict)
    distributions: dict[str, dict[str, int]] = Field(default_factory=dict)  # field -> value
    agreement: AgreementReport
    # field -> value or label ("" for the whole field) -> (low, high) or None
    intervals: dict[str, dict[str, tuple[float, float] | None]] = Field(default_factory=dict)
    confusions: list[Confusion] = Field(default_factory=list)
    disputed_articles: list[ArticleDisagreements] = Field(default_factory=list)
    disputed_labels: dict[str, int] = Field(default_factory=dict)  # "field: label" -> count
    validation: Summary
    findings: list[dict] = Field(default_factory=list)  # the first SHOWN_FINDINGS


def collect(settings: Settings, *, export: Path | None = None, voting: Voting = MAJORITY,
            schema: Schema = SCHEMA, replicates: int = REPLICATES) -> ReportData:
    """Everything the report shows, from ``export`` or the latest pull (one pass)."""
    source = open_export(settings, export)  # a tampered pull stops here
    review = latest_review(settings)
    gatherer = Gatherer(settings, schema, replicates=replicates)
    result = run_chain(source, gatherer.add, review=review, voting=voting,
                       meter=gatherer.meter(), schema=schema)
    return gatherer.finish(result)


class Gatherer:
    """A chain listener that counts what the report shows; ``finish`` makes the data."""

    def __init__(self, settings: Settings, schema: Schema = SCHEMA, *,
                 replicates: int = REPLICATES):
        self.overlap = settings.overlap
        self.schema = schema
        self.replicates = replicates
        self.confusion_fields = [spec.name for spec in schema.fields
                                 if spec.kind in ("single", "multi")]
        self.tasks = 0
        self.states: Counter = Counter()
        self.decisions: Counter = Counter()
        self.submitted: Counter = Counter()
        self.cancelled: Counter = Counter()
        self.lead: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
        self.distributions: dict[str, Counter] = defaultdict(Counter)
        self.pairs: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
        self.shared: dict[tuple[str, str, str], int] = Counter()
        self.articles: list[ArticleDisagreements] = []
        self.labels: Counter = Counter()

    def meter(self) -> AgreementMeter:
        """The agreement meter the report needs: with bootstrap replicates for intervals."""
        return AgreementMeter(self.schema, replicates=self.replicates)

    def add(self, checked: Checked) -> None:
        task, decision = checked.task, checked.decision
        self.tasks += 1
        for annotation in task.annotations:
            if annotation.cancelled:
                self.cancelled[annotation.annotator] += 1
        latest = latest_by_annotator(task)
        done = len(latest)
        self.states["not started" if done == 0 else "complete" if done >= self.overlap
                    else "in progress"] += 1
        self.decisions[decision.status] += 1
        for name, annotation in latest.items():
            self.submitted[name] += 1
            if annotation.lead_time is not None:
                self.lead[name][0] += annotation.lead_time
                self.lead[name][1] += 1
            self._count_labels(annotation)
        for field in self.confusion_fields:
            self._confuse(field, latest)
        if decision.disagreements:
            self.articles.append(ArticleDisagreements(
                article_id=decision.article_id, title=task.data.get("title") or None,
                disagreements=len(decision.disagreements),
                fields=sorted({d.field for d in decision.disagreements})))
            self.articles = sorted(self.articles, key=lambda a: (-a.disagreements,
                                                                 a.article_id))[:TOP]
            for disagreement in decision.disagreements:
                for label in disagreement.labels or [NONE]:
                    self.labels[f"{disagreement.field}: {label}"] += 1

    def _count_labels(self, annotation: Annotation) -> None:
        for control, values in annotation.choices.items():
            self.distributions[control].update(values)
        for span in annotation.spans:
            self.distributions[span.control].update(span.labels)
        for choice in annotation.region_choices:
            self.distributions[choice.control].update(choice.values)

    def _confuse(self, field: str, latest: dict[str, Annotation]) -> None:
        rated = {name: set(a.choices[field]) for name, a in latest.items()
                 if a.choices.get(field)}
        for a, b in combinations(sorted(rated), 2):
            key = (field, a, b)
            self.shared[key] += 1
            self.pairs[key].update(confusion_cells(rated[a], rated[b]))

    def finish(self, result: ChainResult) -> ReportData:
        meter, validation = result.meter, result.validation
        intervals = {field: {label or "": value for label, value in by_label.items()}
                     for field, by_label in meter.intervals().items()}
        data = ReportData(
            source=result.source.name, sha256=result.source.sha256, overlap=self.overlap,
            agreement=meter.report(), intervals=intervals, validation=validation.summary,
            findings=[f.model_dump() for f in validation.findings[:SHOWN_FINDINGS]])
        self._fill(data)
        for name, person in validation.summary.by_annotator.items():
            data.annotators.setdefault(name, AnnotatorProgress()).with_errors = (
                person.with_errors)
        return data

    def _fill(self, data: ReportData) -> None:
        data.tasks = self.tasks
        data.states = {s: self.states[s] for s in ("not started", "in progress", "complete")}
        data.decisions = dict(sorted(self.decisions.items()))
        for name in sorted(set(self.submitted) | set(self.cancelled)):
            total, count = self.lead.get(name, (0.0, 0))
            data.annotators[name] = AnnotatorProgress(
                submitted=self.submitted[name], cancelled=self.cancelled[name],
                mean_lead_time=total / count if count else None)
        data.distributions = {field: dict(counts.most_common())
                              for field, counts in sorted(self.distributions.items())}
        for field in self.confusion_fields:
            keys = sorted((k for k in self.shared if k[0] == field),
                          key=lambda k: (-self.shared[k], k))[:CONFUSION_PAIRS]
            for key in keys:
                cells = self.pairs[key]
                labels = sorted({x for x, _ in cells} | {y for _, y in cells},
                                key=lambda v: (v == NONE, v))
                data.confusions.append(Confusion(
                    field=field, a=key[1], b=key[2], labels=labels, shared=self.shared[key],
                    counts=[[cells[x, y] for y in labels] for x in labels]))
        data.disputed_articles = self.articles
        data.disputed_labels = dict(self.labels.most_common(TOP))


def confusion_cells(a: set[str], b: set[str]) -> list[tuple[str, str]]:
    """The (a's value, b's value) cells one article adds to a confusion matrix.

    A single choice gives one cell. For a multi choice, values both chose sit on
    the diagonal; each value only one chose is paired with each value only the
    other chose (a substitution) or, when the other has none left, with "(none)".
    """
    both = a & b
    only_a, only_b = sorted(a - b), sorted(b - a)
    cells = [(v, v) for v in sorted(both)]
    if only_a and only_b:
        cells += [(x, y) for x in only_a for y in only_b]
    else:
        cells += [(x, NONE) for x in only_a] + [(NONE, y) for y in only_b]
    return cells
