"""Label Studio's JSON export format: pydantic models of it, and a streaming reader.

Any JSON export (a pull, or "Export -> JSON" from any project's UI) reads
here, task by task: a 1 GB file never sits in memory whole. The reader
decodes one task at a time with the C scanner of ``json`` from a sliding
buffer, which is as fast as ``json.load`` and keeps memory flat. A task that
does not fit the format is reported by its position and field, and the
others go on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Required

from pydantic import BaseModel, ConfigDict, Field, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic needs this one on Python 3.11

from workbench.errors import InputError

_CHUNK = 1 << 20
_SPACE = " \t\r\n"


class ExportUser(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int | None = None
    email: str | None = None


# A result item and its value are TypedDicts, not models: an export has tens of
# result items per annotation, and pydantic validates these about twice as fast.
@with_config(ConfigDict(extra="allow"))
class ExportValue(TypedDict, total=False):
    """``value`` of a result item; other keys (e.g. ``rectanglelabels``) are kept."""

    start: int | None
    end: int | None
    text: str | None
    labels: list[str] | None
    choices: list[str] | None


@with_config(ConfigDict(extra="allow"))
class ExportResult(TypedDict, total=False):
    """One item of an annotation's ``result``: a region, a choice or a relation."""

    id: str | None
    type: Required[str]
    from_name: str | None
    to_name: str | None
    value: ExportValue | None
    # relations
    from_id: str | None
    to_id: str | None
    direction: str | None
    labels: list[str] | None


class ExportAnnotation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    completed_by: ExportUser | int | None = None
    result: list[ExportResult] = Field(default_factory=list)
    was_cancelled: bool = False
    ground_truth: bool = False
    created_at: str | None = None
    updated_at: str | None = None
    lead_time: float | None = None


class ExportTask(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    data: dict[str, Any]
    meta: dict[str, Any] | None = None
    annotations: list[ExportAnnotation] = Field(default_factory=list)
    drafts: list[Any] = Field(default_factory=list)
    predictions: list[Any] = Field(default_factory=list)
    created_at: str | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class MalformedTask:
    """A task that does not fit the export format: where, and why."""

    index: int  # 0-based position in the file
    task_id: int | None  # its id, when it has a usable one
    field: str | None
    message: str


def iter_tasks(path: Path) -> Iterator[ExportTask | MalformedTask]:
    """Every task of a JSON export (an array, or one task per line), in file order."""
    for index, raw in enumerate(_iter_objects(path)):
        if not isinstance(raw, dict):
            yield MalformedTask(index=index, task_id=None, field=None,
                                message=f"expected a task object, got {type(raw).__name__}")
            continue
        try:
            yield ExportTask.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or None
            task_id = raw.get("id")
            usable = isinstance(task_id, int) and not isinstance(task_id, bool) and (
                -2 ** 63 <= task_id < 2 ** 63)
            yield MalformedTask(index=index, task_id=task_id if usable else None, field=field,
                                message=first["msg"])


def _iter_objects(path: Path) -> Iterator[Any]:
    """JSON values of a top-level array, or of JSON Lines, decoded one at a time."""
    decoder = json.JSONDecoder()
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    with handle:
        reader = _Buffer(handle, path)
        first = reader.peek()
        if first is None:
            raise InputError(f"{path}: empty file, not a Label Studio export")
        in_array = first == "["
        if in_array:
            reader.advance(1)
        while True:
            char = reader.peek(skip=",") if in_array else reader.peek()
            if char is None:
                if in_array:
                    raise reader.error("the array is not closed with ']' (file cut short?)")
                return
            if in_array and char == "]":
                if reader.peek_after(1) is not None:
                    raise reader.error("unexpected content after the closing ']'")
                return
            yield reader.decode(decoder)


class _Buffer:
    """A sliding window over a text file for ``JSONDecoder.raw_decode``."""

    def __init__(self, handle, path: Path):
        self.handle, self.path = handle, path
        self.text, self.pos, self.offset, self.eof = "", 0, 0, False

    def _fill(self) -> bool:
        if self.eof:
            return False
        try:
            more = self.handle.read(max(_CHUNK, len(self.text)))  # doubles for huge values
        except UnicodeDecodeError as error:
            raise InputError(f"{self.path}: not UTF-8 text near character "
                             f"{self.offset + len(self.text) + error.start}") from None
        if not more:
            self.eof = True
            return False
        self.offset += self.pos
        self.text = self.text[self.pos:] + more
        self.pos = 0
        return True

    def peek(self, skip: str = "") -> str | None:
        """The next character that is not whitespace (nor ``skip``), or None at the end."""
        ignore = _SPACE + skip
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in ignore:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._fill():
                return None

    def peek_after(self, count: int) -> str | None:
        self.pos += count
        return self.peek()

    def advance(self, count: int) -> None:
        self.pos += count

    def decode(self, decoder: json.JSONDecoder) -> Any:
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as error:
                # A value running past the window ends in one of these: read on.
                cut = error.msg.startswith("Unterminated string") or (
                    error.pos >= len(self.text) - 6)
                if cut and self._fill():
                    continue
                at_end = error.msg.startswith("Unterminated string") or (
                    error.pos >= len(self.text.rstrip()))
                message = "the file is cut short" if at_end else error.msg
                raise self.error(message, at=self.offset + error.pos) from None
            self.pos = end
            return value

    def error(self, message: str, at: int | None = None) -> InputError:
        position = self.offset + self.pos if at is None else at
        return InputError(f"{self.path}: not a Label Studio JSON export: {message} "
                          f"(at character {position})")
