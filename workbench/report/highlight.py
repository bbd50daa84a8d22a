"""One article as the report shows it: its text with every annotator's spans marked in it,
their document-level choices beside the decision, and what they disagree on.

The text is cut at every span boundary; each piece is underlined once per
annotator who marked it, in that annotator's colour (stacked underlines), on a
green ground when all marked it alike, an amber one when only some did; its
tooltip names who marked what. Static HTML and inline styles only.
"""

from __future__ import annotations

from html import escape

from workbench.records.wording import decimal
from workbench.report.articles import ArticleView
from workbench.report.charts import PEOPLE


def article_html(view: ArticleView) -> str:
    colours = {a.annotator: PEOPLE[i % len(PEOPLE)] for i, a in enumerate(view.annotators)}
    a = view.agreement
    numbers = " · ".join(f"{name} {_fmt(value)}" for name, value in (
        ("overall", a.overall), ("crime types", a.crime_types), ("stance", a.stance),
        ("spans F1", a.spans)))
    decided = view.status
    if view.decided_by:
        decided += f" by {view.decided_by}"
    legend = " ".join(f'<span class="who" style="border-bottom: 3px solid {colour}">'
                      f'{escape(name)}</span>' for name, colour in colours.items())
    gold = view.status in ("agreed", "adjudicated", "ground_truth")
    stance = [view.stance] if view.stance else []
    rows = "".join(
        f"<tr><td>{escape(p.annotator)}</td>"
        f"<td>{_choices(p.crime_types, view.crime_types if gold else None)}</td>"
        f"<td>{_choices([p.stance] if p.stance else [], stance if gold else None)}</td>"
        f"<td>{len(p.spans)}</td></tr>" for p in view.annotators)
    rows += (f"<tr class=\"decision\"><td><b>decision</b> ({escape(decided)})</td>"
             f"<td>{escape(', '.join(view.crime_types)) or '—'}</td>"
             f"<td>{escape(view.stance or '—')}</td><td></td></tr>")
    disputes = "".join(f"<li>{escape(line)}</li>" for line in view.disagreements)
    title = escape(view.title or "(no title)")
    return (f'<div class="article"><h3>{title} <small>{escape(view.article_id)} · '
            f"{escape(view.status)}</small></h3>"
            f'<p class="meta">Agreement on this article: {numbers}</p>'
            "<table><thead><tr><th>annotator</th><th>crime types</th><th>stance</th>"
            f"<th>spans</th></tr></thead><tbody>{rows}</tbody></table>"
            + (f"<p><b>Disputed</b>:</p><ul>{disputes}</ul>" if disputes else "")
            + f'<p class="meta">Spans, one underline per annotator: {legend}</p>'
            f'<div class="text">{marked_text(view, colours)}</div></div>')


def marked_text(view: ArticleView, colours: dict[str, str]) -> str:
    text = view.text
    cuts = {0, len(text)}
    for person in view.annotators:
        for span in person.spans:
            if 0 <= span.start < span.end <= len(text):
                cuts.update((span.start, span.end))
    bounds = sorted(cuts)
    everyone = len(view.annotators)
    out = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        covering = {}
        for person in view.annotators:
            labels = [s.label + (f" ({s.stance})" if s.stance else "") for s in person.spans
                      if s.start <= start and end <= s.end]
            if labels:
                covering[person.annotator] = labels
        piece = escape(text[start:end])
        if not covering:
            out.append(piece)
            continue
        alike = len(covering) == everyone and len({tuple(v) for v in covering.values()}) == 1
        ground = "#dcfce7" if alike else "#fef3c7"
        lines = ", ".join(f"inset 0 -{3 * (i + 1)}px 0 {colours[name]}"
                          for i, name in enumerate(p.annotator for p in view.annotators
                                                   if p.annotator in covering))
        tip = " | ".join(f"{name}: {', '.join(labels)}" for name, labels in covering.items())
        out.append(f'<span class="m" style="background: {ground}; box-shadow: {lines}" '
                   f'title="{escape(tip)}">{piece}</span>')
    return "".join(out)


def _choices(values: list[str], decided: list[str] | None) -> str:
    """An annotator's values; when the article is decided, those the decision does not
    have are struck through."""
    if not values:
        return "—"
    return ", ".join(escape(v) if decided is None or v in decided else f"<s>{escape(v)}</s>"
                     for v in values)


def _fmt(value: float | None) -> str:
    return "—" if value is None else decimal(value, 2)
