"""What an export holds, counted in one streaming pass: tasks, annotations, people, drafts.

``pull`` uses it to say what a new pull brings and to tell a pull that holds
nothing new (same fingerprint) from one that does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from workbench.lsformat.parse import annotator_name
from workbench.lsformat.reader import ExportTask, MalformedTask, iter_tasks
from workbench.lsformat.rebuilt import Rebuilt


class ExportSummary(BaseModel):
    tasks: int = 0
    annotated_tasks: int = 0  # with at least one submitted annotation
    annotations: int = 0  # all, cancelled ones included
    cancelled: int = 0
    drafts: int = 0
    ground_truth: int = 0
    annotators: list[str] = Field(default_factory=list)
    malformed: int = 0


@dataclass(frozen=True)
class TaskFacts:
    """What the summary counts of one task; the incremental pull keeps them per task."""

    annotations: int = 0
    cancelled: int = 0
    drafts: int = 0
    ground_truth: int = 0
    annotated: bool = False  # at least one submitted annotation
    annotators: tuple[str, ...] = ()


def task_facts(task: ExportTask) -> TaskFacts:
    annotations = task.annotations if task.annotations is not None else (
        task.completions or [])
    return TaskFacts(
        annotations=len(annotations),
        cancelled=sum(1 for a in annotations if a.was_cancelled),  # may be null in an export
        drafts=len(task.drafts or ()),
        ground_truth=sum(1 for a in annotations if a.ground_truth),
        annotated=any(not a.was_cancelled for a in annotations),
        annotators=tuple(sorted({annotator_name(a.completed_by) for a in annotations})))


@dataclass
class Scan:
    summary: ExportSummary
    tasks: set[int]
    updates: dict[int, str | None]  # annotation id -> last update
    fingerprint: str  # what people did: tasks, annotations, their updates and flags


def scan_export(path: Path) -> Scan:
    """Counts, task ids, each annotation's last update and a fingerprint, in one pass."""
    summary = ExportSummary()
    annotators: set[str] = set()
    tasks: set[int] = set()
    updates: dict[int, str | None] = {}
    digests: list[bytes] = []  # one per task
    for index, task in iter_tasks(path):
        if isinstance(task, MalformedTask):
            summary.tasks += 1
            summary.malformed += 1
            continue
        task_id = task.id if isinstance(task.id, int) else -(index + 1)
        rebuilt = Rebuilt.of(task.meta)
        if rebuilt is not None and rebuilt.task_id is not None:
            task_id = rebuilt.task_id  # a rebuild is not news (``lsformat.rebuilt``)
        tasks.add(task_id)
        facts = task_facts(task)
        summary.tasks += 1
        summary.annotations += facts.annotations
        summary.cancelled += facts.cancelled
        summary.drafts += facts.drafts
        summary.ground_truth += facts.ground_truth
        summary.annotated_tasks += facts.annotated
        annotators.update(facts.annotators)
        sha = (task.data or {}).get("sha256")
        seen = [f"t{task_id}:{sha}:{facts.drafts}"]
        for annotation in task.annotations if task.annotations is not None else (
                task.completions or []):
            annotation_id, updated_at = annotation.id, annotation.updated_at
            if rebuilt is not None:
                known = rebuilt.annotation(annotation.import_id, annotation.updated_by,
                                           annotation.id, None, annotation.updated_at)
                annotation_id, updated_at = known.id, known.updated_at
            updates[annotation_id] = updated_at
            seen.append(f"a{annotation_id}:{updated_at}:{annotation.was_cancelled}:"
                        f"{annotation.ground_truth}")
        # In no particular order: a rebuilt project lists the same tasks and annotations
        # in an order of its own.
        digests.append(hashlib.sha256("\n".join(sorted(seen)).encode()).digest())
    summary.annotators = sorted(annotators)
    return Scan(summary, tasks, updates, hashlib.sha256(b"".join(sorted(digests))).hexdigest())
