"""The review round, offline: what a review task shows, and the decisions it brings back.

A review task is one disputed article, with the agreed parts as the
annotation the adjudicator starts from and each annotator's version as a
prediction named after them. The adjudicator's submitted, valid annotation in
the latest pull of the review project becomes the article's decision. Talking
to Label Studio is ``studio.review``; this module reads and builds files only.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from typing import Any

from workbench.lsformat.reader import MalformedTask, iter_tasks
from workbench.lsformat.records import Annotation, Task, parse_task
from workbench.lsformat.results import annotation_result, choices_item, relation_item, span_item
from workbench.quality.adjudicate import ArticleDecision, usable
from workbench.quality.chain import Checked
from workbench.quality.validate import check_task
from workbench.schema import ACTOR_STANCE, ACTORS, CRIME_MENTIONS, CRIME_TYPES, STANCE
from workbench.store.rawpulls import Source

AGREED = "agreed"  # the model_version of the prediction holding what annotators agreed on


def load_review(source: Source | None) -> dict[str, Annotation]:
    """The adjudicator's decision per article, from a pull of the review project (if any).

    The latest submitted annotation of a review task that passes validation.
    """
    if source is None:
        return {}
    decisions: dict[str, Annotation] = {}
    for item in iter_tasks(source.path):
        if isinstance(item, MalformedTask):
            continue
        task = parse_task(item)
        kept, _ = usable(task, check_task(task))
        if kept and task.article_id:
            decisions[task.article_id] = max(kept, key=lambda a: (a.updated_at or "", a.id))
    return decisions


class ReviewStage:
    """A chain listener that stages the review task of every disputed article on disk.

    ``items`` then gives each (article id, digest, build): push reads a task back
    only when it must send it, so memory stays flat however many are disputed.
    """

    def __init__(self):
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._staged: list[tuple[str, str, int]] = []  # article id, digest, offset

    def __enter__(self) -> ReviewStage:
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def add(self, checked: Checked) -> None:
        decision = checked.decision
        if decision.status != "disputed":
            return
        payload = review_task(decision, checked.task)
        self._staged.append((decision.article_id, payload["meta"]["sha256"], self._file.tell()))
        self._file.write(json.dumps(payload, ensure_ascii=False) + "\n")

    def __len__(self) -> int:
        return len(self._staged)

    def items(self) -> list[tuple[str, str, Callable[[], dict[str, Any]]]]:
        self._file.flush()
        return [(article_id, sha, lambda at=offset: self._read(at))
                for article_id, sha, offset in self._staged]

    def _read(self, offset: int) -> dict[str, Any]:
        self._file.seek(offset)
        line = self._file.readline()
        self._file.seek(0, 2)
        return json.loads(line)


def review_digest(decision: ArticleDecision, task: Task) -> str:
    """Changes when the text, the inputs or what is disputed change."""
    content = {"text": task.text, "inputs": [i.model_dump() for i in decision.inputs],
               "disagreements": [d.model_dump() for d in decision.disagreements]}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def review_task(decision: ArticleDecision, task: Task) -> dict[str, Any]:
    """The review project's task of a disputed article, as Label Studio imports it."""
    text = task.text or ""
    by_id = {a.id: a for a in task.annotations}
    predictions = [{"model_version": AGREED, "result": decision_result(decision)}]
    for source in decision.inputs:
        annotation = by_id[source.annotation_id]
        predictions.append({"model_version": annotation.annotator,
                            "result": annotation_result(annotation, text)})
    return {"data": dict(task.data),
            "meta": {"article_id": decision.article_id, "sha256": review_digest(decision, task),
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
