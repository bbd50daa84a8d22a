"""Reading apart: the export read, and measured, in a second process while the pass decides.

Agreement and the other measures that need only the annotations (``Measure``:
agreement, what annotators did with the suggestions, the report's counts) do
not wait on any decision. So on a machine with a second core, and an export
big enough for it to pay, a forked process reads the file, runs those
measures, and hands every task over, parsed, to the pass, which validates,
decides and writes. Tasks come over in file order, in batches, in msgpack
(msgspec rebuilds the same structs from it; the rare task it would not give
back exactly is pickled); at the end the measures come back whole, with the
reader's notes. Every figure is the one a
single process gives: the same tasks reach the same code in the same order.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import resource
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

import msgspec

from workbench.errors import WorkbenchError
from workbench.lsformat.reader import MalformedTask, ReadNotes
from workbench.lsformat.records import Annotation, Task, Unit, span_units
from workbench.lsformat.stream import read_tasks
from workbench.quality.agreement import latest_by_annotator

WORTH_IT = 16 << 20  # bytes of export: below this, starting a process costs more than it saves
BATCH = 4  # tasks handed over at a time: few, so what is in flight stays in the caches


@dataclass
class Read:
    """One well-formed task as read: with each annotator's latest annotation
    (``agreement.latest_by_annotator``), worked out once for everyone who reads it."""

    task: Task
    latest: dict[str, Annotation]

    @cached_property
    def units(self) -> dict[str, frozenset[Unit]]:
        """Each annotator's spans (of their latest annotation), one unit per label."""
        return {name: span_units(annotation) for name, annotation in self.latest.items()}


class Measure(Protocol):
    """What needs only the tasks as read: run in the pass, or apart; kept whole either way."""

    def measure(self, read: Read) -> None: ...


def second_core() -> bool:
    """A second core to use, and fork to start a process on it cheaply."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return cores >= 2 and "fork" in multiprocessing.get_all_start_methods()


def worth_it(path: Path) -> bool:
    """A second core, and an export big enough for reading apart to pay."""
    try:
        big = path.stat().st_size >= WORTH_IT
    except OSError:
        return False  # the pass will say why it cannot read it
    return big and second_core()


class Reading:
    """The export's tasks for the pass (``tasks``); ``apart`` says whether they were read,
    and measured, in a second process (else the pass runs the measures itself)."""

    def __init__(self, path: Path, notes: ReadNotes, measures: Sequence[Measure],
                 apart: bool):
        self.path, self.notes, self.measures, self.apart = path, notes, measures, apart
        self.peak_kib = 0  # the second process's peak resident memory, once it is done
        self._process = self._connection = None
        if apart:
            context = multiprocessing.get_context("fork")
            self._connection, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_read_apart, name="workbench-reader",
                                            args=(path, measures, sender), daemon=True)
            self._process.start()
            sender.close()

    def tasks(self) -> Iterator[Task | MalformedTask]:
        if not self.apart:
            yield from read_tasks(self.path, self.notes)
            return
        while True:
            try:
                message = self._connection.recv_bytes()
            except EOFError:
                raise WorkbenchError(f"the reading process ended early (exit code "
                                     f"{self._process.exitcode})") from None
            kind, body = message[:1], memoryview(message)[1:]
            if kind == b"B":
                for item in _BATCH.decode(body):
                    yield _unpacked(item)
            elif kind == b"E":
                notes, measured, self.peak_kib = pickle.loads(body)
                self.notes.__dict__.update(notes.__dict__)
                for mine, theirs in zip(self.measures, measured, strict=True):
                    mine.__dict__.update(theirs.__dict__)
                return
            else:  # an error, raised where a single process would raise it
                raise pickle.loads(body)

    def close(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._connection.close()


@contextmanager
def reading(path: Path, notes: ReadNotes, measures: Sequence[Measure],
            apart: bool | None = None) -> Iterator[Reading]:
    """The tasks of ``path``, read apart when ``apart`` (None: when ``worth_it``)."""
    found = Reading(path, notes, measures, worth_it(path) if apart is None else apart)
    try:
        yield found
    finally:
        found.close()


class _Parsed(msgspec.Struct, tag="p", array_like=True):
    task: Task
    text_in_data: bool = False  # the text is ``data["text"]``: sent once, not twice


class _Pickled(msgspec.Struct, tag="k", array_like=True):
    """A task msgpack would not give back exactly (a taxonomy's sets, a huge integer)."""

    task: bytes


class _Malformed(msgspec.Struct, tag="m", array_like=True):
    index: int
    task_id: int | None
    field: str | None
    message: str
    annotations: int


_Item = _Parsed | _Pickled | _Malformed
_BATCH = msgspec.msgpack.Decoder(list[_Item])
_ENCODE = msgspec.msgpack.Encoder().encode


def _packed(task: Task | MalformedTask) -> _Item:
    if isinstance(task, MalformedTask):
        return _Malformed(task.index, task.task_id, task.field, task.message, task.annotations)
    if any(value.kind == "taxonomy" for a in task.annotations for value in a.values):
        return _Pickled(pickle.dumps(task))  # its paths are sets inside a loosely typed field
    if task.text is not None and task.text is task.data.get("text"):
        return _Parsed(msgspec.structs.replace(task, text=None), True)
    return _Parsed(task)


def _send(connection, batch: list[_Item]) -> None:
    try:
        data = _ENCODE(batch)
    except Exception:  # a value msgpack cannot hold (an integer past 64 bits): pickle it
        data = _ENCODE([_Pickled(pickle.dumps(item.task)) if type(item) is _Parsed and not
                        _encodes(item) else item for item in batch])
    connection.send_bytes(b"B" + data)


def _encodes(item: _Item) -> bool:
    try:
        _ENCODE(item)
    except Exception:
        return False
    return True


def _unpacked(item: _Item) -> Task | MalformedTask:
    if type(item) is _Parsed:
        task = item.task
        return msgspec.structs.replace(task, text=task.data["text"]) if item.text_in_data else task
    if type(item) is _Malformed:
        return MalformedTask(item.index, item.task_id, item.field, item.message,
                             item.annotations)
    return pickle.loads(item.task)


def _read_apart(path: Path, measures: Sequence[Measure], connection) -> None:
    """In the forked process: read, measure, hand over; then the measures and the notes."""
    gc.freeze()  # what came with the fork is the main process's: never collected here
    gc.set_threshold(50_000, 1_000_000, 1_000_000)  # as the pass does (chain.py)
    notes, batch = ReadNotes(), []
    try:
        for task in read_tasks(path, notes):
            if not isinstance(task, MalformedTask):
                read = Read(task, latest_by_annotator(task))
                for measure in measures:
                    measure.measure(read)
            batch.append(_packed(task))
            if len(batch) == BATCH:
                _send(connection, batch)
                batch = []
        if batch:
            _send(connection, batch)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        connection.send_bytes(b"E" + pickle.dumps((notes, list(measures), peak)))
    except BaseException as error:  # handed to the main process, which raises it
        try:
            connection.send_bytes(b"X" + pickle.dumps(error))
        except Exception:  # an error that does not pickle
            connection.send_bytes(b"X" + pickle.dumps(WorkbenchError(str(error))))
    finally:
        connection.close()
