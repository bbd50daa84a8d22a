"""The review task of a disputed article, as Label Studio imports it; staged on disk.

Its ``dispute`` field (``quality.dispute``) says what is disputed, who chose what and what
was set aside; the agreed parts are the prediction the adjudicator starts from; each
annotator's own version is a prediction named by pseudonym (every member of a Label
Studio Community organization sees the review project, so it names nobody).
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from workbench.lsformat.results import annotation_result, choices_item, relation_item, span_item
from workbench.quality.chain import DecidedTask
from workbench.quality.dispute import dispute_html, dispute_line
from workbench.records.decisions import ArticleDecision
from workbench.records.tasks import Task
from workbench.schema import ACTOR_STANCE, ACTORS, CRIME_MENTIONS, CRIME_TYPES, STANCE
from workbench.schema.labelconfig import DISPUTE
from workbench.settings import Settings
from workbench.store.pseudonyms import Pseudonyms, pseudonyms_path
from workbench.store.roles import adjudicators

AGREED = "agreed"  # the model_version of the prediction holding what annotators agreed on
# The review task's plain-text field saying what is disputed, for the Data Manager's column
# (the HTML one is hidden there: it would show as markup).
DISPUTED = "disputed"


class ReviewStage:
    """A chain listener that stages the review task of every disputed article on disk.

    ``items`` then gives each (article id, digest, build), the most uncertain first (a
    model's lowest posterior; a dispute of the votes alone counts as the least sure): push
    reads a task back only when it must send it, so memory stays flat.
    """

    def __init__(self, settings: Settings, pseudonyms: Pseudonyms | None = None):
        self.pseudonyms = pseudonyms or Pseudonyms(pseudonyms_path(settings))
        self.adjudicators = sorted(adjudicators(settings))
        self._file = tempfile.TemporaryFile("w+b")
        self._staged: list[tuple[float, str, str, int]] = []  # sureness, id, digest, offset

    def __enter__(self) -> ReviewStage:
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def add(self, checked: DecidedTask) -> None:
        decision = checked.decision
        if decision.status != "disputed":
            return
        payload = review_task(decision, checked.task, self.pseudonyms, self.adjudicators)
        sure = min((d.posterior for d in decision.disagreements if d.posterior is not None),
                   default=0.0)
        self._staged.append((sure, decision.article_id, payload["meta"]["sha256"],
                             self._file.tell()))
        self._file.write(_encoded(payload) + b"\n")

    def __len__(self) -> int:
        return len(self._staged)

    def items(self) -> list[tuple[str, str, Callable[[], dict[str, Any]]]]:
        self._file.flush()
        self.pseudonyms.save()
        # at=offset binds each offset; mypy cannot type a lambda's default (python/mypy#15459)
        return [(article_id, sha, lambda at=offset: self._read(at))  # type: ignore[misc]
                for _, article_id, sha, offset in sorted(self._staged)]

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


def review_task(decision: ArticleDecision, task: Task, name: Callable[[str], str],
                judges: Sequence[str] = ()) -> dict[str, Any]:
    """The review project's task of a disputed article, as Label Studio imports it;
    ``judges``: the adjudicators, named on it."""
    text = task.text or ""
    by_id = {a.id: a for a in task.annotations}
    predictions = [{"model_version": AGREED, "result": decision_result(decision)}]
    for source in decision.inputs:
        annotation = by_id[source.annotation_id]
        predictions.append({"model_version": name(annotation.annotator),
                            "result": annotation_result(annotation, text)})
    summary = dispute_html(decision, task, name, judges)
    content = {"text": task.text, "inputs": [msgspec.structs.asdict(i) for i in decision.inputs],
               "dispute": summary}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return {"data": {**task.data, DISPUTE: summary, DISPUTED: dispute_line(decision)},
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
