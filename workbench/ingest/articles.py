"""Read articles from folders of .txt/.md files, .jsonl, .json and .csv files.

Every article gets a stable ``article_id`` (the input's own id when it has one,
else derived from the content), the ``sha256`` of the exact text that will be
pushed, and the metadata the input states. Nothing is guessed: what the input
does not state stays ``None``. Bad files and records are reported by file,
record and field while the good ones go through.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from workbench.ingest.furniture import Cleaned, Furniture, clean, normalize_newlines

MAX_BYTES = 2_000_000
TEXT_SUFFIXES = {".txt", ".md"}
RECORD_SUFFIXES = {".jsonl", ".json", ".csv"}
SUFFIXES = TEXT_SUFFIXES | RECORD_SUFFIXES


class Origin(BaseModel):
    """Where an article was read from."""

    path: str
    record: str | None = None  # "line 3" in JSON Lines, "row 2" in CSV, "item 1" in JSON
    file_sha256: str | None = Field(
        default=None, description="sha256 of the input's text (file or record) before cleaning")


class Article(BaseModel):
    """One article as it will be pushed to Label Studio."""

    article_id: str
    text: str
    sha256: str
    title: str | None = None
    source: str | None = None
    published: date | None = None
    url: str | None = None
    origin: Origin
    furniture: list[Furniture] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


class FieldMap(BaseModel):
    """Which field of a JSON/CSV record holds what: the first name present wins."""

    id: tuple[str, ...] = ("id", "article_id")
    text: tuple[str, ...] = ("text", "body", "content")
    title: tuple[str, ...] = ("title", "headline")
    url: tuple[str, ...] = ("url", "link")
    published: tuple[str, ...] = ("published", "date", "published_at")
    source: tuple[str, ...] = ("source", "publisher")


class Problem(BaseModel):
    """A file, record or field that could not be used as is."""

    path: str
    record: str | None = None
    field: str | None = None
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = self.path
        if self.record:
            where += f", {self.record}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"


class Duplicate(BaseModel):
    """An article whose text (or id) was already read; the first one is kept."""

    origin: Origin
    article_id: str
    kept: str  # article_id of the article kept
    reason: Literal["same_text", "same_id"]


class Skipped(BaseModel):
    """A path in a folder that was not read, and why."""

    path: str
    reason: str


class IngestReport(BaseModel):
    articles: list[Article] = Field(default_factory=list)
    files: int = 0
    duplicates: list[Duplicate] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list, description="paths in folders not read")

    @property
    def rejected(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


class _Rejected(Exception):
    """A file or record that cannot be used; carries the problem."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ingest(paths: Iterable[str | Path], *, fields: FieldMap | None = None,
           max_bytes: int = MAX_BYTES) -> IngestReport:
    """Read every supported file under ``paths``; duplicates are kept once."""
    fields = fields or FieldMap()
    report = IngestReport()
    by_sha: dict[str, Article] = {}
    by_id: dict[str, Article] = {}
    for path in _expand(paths, report):
        report.files += 1
        for item in _read_file(path, fields, max_bytes):
            if isinstance(item, Problem):
                report.problems.append(item)
                continue
            article = item
            kept = by_sha.get(article.sha256)
            reason: Literal["same_text", "same_id"] = "same_text"
            if kept is None and article.article_id in by_id:
                kept, reason = by_id[article.article_id], "same_id"
            if kept is not None:
                report.duplicates.append(Duplicate(origin=article.origin,
                                                   article_id=article.article_id,
                                                   kept=kept.article_id, reason=reason))
                continue
            by_sha[article.sha256] = by_id[article.article_id] = article
            report.articles.append(article)
    return report


def _expand(paths: Iterable[str | Path], report: IngestReport) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                parts = child.relative_to(path).parts
                if any(part.startswith(".") for part in parts[:-1]):
                    continue  # inside a hidden folder, which was reported itself
                reason = _skip_reason(child)
                if reason:
                    report.skipped.append(Skipped(path=str(child), reason=reason))
                elif child.is_file():
                    yield child
        elif path.is_file():
            if path.suffix.lower() in SUFFIXES:
                yield path
            else:
                report.problems.append(Problem(
                    path=str(path),
                    message=f"unsupported file type {path.suffix or '(none)'!r}; "
                            f"expected one of {', '.join(sorted(SUFFIXES))}"))
        else:
            report.problems.append(Problem(path=str(path), message="no such file or directory"))


def _skip_reason(child: Path) -> str | None:
    """Why a path found in a folder is not read (None: read it, or descend into it)."""
    if child.name.startswith("."):
        return "hidden (its name starts with a dot); name it without the dot to read it"
    if child.is_symlink() and not child.exists():
        return f"a broken link (to {os.readlink(child)})"
    if child.is_dir():
        return None
    if not child.is_file():
        return "not a regular file"
    if child.suffix.lower() not in SUFFIXES:
        return f"not {', '.join(sorted(SUFFIXES))}"
    return None


def _read_file(path: Path, fields: FieldMap, max_bytes: int) -> Iterator[Article | Problem]:
    suffix = path.suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            yield from _read_text_file(path, max_bytes)
        elif suffix == ".jsonl":
            yield from _read_jsonl(path, fields, max_bytes)
        elif suffix == ".json":
            yield from _read_json(path, fields, max_bytes)
        else:
            yield from _read_csv(path, fields, max_bytes)
    except _Rejected as error:
        yield Problem(path=str(path), field=error.field, message=error.message)
    except OSError as error:
        yield Problem(path=str(path), message=f"cannot read: {error.strerror or error}")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16; anything else is refused."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                text = body.decode(encoding)
            except UnicodeDecodeError as error:
                raise _Rejected(f"not valid {encoding.upper()} text "
                                f"(bad byte at offset {error.start + len(bom)})") from None
            break
    else:
        if b"\x00" in data[:8192]:
            raise _Rejected("binary file (contains NUL bytes), not text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _Rejected(f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
                            f"{error.start}); save it as UTF-8") from None
    if "\x00" in text:
        raise _Rejected("binary file (contains NUL characters), not text")
    return text


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise _Rejected(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    data = path.read_bytes()
    if not data.strip():
        raise _Rejected("empty file")
    return data


def _read_text_file(path: Path, max_bytes: int) -> Iterator[Article | Problem]:
    raw = decode(_read_bytes(path, max_bytes))
    cleaned = clean(raw)
    if not cleaned.text:
        raise _Rejected("no article text left once page furniture is removed")
    published, warnings = _stated_date(cleaned.posted, path, None)
    yield from warnings
    yield _article(article_id=None, raw=raw, cleaned=cleaned, origin=Origin(path=str(path)),
                   title=_title(cleaned.text),
                   published=published)


def _read_jsonl(path: Path, fields: FieldMap, max_bytes: int) -> Iterator[Article | Problem]:
    with path.open("rb") as handle:
        head = handle.read(8192)
        if not head.strip():
            raise _Rejected("empty file")
        if b"\x00" in head:
            raise _Rejected("binary file (contains NUL bytes), not JSON Lines")
        handle.seek(0)
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"line {number}"
            try:
                record = json.loads(decode(line.removeprefix(codecs.BOM_UTF8)))
            except _Rejected as error:
                yield Problem(path=str(path), record=where, message=error.message)
                continue
            except json.JSONDecodeError as error:
                yield Problem(path=str(path), record=where,
                              message=f"not valid JSON ({error.msg} at column {error.colno})")
                continue
            yield from _from_record(record, path, where, fields, max_bytes)


def _read_json(path: Path, fields: FieldMap, max_bytes: int) -> Iterator[Article | Problem]:
    try:
        records = json.loads(decode(path.read_bytes()) or "null")
    except json.JSONDecodeError as error:
        raise _Rejected(f"not valid JSON ({error.msg} at line {error.lineno}, "
                        f"column {error.colno})") from None
    if isinstance(records, dict) and _first_key(records, fields.text) is None:
        raise _Rejected(f"expected an array of articles or one article object; the file "
                        f"holds {_describe(records)}")
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list) or not records:
        raise _Rejected(f"expected an array of articles or one article object; the file "
                        f"holds {_describe(records)}")
    for number, record in enumerate(records, start=1):
        yield from _from_record(record, path, f"item {number}", fields, max_bytes)


def _read_csv(path: Path, fields: FieldMap, max_bytes: int) -> Iterator[Article | Problem]:
    text = decode(path.read_bytes())
    if not text.strip():
        raise _Rejected("empty file")
    csv.field_size_limit(max(max_bytes * 4, csv.field_size_limit()))
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as error:
        raise _Rejected(f"not valid CSV in its header row: {error}") from None
    if not header or not any(name in header for name in fields.text):
        raise _Rejected(f"no text column; expected one of {', '.join(fields.text)} "
                        f"(or set --text-field)", field=None)
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            if None in row:  # more cells than header columns
                yield Problem(path=str(path), record=f"row {number}",
                              message="more cells than the header has columns")
                continue
            record = {key: (value if value != "" else None) for key, value in row.items()}
            yield from _from_record(record, path, f"row {number}", fields, max_bytes)
    except csv.Error as error:
        raise _Rejected(f"not valid CSV in row {number + 1}: {error}") from None


def _from_record(record: Any, path: Path, where: str, fields: FieldMap,
                 max_bytes: int) -> Iterator[Article | Problem]:
    def problem(message: str, field: str | None = None, severity: str = "error") -> Problem:
        return Problem(path=str(path), record=where, field=field, message=message,
                       severity=severity)  # type: ignore[arg-type]

    if not isinstance(record, dict):
        yield problem(f"expected an object with a text field, got {_kind(record)}")
        return
    text_key = _first_key(record, fields.text)
    if text_key is None:
        yield problem("missing", field=fields.text[0])
        return
    raw = record[text_key]
    if raw is None:
        yield problem("empty text", field=text_key)
        return
    if not isinstance(raw, str):
        yield problem(f"expected a string, got {_kind(raw)}", field=text_key)
        return
    if len(raw.encode("utf-8")) > max_bytes:
        yield problem(f"text is over the {max_bytes:,}-byte limit", field=text_key)
        return
    cleaned = clean(raw)
    if not cleaned.text:
        yield problem("empty text", field=text_key)
        return

    try:
        article_id = _id(record, fields.id)
        title = _string(record, fields.title)
        url = _string(record, fields.url)
        source = _string(record, fields.source)
    except _Rejected as error:
        yield problem(error.message, field=error.field)
        return
    warnings: list[Problem] = []
    date_key = _first_key(record, fields.published)
    if date_key is not None and record[date_key] is not None:
        try:
            published = parse_date(record[date_key])
        except ValueError as error:
            warnings.append(problem(f"{error}; published left empty", field=date_key,
                                    severity="warning"))
            published = None
    else:
        published, found = _stated_date(cleaned.posted, path, where)
        warnings.extend(found)
    mapped = {key for names in fields.model_dump().values() for key in names}
    yield from warnings
    yield _article(
        article_id=article_id, raw=raw, cleaned=cleaned,
        origin=Origin(path=str(path), record=where), title=title, published=published,
        url=url, source=source, extra={k: v for k, v in record.items() if k not in mapped})


def _article(*, article_id: str | None, raw: str, cleaned: Cleaned, origin: Origin,
             title: str | None, published: date | None, url: str | None = None,
             source: str | None = None,
             extra: dict[str, Any] | None = None) -> Article:
    source_sha = sha256_text(normalize_newlines(raw).strip())
    origin.file_sha256 = source_sha
    return Article(
        article_id=article_id or source_sha[:16], text=cleaned.text,
        sha256=sha256_text(cleaned.text), title=title, source=source or cleaned.source,
        published=published, url=url or cleaned.url, origin=origin,
        furniture=cleaned.furniture, extra=extra or {})


def _stated_date(posted: str | None, path: Path, where: str | None
                 ) -> tuple[date | None, list[Problem]]:
    if posted is None:
        return None, []
    try:
        return parse_date(posted), []
    except ValueError as error:
        return None, [Problem(path=str(path), record=where, field="published",
                              message=f"{error}; published left empty", severity="warning")]


_MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
     ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
     ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}
_MONTH_DAY_YEAR = re.compile(r"^(?P<month>[a-z]+)\.?\s+(?P<day>\d{1,2})(st|nd|rd|th)?,?\s+"
                             r"(?P<year>\d{4})\b", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(r"^(?P<day>\d{1,2})(st|nd|rd|th)?\s+(?P<month>[a-z]+)\.?,?\s+"
                             r"(?P<year>\d{4})\b", re.IGNORECASE)
_NUMERIC = re.compile(r"^(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})\b")


def parse_date(value: Any) -> date:
    """An ISO date or datetime, ``2022/03/11``, ``March 11, 2022`` or ``11 March 2022``.

    Anything else raises ``ValueError``: a date is never guessed.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a date: {_kind(value)}")
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for pattern in (_NUMERIC, _MONTH_DAY_YEAR, _DAY_MONTH_YEAR):
        match = pattern.match(text)
        if not match:
            continue
        month = match["month"]
        month_number = int(month) if month.isdigit() else _MONTHS.get(month.lower())
        if month_number is None:
            continue
        try:
            return date(int(match["year"]), month_number, int(match["day"]))
        except ValueError:
            break
    raise ValueError(f"not a date: {text[:40]!r}")


_QUOTES = "\"'”’»"


def _title(text: str) -> str | None:
    """The title, by one rule for .txt and .md: a ``# `` heading on the first line; else a
    first line that reads as a headline: alone (a blank line after it), short, and not
    ending like a sentence (``.``, ``,``, ``;``, ``:``; closing quotation marks aside)."""
    first, _, rest = text.partition("\n")
    first = first.strip()
    if first.startswith("# "):
        return first[2:].strip() or None
    if not rest.startswith("\n") or len(first) > 200 or not first:
        return None
    if first.rstrip(_QUOTES)[-1:] in (".", ",", ";", ":", ""):
        return None
    return first


def _first_key(record: dict[str, Any], names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in record), None)


def _id(record: dict[str, Any], names: tuple[str, ...]) -> str | None:
    key = _first_key(record, names)
    if key is None or record[key] is None:
        return None
    value = record[key]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _Rejected(f"expected a string or integer id, got {_kind(value)}", field=key)
    value = str(value).strip()
    if not value or len(value) > 200 or any(ch.isspace() or not ch.isprintable() for ch in value):
        raise _Rejected("an id is 1-200 printable characters without spaces", field=key)
    return value


def _string(record: dict[str, Any], names: tuple[str, ...]) -> str | None:
    key = _first_key(record, names)
    if key is None or record[key] is None:
        return None
    value = record[key]
    if not isinstance(value, str):
        raise _Rejected(f"expected a string, got {_kind(value)}", field=key)
    return value.strip() or None


def _describe(value: Any) -> str:
    """What a JSON value is, said for a person: 'an object with keys 'articles' (an array
    of 3 objects), 'meta''."""
    if isinstance(value, dict):
        if not value:
            return "an empty object"
        keys = []
        for key, item in list(value.items())[:5]:
            inner = f" ({_describe(item)})" if isinstance(item, list) else ""
            keys.append(f"{key!r}{inner}")
        more = ", ..." if len(value) > 5 else ""
        return f"an object with keys {', '.join(keys)}{more}"
    if isinstance(value, list):
        if not value:
            return "an empty array"
        kinds = sorted({_kind(item).split(" ", 1)[-1] + "s" for item in value})
        return f"an array of {len(value)} {' and '.join(kinds)}"
    return _kind(value)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number", str: "a string"}.get(type(value),
                                                                   type(value).__name__)
