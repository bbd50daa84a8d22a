"""The review round in Label Studio: disputed articles go to a review project.

``review push`` sends every article with open disagreements to a second
project, "<project> (review)", one task per article (built by
``quality.review_tasks``). The adjudicator fixes and submits there; ``review pull``
pulls that project like any other (raw, checksummed) and from then on its
submitted, valid annotation is the article's final decision. Both are
idempotent: a task is created once per article and replaced only while nobody
has touched it.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from workbench.quality.chain import Voting, run_chain
from workbench.quality.own_versions import OwnVersions
from workbench.quality.review_round import IgnoredReview, latest_review, load_review
from workbench.quality.review_tasks import AGREED, ReviewStage
from workbench.schema.guidelines import guidelines_html
from workbench.schema.labelconfig import DISPUTE, label_config
from workbench.settings import Settings
from workbench.store.lock import job_lock
from workbench.store.rawpulls import open_export
from workbench.store.roles import adjudicators
from workbench.studio.client import Studio
from workbench.studio.pull import PullReport, pull
from workbench.studio.push import Item, SyncResult, project_settings, sync_tasks


def _review_note(judges: list[str]) -> str:
    """The review project's instructions: who decides here, then how."""
    who = (f"<p><b>Who decides here: {escape(', '.join(judges))}.</b> Only their submission "
           f"becomes an article's gold. A submission by anyone else is not used, and the "
           f"maintainer is told.</p>" if judges else
           "<p><b>Nobody is named adjudicator yet</b>: no submission here counts until the "
           "maintainer names one (WORKBENCH_ADJUDICATORS, or workbench annotators add EMAIL "
           "--role adjudicator).</p>")
    return ("<h2>Review round</h2>" + who + "<p>Each task here is an article the annotators "
            "disagreed on. The annotation you start from holds what they agreed on; each "
            "annotator's own version is in the predictions, named after them. Fix what is "
            "disputed, then submit.</p>")


class ReviewPushReport(BaseModel):
    project_id: int | None
    project_title: str
    url: str
    disputed: int
    sync: SyncResult

    @property
    def project_url(self) -> str | None:
        return f"{self.url}/projects/{self.project_id}/data" if self.project_id else None


def review_project_settings(settings: Settings) -> dict[str, Any]:
    # The review config: the main one with the task's dispute summary on top.
    return {**project_settings(settings.for_review()), "label_config": label_config(review=True),
            "expert_instruction": _review_note(sorted(adjudicators(settings)))
            + guidelines_html(), "model_version": AGREED, "show_collab_predictions": True}


def review_push(settings: Settings, studio: Studio, *, export: Path | None = None,
                voting: Voting | None = None) -> ReviewPushReport:
    """Send the disputed articles of the latest pull (or ``export``) to the review project."""
    with job_lock(settings.home, "review push"):
        source = open_export(settings, export)
        with ReviewStage(settings) as stage:
            run_chain(source, stage.add, voting=voting or Voting.of(settings),
                      review=latest_review(settings),
                      own_versions=OwnVersions.for_source(settings, source))
            return send_to_review(settings, studio, stage)


def send_to_review(settings: Settings, studio: Studio, stage: ReviewStage) -> ReviewPushReport:
    """Make the review project hold exactly the staged review tasks (idempotent)."""
    review = settings.for_review()
    items = [Item(article_id, sha, build) for article_id, sha, build in stage.items()]
    sync = sync_tasks(studio, review, review_project_settings(settings), items)
    if sync.project_id is not None:
        studio.hide_columns(sync.project_id, [f"data.{DISPUTE}"])
    return ReviewPushReport(project_id=sync.project_id, project_title=review.project,
                            url=studio.url, disputed=len(stage), sync=sync)


class ReviewPullReport(PullReport):
    decisions: int  # articles the adjudicators decided, in this pull
    ignored: list[IgnoredReview]  # submissions by people who are not adjudicators
    adjudicators: list[str]


def review_pull(settings: Settings, studio: Studio) -> ReviewPullReport:
    """Pull the review project into exports/raw/, like the main project."""
    pulled = pull(settings.for_review(), studio)
    review = load_review(pulled.source, adjudicators(settings))
    return ReviewPullReport(**pulled.model_dump(), decisions=len(review.decisions),
                            ignored=review.ignored, adjudicators=sorted(review.adjudicators))
