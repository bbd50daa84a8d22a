"""Annotators over time: each annotator's agreement with the decided gold, per pull.

Each report measures, for every gold article, each annotator's latest
annotation against the decision (stance matched, crime types by Jaccard, spans
by exact F1), and adds a line to ``exports/reports/history.jsonl`` when its
pull is new there. The report draws the lines of all pulls so far: who drifts,
who improves. (Git-ignored with the reports: it names annotators.)
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from workbench.quality.chain import DecidedTask
from workbench.schema import ACTORS, CRIME_MENTIONS, CRIME_TYPES, STANCE
from workbench.store.atomic import write_text


class WithGold(BaseModel):
    """One annotator against gold, over the gold articles they annotated."""

    articles: int = 0
    stance: float | None = None  # share of articles with the gold stance
    crime_types: float | None = None  # mean Jaccard of their crime types and gold's
    spans: float | None = None  # exact-match F1 of their spans against gold's


class PullLine(BaseModel):
    pull: str
    sha256: str
    annotators: dict[str, WithGold] = Field(default_factory=dict)


class GoldComparer:
    """Accumulates each annotator's agreement with the decisions, article by article."""

    def __init__(self):
        self._sums: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0, 0.0, 0, 0, 0])

    def add(self, checked: DecidedTask) -> None:
        decision = checked.decision
        if not decision.gold:
            return
        gold_types = set(decision.crime_types)
        gold_spans = {(control, s.start, s.end, label)
                      for control, spans in ((ACTORS, decision.actors),
                                             (CRIME_MENTIONS, decision.crime_mentions))
                      for s in spans for label in s.labels}
        units = checked.units
        for name, annotation in checked.latest.items():
            sums = self._sums[name]
            sums[0] += 1
            stance = annotation.choices.get(STANCE, ())[:1]
            if stance and decision.stance:
                sums[1] += stance[0] == decision.stance
                sums[2] += 1
            chosen = set(annotation.choices.get(CRIME_TYPES, ()))
            if chosen or gold_types:
                sums[3] += len(chosen & gold_types) / len(chosen | gold_types)
                sums[4] += 1
            marked = units[name]
            sums[5] += len(marked & gold_spans)
            sums[6] += len(marked) + len(gold_spans)

    def figures(self) -> dict[str, WithGold]:
        return {name: WithGold(articles=int(s[0]), stance=s[1] / s[2] if s[2] else None,
                               crime_types=s[3] / s[4] if s[4] else None,
                               spans=2 * s[5] / s[6] if s[6] else None)
                for name, s in sorted(self._sums.items())}


def history_path(folder: Path) -> Path:
    return folder / "history.jsonl"


def record(folder: Path, line: PullLine) -> list[PullLine]:
    """Add this pull's line (once per pull) and return every line so far, oldest first."""
    path = history_path(folder)
    lines = read_history(path)
    if not any(old.sha256 == line.sha256 for old in lines):
        lines.append(line)
        write_text(path, "".join(json.dumps(old.model_dump(), sort_keys=True) + "\n"
                                 for old in lines))
    return lines


def read_history(path: Path) -> list[PullLine]:
    if not path.exists():
        return []
    lines = []
    for text in path.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(PullLine.model_validate_json(text))
        except ValueError:
            continue  # a line of an older format, or cut short
    return lines
