"""From several annotations of an article to one gold candidate, and who decided what.

The rules (review round, ground truth, then votes with K of them) are in
docs/architecture.md, "How an article is decided". Every value keeps the annotators' votes
in its provenance, adjudicated ones too.
"""


from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import msgspec

from workbench.quality.validate import Finding, Part, check_task
from workbench.records.decisions import (
    ArticleDecision,
    DecidedRelation,
    DecidedSpan,
    Disagreement,
    Inferred,
    Input,
    Method,
    Provenance,
    ReviewInput,
    SetAside,
)
from workbench.records.tasks import Annotation, Span, Task
from workbench.schema import ACTOR_STANCE, ACTORS, CRIME_MENTIONS, CRIME_TYPES, NO_CRIME, STANCE

SpanKey = tuple[str, int, int, tuple[str, ...]]  # control, start, end, labels
RelationKey = tuple[SpanKey, SpanKey, str]  # actor span, crime mention span, type
CONFIDENCE = 0.6  # a model's value is taken at this probability, else sent to review


@dataclass
class ArticlePosteriors:
    """What the models of ``quality.inference`` say of one article, field by field."""

    stance: dict[str, float] | None = None  # value -> probability
    crime_types: dict[str, float] = field(default_factory=dict)  # value -> P(chosen)
    actor_stances: dict[SpanKey, dict[str, float]] = field(default_factory=dict)
    threshold: float = CONFIDENCE


def usable(task: Task, findings: Iterable[Finding]) -> tuple[list[Annotation], list[SetAside]]:
    """Each annotator's latest annotation less its faulty parts; and what was set aside, why."""
    errors: dict[int | None, list[tuple[Finding, Part]]] = defaultdict(list)
    for finding in findings:
        if finding.severity == "error" and (part := finding.part) is not None:
            errors[finding.annotation_id].append((finding, part))
    set_aside: list[SetAside] = []
    latest: dict[str, Annotation] = {}
    for annotation in sorted(task.annotations, key=lambda a: (a.updated_at or "", a.id)):
        if annotation.cancelled:
            set_aside.append(_whole(annotation, "cancelled"))
            continue
        if not annotation.authors_own:
            assert annotation.edit is not None  # only an edit makes it someone else's
            set_aside.append(_whole(annotation, "edited_by_other",
                                    f"{annotation.edit.by} changed it last"))
            continue
        if annotation.annotator in latest:
            set_aside.append(_whole(latest[annotation.annotator],
                                    "superseded by a later annotation"))
        latest[annotation.annotator] = annotation
    kept = []
    for annotation in latest.values():
        faults = errors.get(annotation.id, []) + errors.get(None, [])  # None: the task's
        if faults:
            set_aside += [SetAside(annotation_id=annotation.id, annotator=annotation.annotator,
                                   part=describe_part(task, annotation, part), reason=f.rule,
                                   message=f.message) for f, part in faults]
            annotation = _without(annotation, [part for _, part in faults])
        kept.append(annotation)
    return sorted(kept, key=lambda a: a.annotator), set_aside


def _whole(annotation: Annotation, reason: str, message: str | None = None) -> SetAside:
    return SetAside(annotation_id=annotation.id, annotator=annotation.annotator,
                    part="the whole annotation", reason=reason, message=message)


def _without(annotation: Annotation, parts: list[Part]) -> Annotation:
    """The annotation less ``parts``; what hangs on a removed span (its stance, its
    relations) goes with it."""
    kinds = {p.kind for p in parts}
    spans = set() if "spans" in kinds else {p.index for p in parts if p.kind == "span"}
    kept_spans = [s for i, s in enumerate(annotation.spans)
                  if "spans" not in kinds and i not in spans]
    regions = {s.region for s in kept_spans}
    stances = {p.index for p in parts if p.kind == "region_choice"}
    relations = {p.index for p in parts if p.kind == "relation"}
    choices = dict(annotation.choices)
    for part in parts:
        if part.kind == "field" and part.control is not None:
            choices.pop(part.control, None)  # the annotator abstains on the field
        elif part.kind == "value" and part.control in choices:
            choices[part.control] = tuple(v for v in choices[part.control] if v != part.value)
    return msgspec.structs.replace(
        annotation, spans=tuple(kept_spans),
        choices={control: values for control, values in choices.items() if values},
        region_choices=tuple(c for i, c in enumerate(annotation.region_choices)
                             if i not in stances and c.region in regions),
        relations=tuple(r for i, r in enumerate(annotation.relations)
                        if i not in relations and r.source in regions and r.target in regions))


def describe_part(task: Task, annotation: Annotation, part: Part) -> str:
    """A part as a person reads it: the field, and the value or the span's words."""
    if part.kind == "span" and part.index is not None and part.index < len(annotation.spans):
        span = annotation.spans[part.index]
        words = _quote_text((task.text or "")[span.start:span.end] or span.text or "")
        return f"{span.control} span {words} {span.start}-{span.end}"
    return {"task": "the whole task", "annotation": "the whole annotation",
            "spans": "every span, stance and relation (the task has no text)",
            "field": f"the field {part.control}",
            "value": f"the value {part.value!r} of {part.control}",
            "region_choice": f"the {part.control} of region {part.region}",
            "relation": f"relation {part.index}"}[part.kind]


def decide(task: Task, findings: Iterable[Finding], *, min_agree: int | None = None,
           min_annotators: int = 2, review: Annotation | None = None,
           review_set_aside: Iterable[SetAside] = (), refuse_own: bool = False,
           posteriors: ArticlePosteriors | None = None) -> ArticleDecision:
    """The gold candidate of one article; ``review`` is the adjudicator's annotation (less
    its faulty parts, ``review_set_aside``), refused when ``refuse_own`` and they annotated
    the article themselves; ``posteriors``, a model's, decide the fields they cover."""
    kept, set_aside = usable(task, findings)
    own = review is not None and review.annotator in {a.annotator for a in task.annotations}
    reviewed = None if review is None else ReviewInput(
        annotation_id=review.id, annotator=review.annotator, updated_at=review.updated_at,
        also_annotated=own, used=not (own and refuse_own))
    if reviewed is not None and not reviewed.used:
        review = None
    n = len(kept)
    decision = ArticleDecision(
        article_id=task.article_id or f"task-{task.id}", task_id=task.id, status="awaiting",
        k=min_agree if min_agree is not None else n // 2 + 1, n=n, set_aside=set_aside,
        inputs=[Input(annotation_id=a.id, annotator=a.annotator, updated_at=a.updated_at)
                for a in kept])
    votes = _Votes(task, kept, min_agree, min_annotators, posteriors)
    ground_truth = [a for a in kept if a.ground_truth]
    if review is not None:
        votes.run(decision)  # what was disputed, and who had chosen what
        _take(decision, task, review, "adjudicated", votes)
        decision.set_aside += list(review_set_aside)
    elif ground_truth:
        chosen = max(ground_truth, key=lambda a: (a.updated_at or "", a.id))
        _take(decision, task, chosen, "ground_truth", votes)
    elif n >= max(min_annotators, 1):
        votes.run(decision)
        decision.status = "disputed" if decision.disagreements else "agreed"
    decision.review_annotation = reviewed
    if review is None and not ground_truth and not all(a.authors_own for a in task.annotations):
        _unless_it_depended_on_an_edit(decision, task, min_agree, min_annotators)
    return decision


def _unless_it_depended_on_an_edit(decision: ArticleDecision, task: Task,
                                   min_agree: int | None, min_annotators: int) -> None:
    """An annotation someone other than its author changed last was set aside. When
    counting it would have given other gold, a person decides: the article is disputed."""
    edited = [a for a in task.annotations if not a.authors_own and not a.cancelled]
    if not edited:
        return
    as_if = msgspec.structs.replace(task, annotations=tuple(
        a if a.authors_own else msgspec.structs.replace(a, edit=None)
        for a in task.annotations))
    counted = decide(as_if, check_task(as_if), min_agree=min_agree,
                     min_annotators=min_annotators)
    if _outcome(counted) == _outcome(decision):
        return
    decision.status = "disputed"
    for annotation in edited:
        decision.disagreements.append(Disagreement(
            field="annotations", item="an annotation its author did not change last",
            votes={"set aside": [annotation.annotator],
                   "counted": sorted(i.annotator for i in decision.inputs)}))


def _outcome(decision: ArticleDecision) -> tuple:
    """What gold an article would get: its status and values, without provenance."""
    return (decision.status, decision.crime_types, decision.stance,
            [(s.start, s.end, s.labels, s.stance) for s in decision.actors],
            [(s.start, s.end, s.labels) for s in decision.crime_mentions],
            [(r.source, r.target, r.type) for r in decision.relations])


def _take(decision: ArticleDecision, task: Task, annotation: Annotation, method: Method,
          votes: _Votes) -> None:
    """One annotation decides everything (the adjudicator's, or one marked ground truth);
    each value's provenance keeps what the annotators had voted."""
    voted = _Voted(decision) if method == "adjudicated" else None
    decision.status = method  # type: ignore[assignment]
    decision.decided_by = annotation.annotator
    decision.decided_at = annotation.updated_at
    decision.crime_types, decision.crime_types_provenance = [], {}
    decision.stance = decision.stance_provenance = None
    decision.actors, decision.crime_mentions, decision.relations = [], [], []

    def who(supporters: set[str], field: str, agreed: Provenance | None = None
            ) -> Provenance:
        """What the annotators had agreed on keeps their method; the rest is the
        adjudicator's (or the ground truth's)."""
        return agreed or votes.provenance(supporters, field, method=method,
                                          decided_by=annotation.annotator)

    agreed = voted or _Voted(None)
    decision.crime_types = list(annotation.choices.get(CRIME_TYPES, ()))
    decision.crime_types_provenance = {
        v: who(votes.choice_support(CRIME_TYPES).get(v, set()), CRIME_TYPES,
               agreed.crime_types.get(v))
        for v in decision.crime_types}
    stances = annotation.choices.get(STANCE, ())
    if stances:
        decision.stance = stances[0]
        decision.stance_provenance = who(votes.choice_support(STANCE).get(stances[0], set()),
                                         STANCE, agreed.stances.get(stances[0]))
    region_stance = _region_stances(annotation)
    spans = {ACTORS: votes.span_support(ACTORS), CRIME_MENTIONS: votes.span_support(
        CRIME_MENTIONS)}
    index: dict[tuple[str, str | None], int] = {}
    for span in annotation.spans:
        if span.control not in spans:
            continue
        key = _key(span)
        decided = decision.actors if span.control == ACTORS else decision.crime_mentions
        index[span.control, span.region] = len(decided)
        stance = region_stance.get(span.region) if span.control == ACTORS else None
        stance_voters = votes.stance_support(key).get(stance, set()) if stance else set()
        was = agreed.spans.get(key)
        decided.append(_decided_span(
            task, key, stance,
            who(spans[span.control].get(key, set()), span.control,
                was.provenance if was is not None else None),
            who(stance_voters, ACTOR_STANCE, was.stance_provenance if was is not None
                and was.stance == stance else None) if stance else None))
    relation_support = votes.relation_support()
    keys = {s.region: _key(s) for s in annotation.spans}
    for relation in annotation.relations:
        source = index.get((ACTORS, relation.source))
        target = index.get((CRIME_MENTIONS, relation.target))
        if source is None or target is None:
            continue
        for label in relation.labels:
            link = (keys[relation.source], keys[relation.target], label)
            decision.relations.append(DecidedRelation(
                source=source, target=target, type=label, provenance=who(
                    relation_support.get(link, set()), "relations", agreed.relations.get(link))))


class _Voted:
    """What the annotators' votes had settled in ``decision`` (None: nothing), by value,
    before an adjudicator decided the article."""

    def __init__(self, decision: ArticleDecision | None):
        self.crime_types: dict[str, Provenance] = {}
        self.stances: dict[str, Provenance] = {}
        self.spans: dict[SpanKey, DecidedSpan] = {}
        self.relations: dict[RelationKey, Provenance] = {}
        if decision is None:
            return
        self.crime_types = dict(decision.crime_types_provenance)
        if decision.stance is not None and decision.stance_provenance is not None:
            self.stances[decision.stance] = decision.stance_provenance
        keys = {}
        for control, spans in ((ACTORS, decision.actors), (CRIME_MENTIONS,
                                                            decision.crime_mentions)):
            for index, span in enumerate(spans):
                keys[control, index] = key = (control, span.start, span.end, tuple(span.labels))
                self.spans[key] = span
        for relation in decision.relations:
            link = (keys[ACTORS, relation.source], keys[CRIME_MENTIONS, relation.target],
                    relation.type)
            self.relations[link] = relation.provenance


def _decided_span(task: Task, key: SpanKey, stance: str | None, provenance: Provenance,
                  stance_provenance: Provenance | None = None) -> DecidedSpan:
    _, start, end, labels = key
    return DecidedSpan(start=start, end=end, text=(task.text or "")[start:end],
                       labels=list(labels), stance=stance, provenance=provenance,
                       stance_provenance=stance_provenance)


def _region_stances(annotation: Annotation) -> dict[str | None, str]:
    return {c.region: c.values[0] for c in annotation.region_choices
            if c.control == ACTOR_STANCE and c.values}


class _Votes:
    """Who chose what among the usable annotations of one article, and the vote on it."""

    def __init__(self, task: Task, kept: list[Annotation], min_agree: int | None,
                 min_annotators: int, posteriors: ArticlePosteriors | None = None):
        self.task, self.kept, self.posteriors = task, kept, posteriors
        self.min_agree, self.min_annotators = min_agree, min_annotators
        self.everyone = {a.annotator for a in kept}
        self._provenances: dict[tuple, Provenance] = {}
        self._everyone: Provenance | None = None  # what everyone voted for
        self._voters = {field: {a.annotator for a in kept if a.choices.get(field)}
                        for field in (CRIME_TYPES, STANCE)}
        # Every span once: who marked it, and (actors) which stance each of them gave, the
        # stances in the order they were first given.
        spans: dict[str, dict[SpanKey, set[str]]] = {ACTORS: {}, CRIME_MENTIONS: {}}
        stances: dict[SpanKey, dict[str | None, set[str]]] = {}
        for annotation in kept:
            name = annotation.annotator
            given = _region_stances(annotation) if annotation.region_choices else {}
            for span in annotation.spans:
                control = span.control
                support = spans.get(control)
                if support is None:
                    continue
                key = (control, span.start, span.end, span.labels)
                marked = support.get(key)
                if marked is None:
                    support[key] = {name}
                else:
                    marked.add(name)
                if control == ACTORS:
                    by_stance = stances.get(key)
                    if by_stance is None:
                        by_stance = stances[key] = {}
                    stance = given.get(span.region)
                    if stance in by_stance:
                        by_stance[stance].add(name)
                    else:
                        by_stance[stance] = {name}
        self._spans, self._stances = spans, stances

    # -- support: who chose each value ---------------------------------------------------

    def voters(self, field: str) -> set[str]:
        """Who voted on a field: for a choice, those who gave it a valid value."""
        return self._voters.get(field, self.everyone)

    def choice_support(self, field: str) -> dict[str, set[str]]:
        support: dict[str, set[str]] = defaultdict(set)
        for annotation in self.kept:
            values = annotation.choices.get(field, ())
            for value in values[:1] if field == STANCE else values:
                support[value].add(annotation.annotator)
        return support

    def span_support(self, control: str) -> dict[SpanKey, set[str]]:
        return self._spans[control]

    def stance_support(self, key: SpanKey) -> dict[str | None, set[str]]:
        """Of the annotators who marked the actor span ``key``, who gave which stance."""
        return self._stances.get(key, {})

    def relation_support(self) -> dict[RelationKey, set[str]]:
        support: dict[RelationKey, set[str]] = defaultdict(set)
        for annotation in self.kept:
            if not annotation.relations:
                continue
            regions = {s.region: _key(s) for s in annotation.spans}
            for relation in annotation.relations:
                source, target = regions.get(relation.source), regions.get(relation.target)
                if source is not None and target is not None:
                    for label in relation.labels:
                        support[source, target, label].add(annotation.annotator)
        return support

    # -- the vote ------------------------------------------------------------------------

    def k(self, voters: int) -> int:
        return self.min_agree if self.min_agree is not None else voters // 2 + 1

    def provenance(self, supporters: set[str], field: str, *, method: Method | None = None,
                   decided_by: str | None = None) -> Provenance:
        """Shared among the values the same annotators support (most of an article's)."""
        voters = len(self.voters(field)) or 1
        if method is None:
            method = "unanimous" if len(supporters) == voters else "majority"
            if (method == "unanimous" and voters == len(self.everyone)
                    and decided_by is None):  # the common case
                if self._everyone is None:
                    self._everyone = self._shared(self.everyone, voters, method)
                return self._everyone
        return self._shared(supporters, voters, method, decided_by)

    def _shared(self, supporters: set[str], voters: int, method: Method,
                decided_by: str | None = None) -> Provenance:
        """The one Provenance of these supporters among ``voters``, decided so."""
        key = (frozenset(supporters), voters, method, decided_by)
        found = self._provenances.get(key)
        if found is None:
            found = self._provenances[key] = Provenance(
                method=method, annotators=sorted(supporters),
                agreement=len(supporters) / voters, decided_by=decided_by)
        return found

    def inferred(self, supporters: set[str], voters: int, posterior: float) -> Inferred:
        """A value the model decided (``unanimous`` still, when everyone chose it)."""
        return Inferred(method="unanimous" if len(supporters) == voters else "dawid_skene",
                        annotators=sorted(supporters), agreement=len(supporters) / (voters or 1),
                        posterior=round(posterior, 6))

    def outcome(self, supporters: set[str], field: str
                ) -> Literal["accepted", "rejected", "open"]:
        voters = len(self.voters(field))
        if voters < self.min_annotators:
            return "open"  # too few valid votes to decide either way
        k = self.k(voters)
        if len(supporters) >= k:
            return "accepted"
        if voters - len(supporters) >= k:
            return "rejected"
        return "open"

    def run(self, decision: ArticleDecision) -> None:
        self.decision = decision
        self.crime_types()
        self.stance()
        spans = {ACTORS: self.spans(ACTORS), CRIME_MENTIONS: self.spans(CRIME_MENTIONS)}
        self.relations(spans)

    def dispute(self, field: str, item: str, votes: Mapping[str, Iterable[str]],
                labels: Iterable[str], span: tuple[int, int] | None = None,
                posterior: float | None = None) -> None:
        self.decision.disagreements.append(Disagreement(
            field=field, item=item, votes={option: sorted(names)
                                           for option, names in votes.items()},
            labels=sorted(labels), span=span, posterior=posterior))

    def crime_types(self) -> None:
        support = self.choice_support(CRIME_TYPES)
        voters = self.voters(CRIME_TYPES)
        decision = self.decision
        model = self.posteriors.crime_types if self.posteriors is not None else {}
        for value, names in sorted(support.items()):
            outcome = self.outcome(names, CRIME_TYPES)
            p = model.get(value)
            if p is not None and len(voters) >= self.min_annotators:
                threshold = self.posteriors.threshold  # type: ignore[union-attr]
                outcome = ("accepted" if p >= threshold else "rejected" if p <= 1 - threshold
                           else "open")
            if outcome == "accepted":
                decision.crime_types.append(value)
                decision.crime_types_provenance[value] = (
                    self.provenance(names, CRIME_TYPES) if p is None
                    else self.inferred(names, len(voters), p))
            elif outcome == "open":
                self.dispute(CRIME_TYPES, value, {"chosen": names, "not chosen": voters - names},
                             [value], posterior=p)
        chosen = decision.crime_types
        if not chosen and not any(d.field == CRIME_TYPES for d in decision.disagreements):
            self.dispute(CRIME_TYPES, "(none agreed)",
                         {", ".join(sorted(a.choices.get(CRIME_TYPES, ()))) or "(none)":
                          [a.annotator] for a in self.kept}, support)
        if NO_CRIME in chosen and len(chosen) > 1:
            self.dispute(CRIME_TYPES, NO_CRIME, {v: decision.crime_types_provenance[
                v].annotators for v in chosen}, chosen)

    def stance(self) -> None:
        votes = self.choice_support(STANCE)
        voters = self.voters(STANCE)
        model = self.posteriors.stance if self.posteriors is not None else None
        if model is not None and len(voters) >= self.min_annotators:
            best = max(model, key=lambda v: (model[v], v))
            if model[best] >= self.posteriors.threshold:  # type: ignore[union-attr]
                self.decision.stance = best
                self.decision.stance_provenance = self.inferred(
                    votes.get(best, set()), len(voters), model[best])
            else:
                self.dispute(STANCE, "the article", votes, votes, posterior=model[best])
            return
        winners = [v for v, names in votes.items() if self.outcome(names, STANCE) == "accepted"]
        if len(winners) == 1:
            self.decision.stance = winners[0]
            self.decision.stance_provenance = self.provenance(votes[winners[0]], STANCE)
        elif votes:
            shown = {value: names for value, names in votes.items()}
            if len(voters) < self.min_annotators:
                shown["(no valid stance)"] = self.everyone - voters
            self.dispute(STANCE, "the article", shown, votes)

    def spans(self, control: str) -> dict[SpanKey, int]:
        """Vote on the spans of ``control``; the accepted ones' index in the gold list."""
        support = self.span_support(control)
        target = self.decision.actors if control == ACTORS else self.decision.crime_mentions
        accepted: dict[SpanKey, int] = {}
        voters = len(self.voters(control))
        k = self.k(voters)
        for key in sorted(support, key=lambda k: (k[1], k[2], k[3])):
            names = support[key]
            # outcome(), inline: this runs for every span of every article
            if voters >= self.min_annotators and len(names) >= k:
                pass  # accepted
            elif voters >= self.min_annotators and voters - len(names) >= k:
                continue  # rejected
            else:
                self.dispute(control, self.where(key),
                             {"marked": names, "not marked": self.everyone - names}, key[3],
                             span=(key[1], key[2]))
                continue
            stance, stance_provenance = None, None
            if control == ACTORS:
                stance, stance_provenance = self.actor_stance(key)
            accepted[key] = len(target)
            target.append(_decided_span(self.task, key, stance,
                                        self.provenance(names, control), stance_provenance))
        return accepted

    def where(self, key: SpanKey) -> str:
        """A span as disputes name it: its text, offsets and labels."""
        return f"{_quote(self.task, key)} {key[1]}-{key[2]} as {'/'.join(key[3])}"

    def actor_stance(self, key: SpanKey) -> tuple[str | None, Provenance | None]:
        votes = self.stance_support(key)
        model = self.posteriors.actor_stances.get(key) if self.posteriors is not None else None
        if model is not None:
            given = set().union(*(names for v, names in votes.items() if v is not None))
            best = max(model, key=lambda v: (model[v], v))
            if model[best] >= self.posteriors.threshold:  # type: ignore[union-attr]
                return best, self.inferred(votes.get(best, set()), len(given), model[best])
            self.dispute(ACTOR_STANCE, self.where(key), {str(v) if v else "(none)": names
                                                         for v, names in votes.items()},
                         [v for v in votes if v], span=(key[1], key[2]),
                         posterior=model[best])
            return None, None
        if len(votes) == 1:  # the common case: whoever marked the actor gave one stance
            ((stance, names),) = votes.items()
            if len(names) >= self.k(len(names)):
                return (None, None) if stance is None else (
                    stance, self._shared(names, len(names), "unanimous"))
        marked = set().union(*votes.values())
        k = self.k(len(marked))
        winners = [v for v, names in votes.items() if len(names) >= k]
        if len(winners) == 1:
            if winners[0] is None:
                return None, None
            names = votes[winners[0]]
            return winners[0], self._shared(
                names, len(marked), "unanimous" if names == marked else "majority")
        self.dispute(ACTOR_STANCE, self.where(key), {str(v) if v else "(none)": names
                                                     for v, names in votes.items()},
                     [v for v in votes if v], span=(key[1], key[2]))
        return None, None

    def relations(self, spans: dict[str, dict[SpanKey, int]]) -> None:
        for (source, target, label), names in sorted(self.relation_support().items(), key=str):
            outcome = self.outcome(names, "relations")
            if outcome == "rejected":
                continue
            s, t = spans[ACTORS].get(source), spans[CRIME_MENTIONS].get(target)
            if outcome == "accepted" and s is not None and t is not None:
                self.decision.relations.append(DecidedRelation(
                    source=s, target=t, type=label,
                    provenance=self.provenance(names, "relations")))
                continue
            # Open, or an end was not agreed on.
            self.dispute("relations",
                         f"{_quote(self.task, source)} {label} {_quote(self.task, target)}",
                         {"linked": names, "not linked": self.everyone - names}, [label])


def _key(span: Span) -> SpanKey:
    return span.control, span.start, span.end, span.labels


def _quote(task: Task, key: SpanKey) -> str:
    return _quote_text((task.text or "")[key[1]:key[2]])


def _quote_text(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:39] + "…")
