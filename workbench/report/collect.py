"""What the maintainer's quality report shows, gathered in one streaming pass over a pull.

Which gold version and pulls it describes, progress, label distributions,
agreement with bootstrap intervals (and what each alpha is made of), confusion
between annotators, where disagreements cluster, the articles worth a look
(``articles``), what the pre-annotations did, each annotator against gold over
time (``history``) and the validation findings. ``page`` draws it; this module
only counts.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from functools import lru_cache
from itertools import combinations
from pathlib import Path

from pydantic import BaseModel, Field

from workbench.errors import InputError
from workbench.gold.versions import gold_root, resolve
from workbench.quality.agreement import AgreementMeter, AgreementReport
from workbench.quality.chain import ChainResult, DecidedTask, Voting, run_chain
from workbench.quality.independence import (
    CopyMeter,
    CopyReport,
    EditNotice,
    People,
    edits_in,
)
from workbench.quality.inference import InferenceReport
from workbench.quality.measure import Measure
from workbench.quality.own_versions import OwnVersions
from workbench.quality.review_round import IgnoredReview, Review, latest_review, refused
from workbench.quality.suggestions import SuggestionReport
from workbench.quality.validate import Summary
from workbench.records.tasks import Annotation, TaskVotes
from workbench.report.articles import ArticlePicker, ArticleView
from workbench.report.history import GoldComparer, PullLine, WithGold
from workbench.schema import SCHEMA, Schema
from workbench.settings import Settings
from workbench.store.rawpulls import Source, open_export, sha256_file

NONE = "(none)"
TOP = 20  # articles and labels listed where disagreements cluster
SHOWN_FINDINGS = 200
REPLICATES = 500  # bootstrap resamples for the intervals


class AnnotatorProgress(BaseModel):
    submitted: int = 0
    cancelled: int = 0
    with_errors: int = 0
    mean_lead_time: float | None = None  # seconds


class Confusion(BaseModel):
    """How any two annotators labelled the articles both did, pooled over every pair:
    each pair of ratings adds a cell both ways, so the matrix is symmetric."""

    field: str
    labels: list[str]
    counts: list[list[int]]
    pairs: int  # (annotator pair, article) ratings compared


class GoldVersion(BaseModel):
    """The gold version the report goes with."""

    version: str
    manifest_sha256: str
    from_this_pull: bool  # made from the pull the report reads (else from other pulls)
    articles: int


class Header(BaseModel):
    gold: GoldVersion | None = None
    pulls: list[dict[str, str]] = Field(default_factory=list)  # file, sha256
    annotators: list[str] = Field(default_factory=list)
    adjudicators: list[str] = Field(default_factory=list)
    pending: int = 0


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
    header: Header = Field(default_factory=Header)
    articles: list[ArticleView] = Field(default_factory=list)
    suggestions: SuggestionReport = Field(default_factory=SuggestionReport)
    control_share: float | None = None  # WORKBENCH_CONTROL_SHARE now (it acts when pushing)
    with_gold: dict[str, WithGold] = Field(default_factory=dict)  # this pull, per annotator
    history: list[PullLine] = Field(default_factory=list)  # filled when the page is written
    edits: list[EditNotice] = Field(default_factory=list)  # annotations someone else changed last
    ignored_reviews: list[IgnoredReview] = Field(default_factory=list)
    copying: CopyReport = Field(default_factory=CopyReport)
    inference: InferenceReport | None = None  # the models that decided, and competence
    uncertain: int = 0  # articles in review because a model was not sure enough


def collect(settings: Settings, *, export: Path | None = None, voting: Voting | None = None,
            schema: Schema = SCHEMA, replicates: int = REPLICATES) -> ReportData:
    """Everything the report shows, from ``export`` or the latest pull (one pass)."""
    source = open_export(settings, export)  # a tampered pull stops here
    review = latest_review(settings)
    collector = ReportCollector(settings, schema, replicates=replicates)
    result = run_chain(source, collector.add, review=review,
                       voting=voting or Voting.of(settings),
                       meter=collector.meter(), measures=collector.measures(), schema=schema,
                       own_versions=OwnVersions.for_source(settings, source))
    return collector.finish(result, review, latest_gold(gold_root(settings), source))


def latest_gold(root: Path, source: Source) -> GoldVersion | None:
    """The latest gold version under ``root``, and whether it was made from ``source``."""
    try:
        folder = resolve(root, "latest")
    except InputError:
        return None
    manifest = json.loads((folder / "manifest.json").read_text())
    return GoldVersion(version=folder.name, manifest_sha256=sha256_file(folder / "manifest.json"),
                       from_this_pull=any(p.get("sha256") == source.sha256
                                          for p in manifest.get("pulls", [])),
                       articles=manifest.get("counts", {}).get("articles", 0))


class Counts(Measure):
    """The report's counts that need only the tasks as read (a ``Measure``, which may run
    apart from the pass): progress, who submitted and skipped what, lead times, label
    distributions and the confusion between annotators."""

    def __init__(self, overlap: int, confusion_fields: list[str]):
        self.overlap, self.confusion_fields = overlap, confusion_fields
        self.states: Counter = Counter()
        self.submitted: Counter = Counter()
        self.cancelled: Counter = Counter()
        self.lead: dict[str, list[float]] = {}  # annotator -> total, count
        self.distributions: dict[str, Counter] = defaultdict(Counter)
        self.pairs: dict[str, Counter] = defaultdict(Counter)  # field -> (x, y) -> count
        self.shared: Counter = Counter()  # field -> pairs compared

    def measure(self, votes: TaskVotes) -> None:
        latest = votes.latest
        for annotation in votes.task.annotations:
            if annotation.cancelled:
                self.cancelled[annotation.annotator] += 1
        done = len(latest)
        self.states["not started" if done == 0 else "complete" if done >= self.overlap
                    else "in progress"] += 1
        for name, annotation in latest.items():
            self.submitted[name] += 1
            if annotation.lead_time is not None:
                lead = self.lead.setdefault(name, [0.0, 0])
                lead[0] += annotation.lead_time
                lead[1] += 1
            self._count_labels(annotation)
        for field in self.confusion_fields:
            self._confuse(field, latest)

    def _count_labels(self, annotation: Annotation) -> None:
        distributions = self.distributions
        for control, values in annotation.choices.items():
            counts = distributions[control]
            for value in values:
                counts[value] += 1
        for span in annotation.spans:
            counts = distributions[span.control]
            for label in span.labels:
                counts[label] += 1
        for choice in annotation.region_choices:
            counts = distributions[choice.control]
            for value in choice.values:
                counts[value] += 1

    def _confuse(self, field: str, latest: dict[str, Annotation]) -> None:
        rated = {name: a.choices[field] for name, a in latest.items() if a.choices.get(field)}
        cells = self.pairs[field]
        for a, b in combinations(sorted(rated), 2):
            self.shared[field] += 1
            for x, y in _cells(rated[a], rated[b]):
                cells[x, y] += 1
                cells[y, x] += 1


class ReportCollector:
    """A chain listener that counts what the report shows; ``finish`` makes the data.
    ``counts`` and ``meter()`` are the chain's measures (pass them to ``run_chain``)."""

    def __init__(self, settings: Settings, schema: Schema = SCHEMA, *,
                 replicates: int = REPLICATES):
        self.overlap, self.control_share = settings.overlap, settings.control_share
        self.schema = schema
        self.replicates = replicates
        self.counts = Counts(self.overlap, [spec.name for spec in schema.fields
                                            if spec.kind in ("single", "multi")])
        self.tasks = 0
        self.decisions: Counter = Counter()
        self.order = {spec.name: [v.id for v in spec.values] for spec in schema.fields}
        self.articles: list[ArticleDisagreements] = []
        self.labels: Counter = Counter()
        self.picker = ArticlePicker()
        self.gold = GoldComparer()
        self.copying = CopyMeter()
        self.edits: list[EditNotice] = []
        self.people = People()
        self.refused: list[IgnoredReview] = []  # adjudicators' decisions on their own articles

    def measures(self) -> list[Measure]:
        """The measures the report needs beside agreement (pass them to ``run_chain``)."""
        return [self.counts, self.copying]

    def meter(self) -> AgreementMeter:
        """The agreement meter the report needs: with bootstrap replicates for intervals."""
        return AgreementMeter(self.schema, replicates=self.replicates)

    def add(self, checked: DecidedTask) -> None:
        task, decision = checked.task, checked.decision
        self.tasks += 1
        self.people.add(task)
        if any(a.edit is not None for a in task.annotations):
            self.edits += edits_in(task)
        if (refusal := refused(decision)) is not None:
            self.refused.append(refusal)
        self.picker.add(checked)
        self.gold.add(checked)
        self.decisions[decision.status] += 1
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

    def finish(self, result: ChainResult, review: Review | None = None,
               gold: GoldVersion | None = None) -> ReportData:
        """The report's data; ``review`` and ``gold`` name what it goes with."""
        meter, validation = result.meter, result.validation
        assert meter is not None  # run_chain was given self.meter()
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
        pulls = [{"file": result.source.name, "sha256": result.source.sha256}]
        if review is not None and review.source is not None:
            pulls.append({"file": review.source.name, "sha256": review.source.sha256})
        data.header = Header(
            gold=gold, pulls=pulls, annotators=sorted(self.counts.submitted),
            adjudicators=sorted(review.adjudicators) if review is not None else [],
            pending=sum(n for status, n in result.decisions.items()
                        if status in ("disputed", "awaiting")))
        data.articles = self.picker.views()
        data.suggestions, data.control_share = result.suggestions, self.control_share
        data.with_gold = self.gold.figures()
        data.edits = self.people.named(self.edits)
        data.ignored_reviews = [*(review.ignored if review is not None else []), *self.refused]
        data.copying = self.copying.report()
        data.inference, data.uncertain = result.inference, result.uncertain
        return data

    def _fill(self, data: ReportData) -> None:
        counts = self.counts
        data.tasks = self.tasks
        data.states = {s: counts.states[s] for s in ("not started", "in progress", "complete")}
        data.decisions = dict(sorted(self.decisions.items()))
        for name in sorted(set(counts.submitted) | set(counts.cancelled)):
            total, count = counts.lead.get(name, (0.0, 0))
            data.annotators[name] = AnnotatorProgress(
                submitted=counts.submitted[name], cancelled=counts.cancelled[name],
                mean_lead_time=total / count if count else None)
        data.distributions = {field: dict(values.most_common())
                              for field, values in sorted(counts.distributions.items())}
        for field in counts.confusion_fields:
            cells = counts.pairs.get(field)
            if not cells:
                continue
            order = self.order.get(field, [])
            labels = sorted({x for x, _ in cells}, key=lambda v: (
                v == NONE, order.index(v) if v in order else len(order), v))
            data.confusions.append(Confusion(
                field=field, labels=labels, pairs=counts.shared[field],
                counts=[[cells[x, y] for y in labels] for x in labels]))
        data.disputed_articles = self.articles
        data.disputed_labels = dict(self.labels.most_common(TOP))


@lru_cache(maxsize=4096)
def _cells(a: tuple[str, ...], b: tuple[str, ...]) -> list[tuple[str, str]]:
    """``confusion_cells`` of two annotations' choices, remembered: few combinations recur."""
    return confusion_cells(set(a), set(b))


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
