"""Shared fixtures. Fixtures that start a real Label Studio live in tests/studio_fixtures.py."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def seeds_dir() -> Path:
    return ROOT / "seeds"


@pytest.fixture
def ingest_fixtures() -> Path:
    return FIXTURES / "ingest"
