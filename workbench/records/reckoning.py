"""Everything read, accounted for: each task and annotation used, or set aside with why."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Reckoning(BaseModel):
    """Tasks and annotations read, used, and set aside by reason; with the parts set aside
    from annotations that were used, by rule. What "used" means is the step's: decided,
    or (agreement) measured."""

    tasks: int = 0
    tasks_used: int = 0
    tasks_set_aside: dict[str, int] = Field(default_factory=dict)
    annotations: int = 0
    annotations_used: int = 0
    annotations_set_aside: dict[str, int] = Field(default_factory=dict)
    parts_set_aside: dict[str, int] = Field(default_factory=dict)  # rule -> parts
    notes: list[str] = Field(default_factory=list)  # what the reader made up or translated

    @property
    def balanced(self) -> bool:
        return (self.tasks == self.tasks_used + sum(self.tasks_set_aside.values())
                and self.annotations == self.annotations_used
                + sum(self.annotations_set_aside.values()))


class Tally:
    """The counts of a ``Reckoning`` during a pass, as plain integers (setting a pydantic
    model's attribute costs more than the counting)."""

    def __init__(self) -> None:
        self.tasks = self.tasks_used = self.annotations = self.annotations_used = 0
        self.tasks_set_aside: dict[str, int] = {}
        self.annotations_set_aside: dict[str, int] = {}
        self.parts_set_aside: dict[str, int] = {}

    def malformed(self, annotations: int) -> None:
        """A task that does not fit the export format, and the annotations it seems to hold."""
        self.tasks += 1
        self.set_aside(self.tasks_set_aside, "malformed")
        self.annotations += annotations
        if annotations:
            self.set_aside(self.annotations_set_aside, "in a malformed task", annotations)

    @staticmethod
    def set_aside(counts: dict[str, int], reason: str, by: int = 1) -> None:
        counts[reason] = counts.get(reason, 0) + by

    def reckoning(self, notes: list[str]) -> Reckoning:
        return Reckoning(tasks=self.tasks, tasks_used=self.tasks_used,
                         tasks_set_aside=self.tasks_set_aside, annotations=self.annotations,
                         annotations_used=self.annotations_used,
                         annotations_set_aside=self.annotations_set_aside,
                         parts_set_aside=self.parts_set_aside, notes=notes)
