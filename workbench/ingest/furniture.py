"""Separate an article's text from the page furniture scraped along with it.

Furniture is what a web page wraps around an article: share-button shortcodes,
"3 min read", breadcrumbs, comment forms, copyright footers, "Related Articles".
It is removed from the text annotators see and kept, verbatim and with its
line number, so nothing of the original is lost. Some furniture states facts
about the article (a "Posted on:" line, a publisher's footer, a URL line);
those are picked up, never guessed from the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel


class Furniture(BaseModel):
    """A removed line: its kind, its text and its 1-based line in the input."""

    kind: str
    line: int
    text: str


# Whole lines that are furniture, by kind. Matched after stripping the line.
_LINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("read_time", r"^\d+\s*(min|mins|minute|minutes)\.?\s+read$"),
        ("shortcode", r"^\[/?[a-z][\w-]*(\s[^\]]*)?\]$"),
        ("breadcrumb", r"^home\s*[»›>|/]\s*\S.*$"),
        ("dateline", r"^(posted|published)( on)?\s*:.*$"),
        ("dateline", r"^(last )?updated( on)?\s*:.*$"),
        ("share", r"^(share( this( article| story)?)?|share on \w+|tweet|click to share.*)\s*:?$"),
        ("comment_form", r"^leave a (reply|comment)$"),
        ("comment_form", r"^your email address will not be published\..*$"),
        ("comment_form", r"^required fields are marked \*$"),
        ("comment_form", r"^(cancel reply|post comment|save my name, email, and website.*)$"),
        ("copyright", r"^.{0,80}\bno part of this (article|publication|material|content)"
                      r" may be reproduced\b.*$"),
        ("copyright", r"^(©|\(c\)|copyright\s*©?)\s*\d{4}\b.{0,150}$"),
        ("copyright", r"^.{0,120}\ball rights reserved\.?$"),
        ("url", r"^(source url|url|link|source)\s*:\s*https?://\S+$"),
    )
)

# A heading after which everything to the end is a list of links.
_TAIL_HEADING = re.compile(r"^(related|more|recommended|read more|you may also like)"
                           r"( articles| stories| posts| news)?:?$", re.IGNORECASE)
_TAIL_MAX_LINES = 15

_POSTED = re.compile(r"^(posted|published)( on)?\s*:\s*(?P<date>.+)$", re.IGNORECASE)
_FOOTER_SOURCE = re.compile(
    r"^(?P<source>[^.©]{2,60})\.\s+no part of this \w+ may be reproduced", re.IGNORECASE)
_COPYRIGHT_SOURCE = re.compile(
    r"^(©|\(c\)|copyright)\s*(\d{4}\s*)?(?P<source>[^.,]{2,60}?)[.,]?\s*(all rights reserved)?\.?$",
    re.IGNORECASE)
_URL = re.compile(r"(?P<url>https?://\S+)$")
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass
class Cleaned:
    """The text to annotate, what was removed, and what the furniture stated."""

    text: str
    furniture: list[Furniture] = field(default_factory=list)
    posted: str | None = None  # the date as the page states it, unparsed
    source: str | None = None
    url: str | None = None


def normalize_newlines(raw: str) -> str:
    """One line ending (``\\n``) so offsets mean the same everywhere."""
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def clean(raw: str) -> Cleaned:
    """Remove furniture lines, trailing spaces and runs of blank lines.

    Only whole lines are removed; every sentence of the article is kept as is.
    """
    lines = normalize_newlines(raw).split("\n")
    kinds: dict[int, str] = {}
    for index, line in enumerate(lines):
        kind = _line_kind(line.strip())
        if kind:
            kinds[index] = kind
    _mark_tail(lines, kinds)

    result = Cleaned(text="")
    kept = []
    for index, line in enumerate(lines):
        kind = kinds.get(index)
        if kind is None:
            kept.append(line.rstrip())
            continue
        stripped = line.strip()
        result.furniture.append(Furniture(kind=kind, line=index + 1, text=line))
        _read_statement(kind, stripped, result)
    result.text = _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip()
    return result


def _line_kind(stripped: str) -> str | None:
    if not stripped:
        return None
    for kind, pattern in _LINE_RULES:
        if pattern.match(stripped):
            return kind
    return None


def _mark_tail(lines: list[str], kinds: dict[int, str]) -> None:
    """A "Related Articles" heading near the end takes the link list after it."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    for position, index in enumerate(content):
        if _TAIL_HEADING.match(lines[index].strip()):
            rest = content[position:]
            if len(rest) <= _TAIL_MAX_LINES:
                for i in rest:
                    kinds.setdefault(i, "related")
            return


def _read_statement(kind: str, stripped: str, into: Cleaned) -> None:
    """Pick up what a furniture line states about the article, first statement wins."""
    if kind == "dateline" and into.posted is None:
        match = _POSTED.match(stripped)
        if match:
            into.posted = match["date"].strip()
    elif kind == "copyright" and into.source is None:
        match = _FOOTER_SOURCE.match(stripped) or _COPYRIGHT_SOURCE.match(stripped)
        if match:
            into.source = match["source"].strip()
    elif kind == "url" and into.url is None:
        match = _URL.search(stripped)
        if match:
            into.url = match["url"]
