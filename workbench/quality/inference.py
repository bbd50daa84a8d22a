"""Gold beyond majority vote: each choice field decided by a model of the annotators'
reliability (Dawid-Skene, ``stats.truth``), estimated from the whole export first.

Fields: the article's stance (one of four), each crime type (chosen or not, one model per
type: binary relevance) and each actor's stance (one of four, an item per actor span). With
``auto`` a field (a crime type) gets the model when at least ``MIN_ITEMS`` of its items have
two votes or more, else majority vote as before; a small project is decided exactly as before.
A value is taken when the model gives it at least the confidence threshold, rejected (a crime
type) at most one minus it; in between it goes to the review round. Spans and relations stay
with majority vote: a span is not a fixed item every annotator answers (its boundaries are
what they choose), which the model needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterator
from typing import Literal, cast

import numpy as np
from pydantic import BaseModel, Field

from workbench.lsformat.stream import read_tasks
from workbench.quality.decide import ArticlePosteriors, SpanKey, usable
from workbench.quality.second_process import Restore
from workbench.quality.validate import check_task
from workbench.records.tasks import Annotation, Task
from workbench.schema import ACTOR_STANCE, ACTORS, CRIME_TYPES, STANCE
from workbench.stats.truth import Fit, dawid_skene
from workbench.store.rawpulls import Source

Aggregate = Literal["auto", "majority", "dawid-skene"]
MIN_ITEMS = 50  # items with two votes or more a field needs for its model (auto)
NEAR_CHANCE = 0.1  # an annotator this close to chance (or below) is flagged


class Competence(BaseModel):
    """One annotator's estimated reliability on one field, and what it rests on."""

    annotator: str
    field: str
    accuracy: float  # the chance of answering right (crime types: mean of each type's
    #                  balanced accuracy, chosen and not chosen counting alike)
    chance: float  # what answering at random, with the labels' frequencies, would score
    items: int
    near_chance: bool  # within NEAR_CHANCE of chance, or below

    @property
    def verdict(self) -> str:
        if not self.near_chance:
            return ""
        return "below chance" if self.accuracy < self.chance - NEAR_CHANCE else "near chance"


class InferenceReport(BaseModel):
    aggregate: Aggregate
    threshold: float
    fields: dict[str, str] = Field(default_factory=dict)  # field -> model, or why not
    competence: list[Competence] = Field(default_factory=list)


class Inference:
    """The fitted models, article by article (``article``), and what the card and report
    say of them (``report``)."""

    def __init__(self, aggregate: Aggregate, threshold: float):
        self.aggregate, self.threshold = aggregate, threshold
        self._articles: dict[str, ArticlePosteriors] = defaultdict(
            lambda: ArticlePosteriors(threshold=threshold))
        self._report = InferenceReport(aggregate=aggregate, threshold=threshold)

    def article(self, article_id: str) -> ArticlePosteriors | None:
        return self._articles.get(article_id)

    def report(self) -> InferenceReport:
        return self._report

    def used(self, name: str, responses: list[tuple[Hashable, str, Hashable]]) -> Fit | None:
        """A model of ``name``'s responses, when ``aggregate`` calls for it (else None, and
        why, in the report)."""
        if not responses:
            return None
        voted: dict[Hashable, int] = defaultdict(int)
        for item, _, _ in responses:
            voted[item] += 1
        rich = sum(n >= 2 for n in voted.values())
        if self.aggregate == "auto" and rich < MIN_ITEMS:
            self._report.fields[name] = (f"majority vote: {rich} items with two votes or "
                                         f"more, fewer than the {MIN_ITEMS} a model needs")
            return None
        self._report.fields[name] = f"Dawid-Skene ({rich} items with two votes or more)"
        return dawid_skene(responses)


def fit(source: Source, aggregate: Aggregate, threshold: float,
        restore: Restore | None = None) -> Inference | None:
    """Read ``source`` once more, before the pass, and fit each field's model (None: the
    majority rule, which needs none)."""
    if aggregate == "majority":
        return None
    inference = Inference(aggregate, threshold)
    stance: list[tuple[Hashable, str, Hashable]] = []
    crime_types: dict[str, list[tuple[Hashable, str, Hashable]]] = defaultdict(list)
    actors: list[tuple[Hashable, str, Hashable]] = []
    for task, kept in _usable_votes(source, restore):
        article = task.article_id or f"task-{task.id}"
        for annotation in kept:
            if annotation.choices.get(STANCE):
                stance.append((article, annotation.annotator, annotation.choices[STANCE][0]))
        voters = [a for a in kept if a.choices.get(CRIME_TYPES)]
        for value in dict.fromkeys(v for a in voters for v in a.choices[CRIME_TYPES]):
            crime_types[value] += [(article, a.annotator, value in a.choices[CRIME_TYPES])
                                   for a in voters]
        actors += [((article, key), name, given) for key, name, given in _actor_stances(kept)]
    articles = inference._articles
    found = inference.used(STANCE, stance)
    if found is not None:
        for i, item in enumerate(found.items):
            articles[str(item)].stance = _distribution(found, i)
        inference._report.competence += _competence(found, STANCE)
    binary: list[Competence] = []
    for value, responses in sorted(crime_types.items()):
        found = inference.used(f"{CRIME_TYPES}: {value}", responses)
        if found is None:
            continue
        chosen = found.labels.index(True) if True in found.labels else None
        for i, item in enumerate(found.items):
            p = float(found.posteriors[i, chosen]) if chosen is not None else 0.0
            articles[str(item)].crime_types[value] = p
        binary += _competence(found, f"{CRIME_TYPES}: {value}", balanced=True)
    inference._report.competence += _pooled(binary)
    found = inference.used(ACTOR_STANCE, actors)
    if found is not None:
        for i, item in enumerate(found.items):
            where, span = cast(tuple[str, SpanKey], item)
            articles[where].actor_stances[span] = _distribution(found, i)
        inference._report.competence += _competence(found, ACTOR_STANCE)
    return inference


def _usable_votes(source: Source, restore: Restore | None
                  ) -> Iterator[tuple[Task, list[Annotation]]]:
    """Each well-formed task, with the votes the pass will count (``decide.usable``)."""
    for task in read_tasks(source.path):
        if isinstance(task, Task):
            if restore is not None:
                task = restore(task)
            kept, _ = usable(task, check_task(task))
            yield task, kept


def _actor_stances(kept: list[Annotation]) -> Iterator[tuple[SpanKey, str, str]]:
    """(actor span, annotator, the stance they gave it), for each stance given."""
    for annotation in kept:
        given = {c.region: c.values[0] for c in annotation.region_choices
                 if c.control == ACTOR_STANCE and c.values}
        for span in annotation.spans:
            if span.control == ACTORS and span.region in given:
                yield ((span.control, span.start, span.end, span.labels), annotation.annotator,
                       given[span.region])


def _distribution(found: Fit, item: int) -> dict[str, float]:
    return {str(label): float(found.posteriors[item, c]) for c, label in enumerate(found.labels)}


def _competence(found: Fit, name: str, *, balanced: bool = False) -> list[Competence]:
    """Each annotator's estimated accuracy on a field, against chance."""
    if balanced:  # a crime type: mean of the rates on its presence and its absence
        accuracy = np.einsum("wcc->wc", found.errors).mean(axis=1)
        chance = 0.5
    else:
        accuracy = found.accuracy()
        chance = float((found.priors ** 2).sum())
    return [Competence(annotator=str(who), field=name, accuracy=float(accuracy[w]),
                       chance=chance, items=int(found.answered[w]),
                       near_chance=bool(accuracy[w] <= chance + NEAR_CHANCE))
            for w, who in enumerate(found.annotators)]


def _pooled(per_type: list[Competence]) -> list[Competence]:
    """Each annotator's crime types competence: the types' balanced accuracies, weighted by
    the items each rests on."""
    by_person: dict[str, list[Competence]] = defaultdict(list)
    for found in per_type:
        by_person[found.annotator].append(found)
    pooled = []
    for person, types in sorted(by_person.items()):
        items = sum(f.items for f in types)
        accuracy = sum(f.accuracy * f.items for f in types) / items
        pooled.append(Competence(annotator=person, field=CRIME_TYPES, accuracy=accuracy,
                                 chance=0.5, items=items,
                                 near_chance=accuracy <= 0.5 + NEAR_CHANCE))
    return pooled
