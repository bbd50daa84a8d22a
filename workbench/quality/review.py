"""The review round, offline: what a review task shows, and the decisions it brings back.

A review task is one disputed article. Its ``dispute`` field (shown on top of
the labeling view, ``quality.dispute``) says what is disputed, who chose what
and what was set aside; the agreed parts are the prediction the adjudicator
starts from; each annotator's own version is a prediction named by pseudonym
(the review project is visible to every member in Label Studio Community, so
it names nobody). An adjudicator's submitted annotation in the latest pull of
the review project becomes the article's decision, less its faulty parts; a
submission by anyone else is reported and ignored. Talking to Label Studio is
``studio.review``; this module reads and builds files only.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from workbench.lsformat.reader import MalformedTask
from workbench.lsformat.records import Annotation, Task
from workbench.lsformat.stream import read_tasks
from workbench.lsformat.results import annotation_result, choices_item, relation_item, span_item
from workbench.quality.adjudicate import ArticleDecision, SetAside, usable
from workbench.quality.chain import Checked
from workbench.quality.dispute import dispute_html
from workbench.quality.validate import check_task
from workbench.schema import ACTOR_STANCE, ACTORS, CRIME_MENTIONS, CRIME_TYPES, STANCE
from workbench.schema.labelconfig import DISPUTE
from workbench.settings import Settings
from workbench.store.pseudonyms import Pseudonyms, pseudonyms_path
from workbench.store.rawpulls import Source, latest_pull
from workbench.store.roles import adjudicators

AGREED = "agreed"  # the model_version of the prediction holding what annotators agreed on


@dataclass(frozen=True)
class IgnoredReview:
    """A review submission by someone who is not an adjudicator: reported, never used."""

    article_id: str
    annotation_id: int
    annotator: str


@dataclass
class Review:
    """What the latest pull of the review project decides."""

    source: Source | None = None
    decisions: dict[str, Annotation] = field(default_factory=dict)  # article -> decision
    set_aside: dict[str, list[SetAside]] = field(default_factory=dict)  # the decisions' slips
    ignored: list[IgnoredReview] = field(default_factory=list)
    adjudicators: set[str] = field(default_factory=set)


def latest_review(settings: Settings) -> Review:
    """The review round's decisions, from the latest pull of the review project (if any)."""
    return load_review(latest_pull(settings.for_review(), required=False),
                       adjudicators(settings))


def load_review(source: Source | None, allowed: set[str]) -> Review:
    """Each article's decision: the latest submitted annotation of an adjudicator (an email
    in ``allowed``) on its review task, less its faulty parts."""
    review = Review(source=source, adjudicators=allowed)
    if source is None:
        return review
    for task in read_tasks(source.path):
        if isinstance(task, MalformedTask):
            continue
        if not task.article_id:
            continue
        for annotation in task.annotations:
            if not annotation.cancelled and annotation.annotator.lower() not in allowed:
                review.ignored.append(IgnoredReview(task.article_id, annotation.id,
                                                    annotation.annotator))
        theirs = [a for a in task.annotations if a.annotator.lower() in allowed]
        if not theirs:
            continue
        mine = msgspec.structs.replace(task, annotations=tuple(theirs))
        kept, set_aside = usable(mine, check_task(mine))
        if kept:
            chosen = max(kept, key=lambda a: (a.updated_at or "", a.id))
            review.decisions[task.article_id] = chosen
            review.set_aside[task.article_id] = [p for p in set_aside
                                                 if p.annotation_id == chosen.id]
    return review


class ReviewStage:
    """A chain listener that stages the review task of every disputed article on disk.

    ``items`` then gives each (article id, digest, build): push reads a task back
    only when it must send it, so memory stays flat however many are disputed.
    """

    def __init__(self, settings: Settings, pseudonyms: Pseudonyms | None = None):
        self.pseudonyms = pseudonyms or Pseudonyms(pseudonyms_path(settings))
        self._file = tempfile.TemporaryFile("w+b")
        self._staged: list[tuple[str, str, int]] = []  # article id, digest, offset

    def __enter__(self) -> ReviewStage:
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def add(self, checked: Checked) -> None:
        decision = checked.decision
        if decision.status != "disputed":
            return
        payload = review_task(decision, checked.task, self.pseudonyms)
        self._staged.append((decision.article_id, payload["meta"]["sha256"], self._file.tell()))
        self._file.write(_encoded(payload) + b"\n")

    def __len__(self) -> int:
        return len(self._staged)

    def items(self) -> list[tuple[str, str, Callable[[], dict[str, Any]]]]:
        self._file.flush()
        self.pseudonyms.save()
        return [(article_id, sha, lambda at=offset: self._read(at))
                for article_id, sha, offset in self._staged]

    def _read(self, offset: int) -> dict[str, Any]:
        self._file.seek(offset)
        line = self._file.readline()
        self._file.seek(0, 2)
        return json.loads(line)


def _encoded(payload: dict[str, Any]) -> bytes:
    """A review task as a JSON line (msgspec, several times faster than json); json itself
    for the rare task whose data hold NaN or infinity, which it keeps and msgspec nulls."""
    if _finite(payload["data"]):
        return msgspec.json.encode(payload)
    return json.dumps(payload, ensure_ascii=False).encode()


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def review_task(decision: ArticleDecision, task: Task, name: Callable[[str], str]
                ) -> dict[str, Any]:
    """The review project's task of a disputed article, as Label Studio imports it."""
    text = task.text or ""
    by_id = {a.id: a for a in task.annotations}
    predictions = [{"model_version": AGREED, "result": decision_result(decision)}]
    for source in decision.inputs:
        annotation = by_id[source.annotation_id]
        predictions.append({"model_version": name(annotation.annotator),
                            "result": annotation_result(annotation, text)})
    summary = dispute_html(decision, task, name)
    content = {"text": task.text, "inputs": [msgspec.structs.asdict(i) for i in decision.inputs],
               "dispute": summary}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return {"data": {**task.data, DISPUTE: summary},
            "meta": {"article_id": decision.article_id, "sha256": digest,
                     "main_task_id": task.id},
            "predictions": predictions}


def decision_result(decision: ArticleDecision) -> list[dict[str, Any]]:
    """What the annotators agreed on, as a result to start the adjudicator from."""
    result = []
    if decision.crime_types:
        result.append(choices_item(CRIME_TYPES, decision.crime_types))
    if decision.stance:
        result.append(choices_item(STANCE, [decision.stance]))
    for control, spans in ((ACTORS, decision.actors), (CRIME_MENTIONS, decision.crime_mentions)):
        for index, span in enumerate(spans):
            region = f"{control[0]}{index}"
            result.append(span_item(region, control, span.start, span.end, span.text,
                                    span.labels))
            if span.stance:
                result.append(choices_item(ACTOR_STANCE, [span.stance], region,
                                           (span.start, span.end, span.text)))
    for relation in decision.relations:
        result.append(relation_item(f"a{relation.source}", f"c{relation.target}",
                                    [relation.type]))
    return result
