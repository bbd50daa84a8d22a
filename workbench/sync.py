"""The main job, end to end: what `workbench sync` (and cron) runs.

Push what is new, pull what changed, take in the review round's decisions,
then one pass over the pull validates, adjudicates, logs the decisions,
stages the gold version, the review tasks and the quality report's counts;
send what is disputed to review, write the gold version when the gold changed
and the report, and count what is left for people to do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from workbench.gold.versions import gold_root
from workbench.gold.write import GoldReport, GoldWriter
from workbench.lsformat.summary import scan_export
from workbench.quality.chain import ChainResult, DecidedTask, Voting, run_chain
from workbench.quality.decision_log import DecisionLog
from workbench.quality.dispute import dispute_line
from workbench.quality.feedback import Feedback
from workbench.quality.independence import EditNotice
from workbench.quality.own_versions import OwnVersions
from workbench.quality.review_round import IgnoredReview, Review, load_review
from workbench.quality.review_tasks import ReviewStage
from workbench.report.collect import ReportCollector, ReportData, latest_gold
from workbench.report.page import write_report
from workbench.settings import Settings
from workbench.store.atomic import write_text
from workbench.store.lock import job_lock
from workbench.store.notices import Notices
from workbench.store.pseudonyms import Pseudonyms, pseudonyms_path
from workbench.store.rawpulls import Source, project_slug
from workbench.store.roles import adjudicators
from workbench.studio.backup import backup_if_due
from workbench.studio.client import Studio
from workbench.studio.pull import pull
from workbench.studio.push import Progress, PushReport, push
from workbench.studio.review_project import review_pull, send_to_review

SHOWN_DISPUTED = 10  # disputed articles named in the output, with why


class DisputedArticle(BaseModel):
    article_id: str
    title: str | None
    why: str  # each disputed point and its votes, naming nobody


class SyncReport(BaseModel):
    push: PushReport
    tasks: int
    annotated: int
    invalid: int  # annotations with at least one part set aside for an error
    agreed: int
    adjudicated: int
    awaiting_review: int
    awaiting_annotations: int
    disputed: list[DisputedArticle]  # the first SHOWN_DISPUTED
    gold: GoldReport
    feedback: list[Path]  # a page per annotator with slips
    edits: list[EditNotice]  # annotations someone else changed last, not reported before
    ignored: list[IgnoredReview]  # review submissions by others than adjudicators, new ones
    adjudicators: list[str]
    annotate_url: str
    review_url: str | None
    report: Path
    backup: Path | None = None  # taken first, the last one being older than backup_every
    unchanged: bool = False  # nothing new to read: the last sync's outcome, not redone


class LastSync(BaseModel):
    """What the last sync read and made: a sync whose pulls, settings, adjudicators and
    code are the same, and whose outputs are all still there, has nothing to redo."""

    inputs: str
    report: SyncReport

    @staticmethod
    def key(settings: Settings, pull: str, review: object, allowed: set[str]) -> str:
        fields = settings.model_dump(mode="json", exclude={"label_studio_api_key",
                                                           "hf_token"})
        code = hashlib.sha256()
        for module in sorted(Path(__file__).parent.rglob("*.py")):
            code.update(module.read_bytes())
        return hashlib.sha256(json.dumps(
            [pull, review, sorted(allowed), fields, code.hexdigest()]).encode()).hexdigest()

    @staticmethod
    def path(settings: Settings) -> Path:
        return settings.home / "state" / "syncs" / f"{project_slug(settings.project)}.json"

    @classmethod
    def load(cls, settings: Settings) -> LastSync | None:
        try:
            return cls.model_validate_json(cls.path(settings).read_bytes())
        except (OSError, ValueError):  # none yet, or unreadable: the sync is done in full
            return None

    def save(self, settings: Settings) -> None:
        write_text(self.path(settings), self.model_dump_json())

    def holds(self, inputs: str) -> bool:
        made = [self.report.report, *self.report.feedback]
        if self.report.gold.path is not None:
            made.append(self.report.gold.path)
        return inputs == self.inputs and all(path.exists() for path in made)

    def again(self, pushed: PushReport, backup: Path | None) -> SyncReport:
        """The last sync's outcome as this one's: the gold unchanged, every edit and
        ignored review submission already told."""
        gold = self.report.gold
        if gold.version is not None:
            gold = gold.model_copy(update={"version": None, "previous": gold.version,
                                           "unchanged": True, "reckoning": None})
        return self.report.model_copy(update={
            "push": pushed, "backup": backup, "gold": gold, "edits": [], "ignored": [],
            "unchanged": True})


@dataclass
class OfflinePass:
    """What one pass over a pull made: the gold version, the report's data, the feedback
    pages, the disputed articles named, and the review tasks staged (until it ends)."""

    result: ChainResult
    gold: GoldReport
    data: ReportData
    feedback: list[Path]
    disputed: list[DisputedArticle]
    staged: ReviewStage
    review: Review


@contextmanager
def offline_pass(settings: Settings, source: Source, review: Review, *,
                 task_url: str | None = None) -> Iterator[OfflinePass]:
    """Sync's offline part, on one read of the pull: validate, adjudicate, log the
    decisions, write the gold version (when it changed), the feedback pages and the report's
    data; the review tasks stay staged while the caller sends them."""
    collector, feedback, disputed = ReportCollector(settings), Feedback(), _Disputed()
    pseudonyms = Pseudonyms(pseudonyms_path(settings))
    with GoldWriter(settings, pseudonyms=pseudonyms) as gold, \
            DecisionLog(settings, source) as log, ReviewStage(settings, pseudonyms) as staged:
        result = run_chain(source, log.add, gold.add, staged.add, collector.add, feedback.add,
                           disputed.add, review=review, meter=collector.meter(),
                           measures=collector.measures(), voting=Voting.of(settings),
                           own_versions=OwnVersions.for_source(settings, source))
        exported = gold.write(result, review.source)
        pages = feedback.write(settings.exports / "feedback", task_url=task_url,
                               review=review)
        data = collector.finish(result, review, latest_gold(gold_root(settings), source))
        yield OfflinePass(result=result, gold=exported, data=data, feedback=pages,
                          disputed=disputed.shown, staged=staged, review=review)


def sync(settings: Settings, studio: Studio, paths: Iterable[str | Path], *,
         progress: Progress | None = None, say: Callable[[str], None] = lambda _: None
         ) -> SyncReport:
    """Run the whole chain once; every step is idempotent."""
    with job_lock(settings.home, "sync"):
        backed_up = backup_if_due(settings, "before sync")
        pushed = push(paths, settings=settings, studio=studio, progress=progress)
        say("Pulling annotations ...")
        pulled = pull(settings, studio)
        has_review = studio.find_project(settings.for_review().project) is not None
        review_source = review_pull(settings, studio).source if has_review else None
        allowed = adjudicators(settings)
        # The review pull by its annotations: the last sync's own review push changes its
        # tasks, and only the adjudicators' work decides anything.
        reviewed = (sorted(scan_export(review_source.path).updates.items(), key=str)
                    if review_source else None) or None
        inputs = LastSync.key(settings, pulled.sha256, reviewed, allowed)
        last = LastSync.load(settings)
        if last is not None and last.holds(inputs):
            say("Nothing new since the last sync: gold, review and report stand as they are.")
            return last.again(pushed, backed_up.path if backed_up is not None else None)
        review = load_review(review_source, allowed,
                             refuse_own=settings.own_articles == "refused")
        say("Validating, adjudicating, exporting ...")
        task_url = f"{studio.url}/projects/{pulled.project_id}/data?task={{task}}"
        with offline_pass(settings, pulled.source, review, task_url=task_url) as done:
            review_url = None
            if len(done.staged) or has_review:
                review_url = send_to_review(settings, studio, done.staged).project_url
        say("Writing the quality report ...")
        report = write_report(settings, data=done.data)
        edits, ignored = _once(settings, done.data.edits, done.data.ignored_reviews)
    counts = done.gold.counts
    made = SyncReport(
        push=pushed, tasks=pulled.summary.tasks, annotated=pulled.summary.annotated_tasks,
        invalid=done.data.validation.annotations_with_errors,
        agreed=counts.get("agreed", 0) + counts.get("ground_truth", 0),
        adjudicated=counts.get("adjudicated", 0), awaiting_review=counts.get("disputed", 0),
        awaiting_annotations=counts.get("awaiting", 0), disputed=done.disputed,
        gold=done.gold, feedback=done.feedback, edits=edits, ignored=ignored,
        adjudicators=sorted(review.adjudicators),
        annotate_url=f"{studio.url}/projects/{pushed.project_id}/",
        review_url=review_url, report=report,
        backup=backed_up.path if backed_up is not None else None)
    LastSync(inputs=inputs, report=made).save(settings)
    return made


def _once(settings: Settings, edits: list[EditNotice], ignored: list[IgnoredReview]
          ) -> tuple[list[EditNotice], list[IgnoredReview]]:
    """The edits and ignored review submissions not reported before, now remembered as
    reported: each is named once, by the sync that first sees it."""
    notices = Notices(settings)
    edits = [e for e in edits if e.worth_telling]
    new_edits = notices.new("edits", (e.key for e in edits))
    new_ignored = notices.new("ignored_reviews", (i.key for i in ignored))
    notices.given("edits", new_edits)
    notices.given("ignored_reviews", new_ignored)
    return ([e for e in edits if e.key in new_edits],
            [i for i in ignored if i.key in new_ignored])


class _Disputed:
    """A chain listener keeping the first disputed articles, and why."""

    def __init__(self):
        self.shown: list[DisputedArticle] = []

    def add(self, checked: DecidedTask) -> None:
        decision = checked.decision
        if decision.status == "disputed" and len(self.shown) < SHOWN_DISPUTED:
            self.shown.append(DisputedArticle(article_id=decision.article_id,
                                              title=checked.task.data.get("title") or None,
                                              why=dispute_line(decision)))
