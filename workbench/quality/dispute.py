"""The dispute summary a review task shows on top of its labeling view (HTML).

Per disputed point: the field, what is disputed (a value, or a span with its
words, offsets and the sentence around it highlighted), and who chose what;
then what was set aside from which annotator, and why. Annotators are named
by pseudonym. Label Studio renders it with its ``HyperText`` tag, which strips
scripts; everything here is escaped text and inline styles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from html import escape

from workbench.records.decisions import ArticleDecision, Disagreement
from workbench.records.tasks import Annotation, Task
from workbench.schema import ACTOR_STANCE, ACTORS, CRIME_MENTIONS, SCHEMA

CONTEXT = 90  # characters shown on each side of a disputed span
_MARK = "background: #ffd54f; padding: 0 2px; border-radius: 2px; font-weight: 600"
_CELL = "border-top: 1px solid #ddd; padding: 4px 8px; vertical-align: top; text-align: left"


_TITLES = {spec.name: spec.title for spec in SCHEMA.fields}
# A value's id -> its display name, from the first field that has it.
_NAMES = {option.id: f"{option.name} ({option.id})" if option.name.lower() != option.id
          else option.id for spec in reversed(SCHEMA.fields) for option in spec.values}


def dispute_html(decision: ArticleDecision, task: Task, name: Callable[[str], str],
                 judges: Sequence[str] = ()) -> str:
    """The summary of what an article's annotators disagree on, for the adjudicator; who
    decides (``judges``, the adjudicators) on top."""
    points = len(decision.disagreements)
    people = ", ".join(escape(name(i.annotator)) for i in decision.inputs)
    rows = "".join(_row(d, task, name) for d in decision.disagreements)
    who = (f"<b>Decides here:</b> {escape(', '.join(judges))}. A submission by anyone else "
           f"is not used." if judges else "<b>Nobody is named adjudicator yet:</b> no "
           "submission here counts until the maintainer names one.")
    parts = [
        f'<h3 style="margin: .6em 0 .3em">Disputed: {points} point{"s" if points != 1 else ""}'
        f" to decide</h3>",
        f'<p style="margin: 0 0 .4em">{who}</p>',
        f'<p style="margin: 0 0 .5em; color: #444">{decision.n} annotators ({people}); a '
        f"value needs {decision.k} of them. The annotation below holds what they agreed on; "
        f"add or fix what is disputed, then submit. Each annotator's whole version is also in "
        f"the predictions, under the same names.</p>",
        f'<table style="border-collapse: collapse; margin-bottom: .6em"><tr>'
        f'<th style="{_CELL}">field</th><th style="{_CELL}">disputed</th>'
        f'<th style="{_CELL}">who chose what</th></tr>{rows}</table>',
    ]
    versions = _versions(decision, task, name)
    if versions:
        parts.append(versions)
    if decision.set_aside:
        items = "".join(
            f"<li><b>{escape(name(p.annotator))}</b>: {escape(p.part)}: {escape(p.reason)}"
            + (f" ({escape(p.message)})" if p.message else "") + "</li>"
            for p in decision.set_aside)
        parts.append(f'<p style="margin: .3em 0"><b>Set aside</b> (not counted as votes):</p>'
                     f'<ul style="margin: 0 0 .6em">{items}</ul>')
    return "<div>" + "".join(parts) + "</div>"


def _row(disagreement: Disagreement, task: Task, name: Callable[[str], str]) -> str:
    what = escape(_display(disagreement))
    if disagreement.span is not None and task.text:
        what += "<br>" + excerpt(task.text, *disagreement.span)
    votes = " &middot; ".join(
        f"<b>{escape(_value_name(option))}</b>: "
        + (", ".join(escape(name(person)) for person in people) or "nobody")
        for option, people in disagreement.votes.items())
    field = escape(_TITLES.get(disagreement.field, disagreement.field))
    return (f'<tr><td style="{_CELL}">{field}</td><td style="{_CELL}">{what}</td>'
            f'<td style="{_CELL}">{votes}</td></tr>')


_SPAN_FIELDS = {ACTORS: ACTORS, CRIME_MENTIONS: CRIME_MENTIONS, ACTOR_STANCE: ACTORS}
VERSION_CONTEXT = 60  # characters around a disputed span in each annotator's version


def _versions(decision: ArticleDecision, task: Task, name: Callable[[str], str]) -> str:
    """Each annotator's version of every disputed span, side by side: the words around it
    with the spans they drew there, their labels (and an actor's stance) beside them."""
    points = [d for d in decision.disagreements
              if d.span is not None and d.field in _SPAN_FIELDS and task.text]
    by_id = {a.id: a for a in task.annotations}
    people = [by_id[i.annotation_id] for i in decision.inputs if i.annotation_id in by_id]
    if not points or not people:
        return ""
    head = "".join(f'<th style="{_CELL}">{escape(name(a.annotator))}</th>' for a in people)
    rows: dict[str, str] = {}  # cells -> row: overlapping disputed spans show once
    for point in points:
        cells = "".join(f'<td style="{_CELL}">{_version(task.text or "", point, a)}</td>'
                        for a in people)
        rows.setdefault(cells, f'<tr><td style="{_CELL}">'
                               f"{escape(_TITLES.get(point.field, point.field))}</td>{cells}</tr>")
    return (f'<p style="margin: .3em 0"><b>Each version of the disputed spans</b>, in '
            f"context:</p>"
            f'<table style="border-collapse: collapse; margin-bottom: .6em; table-layout: '
            f'fixed; width: 100%"><tr><th style="{_CELL}; width: 8em">field</th>{head}</tr>'
            + "".join(rows.values()) + "</table>")


def _version(text: str, point: Disagreement, annotation: Annotation) -> str:
    """One annotator's spans around a disputed one, marked, each with its labels."""
    start, end = point.span  # type: ignore[misc]
    control = _SPAN_FIELDS[point.field]
    stances = {c.region: c.values for c in annotation.region_choices
               if c.control == ACTOR_STANCE}
    near = sorted((s for s in annotation.spans if s.control == control
                   and s.start < end + VERSION_CONTEXT and s.end > start - VERSION_CONTEXT),
                  key=lambda s: (s.start, -s.end))
    low = min([start - VERSION_CONTEXT, *(s.start for s in near if s.start < end and
                                         s.end > start)])
    high = max([end + VERSION_CONTEXT, *(s.end for s in near if s.start < end and
                                        s.end > start)])
    low, high = max(0, low), min(len(text), high)
    shown, at = [], low
    for span in near:
        if span.start < at or span.start < low or span.end > high:
            continue  # overlaps one already shown, or runs past the window
        labels = "/".join(span.labels) + "".join(
            f": {v}" for v in stances.get(span.region, ()))
        shown.append(_plain(text[at:span.start]))
        shown.append(f'<mark style="{_MARK}">{_plain(text[span.start:span.end])}</mark>'
                     f'<sub style="color: #555"> {escape(labels)}</sub>')
        at = span.end
    shown.append(_plain(text[at:high]))
    lead = "…" if low > 0 else ""
    tail = "…" if high < len(text) else ""
    marked = "" if any(s.start < end and s.end > start for s in near) else (
        '<i style="color: #888">nothing marked here</i><br>')
    return f'{marked}<span style="color: #333">{lead}{"".join(shown)}{tail}</span>'


def _plain(part: str) -> str:
    """Text on one line: runs of spaces as one (kept at the ends, beside a mark), a
    paragraph break as a pilcrow."""
    return escape(re.sub(r"\s+", " ", re.sub(r"\n\s*\n", " ¶ ", part)))


def excerpt(text: str, start: int, end: int) -> str:
    """The span highlighted in the words around it: runs of spaces shown as one, a
    paragraph break as a pilcrow (the excerpt is one line)."""
    before, after = text[max(0, start - CONTEXT):start], text[end:end + CONTEXT]

    def show(part: str) -> str:
        return " ¶ ".join(escape(" ".join(p.split())) for p in re.split(r"\n\s*\n", part))

    lead = "…" if start > CONTEXT else ""
    tail = "…" if end + CONTEXT < len(text) else ""
    return (f'<span style="color: #555">{lead}{show(before)} </span>'
            f'<mark style="{_MARK}">{show(text[start:end])}</mark>'
            f'<span style="color: #555"> {show(after)}{tail}</span>')


def _display(disagreement: Disagreement) -> str:
    """A disputed value by its display name; spans and relations as the vote named them."""
    if disagreement.field == "crime_types":
        return _value_name(disagreement.item)
    return disagreement.item


def _value_name(value: str) -> str:
    return _NAMES.get(value, value)


def dispute_line(decision: ArticleDecision, limit: int = 3) -> str:
    """Why an article is disputed, in one line that names nobody: each point, its votes."""
    points = []
    for d in decision.disagreements[:limit]:
        what = d.field if d.item == "the article" else f"{d.field} {d.item}"
        votes = ", ".join(f"{option} {len(people)}" for option, people in d.votes.items())
        points.append(f"{what}: {votes}")
    more = len(decision.disagreements) - limit
    return "; ".join(points) + (f"; and {more} more" if more > 0 else "")
