"""The quality report as one self-contained HTML page: charts drawn with matplotlib,
embedded as PNG data URIs, and tables; no script, no external resource."""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path

from workbench.errors import MissingExtra
from workbench.report.collect import ReportData, collect
from workbench.settings import Settings
from workbench.store.atomic import write_text

COLORS = {"not started": "#c9ced6", "in progress": "#f2b134", "complete": "#3a9d5d",
          "agreed": "#3a9d5d", "ground_truth": "#2b6cb0", "adjudicated": "#6b46c1",
          "disputed": "#d9534f", "awaiting": "#c9ced6"}
ACCENT = "#2b6cb0"


def write_report(settings: Settings, *, export: Path | None = None, out: Path | None = None,
                 data: ReportData | None = None) -> Path:
    """Draw and write ``report.html`` (atomically) under ``out``, from ``data`` when the
    caller collected it already, else from ``export`` or the latest pull."""
    folder = out or settings.exports / "reports"
    page = render(data or collect(settings, export=export))
    path = folder / "report.html"
    write_text(path, page)
    return path


def _figure(width: float, height: float):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtra("report", "the quality report") from None
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return figure


def _img(figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img class="chart" alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _table(header: list[str], rows: list[list]) -> str:
    """Numbers (and their blanks) right-aligned, text left."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td{_align(cell)}>{escape(_fmt(cell))}</td>' for cell in row) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _align(cell) -> str:
    return ' class="num"' if cell is None or isinstance(cell, int | float | tuple) else ""


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, tuple):
        return f"{value[0]:.2f} – {value[1]:.2f}"
    return str(value)


def render(data: ReportData) -> str:
    sections = [_progress(data), _distributions(data), _agreement(data), _confusions(data),
                _disagreements(data), _validation(data)]
    return PAGE.format(source=escape(data.source), sha=escape(data.sha256[:16]),
                       tasks=data.tasks, overlap=data.overlap, body="\n".join(sections))


def _bars(ax, labels: list[str], values: list[float], title: str, colors=None) -> None:
    positions = range(len(labels))
    ax.barh(list(positions), values, color=colors or ACCENT)
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10, loc="left")
    for y, value in zip(positions, values, strict=True):
        ax.annotate(f"{value:,.0f}", (value, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.margins(x=0.15)


def _progress(data: ReportData) -> str:
    figure = _figure(10, 2.8 + 0.25 * len(data.annotators))
    left, middle, right = figure.subplots(1, 3)
    states = list(data.states)
    _bars(left, states, [data.states[s] for s in states], "Tasks by state",
          [COLORS.get(s, ACCENT) for s in states])
    decisions = list(data.decisions) or ["(none)"]
    _bars(middle, decisions, [data.decisions.get(d, 0) for d in decisions],
          "Articles by decision", [COLORS.get(d, ACCENT) for d in decisions])
    names = list(data.annotators) or ["(none)"]
    people = [data.annotators.get(n) for n in names]
    submitted = [p.submitted if p else 0 for p in people]
    cancelled = [p.cancelled if p else 0 for p in people]
    right.barh(range(len(names)), submitted, color=ACCENT, label="submitted")
    right.barh(range(len(names)), cancelled, left=submitted, color="#c9ced6", label="skipped")
    right.set_yticks(range(len(names)), names)
    right.invert_yaxis()
    right.set_title("Annotations per annotator", fontsize=10, loc="left")
    right.legend(fontsize=8, loc="lower right")
    rows = [[name, p.submitted, p.cancelled, p.with_errors,
             None if p.mean_lead_time is None else f"{p.mean_lead_time:.0f} s"]
            for name, p in data.annotators.items()]
    return (f"<h2>Progress</h2><p>Complete means at least {data.overlap} annotators "
            f"submitted.</p>{_img(figure, 'progress charts')}"
            + _table(["annotator", "submitted", "skipped", "with errors", "mean lead time"],
                     rows))


def _distributions(data: ReportData) -> str:
    fields = list(data.distributions)
    if not fields:
        return "<h2>Label distributions</h2><p>No labels yet.</p>"
    columns = 2
    rows = -(-len(fields) // columns)
    tallest = max(len(v) for v in data.distributions.values())
    figure = _figure(10, rows * (0.8 + 0.22 * tallest))
    axes = figure.subplots(rows, columns, squeeze=False).flatten()
    for ax, field in zip(axes, fields, strict=False):
        counts = data.distributions[field]
        _bars(ax, list(counts), list(counts.values()), field)
    for ax in axes[len(fields):]:
        ax.set_visible(False)
    return ("<h2>Label distributions</h2><p>Values in each annotator's latest submitted "
            f"annotation.</p>{_img(figure, 'label distributions')}")


def _agreement(data: ReportData) -> str:
    fields = data.agreement.fields
    if not fields:
        return "<h2>Agreement</h2><p>No article has two annotations yet.</p>"
    rows = []
    for name, f in fields.items():
        point = f.f1_exact if f.kind == "spans" else f.krippendorff_alpha
        rows.append([name, f.kind, f.items, f.raters,
                     "F1 exact" if f.kind == "spans" else "alpha", point,
                     data.intervals.get(name, {}).get(""), f.fleiss_kappa, f.cohen_kappa_mean,
                     f.percent_agreement, f.f1_overlap, f.unitizing_alpha])
    table = _table(["field", "kind", "items", "raters", "measure", "value", "95% CI",
                    "Fleiss kappa", "Cohen kappa (mean)", "percent", "F1 overlap",
                    "unitizing alpha"], rows)
    charts = []
    for name, f in fields.items():
        labels = list(f.per_label)
        if not labels:
            continue
        spans = f.kind == "spans"
        points = [(f.per_label[v].f1_exact if spans else f.per_label[v].krippendorff_alpha)
                  for v in labels]
        figure = _figure(10, 0.9 + 0.3 * (len(labels) + 1))
        ax = figure.subplots()
        whole = f.f1_exact if spans else f.krippendorff_alpha
        names = [f"(whole field{' F1' if spans else ''})", *labels]
        values = [whole, *points]
        intervals = [data.intervals.get(name, {}).get(key) for key in ["", *labels]]
        for y, (value, interval) in enumerate(zip(values, intervals, strict=True)):
            if interval is not None:
                ax.plot(interval, [y, y], color=ACCENT, linewidth=2, alpha=0.6)
            if value is not None:
                ax.plot([value], [y], "o", color="#1a365d" if y else "#d9534f")
        ax.set_yticks(range(len(names)), names)
        ax.invert_yaxis()
        ax.axvline(0.8, color="#999", linestyle=":", linewidth=1)
        ax.axvline(0.667, color="#ccc", linestyle=":", linewidth=1)
        lows = [-0.1, *(i[0] for i in intervals if i), *(v for v in values if v is not None)]
        ax.set_xlim(min(lows), 1.05)
        ax.set_title(f"{name}: {'span F1 (exact)' if spans else 'binary alpha per value'} "
                     "with 95% bootstrap intervals", fontsize=10, loc="left")
        charts.append(_img(figure, f"agreement per label of {name}"))
    return ("<h2>Agreement</h2><p>Krippendorff's alpha for choices (MASI distance for "
            "multi-choice fields), pairwise exact-match F1 for spans. Intervals: 95% "
            "percentile intervals of a Poisson bootstrap over articles (500 resamples); "
            "dotted lines at 0.667 and 0.8, Krippendorff's thresholds for tentative and "
            f"reliable conclusions.</p>{table}{''.join(charts)}")


def _confusions(data: ReportData) -> str:
    if not data.confusions:
        return "<h2>Confusion between annotators</h2><p>No two annotators share an article.</p>"
    parts = []
    for field in dict.fromkeys(c.field for c in data.confusions):
        matrices = [c for c in data.confusions if c.field == field]
        columns = min(3, len(matrices))
        rows = -(-len(matrices) // columns)
        figure = _figure(10, rows * (10 / columns + 0.3))
        axes = figure.subplots(rows, columns, squeeze=False).flatten()
        for ax, c in zip(axes, matrices, strict=False):
            ax.imshow(c.counts, cmap="Blues")
            ax.set_xticks(range(len(c.labels)), c.labels, rotation=45, ha="right", fontsize=7)
            ax.set_yticks(range(len(c.labels)), c.labels, fontsize=7)
            ax.set_ylabel(c.a, fontsize=8)
            ax.set_xlabel(c.b, fontsize=8)
            ax.set_title(f"{c.shared} shared articles", fontsize=8)
            peak = max((max(row) for row in c.counts), default=0)
            for i, row in enumerate(c.counts):
                for j, count in enumerate(row):
                    if count:
                        ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                                color="white" if count > peak / 2 else "black")
        for ax in axes[len(matrices):]:
            ax.set_visible(False)
        parts.append(f"<h3>{escape(field)}</h3>{_img(figure, f'confusion matrices of {field}')}")
    return ("<h2>Confusion between annotators</h2><p>Rows: the first annotator's values, "
            "columns: the second's, over the articles both labelled (the pairs that share "
            "the most). For multi-choice fields, values both chose sit on the diagonal; a "
            "value only one chose is paired with each the other chose instead, or with "
            f"(none).</p>{''.join(parts)}")


def _disagreements(data: ReportData) -> str:
    if not data.disputed_labels:
        return "<h2>Where disagreements cluster</h2><p>No open disagreements.</p>"
    labels = list(data.disputed_labels)
    figure = _figure(10, 0.9 + 0.28 * len(labels))
    _bars(figure.subplots(), labels, list(data.disputed_labels.values()),
          "Open disagreements by field and label", "#d9534f")
    rows = [[a.article_id, a.title, a.disagreements, ", ".join(a.fields)]
            for a in data.disputed_articles]
    return ("<h2>Where disagreements cluster</h2><p>Disagreements the vote left open, "
            f"before review.</p>{_img(figure, 'disagreements by label')}"
            "<h3>Articles with the most disagreements</h3>"
            + _table(["article", "title", "disagreements", "fields"], rows))


def _validation(data: ReportData) -> str:
    summary = data.validation
    text = (f"<h2>Validation</h2><p>{summary.errors} errors, {summary.warnings} warnings, "
            f"{summary.info} notes in {summary.annotations} annotations; "
            f"{summary.annotations_with_errors} annotations with errors are set aside by "
            "adjudication (kept in the pull).</p>")
    if summary.by_rule:
        rules = list(summary.by_rule)
        figure = _figure(10, 0.9 + 0.28 * len(rules))
        _bars(figure.subplots(), rules, list(summary.by_rule.values()), "Findings by rule",
              "#f2b134")
        text += _img(figure, "validation findings by rule")
    rows = [[f["severity"], f["rule"], f["article_id"], f["annotator"], f["field"],
             f["message"]] for f in data.findings]
    shown = (f" (the first {len(rows)})" if len(rows) < summary.errors + summary.warnings
             + summary.info else "")
    return text + (f"<h3>Findings{shown}</h3>"
                   + _table(["severity", "rule", "article", "annotator", "field", "message"],
                            rows) if rows else "")


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>workbench quality report</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1060px;
       color: #1a202c; padding: 0 1rem; }}
h1 {{ font-size: 1.5rem; }} h2 {{ border-bottom: 1px solid #e2e8f0; margin-top: 2.2rem; }}
table {{ border-collapse: collapse; margin: .8rem 0; font-size: 13px; }}
th, td {{ border-bottom: 1px solid #e2e8f0; padding: .25rem .6rem; text-align: left;
         vertical-align: top; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
img.chart {{ max-width: 100%; display: block; margin: .6rem 0; }}
.meta {{ color: #4a5568; }}
</style></head><body>
<h1>Annotation quality report</h1>
<p class="meta">From <code>{source}</code> (sha256 {sha}…): {tasks} tasks,
{overlap} annotators wanted per task.</p>
{body}
</body></html>
"""
