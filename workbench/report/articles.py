"""The articles the maintainer should look at: the disputed ones and those with the lowest
agreement, each with its text, every annotator's spans and choices, and the decision.

Kept as the pass goes, a bounded number at a time (``ArticlePicker``): the
disputed articles with the most disagreements first, then the lowest per-article
agreement, so memory does not grow with the export.
"""

from __future__ import annotations

import heapq
from itertools import combinations

from pydantic import BaseModel, Field

from workbench.quality.chain import DecidedTask
from workbench.records.decisions import ArticleDecision
from workbench.records.tasks import Annotation, Task, Unit, span_units
from workbench.schema import ACTOR_STANCE, CRIME_TYPES, SCHEMA, STANCE
from workbench.stats.coefficients import masi

SHOWN = 12  # articles in the per-article view
_ORDER = {c.id: n for n, c in enumerate(SCHEMA.crime_types)}


def _in_schema_order(values) -> list[str]:
    """Crime types as the labeling view lists them, so the decision and each annotator's
    choices read alike (a value the schema lacks goes last)."""
    return sorted(values, key=lambda v: _ORDER.get(v, len(_ORDER)))


class MarkedSpan(BaseModel):
    start: int
    end: int
    control: str
    label: str
    stance: str | None = None


class AnnotatorView(BaseModel):
    annotator: str
    crime_types: list[str]
    stance: str | None
    spans: list[MarkedSpan]


class ArticleAgreement(BaseModel):
    """Agreement on one article: the mean over annotator pairs, per field."""

    crime_types: float | None = None  # 1 - MASI distance
    stance: float | None = None  # share of pairs that chose the same
    spans: float | None = None  # exact-match F1
    overall: float | None = None  # the mean of those defined


class ArticleView(BaseModel):
    article_id: str
    title: str | None
    text: str
    status: str
    method: str | None  # how its stance was decided: unanimous, majority, adjudicated, ...
    decided_by: str | None
    crime_types: list[str]
    stance: str | None
    disagreements: list[str] = Field(default_factory=list)  # one line each
    annotators: list[AnnotatorView] = Field(default_factory=list)
    agreement: ArticleAgreement


def article_agreement(latest: dict[str, Annotation],
                      units: dict[str, frozenset[Unit]] | None = None) -> ArticleAgreement:
    """``units``: each annotator's ``span_units``, when the caller has them."""
    if units is None:
        units = {name: span_units(annotation) for name, annotation in latest.items()}
    crime, stance, matched, total = [], [], 0, 0
    for a, b in combinations(sorted(latest), 2):
        x, y = latest[a], latest[b]
        if x.choices.get(CRIME_TYPES) and y.choices.get(CRIME_TYPES):
            crime.append(1 - masi(frozenset(x.choices[CRIME_TYPES]),
                                  frozenset(y.choices[CRIME_TYPES])))
        if x.choices.get(STANCE) and y.choices.get(STANCE):
            stance.append(float(x.choices[STANCE][:1] == y.choices[STANCE][:1]))
        ux, uy = units[a], units[b]
        matched, total = matched + len(ux & uy), total + len(ux) + len(uy)
    parts = {"crime_types": sum(crime) / len(crime) if crime else None,
             "stance": sum(stance) / len(stance) if stance else None,
             "spans": 2 * matched / total if total else None}
    defined = [v for v in parts.values() if v is not None]
    return ArticleAgreement(**parts, overall=sum(defined) / len(defined) if defined else None)


class ArticlePicker:
    """Keeps the ``SHOWN`` articles most worth a look, seen one at a time."""

    def __init__(self, shown: int = SHOWN):
        self.shown = shown
        self._heap: list[tuple[tuple, int, ArticleView]] = []  # min-heap on worth
        self._count = 0

    def add(self, checked: DecidedTask) -> None:
        task, decision, latest = checked.task, checked.decision, checked.latest
        if len(latest) < 2 or task.text is None:
            return
        agreement = article_agreement(latest, checked.units)
        disputed = decision.status in ("disputed", "adjudicated") and decision.disagreements
        # Worth: disputed first (more disagreements first), then lower agreement.
        worth = (1 if disputed else 0, len(decision.disagreements),
                 -(agreement.overall if agreement.overall is not None else 1.0))
        self._count += 1
        if len(self._heap) >= self.shown and worth <= self._heap[0][0]:
            return
        view = _view(task, decision, latest, agreement)
        item = (worth, -self._count, view)
        if len(self._heap) < self.shown:
            heapq.heappush(self._heap, item)
        else:
            heapq.heapreplace(self._heap, item)

    def views(self) -> list[ArticleView]:
        return [view for _, _, view in sorted(self._heap, key=lambda i: (i[0], i[1]),
                                               reverse=True)]


def _view(task: Task, decision: ArticleDecision, latest: dict[str, Annotation],
          agreement: ArticleAgreement) -> ArticleView:
    people = []
    for name, annotation in sorted(latest.items()):
        stances = {c.region: c.values[0] for c in annotation.region_choices
                   if c.control == ACTOR_STANCE and c.values}
        people.append(AnnotatorView(
            annotator=name,
            crime_types=_in_schema_order(annotation.choices.get(CRIME_TYPES, ())),
            stance=(annotation.choices.get(STANCE) or (None,))[0],
            spans=[MarkedSpan(start=s.start, end=s.end, control=s.control, label=label,
                              stance=stances.get(s.region))
                   for s in annotation.spans for label in s.labels]))
    method = decision.stance_provenance.method if decision.stance_provenance else None
    return ArticleView(
        article_id=decision.article_id, title=task.data.get("title") or None,
        text=task.text or "", status=decision.status, method=method,
        decided_by=decision.decided_by, crime_types=_in_schema_order(decision.crime_types),
        stance=decision.stance,
        disagreements=[f"{d.field}: {d.item}: " + "; ".join(
            f"{option}: {', '.join(names) or '-'}" for option, names in d.votes.items())
            for d in decision.disagreements],
        annotators=people, agreement=agreement)
