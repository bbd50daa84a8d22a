"""What the pre-annotations did: how good they were, how often annotators kept them, and
how far the agreement is owed to them.

Annotators start from the suggestions, so if they mostly accept them, agreement
measures acceptance, not judgement (anchoring). To see it, a control share of
articles is pushed without suggestions (``ingest.control``): agreement and label
rates are compared between the two groups. Against gold, per crime type: the
suggestions' precision and recall, and how often annotators kept a suggested
value. A warning says when agreement mostly reflects accepted suggestions.

The other half of anchoring is what annotators take: each crime type's and the stance's
label distribution with and without suggestions, and its shift; how often a wrong
suggested crime type was kept and a right one dropped. A share rests on at least
``MIN_ANNOTATIONS`` annotations or is not given.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from pydantic import BaseModel, Field

from workbench.quality.measure import Measure
from workbench.records.decisions import ArticleDecision, Provenance
from workbench.records.tasks import Annotation, Suggestion, TaskVotes, Unit
from workbench.records.wording import percent, plural, share_of
from workbench.schema import ACTORS, CRIME_MENTIONS, CRIME_TYPES, SCHEMA, STANCE
from workbench.stats.coefficients import Alpha, masi, nominal

SUGGESTED, CONTROL = "with suggestions", "without suggestions"
KEPT_ALERT, FROM_SUGGESTIONS_ALERT = 0.9, 0.8  # when to warn of anchoring
# Below this many annotations one annotation moves a share by over 5 points: too few to say.
MIN_ANNOTATIONS = 20
FIELDS = {CRIME_TYPES: "crime type", STANCE: "stance"}  # whose distribution is compared
STANCE_NOTE = ("The rules suggest no stance, so for the stance only the shift in its "
               "distribution applies: there is no suggested stance to keep or drop.")
SHIFT_NOTE = ("The share of annotations choosing each value, of those that answered the "
              "field, with suggestions and without, and its shift (with minus without, in "
              f"percentage points). A share needs {MIN_ANNOTATIONS} annotations in its group; "
              "on fewer, only the counts are given.")
GOLD_NOTE = ("Gold is decided from these same annotations: a wrong suggestion that most "
             "annotators kept became gold and counts as right, so the share of wrong "
             "suggestions kept is a floor; the shift against the articles shown without "
             "suggestions does not depend on gold.")


class Rate(BaseModel):
    """``n`` of ``of`` annotations: a share with the counts it rests on."""

    n: int = 0
    of: int = 0

    @property
    def share(self) -> float | None:
        """None below ``MIN_ANNOTATIONS``: too few to say."""
        return self.n / self.of if self.of >= MIN_ANNOTATIONS else None

    def text(self) -> str:
        """``20% (6 of 30)``; on too few, the counts alone (``records.wording.share_of``)."""
        return share_of(self.n, self.of, MIN_ANNOTATIONS)


class Shift(BaseModel):
    """One value's share of the annotations with suggestions and without."""

    suggested: Rate = Field(default_factory=Rate)
    control: Rate = Field(default_factory=Rate)

    @property
    def points(self) -> float | None:
        """With minus without, in percentage points; None when either is too few to say."""
        with_, without = self.suggested.share, self.control.share
        return None if with_ is None or without is None else 100 * (with_ - without)


class GroupFigures(BaseModel):
    """Agreement and label rates in one group of articles."""

    tasks: int = 0
    annotations: int = 0
    crime_types_alpha: float | None = None
    stance_alpha: float | None = None
    span_f1: float | None = None  # actors and crime mentions, exact match
    crime_types_per_annotation: float | None = None
    spans_per_annotation: float | None = None


class TypeFigures(BaseModel):
    """One crime type's suggestions against gold, and how often annotators kept them."""

    suggested: int = 0  # gold articles it was suggested for
    gold: int = 0  # gold articles that have it
    correct: int = 0
    precision: float | None = None
    recall: float | None = None
    kept: float | None = None  # share of annotations of suggested articles that kept it
    wrong_kept: Rate = Field(default_factory=Rate)  # suggested, not in gold: kept
    right_dropped: Rate = Field(default_factory=Rate)  # suggested and in gold: dropped


class SuggestionReport(BaseModel):
    model_versions: dict[str, int] = Field(default_factory=dict)  # version -> tasks shown it
    groups: dict[str, GroupFigures] = Field(default_factory=dict)
    per_type: dict[str, TypeFigures] = Field(default_factory=dict)
    spans_suggested: int = 0  # in tasks annotated, per annotation that saw them
    spans_kept: int = 0
    kept_share: float | None = None  # of suggested values and spans, the share kept
    agreed_from_suggestions: float | None = None  # of agreed gold values, share suggested
    warning: str | None = None
    # field (crime_types, stance) -> group -> annotations that answered it
    answered: dict[str, dict[str, int]] = Field(default_factory=dict)
    distribution: dict[str, dict[str, Shift]] = Field(default_factory=dict)  # field -> value
    wrong_kept: Rate = Field(default_factory=Rate)  # every crime type's, together
    right_dropped: Rate = Field(default_factory=Rate)

    def shifts(self) -> tuple[list[tuple[str, str, Shift]], list[str]]:
        """The shifts to show (field's name, value, shift), and for each field with too
        little data a sentence instead."""
        rows, unsaid = [], []
        for field, name in FIELDS.items():
            reason = self.shift_unsaid(field)
            if reason is not None:
                unsaid.append(reason)
            else:
                rows += [(name, value, shift)
                         for value, shift in self.distribution.get(field, {}).items()]
        return rows, unsaid

    def shift_unsaid(self, field: str) -> str | None:
        """Why the shift in ``field``'s distribution cannot be said, in a sentence; None
        when both groups have ``MIN_ANNOTATIONS`` annotations that answered it."""
        answered = self.answered.get(field, {})
        with_, without = answered.get(SUGGESTED, 0), answered.get(CONTROL, 0)
        name = FIELDS[field]
        if not without:
            return (f"No annotation of an article shown without suggestions gives a {name}: "
                    f"there is no {name} distribution to compare with.")
        if min(with_, without) < MIN_ANNOTATIONS:
            return (f"Too few annotations to say how the {name} distribution shifted: "
                    f"{with_:,} with suggestions and {without:,} without; each group needs "
                    f"{MIN_ANNOTATIONS}.")
        return None

    def taken(self) -> str:
        """Wrong suggested crime types kept and right ones dropped, over all types."""
        said = (_overall(self.wrong_kept, "a wrong suggested crime type (not in gold)",
                         "kept it") + "; " +
                _overall(self.right_dropped, "a right one (in gold)", "dropped it") + ".")
        return said[0].upper() + said[1:]

    @property
    def compared(self) -> bool:
        """Whether the articles shown without suggestions give anything to compare with:
        an agreement figure, which takes articles with two annotations or more. Without
        one (no control share, or its articles annotated once), nothing may point to them."""
        control = self.groups.get(CONTROL)
        return control is not None and any(value is not None for value in (
            control.crime_types_alpha, control.stance_alpha, control.span_f1))


def _overall(rate: Rate, shown: str, did: str) -> str:
    """``of 30 annotations shown X, 6 kept it (20%)``, or why there is no share."""
    if not rate.of:
        return f"no annotation of a gold article was shown {shown}"
    how_many = "none" if not rate.n else "all" if rate.n == rate.of else f"{rate.n:,}"
    said = (f": too few to give a share (it takes {MIN_ANNOTATIONS})" if rate.share is None
            else f" ({percent(rate.share)})" if 0 < rate.n < rate.of else "")
    return f"of {plural(rate.of, 'annotation')} shown {shown}, {how_many} {did}{said}"


class _Group:
    """The few coefficients the comparison needs, for one group of articles: crime types
    (MASI alpha), stance (nominal alpha) and spans (pairwise exact F1)."""

    def __init__(self):
        self.crime_types, self.stance = Alpha(masi), Alpha(nominal)
        self.matched = self.total = self.tasks = 0

    def add(self, latest: dict[str, Annotation], units: dict[str, frozenset[Unit]]) -> None:
        self.tasks += 1
        self.crime_types.add_counts(_count(frozenset(a.choices[CRIME_TYPES])
                                           for a in latest.values() if a.choices.get(CRIME_TYPES)))
        self.stance.add_counts(_count(a.choices[STANCE][0] for a in latest.values()
                                      if a.choices.get(STANCE)))
        for a, b in combinations(units.values(), 2):
            self.matched += len(a & b)
            self.total += len(a) + len(b)


def _count(values) -> dict:
    """How often each value comes, in order of first appearance (a Counter, but cheaper)."""
    counts: dict = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


class _Shown(Measure):
    """What annotators did with the suggestions, and agreement with and without them (a
    ``Measure``: it needs only the tasks as read)."""

    def __init__(self):
        self.meters = {SUGGESTED: _Group(), CONTROL: _Group()}
        self.annotations: Counter = Counter()
        self.crime_types: Counter = Counter()  # group -> crime types chosen
        self.spans: Counter = Counter()
        self.versions: Counter = Counter()
        self.kept: Counter = Counter()  # crime type -> annotations that kept it
        self.offered: Counter = Counter()  # crime type -> annotations it was suggested to
        self.spans_suggested = self.spans_kept = 0
        self.answered: Counter = Counter()  # (field, group) -> annotations that answered it
        self.chose: Counter = Counter()  # (field, group, value) -> annotations that chose it

    def measure(self, votes: TaskVotes) -> None:
        task, latest = votes.task, votes.latest
        suggestion = task.suggestion
        group = SUGGESTED if suggestion is not None else CONTROL
        units = votes.units
        self.meters[group].add(latest, units)
        self.annotations[group] += len(latest)
        for annotation in latest.values():
            self.crime_types[group] += len(annotation.choices.get(CRIME_TYPES, ()))
            self.spans[group] += len(annotation.spans)
            for field in FIELDS:
                if chosen := annotation.choices.get(field):
                    self.answered[field, group] += 1
                    self.chose.update((field, group, value) for value in set(chosen))
        if suggestion is None:
            return
        self.versions[suggestion.model_version or "(unnamed)"] += 1
        offered = set(suggestion.crime_types)
        for name, annotation in latest.items():
            chosen = annotation.choices.get(CRIME_TYPES, ())
            for value in offered:
                self.offered[value] += 1
                self.kept[value] += value in chosen
            self.spans_suggested += len(suggestion.spans)
            self.spans_kept += len(suggestion.spans & units[name])


class SuggestionMeter:
    """The suggestions' figures: ``shown`` measures what annotators did with them (from the
    tasks as read), ``add`` compares them with the gold decisions; ``report`` at the end."""

    def __init__(self):
        self.shown = _Shown()
        self.types: dict[str, list[int]] = {}  # crime type -> suggested, gold, correct
        self.agreed = self.agreed_suggested = 0
        self.saw: Counter = Counter()  # (crime type, in gold) -> annotations shown it
        self.kept: Counter = Counter()  # (crime type, in gold) -> annotations that kept it

    def add(self, votes: TaskVotes, decision: ArticleDecision) -> None:
        """One decided article, its votes and what was suggested for it."""
        suggestion = votes.task.suggestion
        if suggestion is not None and decision.gold:
            self._against_gold(suggestion, decision)
            self._taken(suggestion, decision, votes.latest)

    def _taken(self, suggestion: Suggestion, decision: ArticleDecision,
               latest: dict[str, Annotation]) -> None:
        """Each suggested crime type, right or wrong by gold: who kept it."""
        for value in set(suggestion.crime_types):
            right = value in decision.crime_types
            self.saw[value, right] += len(latest)
            self.kept[value, right] += sum(value in a.choices.get(CRIME_TYPES, ())
                                           for a in latest.values())

    def _against_gold(self, suggestion, decision: ArticleDecision) -> None:
        gold = set(decision.crime_types)
        for value in set(suggestion.crime_types) | gold:
            figures = self.types.setdefault(value, [0, 0, 0])
            figures[0] += value in suggestion.crime_types
            figures[1] += value in gold
            figures[2] += value in suggestion.crime_types and value in gold
        voted: list[tuple[str | Unit, Provenance]] = [
            (value, p) for value, p in decision.crime_types_provenance.items()]
        voted += [((control, s.start, s.end, label), s.provenance)
                  for control, spans in ((ACTORS, decision.actors),
                                         (CRIME_MENTIONS, decision.crime_mentions))
                  for s in spans for label in s.labels]
        for item, provenance in voted:
            if provenance.method in ("unanimous", "majority"):
                self.agreed += 1
                self.agreed_suggested += (item in suggestion.crime_types
                                          or item in suggestion.spans)

    def report(self) -> SuggestionReport:
        shown = self.shown
        report = SuggestionReport(model_versions=dict(shown.versions.most_common()),
                                  spans_suggested=shown.spans_suggested,
                                  spans_kept=shown.spans_kept)
        for group, meter in shown.meters.items():
            n = shown.annotations[group]
            report.groups[group] = GroupFigures(
                tasks=meter.tasks, annotations=n, crime_types_alpha=meter.crime_types.value(),
                stance_alpha=meter.stance.value(),
                span_f1=2 * meter.matched / meter.total if meter.total else None,
                crime_types_per_annotation=shown.crime_types[group] / n if n else None,
                spans_per_annotation=shown.spans[group] / n if n else None)
        order = [c.id for c in SCHEMA.crime_types]
        for value in sorted(self.types, key=lambda v: order.index(v) if v in order else 99):
            suggested, gold, correct = self.types[value]
            offered = shown.offered[value]
            report.per_type[value] = TypeFigures(
                suggested=suggested, gold=gold, correct=correct,
                precision=correct / suggested if suggested else None,
                recall=correct / gold if gold else None,
                kept=shown.kept[value] / offered if offered else None,
                wrong_kept=Rate(n=self.kept[value, False], of=self.saw[value, False]),
                right_dropped=Rate(n=self.saw[value, True] - self.kept[value, True],
                                   of=self.saw[value, True]))
        report.wrong_kept = Rate(n=sum(f.wrong_kept.n for f in report.per_type.values()),
                                 of=sum(f.wrong_kept.of for f in report.per_type.values()))
        report.right_dropped = Rate(
            n=sum(f.right_dropped.n for f in report.per_type.values()),
            of=sum(f.right_dropped.of for f in report.per_type.values()))
        _distribution(report, shown)
        offered = sum(shown.offered.values()) + shown.spans_suggested
        if offered:
            report.kept_share = (sum(shown.kept.values()) + shown.spans_kept) / offered
        if self.agreed:
            report.agreed_from_suggestions = self.agreed_suggested / self.agreed
        report.warning = _warning(report)
        return report


def _distribution(report: SuggestionReport, shown: _Shown) -> None:
    """Each field's values, in the schema's order: the share of each group's annotations
    (of those that answered the field) that chose it."""
    orders = {CRIME_TYPES: [c.id for c in SCHEMA.crime_types],
              STANCE: [v.id for v in SCHEMA.stances]}
    for field, order in orders.items():
        answered = {group: shown.answered[field, group] for group in (SUGGESTED, CONTROL)}
        report.answered[field] = answered
        values = {value for f, _, value in shown.chose if f == field}
        report.distribution[field] = {value: Shift(
            suggested=Rate(n=shown.chose[field, SUGGESTED, value], of=answered[SUGGESTED]),
            control=Rate(n=shown.chose[field, CONTROL, value], of=answered[CONTROL]))
            for value in sorted(values, key=lambda v: (order.index(v) if v in order
                                                       else len(order), v))}


def _warning(report: SuggestionReport) -> str | None:
    """When agreement mostly reflects accepted suggestions; it points to the control
    articles only when they give something to compare with."""
    kept, owed = report.kept_share, report.agreed_from_suggestions
    if kept is None or owed is None or kept < KEPT_ALERT or owed < FROM_SUGGESTIONS_ALERT:
        return None
    return (f"Agreement mostly reflects accepted suggestions: annotators kept {percent(kept)} "
            f"of what was suggested, and {percent(owed)} of what they agree on was "
            "suggested. " + ("Compare with the articles shown without suggestions."
                             if report.compared else "No articles shown without suggestions "
                             "have enough annotations to compare with."))
