"""The contract of a measure: what the one pass may run beside itself, in a second process."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Self

from workbench.records.tasks import TaskVotes


class Measure(ABC):
    """A figure made from the tasks as read, which needs no decision (agreement, what
    annotators did with the suggestions, the report's counts).

    The pass hands it every well-formed task, in file order, through ``see``: in the pass
    itself, or in the reading process (``quality.second_process``). There, the measure is
    a copy made when the process starts; at the end it comes back pickled, and the pass's
    own copy, which saw nothing, takes it in with ``merge``. So its state must pickle
    (plain values, no open files, no lambdas), and its figures must depend only on the
    tasks it saw, in their order.
    """

    seen: int = 0  # tasks measured

    def see(self, votes: TaskVotes) -> None:
        self.seen += 1
        self.measure(votes)

    @abstractmethod
    def measure(self, votes: TaskVotes) -> None:
        """Take in one task."""

    def merge(self, other: Self) -> None:
        """Take in what ``other``, a copy of this measure, saw; this one must have seen
        nothing (a measure that can add two partial states may override this)."""
        if self.seen:
            raise ValueError(f"{type(self).__name__} has measured {self.seen} task(s) "
                             f"already: it can only take in a copy's state when it has none")
        if type(other) is not type(self):
            raise TypeError(f"cannot merge a {type(other).__name__} into a "
                            f"{type(self).__name__}")
        self.__dict__.update(other.__dict__)
