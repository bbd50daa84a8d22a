"""Label Studio's JSON export format, read as a stream of typed tasks.

Any JSON export reads here: a pull, "Export -> JSON" from any project's UI,
JSON Lines, a file holding a single task, the old format whose annotations
are called ``completions``. The file is read in chunks; each task is found
with msgspec's scanner (which also says where a value ends) and decoded
straight into the structs below, which guard the format at the edge: a 1 GB
file never sits in memory whole, and no intermediate dicts are built. Only
what varies in real exports is loosely typed (ids, ``completed_by``, a result
item's ``value``); ``records`` turns these structs into what the steps read.
A task that does not fit is reported by position and field; the others go on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from workbench.errors import InputError

CHUNK = 1 << 23  # bytes read at a time; a task longer than that grows the window
_TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")
_BYTE = re.compile(r"\(byte (\d+)\)")
_SPACE = b" \t\r\n"


class ExportValue(msgspec.Struct):
    """``value`` of a result item: the keys the workbench reads, each as the export has it."""

    start: Any = None
    end: Any = None
    text: Any = None  # a span's words; a textarea's list of strings (or one string)
    labels: Any = None
    choices: Any = None
    rating: Any = None
    number: Any = None
    datetime: Any = None
    taxonomy: Any = None
    x: Any = None  # image regions: their per-region controls carry geometry


class ExportResult(msgspec.Struct):
    """One item of an annotation's ``result``: a region, a choice, a value or a relation."""

    type: Any = None
    id: Any = None
    from_name: Any = None
    to_name: Any = None
    value: ExportValue | None = None
    from_id: Any = None  # relations
    to_id: Any = None
    direction: Any = None
    labels: Any = None


class ExportUser(msgspec.Struct):
    id: Any = None
    email: Any = None


class ExportAnnotation(msgspec.Struct):
    id: Any = None
    completed_by: ExportUser | int | str | None = None
    result: list[ExportResult] = []
    was_cancelled: bool | None = False
    ground_truth: bool | None = False
    created_at: str | None = None
    updated_at: str | None = None
    lead_time: float | None = None
    updated_by: Any = None  # the user id of whoever changed it last
    import_id: Any = None  # the id it had before a rebuild (``rebuilt``)


class ExportPrediction(msgspec.Struct):
    """A prediction (pre-annotation) as a full export carries it."""

    model_version: Any = None
    score: Any = None
    result: list[ExportResult] = []


class ExportTask(msgspec.Struct):
    id: Any = None
    data: dict[str, Any] | None = None
    meta: dict[str, Any] | None = None
    annotations: list[ExportAnnotation] | None = None
    completions: list[ExportAnnotation] | None = None  # the format before Label Studio 1.0
    drafts: list[msgspec.Raw] | None = None
    predictions: list[ExportPrediction | int] | None = None  # an id, in a minimal export
    created_at: str | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class MalformedTask:
    """A task that does not fit the export format: where, and why."""

    index: int  # 0-based position in the file
    task_id: int | None  # its id, when it has a usable one
    field: str | None
    message: str
    annotations: int = 0  # how many annotations it seems to hold (for the reckoning)


@dataclass
class ReadNotes:
    """What the reader had to make up or translate, to say so: positional ids, old format."""

    tasks_without_id: int = 0
    annotations_without_id: int = 0
    old_format: int = 0  # tasks with ``completions`` instead of ``annotations``
    single_task_file: bool = False
    examples: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = []
        if self.old_format:
            lines.append(f"{self.old_format} task(s) use the format before Label Studio 1.0 "
                         f"('completions'): read as annotations")
        if self.tasks_without_id:
            lines.append(f"{self.tasks_without_id} task(s) have no id: named by their "
                         f"position in the file (task #1, #2, ...)")
        if self.annotations_without_id:
            lines.append(f"{self.annotations_without_id} annotation(s) have no usable id: "
                         f"named by their position in the task")
        if self.single_task_file:
            lines.append("the file holds one task object, not an array: read as one task")
        return lines


_DECODER = msgspec.json.Decoder(ExportTask)


def iter_tasks(path: Path, notes: ReadNotes | None = None
               ) -> Iterator[tuple[int, ExportTask | MalformedTask]]:
    """(position, task) for every task of a JSON export (an array, JSON Lines, or one task
    object), in file order. ``notes`` gathers what the caller should be told."""
    notes = notes if notes is not None else ReadNotes()
    for index, raw in enumerate(raw_tasks(Path(path), notes)):
        yield index, decode_task(path, index, raw)


def decode_task(path: Path, index: int, raw: bytes | Any) -> ExportTask | MalformedTask:
    """The ``index``-th value of the export, as a task (or why it is not one)."""
    if not isinstance(raw, bytes):  # decoded leniently: NaN or Infinity inside
        try:
            return msgspec.convert(raw, ExportTask)
        except msgspec.ValidationError as error:
            return _malformed(index, raw, str(error))
    if raw[:1] != b"{":
        return MalformedTask(index=index, task_id=None, field=None,
                             message=f"expected a task object, got {_kind(raw)}")
    try:
        return _DECODER.decode(raw)
    except msgspec.ValidationError as error:
        return _malformed(index, raw, str(error))
    except msgspec.DecodeError as error:  # invalid UTF-8 inside a string
        raise InputError(f"{path}: not UTF-8 text, or not JSON, in task {index + 1} "
                         f"({error})") from None


def _malformed(index: int, raw: bytes, message: str) -> MalformedTask:
    """What msgspec said, as a field path (``annotations.0.id``) and a message."""
    where = re.search(r" - at `\$(.*)`$", message)
    field_path = None
    if where:
        message = message[:where.start()]
        field_path = re.sub(r"\[(\d+)\]", r".\1", where.group(1)).lstrip(".") or None
    loose = msgspec.json.decode(raw) if isinstance(raw, bytes) else raw
    task_id = loose.get("id") if isinstance(loose, dict) else None
    usable = isinstance(task_id, int) and not isinstance(task_id, bool) and (
        -2 ** 63 <= task_id < 2 ** 63)
    annotations = loose.get("annotations") or loose.get("completions") if isinstance(
        loose, dict) else None
    return MalformedTask(index=index, task_id=task_id if usable else None, field=field_path,
                         message=_plain(message), annotations=len(annotations) if isinstance(
                             annotations, list) else 0)


_TYPES = {"object": "an object", "array": "an array", "str": "a string", "int": "an integer",
          "float": "a number", "bool": "true or false", "null": "null"}


def _plain(message: str) -> str:
    """msgspec's "Expected `array | null`, got `str`" as "expected an array, got a string"."""
    def kinds(match: re.Match) -> str:
        names = [n.strip() for n in match.group(1).split("|") if n.strip() != "null"]
        return " or ".join(_TYPES.get(n, n) for n in names) or "null"

    plain = re.sub(r"`([^`]+)`", kinds, message)
    return plain[:1].lower() + plain[1:]


def _kind(raw: bytes) -> str:
    return {b"[": "array", b'"': "str", b"n": "null", b"t": "bool", b"f": "bool"}.get(
        raw[:1], "int" if raw[:1] in b"-0123456789" else "value")


def raw_tasks(path: Path, notes: ReadNotes) -> Iterator[bytes | Any]:
    """The raw bytes of each top-level JSON value: array items, JSON Lines, or one object
    (a value with NaN or Infinity in it comes decoded, by the standard library)."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    with handle:
        window = _Window(handle, path)
        first = window.peek()
        if first is None:
            raise InputError(f"{path}: empty file, not a Label Studio export")
        in_array = first == b"["
        if in_array:
            window.advance(1)
        count = 0
        while True:
            char = window.peek(skip=b"," if in_array else b"")
            if char is None:
                if in_array:
                    raise window.error("the array is not closed with ']' (file cut short?)")
                if count == 1 and first == b"{":
                    notes.single_task_file = True
                return
            if in_array and char == b"]":
                window.advance(1)
                if window.peek() is not None:
                    raise window.error("unexpected content after the closing ']'")
                return
            count += 1
            yield window.value()


class _Window:
    """A sliding window over a binary file, from which whole JSON values are cut."""

    def __init__(self, handle, path: Path):
        self.handle, self.path = handle, path
        self.data, self.pos, self.offset, self.eof = b"", 0, 0, False
        self.started = False

    def _fill(self) -> bool:
        if self.eof:
            return False
        more = self.handle.read(max(CHUNK, len(self.data) - self.pos))  # doubles for huge values
        if not self.started:
            self.started = True
            if more.startswith(b"\xef\xbb\xbf"):  # a byte order mark
                more = more[3:]
                self.offset += 3
        if not more:
            self.eof = True
            return False
        self.offset += self.pos
        self.data = self.data[self.pos:] + more
        self.pos = 0
        return True

    def peek(self, skip: bytes = b"") -> bytes | None:
        """The next byte that is not whitespace (nor ``skip``), or None at the end."""
        ignore = _SPACE + skip
        while True:
            while self.pos < len(self.data) and self.data[self.pos] in ignore:
                self.pos += 1
            if self.pos < len(self.data):
                return self.data[self.pos:self.pos + 1]
            if not self._fill():
                return None

    def advance(self, count: int) -> None:
        self.pos += count

    def value(self) -> bytes:
        """The bytes of the JSON value starting here, read on until it is whole."""
        while True:
            view = memoryview(self.data)[self.pos:]
            try:
                msgspec.json.decode(view, type=msgspec.Raw)
                end = len(view)  # the value runs to the end of the window
                if not self.eof and self._fill():
                    continue  # there may be more of it, or more after it
            except msgspec.DecodeError as error:
                message = str(error)
                trailing = _TRAILING.search(message)
                if trailing:  # msgspec counts from 1: the next value starts there
                    end = int(trailing.group(1)) - 1
                elif "truncated" in message and self._fill():
                    continue
                else:
                    at = _BYTE.search(message)
                    if at and bytes(view[int(at.group(1)):][:9]).lstrip(b"-").startswith(
                            (b"NaN", b"Infinity")):
                        return self._lenient()
                    where = self.offset + self.pos + (int(at.group(1)) if at else len(view))
                    reason = ("the file is cut short" if "truncated" in message else "invalid "
                              "JSON: " + message.removeprefix("JSON is malformed: ").split(
                                  " (byte")[0])
                    raise self.error(reason, at=where) from None
            raw = bytes(view[:end])
            self.pos += end
            return raw

    def _lenient(self) -> Any:
        """A value with NaN or Infinity in it, which Python's json writes and JSON forbids:
        decoded by the standard library instead (a slow path for a rare value)."""
        decoder = json.JSONDecoder()
        while True:
            text = bytes(memoryview(self.data)[self.pos:]).decode("utf-8", errors="replace")
            try:
                value, end = decoder.raw_decode(text)
            except json.JSONDecodeError as error:
                if self._fill():
                    continue
                raise self.error(f"invalid JSON: {error.msg}") from None
            self.pos += len(text[:end].encode("utf-8"))
            return value

    def error(self, message: str, at: int | None = None) -> InputError:
        position = self.offset + self.pos if at is None else at
        return InputError(f"{self.path}: not a Label Studio JSON export: {message} "
                          f"(at byte {position})")
