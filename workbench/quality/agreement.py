"""Inter-annotator agreement on any Label Studio export, field by field, by kind.

Which coefficients each kind of field gets is in docs/architecture.md ("Agreement"). An item
is a task (or a region); items with fewer than two ratings drop out, as Krippendorff defines
missing values; each annotator's latest, not cancelled, annotation counts. A field the
schema does not know takes several values once any annotation gives it several.
"""


from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations
from pathlib import Path
from typing import Any, Literal, TypedDict, cast

from pydantic import BaseModel, Field, field_serializer

from workbench.lsformat.reader import MalformedTask, ReadNotes
from workbench.lsformat.stream import read_tasks
from workbench.quality.measure import Measure
from workbench.records.reckoning import Reckoning, Tally
from workbench.records.tasks import Annotation, Task, TaskVotes, latest_by_annotator
from workbench.schema import SCHEMA, Schema
from workbench.stats.bootstrap import (
    AlphaReplicates,
    BinaryReplicates,
    F1Replicates,
    Interval,
    Weights,
)
from workbench.stats.coefficients import (
    Alpha,
    BinaryAgreement,
    Fleiss,
    Metric,
    PairwiseCohen,
    PercentAgreement,
    interval,
    masi,
    nominal,
)
from workbench.stats.unitizing import UnitizingAlpha
from workbench.store.rawpulls import Source, as_source

Kind = Literal["single", "multi", "spans", "rating", "number", "datetime", "textarea",
               "taxonomy"]
# Controls with one value each, and how their values differ (Krippendorff's metrics).
VALUE_METRICS: dict[str, Metric | str] = {
    "rating": "ordinal", "number": interval, "datetime": nominal, "textarea": nominal,
    "taxonomy": masi}


class LabelAgreement(BaseModel):
    items: int | None = None
    krippendorff_alpha: float | None = None
    undefined: str | None = None  # why alpha is undefined, when it is
    percent_agreement: float | None = None
    f1_exact: float | None = None
    f1_overlap: float | None = None
    unitizing_alpha: float | None = None


class FieldAgreement(BaseModel):
    kind: Kind
    items: int
    raters: int
    krippendorff_alpha: float | None = None
    fleiss_kappa: float | None = None
    cohen_kappa_mean: float | None = None
    cohen_kappa_pairwise: dict[str, dict[str, float | None]] | None = None
    percent_agreement: float | None = None
    f1_exact: float | None = None
    f1_overlap: float | None = None
    unitizing_alpha: float | None = None
    # What alpha is made of, for choices: 1 - D_o and 1 - D_e, the agreement observed and
    # the agreement chance alone would give; alpha = 1 - D_o / D_e.
    observed_agreement: float | None = None
    expected_agreement: float | None = None
    undefined: str | None = None  # why alpha is undefined, when it is
    per_label: dict[str, LabelAgreement] = Field(default_factory=dict)


class AnnotatorAgreement(BaseModel):
    items: int = 0  # tasks annotated (not cancelled)
    mean_pairwise_agreement: float | None = None  # identical choices, over shared items
    f1_exact: float | None = None  # spans, against each other annotator


class AgreementReport(BaseModel):
    source: str | None = None
    tasks: int = 0
    fields: dict[str, FieldAgreement] = Field(default_factory=dict)
    # Result items no coefficient here measures, by kind: "rectanglelabels: 12", ...
    not_measured: dict[str, int] = Field(default_factory=dict)
    reckoning: Reckoning = Field(default_factory=Reckoning)  # used: measured (2+ annotators)

    @field_serializer("reckoning")
    def _as_agreement_counts(self, reckoning: Reckoning) -> dict[str, Any]:
        """In JSON, "used" is ``tasks_measured``, as agreement has always called it; no
        part of an annotation is set aside here."""
        return {("tasks_measured" if key == "tasks_used" else key): value
                for key, value in reckoning.model_dump().items() if key != "parts_set_aside"}
    annotators: dict[str, AnnotatorAgreement] = Field(default_factory=dict)


def agreement_export(source: Source | Path, schema: Schema = SCHEMA) -> AgreementReport:
    """Agreement of a Label Studio JSON export, read as a stream."""
    source = as_source(source)
    meter, notes = AgreementMeter(schema), ReadNotes()
    for task in read_tasks(source.path, notes):
        meter.add(task)
    report = meter.report()
    report.source = str(source.path)
    report.reckoning.notes = notes.lines()
    return report


RatingCounts = tuple[dict[frozenset[str], int], dict[str, int]]


class _Tallies:
    """How many raters gave each rating, and chose each value (in order of first
    appearance), remembered: an export has few distinct combinations of ratings."""

    LIMIT = 10_000  # distinct combinations remembered; past that, forgotten and counted anew

    def __init__(self) -> None:
        self._known: dict[tuple[frozenset[str], ...], RatingCounts] = {}

    def __call__(self, ratings: tuple[frozenset[str], ...]) -> RatingCounts:
        found = self._known.get(ratings)
        if found is None:
            counts: dict[frozenset[str], int] = {}
            chosen: dict[str, int] = {}
            for rating in ratings:
                counts[rating] = counts.get(rating, 0) + 1
                for value in rating:
                    chosen[value] = chosen.get(value, 0) + 1
            if len(self._known) > self.LIMIT:  # keep memory bounded
                self._known.clear()
            found = self._known[ratings] = (counts, chosen)
        return found


class _ChoiceField:
    """Accumulators of one choice field (document-level or per region).

    ``multi`` is None for a field the schema does not know: both kinds are
    measured until the data shows several values in one rating. An export has
    few distinct sets of ratings (who chose what), so each item is counted by its
    set as it comes, and the sets are spread into the accumulators, each once with
    how often it came, when the result is asked for (or when many pile up). The
    bootstrap's resamples weigh each article apart: they take every item as it
    comes.
    """

    PENDING = 50_000  # distinct sets of ratings held before they are spread

    def __init__(self, multi: bool | None, weights: Weights | None, tally: _Tallies):
        self.tally = tally
        self.known = multi is not None
        self.multi = bool(multi)
        self.nominal = Alpha()
        self.masi = Alpha(masi)
        self.fleiss = Fleiss()
        self.cohen = PairwiseCohen()
        self.percent = PercentAgreement()
        self.binary = BinaryAgreement()
        self.raters: set[str] = set()
        self.values: set[str] = set()
        self._pending: dict[tuple[tuple[str, frozenset[str]], ...], int] = {}
        self.replicates = None if weights is None else (
            AlphaReplicates(nominal, weights), AlphaReplicates(masi, weights),
            BinaryReplicates(weights))

    def add(self, ratings: dict[str, frozenset[str]]) -> int:
        """One item; how many ratings were set aside (several values in a single choice)."""
        set_aside = 0
        if self.known and not self.multi and any(len(c) != 1 for c in ratings.values()):
            single = {name: chosen for name, chosen in ratings.items() if len(chosen) == 1}
            set_aside, ratings = len(ratings) - len(single), single
        key = tuple(ratings.items())
        pending = self._pending
        pending[key] = pending.get(key, 0) + 1
        if len(pending) >= self.PENDING:
            self._spread()
        if self.replicates is not None and len(ratings) >= 2:
            counts, chosen = self.tally(tuple(ratings.values()))
            nominal_alpha, masi_alpha, binary = self.replicates
            if self.multi or not self.known:  # the alphas the field may report
                masi_alpha.add_counts(counts)
            if not self.multi or not self.known:
                nominal_alpha.add_counts(counts)
            binary.add(len(ratings), chosen)
        return set_aside

    def _spread(self) -> None:
        """The pending items into the accumulators, each set of ratings once."""
        for key, times in self._pending.items():
            self.raters.update(name for name, _ in key)
            counts, chosen = self.tally(tuple(rating for _, rating in key))
            self.values.update(chosen)
            if not self.known and any(len(c) > 1 for c in counts):
                self.multi = True  # a field the schema does not know: it takes several
            if len(key) < 2:
                continue
            self.percent.add_counts(counts, times)
            self.binary.add(len(key), chosen, times)
            if self.multi or not self.known:
                self.masi.add_counts(counts, times)
            if not self.multi or not self.known:
                self.nominal.add_counts(counts, times)
                self.fleiss.add_counts(counts, times)
                self.cohen.add(dict(key), times)
        self._pending.clear()

    def intervals(self) -> dict[str | None, Interval | None]:
        """95% intervals of the field's alpha (key None) and of each value's binary alpha."""
        self._spread()
        assert self.replicates is not None  # AgreementMeter.intervals() checks replicates
        nominal_alpha, masi_alpha, binary = self.replicates
        overall = (masi_alpha if self.multi else nominal_alpha).interval()
        return {None: overall, **{value: binary.interval(value) for value in self.values}}

    def result(self, order: list[str]) -> FieldAgreement:
        self._spread()
        labels = sorted(self.values, key=lambda v: (order.index(v) if v in order else len(order),
                                                     v))
        per_label = {}
        for label in labels:
            alpha = self.binary.alpha(label)
            everyone = self.binary.items and self.binary.percent(label) == 1.0
            per_label[label] = LabelAgreement(
                items=self.binary.items, krippendorff_alpha=alpha,
                percent_agreement=self.binary.percent(label),
                undefined=None if alpha is not None else (
                    f"every annotator chose {label!r} on every article" if everyone
                    else "too few articles"))
        if self.multi:
            return FieldAgreement(kind="multi", items=self.masi.items, raters=len(self.raters),
                                  krippendorff_alpha=self.masi.value(),
                                  percent_agreement=self.percent.value(), per_label=per_label,
                                  **_explained(self.masi))
        return FieldAgreement(
            kind="single", items=self.nominal.items, raters=len(self.raters),
            krippendorff_alpha=self.nominal.value(), fleiss_kappa=self.fleiss.value(),
            cohen_kappa_mean=self.cohen.mean(), cohen_kappa_pairwise=self.cohen.matrix(),
            percent_agreement=self.percent.value(), per_label=per_label,
            **_explained(self.nominal))


class _ValueField:
    """A control with one value per annotation (rating, number, datetime, textarea,
    taxonomy): Krippendorff's alpha with the metric its kind calls for, and the share of
    identical pairs (for textarea, exact-match agreement of the normalised text)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.alpha = Alpha(VALUE_METRICS[kind])
        self.percent = PercentAgreement()
        self.raters: set[str] = set()

    def add(self, ratings: dict[str, object]) -> None:
        self.raters.update(ratings)
        if len(ratings) >= 2:
            counts = Counter(ratings.values())
            self.alpha.add_counts(counts)
            self.percent.add_counts(counts)

    def intervals(self) -> dict[str | None, Interval | None]:
        return {}  # no bootstrap for these kinds yet

    def result(self, order: list[str]) -> FieldAgreement:
        explained = _explained(self.alpha)
        if VALUE_METRICS[self.kind] not in (nominal, masi):  # distances not in 0..1
            explained.update({"observed_agreement": None, "expected_agreement": None})
        # self.kind is a key of VALUE_METRICS: one of the value kinds of Kind
        return FieldAgreement(kind=cast(Kind, self.kind), items=self.alpha.items,
                              raters=len(self.raters), krippendorff_alpha=self.alpha.value(),
                              percent_agreement=self.percent.value(), **explained)


class _Explained(TypedDict, total=False):
    observed_agreement: float | None
    expected_agreement: float | None
    undefined: str | None


def _explained(alpha: Alpha) -> _Explained:
    """Observed and expected agreement (1 - D), and why alpha is undefined when it is."""
    found = alpha.disagreements()
    if found is None:
        return {"undefined": "no article has two ratings of it"}
    observed, expected = found
    undefined = None
    if expected == 0:
        (value, *_) = alpha.totals()
        shown = ", ".join(sorted(value)) if isinstance(value, frozenset) else str(value)
        undefined = f"every annotator chose {shown}: nothing to tell apart from chance"
    return {"observed_agreement": 1 - observed, "expected_agreement": 1 - expected,
            "undefined": undefined}


class _F1:
    """Micro-averaged pairwise F1: 2 * matches / (spans of A + spans of B), over all pairs."""

    def __init__(self):
        self.matched = 0
        self.total = 0

    def add(self, matched: int, total: int) -> None:
        self.matched += matched
        self.total += total

    def value(self) -> float | None:
        return 2 * self.matched / self.total if self.total else None


Span = tuple[int, int]  # start, end


def overlap_matches(a: set[Span], b: set[Span]) -> int:
    """One-to-one matches of spans (of one label) that overlap, largest overlaps first."""
    candidates = sorted(((min(x[1], y[1]) - max(x[0], y[0]), x, y) for x in a for y in b
                         if x[0] < y[1] and y[0] < x[1]), reverse=True)
    used_a, used_b, matched = set(), set(), 0
    for _, x, y in candidates:
        if x not in used_a and y not in used_b:
            used_a.add(x)
            used_b.add(y)
            matched += 1
    return matched


class _SpanField:
    def __init__(self, weights: Weights | None):
        self.exact, self.overlap = _F1(), _F1()
        self.exact_by_label: dict[str, _F1] = defaultdict(_F1)
        self.overlap_by_label: dict[str, _F1] = defaultdict(_F1)
        self.unitizing = UnitizingAlpha()
        self.items = 0
        self.raters: set[str] = set()
        self.labels: set[str] = set()
        self.replicates = None if weights is None else F1Replicates(weights)

    def add(self, length: int, spans: dict[str, dict[str, set[Span]]]
            ) -> dict[tuple[str, str], tuple[int, int]]:
        """One article: ``spans`` is, per label, each rater's spans (every rater present,
        empty where they marked none). Returns each rater pair's exact matches and spans."""
        raters = sorted({r for by_rater in spans.values() for r in by_rater})
        self.raters.update(raters)
        self.labels.update(label for label, by_rater in spans.items()
                           if any(by_rater.values()))
        if len(raters) < 2:
            return {}
        self.items += 1
        pairs = list(combinations(raters, 2))
        matched, total = [0] * len(pairs), [0] * len(pairs)
        for label, by_rater in spans.items():
            first, *others = by_rater.values()
            if first and all(other == first for other in others):
                # The common case: everyone marked the same spans, each matches itself.
                self.unitizing.add_alike(length, label, first, len(by_rater))
                exact = overlap = len(first) * len(pairs)
                size = 2 * exact
                for i in range(len(pairs)):
                    matched[i] += len(first)
                    total[i] += 2 * len(first)
            else:
                self.unitizing.add_category(length, label, by_rater)
                exact = overlap = size = 0
                for i, (a, b) in enumerate(pairs):
                    la, lb = by_rater[a], by_rater[b]
                    if not la and not lb:
                        continue
                    pair_size = len(la) + len(lb)
                    pair_exact = len(la & lb)
                    exact, overlap, size = (exact + pair_exact,
                                            overlap + (overlap_matches(la, lb) if la != lb
                                                       else pair_exact), size + pair_size)
                    matched[i] += pair_exact
                    total[i] += pair_size
            if size:  # some pair marked spans of the label (counts are sums of pairs)
                self.exact_by_label[label].add(exact, size)
                self.overlap_by_label[label].add(overlap, size)
                self.exact.add(exact, size)
                self.overlap.add(overlap, size)
                if self.replicates is not None:
                    self.replicates.add(label, exact, size)
        return {pair: (matched[i], total[i]) for i, pair in enumerate(pairs)}

    def intervals(self) -> dict[str | None, Interval | None]:
        """95% intervals of the exact-match F1, of the field (key None) and per label."""
        replicates = self.replicates
        assert replicates is not None  # AgreementMeter.intervals() checks replicates
        return {key: replicates.interval(key) for key in [None, *self.labels]}

    def result(self, order: list[str]) -> FieldAgreement:
        labels = sorted(self.labels, key=lambda v: (order.index(v) if v in order else len(order),
                                                     v))
        per_label = {label: LabelAgreement(
            items=self.items, f1_exact=self.exact_by_label[label].value(),
            f1_overlap=self.overlap_by_label[label].value(),
            unitizing_alpha=self.unitizing.value(label)) for label in labels}
        return FieldAgreement(kind="spans", items=self.items, raters=len(self.raters),
                              f1_exact=self.exact.value(), f1_overlap=self.overlap.value(),
                              unitizing_alpha=self.unitizing.value(), per_label=per_label)


class _Annotators:
    def __init__(self):
        self.items: Counter = Counter()
        self.same: Counter = Counter()
        self.compared: Counter = Counter()
        self.f1: dict[str, _F1] = defaultdict(_F1)


class AgreementMeter(Measure):
    """Accumulates agreement task by task; ``report()`` at the end."""

    def __init__(self, schema: Schema = SCHEMA, *, replicates: int = 0, seed: int = 0):
        """``replicates`` > 0 also builds that many bootstrap resamples for ``intervals()``."""
        self.weights = Weights(replicates, seed) if replicates else None
        self.multi = {spec.name for spec in schema.fields if spec.kind == "multi"}
        self.known = {spec.name for spec in schema.fields}
        self.order = {spec.name: [v.id for v in spec.values] for spec in schema.fields}
        self.choices: dict[str, _ChoiceField] = {}
        self.spans: dict[str, _SpanField] = {}
        self.values: dict[str, _ValueField] = {}
        self.people = _Annotators()
        self.tasks = 0
        self.not_measured: Counter = Counter()
        self.tally = Tally()  # what was read, and what agreement used of it
        self._ratings = _Tallies()

    def add(self, task: Task | MalformedTask,
            latest: dict[str, Annotation] | None = None) -> None:
        """One task; ``latest`` is its ``latest_by_annotator``, when the caller has it."""
        tally = self.tally
        if isinstance(task, MalformedTask):
            tally.malformed(task.annotations)
            return
        tally.tasks += 1
        self.tasks += 1
        if self.weights is not None:
            self.weights.next_article()
        if latest is None:
            latest = latest_by_annotator(task)
        annotations = task.annotations
        tally.annotations += len(annotations)
        tally.annotations_used += len(latest)
        cancelled = sum(a.cancelled for a in annotations)
        if cancelled:
            tally.set_aside(tally.annotations_set_aside, "cancelled", cancelled)
        superseded = len(annotations) - len(latest) - cancelled
        if superseded:
            edited = sum(not a.authors_own and not a.cancelled for a in annotations)
            if edited:
                tally.set_aside(tally.annotations_set_aside, "edited_by_other", edited)
            if superseded - edited:
                tally.set_aside(tally.annotations_set_aside, "superseded by a later annotation",
                                superseded - edited)
        if len(latest) >= 2:
            tally.tasks_used += 1
        else:
            tally.set_aside(tally.tasks_set_aside, "fewer than two annotators")
        not_measured = self.not_measured
        for name, annotation in latest.items():
            self.people.items[name] += 1
            for other in annotation.others:
                not_measured[other.type] += 1
            if annotation.relations:
                not_measured["relation"] += len(annotation.relations)
        several = _measure_choices(latest, self.choices, self.multi, self.known, self.people,
                                   self.weights, self._ratings)
        if any(a.region_choices for a in latest.values()):
            several += _measure_region_choices(latest, self.choices, self.known, self.weights,
                                               self._ratings)
        not_measured["several values in a single-choice field"] += several
        _measure_spans(task, latest, self.spans, self.people, self.weights)
        if any(a.values for a in latest.values()):
            _measure_values(latest, self.values)

    def measure(self, votes: TaskVotes) -> None:
        self.add(votes.task, votes.latest)

    def intervals(self) -> dict[str, dict[str | None, Interval | None]]:
        """Bootstrap 95% intervals per field: alpha for choices, exact F1 for spans; the
        field's own under None, then per value or label. Needs ``replicates``."""
        if self.weights is None:
            raise ValueError("intervals need an AgreementMeter built with replicates > 0")
        fields: dict[str, _ChoiceField | _SpanField] = {**self.choices, **self.spans}
        return {name: field.intervals() for name, field in fields.items()}

    def report(self) -> AgreementReport:
        report = AgreementReport(tasks=self.tasks, reckoning=self.tally.reckoning([]),
                                 not_measured={kind: n for kind, n in sorted(
                                     self.not_measured.items()) if n})
        measured: tuple[Mapping[str, _ChoiceField | _SpanField | _ValueField], ...] = (
            self.choices, self.spans, self.values)
        for fields in measured:
            for name, field in sorted(fields.items()):
                report.fields[name] = field.result(self.order.get(name, []))
        people = self.people
        for name in sorted(people.items):
            compared = people.compared[name]
            report.annotators[name] = AnnotatorAgreement(
                items=people.items[name],
                mean_pairwise_agreement=people.same[name] / compared if compared else None,
                f1_exact=people.f1[name].value())
        return report


def measure(tasks: Iterable[Task], schema: Schema = SCHEMA) -> AgreementReport:
    """Agreement over parsed tasks, one pass, accumulators only."""
    meter = AgreementMeter(schema)
    for task in tasks:
        meter.add(task)
    return meter.report()


def _measure_values(latest: dict[str, Annotation], fields: dict[str, _ValueField]) -> None:
    """Each value control's item: the value every annotator gave (a missing one drops out)."""
    items: dict[tuple[str, str], dict[str, object]] = defaultdict(dict)
    for name, annotation in latest.items():
        for value in annotation.values:
            if value.value is not None and value.value != "":
                items[value.control, value.kind][name] = value.value
    for (control, kind), ratings in items.items():
        field = fields.get(control)
        if field is None:
            field = fields[control] = _ValueField(kind)
        field.add(ratings)


def _measure_choices(latest: dict[str, Annotation], fields: dict[str, _ChoiceField],
                     multi: set[str], known: set[str], people: _Annotators,
                     weights: Weights | None, tally: _Tallies) -> int:
    """Document-level choices; how many ratings were set aside as several values in a
    single-choice field."""
    set_aside = 0
    controls = dict.fromkeys(c for a in latest.values() for c in a.choices)
    for control in controls:
        ratings = {name: frozenset(a.choices[control]) for name, a in latest.items()
                   if a.choices.get(control)}
        field = fields.get(control)
        if field is None:
            field = fields[control] = _ChoiceField(
                (control in multi) if control in known else None, weights, tally)
        set_aside += field.add(ratings)
        if len(ratings) >= 2:  # each annotator against each other: how many chose the same
            counts, _ = tally(tuple(ratings.values()))
            for name, rating in ratings.items():
                people.compared[name] += len(ratings) - 1
                people.same[name] += counts[rating] - 1
    return set_aside


def _measure_region_choices(latest: dict[str, Annotation],
                            fields: dict[str, _ChoiceField], known: set[str],
                            weights: Weights | None, tally: _Tallies) -> int:
    """Per-region choices, an item per region offsets that two or more annotators share."""
    by_item: dict[tuple[str, int, int], dict[str, frozenset[str]]] = {}
    for name, annotation in latest.items():
        if not annotation.region_choices:
            continue
        where = {s.region: (s.start, s.end) for s in annotation.spans}
        for choice in annotation.region_choices:
            if choice.values and choice.region in where:
                start, end = where[choice.region]
                key = (choice.control, start, end)
                if key in by_item:
                    by_item[key][name] = frozenset(choice.values)
                else:
                    by_item[key] = {name: frozenset(choice.values)}
    set_aside = 0
    for (control, _, _), ratings in by_item.items():
        if control not in fields:
            fields[control] = _ChoiceField(False if control in known else None, weights, tally)
        set_aside += fields[control].add(ratings)
    return set_aside


def _measure_spans(task: Task, latest: dict[str, Annotation], fields: dict[str, _SpanField],
                   people: _Annotators, weights: Weights | None) -> None:
    """Per span control, each annotator's spans grouped by label once, for every measure."""
    grouped: dict[str, dict[str, dict[str, set[Span]]]] = {}
    end = 0
    for name, annotation in latest.items():
        for s in annotation.spans:
            start, stop = s.start, s.end
            if 0 <= start < stop:
                if stop > end:
                    end = stop
                by_label = grouped.get(s.control)
                if by_label is None:
                    by_label = grouped[s.control] = {}
                for label in s.labels:
                    by_rater = by_label.get(label)
                    if by_rater is None:
                        by_label[label] = {name: {(start, stop)}}
                    elif name in by_rater:
                        by_rater[name].add((start, stop))
                    else:
                        by_rater[name] = {(start, stop)}
    if not grouped:
        return
    length = max(len(task.text) if task.text is not None else 0, end)
    names = list(latest)
    for control, by_label in grouped.items():
        for by_rater in by_label.values():
            for name in names:
                by_rater.setdefault(name, set())
        field = fields.get(control)
        if field is None:
            field = fields[control] = _SpanField(weights)
        for (a, b), (matched, total) in field.add(length, by_label).items():
            people.f1[a].add(matched, total)
            people.f1[b].add(matched, total)


def as_json(report: AgreementReport) -> dict[str, Any]:
    """``{"fields", "annotators", "not_measured", "reckoning"}``, null where a key does not
    apply."""
    return {"fields": {name: field.model_dump() for name, field in report.fields.items()},
            "annotators": {name: a.model_dump() for name, a in report.annotators.items()},
            "not_measured": report.not_measured,
            "reckoning": report.model_dump(include={"reckoning"})["reckoning"]}
