"""The main job, end to end: what `workbench sync` (and cron) runs.

Push what is new, pull what changed, take in the review round's decisions,
validate, adjudicate, send what is disputed to review, export a gold version
when the gold changed, write the quality report, and count what is left for
people to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from pydantic import BaseModel

from workbench.errors import ConfigError
from workbench.export import ExportReport, export_gold
from workbench.pull import pull
from workbench.push import Progress, PushReport, push
from workbench.report import collect
from workbench.reportpage import write_report
from workbench.review import review_pull, review_push, review_settings
from workbench.settings import Settings
from workbench.studio import Studio


class SyncReport(BaseModel):
    push: PushReport
    tasks: int
    annotated: int
    invalid: int
    agreed: int
    adjudicated: int
    awaiting_review: int
    awaiting_annotations: int
    export: ExportReport
    annotate_url: str
    review_url: str | None
    report: Path | None = None
    report_skipped: str | None = None  # why no report was written


def sync(settings: Settings, studio: Studio, paths: Iterable[str | Path], *,
         progress: Progress | None = None, say: Callable[[str], None] = lambda _: None
         ) -> SyncReport:
    """Run the whole chain once; every step is idempotent."""
    pushed = push(paths, settings=settings, studio=studio, progress=progress)
    say("Pulling annotations ...")
    pulled = pull(settings, studio)
    has_review = studio.find_project(review_settings(settings).project) is not None
    if has_review:
        review_pull(settings, studio)
    say("Adjudicating and exporting ...")
    exported = export_gold(settings)
    counts = exported.counts
    review_url = None
    if counts.get("disputed") or has_review:
        sent = review_push(settings, studio)
        review_url = sent.project_url
    say("Writing the quality report ...")
    data = collect(settings)  # of the latest pull; its validation summary serves the status
    report, skipped = None, None
    try:
        report = write_report(settings, data=data)
    except ConfigError as error:  # the report extra is not installed
        skipped = str(error)
    return SyncReport(
        push=pushed, tasks=pulled.summary.tasks, annotated=pulled.summary.annotated_tasks,
        invalid=data.validation.annotations_with_errors, agreed=counts.get("agreed", 0)
        + counts.get("ground_truth", 0), adjudicated=counts.get("adjudicated", 0),
        awaiting_review=counts.get("disputed", 0),
        awaiting_annotations=counts.get("awaiting", 0),
        export=exported,
        annotate_url=f"{studio.url}/projects/{pushed.project_id}/",
        review_url=review_url, report=report, report_skipped=skipped)
