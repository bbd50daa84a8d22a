"""Whose work a vote is: annotations someone else changed, and annotations copied.

Label Studio Community lets any annotator open, and update, another's finished annotation
from the Data Manager. The first is seen in ``updated_by`` (``EditNotice``); copying leaves
no trace but its result: two annotations of a task identical in every part, where the
suggestions they both started from differed (``CopyMeter``). Each pair of annotators is
held against every other pair of the project: how often that happens to them, against how
often it happens to the others.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from itertools import combinations

from pydantic import BaseModel, Field

from workbench.quality.measure import Measure
from workbench.records.tasks import Annotation, Task, TaskVotes
from workbench.schema import CRIME_TYPES
from workbench.stats.coefficients import binomial_tail

FLAG_P = 0.001  # a pair is flagged below this chance of so many identical annotations...
FLAG_MIN = 3  # ... and with at least this many


@dataclass(frozen=True)
class EditNotice:
    """An annotation its author did not change last, and what counts in its place."""

    article_id: str
    task_id: int
    annotation_id: int
    author: str
    editor: str
    editor_id: int
    changed_at: str | None
    restored_from: str | None  # the pull whose copy of the author's own version counts
    changed: bool | None = None  # whether they changed the content (None: nothing to compare)
    ground_truth: bool = False  # marked ground truth, counted as marked

    @property
    def key(self) -> str:
        """The same edit, whenever it is seen again."""
        return f"{self.annotation_id}@{self.changed_at}"

    @property
    def worth_telling(self) -> bool:
        """Content changed, or maybe changed: saving it unchanged (a ground-truth star, an
        Update without a change) harms nobody's vote."""
        return self.changed is not False

    def counted(self) -> str:
        """What counts in its place, in words."""
        if self.restored_from and self.changed is False:
            return "nothing was changed: it counts as the author's"
        if self.restored_from:
            return f"the author's own version, from {self.restored_from}, counts instead"
        if self.ground_truth:
            return "it counts as marked ground truth (no earlier version to compare)"
        return ("it is set aside (no earlier version of the author's was pulled), and the "
                "article goes to review if its gold depended on it")


def edits_in(task: Task) -> list[EditNotice]:
    return [EditNotice(article_id=task.article_id or f"task-{task.id}", task_id=task.id,
                       annotation_id=a.id, author=a.annotator, editor=a.edit.by,
                       editor_id=a.edit.by_id, changed_at=a.edit.at,
                       restored_from=a.edit.restored_from, changed=a.edit.changed,
                       ground_truth=a.ground_truth)
            for a in task.annotations if a.edit is not None and not a.cancelled]


class People:
    """Each Label Studio user id with the email their annotations give, from every task
    seen: an editor who has no annotation of the task they changed is named all the same."""

    def __init__(self) -> None:
        self.emails: dict[int, str] = {}

    def add(self, task: Task) -> None:
        for annotation in task.annotations:
            if annotation.annotator_id is not None and "@" in annotation.annotator:
                self.emails.setdefault(annotation.annotator_id, annotation.annotator)

    def named(self, edits: list[EditNotice]) -> list[EditNotice]:
        return [replace(e, editor=self.emails.get(e.editor_id, e.editor)) for e in edits]


class PairCopying(BaseModel):
    """Two annotators' identical annotations, beyond what the suggestions explain."""

    first: str
    second: str
    shared: int  # tasks both annotated
    identical: int  # of those, annotations identical in every part where the suggestion was not
    first_was_later: int  # of the identical ones, made after the other's
    second_was_later: int
    expected: float | None  # the share of identical ones among every other pair's tasks
    # (with one identical and one not added, so that it is never 0 or 1)
    p_value: float | None  # the chance of ``identical`` or more at that share
    flagged: bool


class CopyReport(BaseModel):
    pairs: list[PairCopying] = Field(default_factory=list)  # most suspicious first
    compared: int = 0  # annotation pairs compared
    identical: int = 0


class CopyMeter(Measure):
    """Counts, per pair of annotators, the tasks where their annotations are identical in
    every part (spans with their boundaries and labels, choices, actor stances, relations)
    and differ from the suggestion: what starting from the same suggestion does not explain."""

    def __init__(self) -> None:
        self.shared: Counter[tuple[str, str]] = Counter()
        self.identical: Counter[tuple[str, str]] = Counter()
        self.later: Counter[tuple[tuple[str, str], str]] = Counter()  # (pair, the later one)

    def measure(self, votes: TaskVotes) -> None:
        latest = votes.latest
        if len(latest) < 2:
            return
        suggestion = votes.task.suggestion
        suggested = frozenset() if suggestion is None else suggestion.spans | frozenset(
            ("choice", CRIME_TYPES, value) for value in suggestion.crime_types)
        parts = {name: _parts(annotation) for name, annotation in latest.items()}
        for a, b in combinations(sorted(latest), 2):
            self.shared[a, b] += 1
            if parts[a] == parts[b] and parts[a] != suggested:
                self.identical[a, b] += 1
                later = max((a, b), key=lambda n: (latest[n].created_at or "", latest[n].id))
                self.later[(a, b), later] += 1

    def report(self) -> CopyReport:
        compared, identical = sum(self.shared.values()), sum(self.identical.values())
        pairs = []
        for (a, b), shared in self.shared.items():
            k = self.identical[a, b]
            others, others_identical = compared - shared, identical - k
            # One added to each side: a share of none seen is not a share of none to come.
            expected = (others_identical + 1) / (others + 2) if others else None
            p = binomial_tail(k, shared, expected) if expected is not None and k else None
            pairs.append(PairCopying(
                first=a, second=b, shared=shared, identical=k,
                first_was_later=self.later[(a, b), a], second_was_later=self.later[(a, b), b],
                expected=expected, p_value=p,
                flagged=p is not None and p < FLAG_P and k >= FLAG_MIN))
        pairs.sort(key=lambda p: (not p.flagged, p.p_value if p.p_value is not None else 2,
                                  -p.identical, p.first, p.second))
        return CopyReport(pairs=pairs, compared=compared, identical=identical)


def _parts(annotation: Annotation) -> frozenset[tuple]:
    """Every part of an annotation, as offsets and labels (region ids differ between
    annotators even for the same span)."""
    where = {s.region: (s.control, s.start, s.end, s.labels) for s in annotation.spans}
    parts: set[tuple] = {(s.control, s.start, s.end, label) for s in annotation.spans
                         for label in s.labels}
    parts.update(("choice", control, value) for control, values in annotation.choices.items()
                 for value in values)
    parts.update(("region", c.control, where.get(c.region), tuple(c.values))
                 for c in annotation.region_choices)
    parts.update(("relation", where.get(r.source), where.get(r.target), tuple(r.labels))
                 for r in annotation.relations)
    return frozenset(parts)
