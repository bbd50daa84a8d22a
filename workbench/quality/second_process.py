"""The export read, and measured, in a second process while the pass decides.

On a second core, for an export big enough to pay (``WORTH_IT``), a forked process reads
the file, runs the measures (``quality.measure``) and hands each task over, parsed, in
file order; at the end the measures come back and are merged. The same tasks reach the
same code in the same order, so the figures are those of one process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import resource
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import final

import msgspec

from workbench.errors import WorkbenchError
from workbench.lsformat.reader import MalformedTask, ReadNotes
from workbench.lsformat.stream import read_tasks
from workbench.quality.measure import Measure
from workbench.records.tasks import Task, TaskVotes, latest_by_annotator

Restore = Callable[[Task], Task]  # a task as read -> the task as it counts (own_versions)
WORTH_IT = 16 << 20  # bytes of export: below this, starting a process costs more than it saves
BATCH = 4  # tasks handed over at a time: few, so what is in flight stays in the caches


def second_core() -> bool:
    """A second core to use, and fork to start a process on it cheaply."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return cores >= 2 and "fork" in multiprocessing.get_all_start_methods()


def worth_it(path: Path) -> bool:
    """A second core, and an export big enough for reading in a second process to pay."""
    try:
        big = path.stat().st_size >= WORTH_IT
    except OSError:
        return False  # the pass will say why it cannot read it
    return big and second_core()


class Reading:
    """The export's tasks for the pass (``tasks``), read and measured in a second process
    when ``in_second_process`` (else the pass runs the measures itself)."""

    def __init__(self, path: Path, notes: ReadNotes, measures: Sequence[Measure],
                 in_second_process: bool, restore: Restore | None = None):
        self.path, self.notes, self.measures, self.restore = path, notes, measures, restore
        self.in_second_process = in_second_process
        self.peak_kib = 0  # the second process's peak resident memory, once it is done
        self._process = self._connection = None
        if in_second_process:
            context = multiprocessing.get_context("fork")
            self._connection, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_read_in_second_process, name="workbench-reader",
                                            args=(path, measures, sender, restore),
                                            daemon=True)
            self._process.start()
            sender.close()

    def tasks(self) -> Iterator[Task | MalformedTask]:
        if not self.in_second_process:
            yield from _restored(read_tasks(self.path, self.notes), self.restore)
            return
        connection, process = self._connection, self._process
        assert connection is not None and process is not None  # made when in_second_process
        while True:
            try:
                message = connection.recv_bytes()
            except EOFError:
                raise WorkbenchError(f"the reading process ended early (exit code "
                                     f"{process.exitcode})") from None
            kind, body = message[:1], memoryview(message)[1:]
            if kind == b"B":
                for item in _BATCH.decode(body):
                    yield _unpacked(item)
            elif kind == b"E":
                notes, measured, self.peak_kib = pickle.loads(body)
                self.notes.__dict__.update(notes.__dict__)
                for mine, theirs in zip(self.measures, measured, strict=True):
                    mine.merge(theirs)
                return
            else:  # an error, raised where a single process would raise it
                raise pickle.loads(body)

    def close(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            if self._connection is not None:  # made with the process
                self._connection.close()


@contextmanager
def reading(path: Path, notes: ReadNotes, measures: Sequence[Measure],
            second_process: bool | None = None, restore: Restore | None = None
            ) -> Iterator[Reading]:
    """The tasks of ``path``, each through ``restore`` as it is read, in a second process
    when ``second_process`` (None: when ``worth_it``)."""
    found = Reading(path, notes, measures,
                    worth_it(path) if second_process is None else second_process, restore)
    try:
        yield found
    finally:
        found.close()


# Final: ``_unpacked`` tells the kinds apart by ``type(item) is``, which mypy narrows
# for final classes only.
@final
class _Parsed(msgspec.Struct, tag="p", array_like=True):
    task: Task
    text_in_data: bool = False  # the text is ``data["text"]``: sent once, not twice


class _Pickled(msgspec.Struct, tag="k", array_like=True):
    """A task msgpack would not give back exactly (a taxonomy's sets, a huge integer)."""

    task: bytes


@final
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


def _restored(tasks: Iterator[Task | MalformedTask], restore: Restore | None
              ) -> Iterator[Task | MalformedTask]:
    if restore is None:
        yield from tasks
        return
    for task in tasks:
        yield task if isinstance(task, MalformedTask) else restore(task)


def _read_in_second_process(path: Path, measures: Sequence[Measure], connection,
                            restore: Restore | None) -> None:
    """In the forked process: read, measure, hand over; then the measures and the notes."""
    gc.freeze()  # what came with the fork is the main process's: never collected here
    gc.set_threshold(50_000, 1_000_000, 1_000_000)  # as the pass does (chain.py)
    notes, batch = ReadNotes(), []
    try:
        for task in _restored(read_tasks(path, notes), restore):
            if not isinstance(task, MalformedTask):
                votes = TaskVotes(task, latest_by_annotator(task))
                for measure in measures:
                    measure.see(votes)
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
