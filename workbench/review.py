"""The review round: disputed articles go to a review project in Label Studio.

``review push`` sends every article with open disagreements to a second
project, "<project> (review)", one task per article, with each annotator's
version as a prediction named after them and the agreed parts as the
prediction the adjudicator starts from. The adjudicator fixes and submits
there; ``review pull`` pulls that project like any other (raw, checksummed)
and from then on its submitted, valid annotation is the article's final
decision (``adjudicated``, by whom, when). Both are idempotent: a task is
created once per article and replaced only while nobody has touched it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from workbench.adjudicate import ArticleDecision, usable
from workbench.decisions import adjudicate_export
from workbench.guidelines import guidelines_html
from workbench.lsexport import MalformedTask, iter_tasks
from workbench.models import Annotation, Task, parse_task
from workbench.pull import PullReport, latest_pull, pull
from workbench.push import Item, SyncResult, project_settings, sync_tasks
from workbench.results import annotation_result, decision_result
from workbench.settings import Settings
from workbench.studio import Studio
from workbench.validate import check_task

AGREED = "agreed"  # the model_version of the prediction holding what annotators agreed on

_ADJUDICATOR_NOTE = (
    "<h2>Review round</h2><p>Each task here is an article the annotators disagreed on. The "
    "annotation you start from holds what they agreed on; each annotator's own version is in "
    "the predictions, named after them. Fix what is disputed, then submit: your annotation "
    "becomes the article's gold.</p>")


class ReviewPushReport(BaseModel):
    project_id: int | None
    project_title: str
    url: str
    disputed: int
    sync: SyncResult

    @property
    def project_url(self) -> str | None:
        return f"{self.url}/projects/{self.project_id}/data" if self.project_id else None


def review_settings(settings: Settings) -> Settings:
    """The settings of the review project: its own title, one adjudicator per task."""
    title = f"{settings.project} (review)"
    return settings.model_copy(update={"project": title[:50], "overlap": 1})


def review_project_settings(settings: Settings) -> dict[str, Any]:
    review = review_settings(settings)
    return {**project_settings(review), "expert_instruction": _ADJUDICATOR_NOTE
            + guidelines_html(), "model_version": AGREED, "show_collab_predictions": True}


def review_push(settings: Settings, studio: Studio, *, export: Path | None = None,
                min_agree: int | None = None, min_annotators: int = 2) -> ReviewPushReport:
    """Send the disputed articles of the latest pull (or ``export``) to the review project."""
    path = export or latest_pull(settings)
    disputed: list[tuple[ArticleDecision, Task]] = []

    def keep(decision: ArticleDecision, task: Task) -> None:
        if decision.status == "disputed":
            disputed.append((decision, task))

    adjudicate_export(path, settings, min_agree=min_agree, min_annotators=min_annotators,
                      review=load_review(settings), on_decision=keep, write_log=False)
    items = [Item(d.article_id, _digest(d, t), lambda d=d, t=t: _review_task(d, t))
             for d, t in disputed]
    sync = sync_tasks(studio, review_settings(settings), review_project_settings(settings),
                      items)
    return ReviewPushReport(project_id=sync.project_id,
                            project_title=review_settings(settings).project, url=studio.url,
                            disputed=len(disputed), sync=sync)


def _digest(decision: ArticleDecision, task: Task) -> str:
    """Changes when the text, the inputs or what is disputed change."""
    content = {"text": task.text, "inputs": [i.model_dump() for i in decision.inputs],
               "disagreements": [d.model_dump() for d in decision.disagreements]}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _review_task(decision: ArticleDecision, task: Task) -> dict[str, Any]:
    text = task.text or ""
    by_id = {a.id: a for a in task.annotations}
    predictions = [{"model_version": AGREED, "result": decision_result(decision)}]
    for source in decision.inputs:
        annotation = by_id[source.annotation_id]
        predictions.append({"model_version": annotation.annotator,
                            "result": annotation_result(annotation, text)})
    return {"data": dict(task.data),
            "meta": {"article_id": decision.article_id, "sha256": _digest(decision, task),
                     "main_task_id": task.id},
            "predictions": predictions}


def review_pull(settings: Settings, studio: Studio) -> PullReport:
    """Pull the review project into exports/raw/, like the main project."""
    return pull(review_settings(settings), studio)


def load_review(settings: Settings) -> dict[str, Annotation]:
    """The adjudicator's decision per article, from the latest review pull (if any).

    The latest submitted annotation of a review task that passes validation.
    """
    path = latest_pull(review_settings(settings), required=False)
    if path is None:
        return {}
    decisions: dict[str, Annotation] = {}
    for item in iter_tasks(path):
        if isinstance(item, MalformedTask):
            continue
        task = parse_task(item)
        kept, _ = usable(task, check_task(task))
        if kept and task.article_id:
            decisions[task.article_id] = max(kept, key=lambda a: (a.updated_at or "", a.id))
    return decisions
