"""What the pre-annotations did: how good they were, how often annotators kept them, and
how far the agreement is owed to them.

Annotators start from the suggestions, so if they mostly accept them, agreement
measures acceptance, not judgement (anchoring). To see it, a control share of
articles is pushed without suggestions (``ingest.control``): agreement and label
rates are compared between the two groups. Against gold, per crime type: the
suggestions' precision and recall, and how often annotators kept a suggested
value. A warning says when agreement mostly reflects accepted suggestions.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from pydantic import BaseModel, Field

from workbench.quality.measure import Measure
from workbench.records.decisions import ArticleDecision, Provenance
from workbench.records.tasks import Annotation, Suggestion, TaskVotes, Unit
from workbench.records.wording import percent
from workbench.schema import ACTORS, CRIME_MENTIONS, CRIME_TYPES, SCHEMA, STANCE
from workbench.stats.coefficients import Alpha, masi, nominal

SUGGESTED, CONTROL = "with suggestions", "without suggestions"
KEPT_ALERT, FROM_SUGGESTIONS_ALERT = 0.9, 0.8  # when to warn of anchoring


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


class SuggestionReport(BaseModel):
    model_versions: dict[str, int] = Field(default_factory=dict)  # version -> tasks shown it
    groups: dict[str, GroupFigures] = Field(default_factory=dict)
    per_type: dict[str, TypeFigures] = Field(default_factory=dict)
    spans_suggested: int = 0  # in tasks annotated, per annotation that saw them
    spans_kept: int = 0
    kept_share: float | None = None  # of suggested values and spans, the share kept
    agreed_from_suggestions: float | None = None  # of agreed gold values, share suggested
    warning: str | None = None

    @property
    def compared(self) -> bool:
        """Whether the articles shown without suggestions give anything to compare with:
        an agreement figure, which takes articles with two annotations or more. Without
        one (no control share, or its articles annotated once), nothing may point to them."""
        control = self.groups.get(CONTROL)
        return control is not None and any(value is not None for value in (
            control.crime_types_alpha, control.stance_alpha, control.span_f1))


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

    def add(self, suggestion: Suggestion | None, decision: ArticleDecision) -> None:
        """One decided article, and what was suggested for it."""
        if suggestion is not None and decision.gold:
            self._against_gold(suggestion, decision)

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
                kept=shown.kept[value] / offered if offered else None)
        offered = sum(shown.offered.values()) + shown.spans_suggested
        if offered:
            report.kept_share = (sum(shown.kept.values()) + shown.spans_kept) / offered
        if self.agreed:
            report.agreed_from_suggestions = self.agreed_suggested / self.agreed
        report.warning = _warning(report)
        return report


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
