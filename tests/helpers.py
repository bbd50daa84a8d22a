"""Helpers the tests share that are not fixtures (tests import this module, never conftest).
Test data comes from builders.py, running servers (and free ports) from servers.py."""

from __future__ import annotations

from pathlib import Path

from workbench.quality.chain import MAJORITY, Voting, run_chain
from workbench.quality.review_round import latest_review
from workbench.records.decisions import ArticleDecision
from workbench.settings import Settings
from workbench.store.rawpulls import Source, latest_pull


def offline_settings(folder: Path) -> Settings:
    """Settings for offline steps: a home and an exports folder of the test's own."""
    return Settings(home=folder / "home", exports=folder / "exports", _env_file=None)


def decisions(settings: Settings, source: Source | Path | None = None, *,
              voting: Voting = MAJORITY) -> dict[str, ArticleDecision]:
    """Every article's decision (with the review round's), without logging anything."""
    if isinstance(source, Path):
        source = Source(source)
    found: dict[str, ArticleDecision] = {}
    run_chain(source or latest_pull(settings),
              lambda checked: found.setdefault(checked.decision.article_id, checked.decision),
              review=latest_review(settings),
              voting=voting)
    return found


def missing(reason: str) -> None:
    """A system package a test needs is not here: skip it, saying why; in CI (CI=true), fail,
    so that a green CI run means the test really ran."""
    import os

    import pytest

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: a test that cannot run fails the run)")
    pytest.skip(reason)
