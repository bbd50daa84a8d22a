"""``workbench adjudicate``: decide every article, log what changed, say what is disputed."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from workbench.quality.chain import DecidedTask, Voting, run_chain
from workbench.quality.decision_log import DecisionLog
from workbench.quality.own_versions import OwnVersions
from workbench.quality.review_round import latest_review
from workbench.records.decisions import ArticleDecision
from workbench.records.reckoning import Reckoning
from workbench.settings import Settings
from workbench.store.lock import job_lock
from workbench.store.rawpulls import open_export


class AdjudicationReport(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)  # the decisions: msgspec structs

    source: str
    articles: int = 0
    counts: dict[str, int] = Field(default_factory=dict)  # by status
    disputed: list[ArticleDecision] = Field(default_factory=list)
    log: Path
    logged: int = 0  # lines appended this run
    reckoning: Reckoning


def adjudicate(settings: Settings, *, export: Path | None = None,
               voting: Voting | None = None) -> AdjudicationReport:
    """Decide every article of the latest pull (or ``export``), with the review round's
    decisions; log what changed; report what is disputed."""
    voting = voting or Voting.of(settings)
    with job_lock(settings.home, "adjudicate"):
        source = open_export(settings, export)
        disputed: list[ArticleDecision] = []

        def keep_disputed(checked: DecidedTask) -> None:
            if checked.decision.status == "disputed":
                disputed.append(checked.decision)

        with DecisionLog(settings, source) as log:
            review = latest_review(settings)
            result = run_chain(source, log.add, keep_disputed, review=review,
                               voting=voting,
                               own_versions=OwnVersions.for_source(settings, source))
    return AdjudicationReport(source=str(source.path), articles=sum(result.decisions.values()),
                              counts=result.decisions, disputed=disputed, log=log.path,
                              logged=log.logged, reckoning=result.reckoning)
