"""From several annotations of an article to one gold candidate, and who decided what.

For each article, its usable annotations are each annotator's latest one that
is neither cancelled nor invalid (validation errors). Then, first that
applies:

1. the adjudicator's decision from the review round (``adjudicated``);
2. an annotation a reviewer marked as ground truth in Label Studio (``ground_truth``);
3. votes: a value, span or relation is accepted when at least K annotators
   chose it (``unanimous`` when all did, else ``majority``) and rejected when at
   least K did not; the rest are disagreements, and the article is ``disputed``
   until the review round settles it. K defaults to a strict majority of the
   article's usable annotations.

Articles with fewer than ``min_annotators`` usable annotations are left
``awaiting`` more: one person's work is not gold.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from workbench.gold.format import Method, Provenance
from workbench.lsformat.records import Annotation, Span, Task
from workbench.quality.validate import Finding
from workbench.schema import (
    ACTOR_STANCE, ACTORS, CRIME_MENTIONS, CRIME_TYPES, NO_CRIME, STANCE,
)

Status = Literal["agreed", "disputed", "adjudicated", "ground_truth", "awaiting"]
SpanKey = tuple[str, int, int, tuple[str, ...]]  # control, start, end, labels


class DecidedSpan(BaseModel):
    start: int
    end: int
    text: str
    labels: list[str]
    stance: str | None = None  # actor spans: the actor's stance
    provenance: Provenance


class DecidedRelation(BaseModel):
    source: int  # index into actors
    target: int  # index into crime_mentions
    type: str
    provenance: Provenance


class Disagreement(BaseModel):
    field: str
    item: str  # what is disputed: a value, a span, a relation
    votes: dict[str, list[str]]  # option -> annotators
    # The schema values at stake, for reports; derived, so kept out of the decisions log.
    labels: list[str] = Field(default_factory=list, exclude=True)


class Excluded(BaseModel):
    annotation_id: int
    annotator: str
    reason: str


class Input(BaseModel):
    annotation_id: int
    annotator: str
    updated_at: str | None


class ArticleDecision(BaseModel):
    article_id: str
    task_id: int
    status: Status
    k: int
    n: int
    decided_by: str | None = None  # adjudicator or ground-truth annotator
    decided_at: str | None = None
    review_annotation: Input | None = None  # the adjudicator's annotation in the review project
    crime_types: list[str] = Field(default_factory=list)
    crime_types_provenance: dict[str, Provenance] = Field(default_factory=dict)
    stance: str | None = None
    stance_provenance: Provenance | None = None
    actors: list[DecidedSpan] = Field(default_factory=list)
    crime_mentions: list[DecidedSpan] = Field(default_factory=list)
    relations: list[DecidedRelation] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    inputs: list[Input] = Field(default_factory=list)
    excluded: list[Excluded] = Field(default_factory=list)

    @property
    def gold(self) -> bool:
        return self.status in ("agreed", "adjudicated", "ground_truth")

    def canonical(self) -> str:
        """The decision as sorted JSON: equal texts mean nothing changed."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)


def digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def usable(task: Task, findings: Iterable[Finding]) -> tuple[list[Annotation], list[Excluded]]:
    """Each annotator's latest annotation without errors; and what was left out, and why."""
    errors: dict[int | None, list[str]] = defaultdict(list)
    for finding in findings:
        if finding.severity == "error":
            errors[finding.annotation_id].append(finding.rule)
    excluded: list[Excluded] = []
    latest: dict[str, Annotation] = {}
    for annotation in sorted(task.annotations, key=lambda a: (a.updated_at or "", a.id)):
        if annotation.cancelled:
            excluded.append(Excluded(annotation_id=annotation.id, annotator=annotation.annotator,
                                     reason="cancelled"))
            continue
        if annotation.annotator in latest:
            old = latest[annotation.annotator]
            excluded.append(Excluded(annotation_id=old.id, annotator=old.annotator,
                                     reason="superseded by a later annotation"))
        latest[annotation.annotator] = annotation
    kept = []
    for annotation in latest.values():
        rules = errors.get(annotation.id, []) + errors.get(None, [])
        if rules:
            excluded.append(Excluded(annotation_id=annotation.id, annotator=annotation.annotator,
                                     reason="invalid: " + ", ".join(sorted(set(rules)))))
        else:
            kept.append(annotation)
    return sorted(kept, key=lambda a: a.annotator), excluded


def decide(task: Task, findings: Iterable[Finding], *, min_agree: int | None = None,
           min_annotators: int = 2, review: Annotation | None = None) -> ArticleDecision:
    """The gold candidate of one article."""
    kept, excluded = usable(task, findings)
    n = len(kept)
    k = min_agree if min_agree is not None else n // 2 + 1
    decision = ArticleDecision(
        article_id=task.article_id or f"task-{task.id}", task_id=task.id, status="awaiting",
        k=k, n=n, excluded=excluded,
        inputs=[Input(annotation_id=a.id, annotator=a.annotator, updated_at=a.updated_at)
                for a in kept])
    ground_truth = [a for a in kept if a.ground_truth]
    if review is not None:
        _take(decision, task, review, "adjudicated")
        decision.review_annotation = Input(annotation_id=review.id, annotator=review.annotator,
                                           updated_at=review.updated_at)
    elif ground_truth:
        _take(decision, task, max(ground_truth, key=lambda a: (a.updated_at or "", a.id)),
              "ground_truth")
    elif n >= max(min_annotators, 1):
        _Vote(decision, task, kept, k).run()
    return decision


def _take(decision: ArticleDecision, task: Task, annotation: Annotation, method: Method) -> None:
    """One annotation decides everything: the adjudicator's, or one marked ground truth."""
    decision.status = method  # type: ignore[assignment]
    decision.decided_by = annotation.annotator
    decision.decided_at = annotation.updated_at
    who = Provenance(method=method, annotators=[annotation.annotator], agreement=1.0)
    decision.crime_types = list(annotation.choices.get(CRIME_TYPES, ()))
    decision.crime_types_provenance = {v: who for v in decision.crime_types}
    stances = annotation.choices.get(STANCE, ())
    decision.stance = stances[0] if stances else None
    decision.stance_provenance = who if stances else None
    region_stance = {c.region: c.values[0] for c in annotation.region_choices
                     if c.control == ACTOR_STANCE and c.values}
    index: dict[tuple[str, str | None], int] = {}
    for span in annotation.spans:
        if span.control not in (ACTORS, CRIME_MENTIONS):
            continue
        target = decision.actors if span.control == ACTORS else decision.crime_mentions
        index[span.control, span.region] = len(target)
        target.append(_gold_span(task, span.start, span.end, span.labels,
                                 region_stance.get(span.region) if span.control == ACTORS
                                 else None, who))
    for relation in annotation.relations:
        source = index.get((ACTORS, relation.source))
        target = index.get((CRIME_MENTIONS, relation.target))
        if source is not None and target is not None:
            for label in relation.labels:
                decision.relations.append(DecidedRelation(source=source, target=target, type=label,
                                                       provenance=who))


def _gold_span(task: Task, start: int, end: int, labels: Iterable[str], stance: str | None,
               provenance: Provenance) -> DecidedSpan:
    return DecidedSpan(start=start, end=end, text=(task.text or "")[start:end], labels=list(labels),
                    stance=stance, provenance=provenance)


class _Vote:
    """Majority voting over the usable annotations of one article."""

    def __init__(self, decision: ArticleDecision, task: Task, kept: list[Annotation], k: int):
        self.decision, self.task, self.kept, self.k = decision, task, kept, k
        self.n = len(kept)
        self._provenances: dict[frozenset[str], Provenance] = {}

    def provenance(self, supporters: Iterable[str]) -> Provenance:
        """Shared among the values the same annotators support (most of an article's)."""
        key = frozenset(supporters)
        found = self._provenances.get(key)
        if found is None:
            method: Method = "unanimous" if len(key) == self.n else "majority"
            found = self._provenances[key] = Provenance(
                method=method, annotators=sorted(key), agreement=len(key) / self.n)
        return found

    def outcome(self, supporters: set[str]) -> Literal["accepted", "rejected", "open"]:
        if len(supporters) >= self.k:
            return "accepted"
        if self.n - len(supporters) >= self.k:
            return "rejected"
        return "open"

    def dispute(self, field: str, item: str, votes: dict[str, Iterable[str]],
                labels: Iterable[str]) -> None:
        self.decision.disagreements.append(Disagreement(
            field=field, item=item, votes={option: sorted(names)
                                           for option, names in votes.items()},
            labels=sorted(labels)))

    def run(self) -> None:
        self.crime_types()
        self.stance()
        spans = {ACTORS: self.spans(ACTORS), CRIME_MENTIONS: self.spans(CRIME_MENTIONS)}
        self.relations(spans)
        self.decision.status = "disputed" if self.decision.disagreements else "agreed"

    def crime_types(self) -> None:
        support: dict[str, set[str]] = defaultdict(set)
        for annotation in self.kept:
            for value in annotation.choices.get(CRIME_TYPES, ()):
                support[value].add(annotation.annotator)
        everyone = {a.annotator for a in self.kept}
        for value, names in sorted(support.items()):
            outcome = self.outcome(names)
            if outcome == "accepted":
                self.decision.crime_types.append(value)
                self.decision.crime_types_provenance[value] = self.provenance(names)
            elif outcome == "open":
                self.dispute(CRIME_TYPES, value, {"chosen": names, "not chosen": everyone - names},
                             [value])
        chosen = self.decision.crime_types
        if not chosen and not any(d.field == CRIME_TYPES for d in self.decision.disagreements):
            self.dispute(CRIME_TYPES, "(none agreed)",
                         {", ".join(sorted(a.choices.get(CRIME_TYPES, ()))) or "(none)":
                          [a.annotator] for a in self.kept}, support)
        if NO_CRIME in chosen and len(chosen) > 1:
            self.dispute(CRIME_TYPES, NO_CRIME, {v: self.decision.crime_types_provenance[
                v].annotators for v in chosen}, chosen)

    def stance(self) -> None:
        votes: dict[str, set[str]] = defaultdict(set)
        for annotation in self.kept:
            for value in annotation.choices.get(STANCE, ())[:1]:
                votes[value].add(annotation.annotator)
        winners = [v for v, names in votes.items() if len(names) >= self.k]
        if len(winners) == 1:
            self.decision.stance = winners[0]
            self.decision.stance_provenance = self.provenance(votes[winners[0]])
        elif votes:
            self.dispute(STANCE, "the article", votes, votes)

    def spans(self, control: str) -> dict[SpanKey, int]:
        """Vote on the spans of ``control``; the accepted ones' index in the gold list."""
        support: dict[SpanKey, set[str]] = defaultdict(set)
        stances: dict[SpanKey, dict[str, str | None]] = defaultdict(dict)
        for annotation in self.kept:
            region_stance = {c.region: c.values[0] for c in annotation.region_choices
                             if c.control == ACTOR_STANCE and c.values}
            for span in annotation.spans:
                if span.control == control:
                    key = _key(span)
                    support[key].add(annotation.annotator)
                    stances[key][annotation.annotator] = region_stance.get(span.region)
        target = self.decision.actors if control == ACTORS else self.decision.crime_mentions
        accepted: dict[SpanKey, int] = {}
        everyone = {a.annotator for a in self.kept}
        for key in sorted(support, key=lambda k: (k[1], k[2], k[3])):
            names = support[key]
            outcome = self.outcome(names)
            if outcome == "open":
                self.dispute(control, self.where(key),
                             {"marked": names, "not marked": everyone - names}, key[3])
                continue
            if outcome == "rejected":
                continue
            stance = None
            if control == ACTORS:
                stance = self.actor_stance(key, stances[key])
            accepted[key] = len(target)
            target.append(_gold_span(self.task, key[1], key[2], key[3], stance,
                                     self.provenance(names)))
        return accepted

    def where(self, key: SpanKey) -> str:
        """A span as disputes name it: its text, offsets and labels."""
        return f"{_quote(self.task, key)} {key[1]}-{key[2]} as {'/'.join(key[3])}"

    def actor_stance(self, key: SpanKey, given: dict[str, str | None]) -> str | None:
        votes: dict[str | None, set[str]] = defaultdict(set)
        for annotator, value in given.items():
            votes[value].add(annotator)
        winners = [v for v, names in votes.items() if len(names) >= self.k]
        if len(winners) == 1:
            return winners[0]
        if len(votes) > 1 or not winners:
            self.dispute(ACTOR_STANCE, self.where(key), {str(v) if v else "(none)": names
                                               for v, names in votes.items()},
                         [v for v in votes if v])
        return None

    def relations(self, spans: dict[str, dict[SpanKey, int]]) -> None:
        support: dict[tuple, set[str]] = defaultdict(set)
        for annotation in self.kept:
            regions = {s.region: _key(s) for s in annotation.spans}
            for relation in annotation.relations:
                source, target = regions.get(relation.source), regions.get(relation.target)
                if source is None or target is None:
                    continue
                for label in relation.labels:
                    support[source, target, label].add(annotation.annotator)
        everyone = {a.annotator for a in self.kept}
        for (source, target, label), names in sorted(support.items(), key=str):
            outcome = self.outcome(names)
            where = (f"{_quote(self.task, source)} {label} {_quote(self.task, target)}")
            if outcome == "open":
                self.dispute("relations", where,
                             {"linked": names, "not linked": everyone - names}, [label])
            elif outcome == "accepted":
                s, t = spans[ACTORS].get(source), spans[CRIME_MENTIONS].get(target)
                if s is None or t is None:  # an end was not agreed on
                    self.dispute("relations", where, {"linked": names,
                                                      "not linked": everyone - names}, [label])
                else:
                    self.decision.relations.append(DecidedRelation(
                        source=s, target=t, type=label, provenance=self.provenance(names)))


def _key(span: Span) -> SpanKey:
    return span.control, span.start, span.end, tuple(span.labels)


def _quote(task: Task, key: SpanKey) -> str:
    text = (task.text or "")[key[1]:key[2]]
    return repr(text if len(text) <= 40 else text[:39] + "…")

