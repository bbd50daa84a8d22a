"""The review round's decisions, read from the latest pull of the review project.

An adjudicator's submitted annotation becomes the article's decision, less its faulty
parts; a submission by anyone else is reported and ignored. The review tasks themselves
are built in ``quality.review_tasks``; Label Studio is ``studio.review_project``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from workbench.lsformat.reader import MalformedTask
from workbench.lsformat.stream import read_tasks
from workbench.quality.decide import usable
from workbench.quality.validate import check_task
from workbench.records.decisions import ArticleDecision, SetAside
from workbench.records.tasks import Annotation
from workbench.settings import Settings
from workbench.store.rawpulls import Source, latest_pull
from workbench.store.roles import adjudicators

REFUSED_OWN = "annotated the article (WORKBENCH_OWN_ARTICLES=refused)"


@dataclass(frozen=True)
class IgnoredReview:
    """A review submission by someone who is not an adjudicator: reported, never used."""

    article_id: str
    annotation_id: int
    annotator: str
    why: str = "is not an adjudicator"

    @property
    def key(self) -> str:
        return str(self.annotation_id)


@dataclass
class Review:
    """What the latest pull of the review project decides."""

    source: Source | None = None
    decisions: dict[str, Annotation] = field(default_factory=dict)  # article -> decision
    set_aside: dict[str, list[SetAside]] = field(default_factory=dict)  # the decisions' slips
    ignored: list[IgnoredReview] = field(default_factory=list)
    adjudicators: set[str] = field(default_factory=set)
    refuse_own: bool = False  # refuse an adjudicator's decision on an article they annotated


def refused(decision: ArticleDecision) -> IgnoredReview | None:
    """The adjudicator's decision the article's own did not take, as they annotated it."""
    reviewed = decision.review_annotation
    if reviewed is None or reviewed.used:
        return None
    return IgnoredReview(decision.article_id, reviewed.annotation_id, reviewed.annotator,
                         REFUSED_OWN)


def latest_review(settings: Settings) -> Review:
    """The review round's decisions, from the latest pull of the review project (if any)."""
    return load_review(latest_pull(settings.for_review(), required=False),
                       adjudicators(settings), refuse_own=settings.own_articles == "refused")


def load_review(source: Source | None, allowed: set[str], *, refuse_own: bool = False
                ) -> Review:
    """Each article's decision: the latest submitted annotation of an adjudicator (an email
    in ``allowed``) on its review task, less its faulty parts."""
    review = Review(source=source, adjudicators=allowed, refuse_own=refuse_own)
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
