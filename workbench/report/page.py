"""The quality report as one self-contained HTML page: tables, charts drawn inline as SVG,
the articles worth a look marked up in place; no script, no external resource."""

from __future__ import annotations

from html import escape
from pathlib import Path

from workbench.quality.independence import FLAG_MIN, FLAG_P
from workbench.quality.inference import NEAR_CHANCE
from workbench.quality.suggestions import CONTROL, GOLD_NOTE, SHIFT_NOTE, STANCE_NOTE
from workbench.records.wording import decimal, percent, plural, points, pull_times
from workbench.report.charts import (
    ACCENT,
    COLORS,
    GAP,
    WIDTH,
    bars,
    chart,
    confusion,
    dots,
    lines,
)
from workbench.report.collect import ReportData, collect
from workbench.report.highlight import article_html
from workbench.report.history import PullLine, record
from workbench.settings import Settings
from workbench.store.atomic import write_text

# Why a value has no interval: the bootstrap's rule (stats.bootstrap.percentile_interval).
NO_INTERVAL = "no interval: undefined in over 1 in 10 bootstrap resamples"


def write_report(settings: Settings, *, export: Path | None = None, out: Path | None = None,
                 data: ReportData | None = None) -> Path:
    """Draw and write ``report.html`` (atomically) under ``out``, from ``data`` when the
    caller collected it already, else from ``export`` or the latest pull. The page's
    pull joins the annotators' history kept beside it."""
    folder = out or settings.exports / "reports"
    data = data or collect(settings, export=export)
    data.history = record(folder, PullLine(pull=data.source, sha256=data.sha256,
                                           annotators=data.with_gold))
    page = render(data)
    path = folder / "report.html"
    write_text(path, page)
    return path


def _table(header: list[str], rows: list[list]) -> str:
    """Numbers (and their blanks) right-aligned, text left."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td{_align(cell)}>{escape(_fmt(cell))}</td>' for cell in row) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _align(cell) -> str:
    return ' class="num"' if cell is None or isinstance(cell, int | float | tuple) else ""


class _Share(float):
    """A table cell shown as a percentage (a number: right-aligned)."""


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, _Share):
        return percent(value)
    if isinstance(value, float):
        return decimal(value)
    if isinstance(value, tuple):
        return f"{decimal(value[0], 2)} – {decimal(value[1], 2)}"
    return str(value)


def _shares(*values: float | None) -> list[_Share | None]:
    """Table cells shown as percentages (blank when undefined)."""
    return [None if v is None else _Share(v) for v in values]


def render(data: ReportData) -> str:
    """The page."""
    return PAGE.format(body="\n".join(section(data) for section in _SECTIONS))


def _header(data: ReportData) -> str:
    h = data.header
    if h.gold is None:
        gold = "No gold version yet."
    else:
        made = ("made from this pull" if h.gold.from_this_pull else
                "made from other pulls than this one: run sync or export to bring it up "
                "to date")
        gold = (f"Gold version <b>{escape(h.gold.version)}</b> "
                f"({plural(h.gold.articles, 'article')}; manifest sha256 "
                f"<code>{escape(h.gold.manifest_sha256[:16])}…</code>), {made}.")
    pulls = ", ".join(f"<code>{escape(p['file'])}</code> (sha256 {escape(p['sha256'][:12])}…)"
                      for p in h.pulls)
    people = ", ".join(escape(n) for n in h.annotators) or "none yet"
    judges = ", ".join(escape(n) for n in h.adjudicators) or "nobody is named yet"
    return (f'<p class="meta">{gold}<br>Raw pulls read: {pulls}.<br>'
            f"{plural(data.tasks, 'task')}, {plural(data.overlap, 'annotator')} wanted per "
            f"task; {plural(h.pending, 'article')} pending "
            f"(disputed or awaiting annotations).<br>Annotators: {people}. Adjudicators: "
            f"{judges}.</p>")


def _progress(data: ReportData) -> str:
    third = (WIDTH - 2 * GAP) / 3
    states = list(data.states)
    decisions = list(data.decisions) or ["(none)"]
    names = list(data.annotators) or ["(none)"]
    people = [data.annotators.get(n) for n in names]
    panels = [
        bars(states, [data.states[s] for s in states], "Tasks by state",
             [COLORS.get(s, ACCENT) for s in states], width=third),
        bars(decisions, [data.decisions.get(d, 0) for d in decisions], "Articles by decision",
             [COLORS.get(d, ACCENT) for d in decisions], width=third),
        bars(names, [(p.submitted, p.cancelled) if p else (0, 0) for p in people],
             "Annotations per annotator", width=third,
             segments=[("submitted", ACCENT), ("skipped", "#c9ced6")])]
    rows = [[name, p.submitted, p.cancelled, p.with_errors,
             None if p.mean_lead_time is None else f"{p.mean_lead_time:.0f} s"]
            for name, p in data.annotators.items()]
    return (f"<h2>Progress</h2><p>Complete means at least {plural(data.overlap, 'annotator')} "
            f"submitted.</p>{chart(panels, 'progress charts', columns=3)}"
            + _table(["annotator", "submitted", "skipped", "with a part set aside",
                      "mean lead time"], rows))


def _agreement(data: ReportData) -> str:
    fields = data.agreement.fields
    if not fields:
        return "<h2>Agreement</h2><p>No article has two annotations yet.</p>"
    rows = []
    for name, f in fields.items():
        spans = f.kind == "spans"
        point = f.f1_exact if spans else f.krippendorff_alpha
        value = point if point is not None or spans else f"undefined: {f.undefined}"
        rows.append([name, f.kind, f.items, f.raters, "F1 exact" if spans else "alpha", value,
                     data.intervals.get(name, {}).get(""), f.observed_agreement,
                     f.expected_agreement, *_shares(f.percent_agreement), f.cohen_kappa_mean,
                     f.unitizing_alpha])
    table = _table(["field", "kind", "items", "raters", "measure", "value", "95% CI",
                    "observed agreement", "chance agreement", "percent", "Cohen kappa (mean)",
                    "unitizing alpha"], rows)
    charts = []
    for name, f in fields.items():
        labels = list(f.per_label)
        if not labels:
            continue
        spans = f.kind == "spans"
        points = [(f.per_label[v].f1_exact if spans else f.per_label[v].krippendorff_alpha)
                  for v in labels]
        reasons = [f.undefined, *(f.per_label[v].undefined for v in labels)]
        names = [f"(whole field{' F1' if spans else ''})", *labels]
        charts.append(dots(names, [f.f1_exact if spans else f.krippendorff_alpha, *points],
                           [data.intervals.get(name, {}).get(key) for key in ["", *labels]],
                           reasons, f"{name}: {'span F1 (exact)' if spans else 'alpha per value'}"
                           " with 95% bootstrap intervals", NO_INTERVAL))
    return ("<h2>Agreement</h2><p>Krippendorff's alpha for choices (MASI distance for "
            "multi-choice fields), pairwise exact-match F1 for spans. Alpha is 1 − D<sub>o"
            "</sub>/D<sub>e</sub>: the observed agreement beside the agreement chance alone "
            "would give. When one value dominates, chance agreement is high, and a high "
            "observed agreement still gives a low alpha; when every annotator chose the same "
            "value, there is nothing to tell apart from chance and alpha is undefined. "
            "Intervals: 95% percentile intervals of a Poisson bootstrap over articles, none "
            "where over 1 in 10 resamples leave the value undefined (too few articles); dotted "
            "lines at 0.667 and 0.8, Krippendorff's thresholds for tentative and reliable "
            f"conclusions.</p>{table}{''.join(charts)}")


def _suggestions(data: ReportData) -> str:
    s = data.suggestions
    if not s.groups:
        return ""
    rows = [[group, g.tasks, g.annotations, g.crime_types_alpha, g.stance_alpha, g.span_f1,
             g.crime_types_per_annotation, g.spans_per_annotation]
            for group, g in s.groups.items()]
    text = ("<h2>Pre-annotations</h2><p>Annotators start from the rule-based suggestions, "
            "except on the control share, shown without them. Agreement and label rates in "
            "each group:</p>" + _table(["articles", "tasks", "annotations", "crime types alpha",
                                        "stance alpha", "span F1", "crime types / annotation",
                                        "spans / annotation"], rows))
    missing = _no_control(data)
    if missing:
        text += f"<p>{missing}</p>"
    if s.warning:
        text += f'<p class="warning">{escape(s.warning)}</p>'
    text += (f"<p>Annotators kept {percent(s.kept_share)} of the suggested crime types and "
             f"spans ({s.spans_kept:,} of {plural(s.spans_suggested, 'suggested span')}); "
             f"{percent(s.agreed_from_suggestions)} of what they agree on had been suggested. "
             f"Versions shown: " + (", ".join(f"<code>{escape(v)}</code> "
                                              f"({plural(n, 'task')})"
                                              for v, n in s.model_versions.items()) or "none")
             + ".</p>")
    if s.per_type:
        text += ("<h3>Suggested crime types against gold</h3><p>Wrong, kept: of the "
                 "annotations of gold articles shown the type when gold lacks it, how many "
                 "kept it; right, dropped: when gold has it, how many dropped it.</p>" + _table(
                     ["crime type", "suggested", "in gold", "precision", "recall", "kept",
                      "wrong, kept", "right, dropped"],
                     [[value, f.suggested, f.gold, *_shares(f.precision, f.recall, f.kept),
                       f.wrong_kept.text(), f.right_dropped.text()]
                      for value, f in s.per_type.items()]))
    return text + _taken(data)


def _taken(data: ReportData) -> str:
    """What annotators took: each field's distribution with and without suggestions and its
    shift, and the wrong suggestions kept and right ones dropped (words shared with the card)."""
    s = data.suggestions
    rows, unsaid = s.shifts()
    text = f"<h3>What annotators took</h3><p>{escape(SHIFT_NOTE)}</p>"
    if rows:
        text += _table(["field", "value", "with suggestions", "without suggestions", "shift"],
                       [[name, value, shift.suggested.text(), shift.control.text(),
                         None if shift.points is None else points(shift.points)]
                        for name, value, shift in rows])
    return text + "".join(f"<p>{escape(line)}</p>" for line in (
        " ".join([*unsaid, STANCE_NOTE]), s.taken(), GOLD_NOTE))


def _no_control(data: ReportData) -> str | None:
    """What stands in for the comparison when the control share gives nothing to compare
    with (no annotated article shown without suggestions), and how to get one."""
    if data.suggestions.compared:
        return None
    groups = data.suggestions.groups
    control = groups.get(CONTROL)
    if control is None or not control.tasks:
        tasks = sum(g.tasks for g in groups.values())
        found = f"none of the {plural(tasks, 'task')} was shown without suggestions."
    else:
        found = (f"the {plural(control.tasks, 'task')} shown without suggestions "
                 f"{'has' if control.tasks == 1 else 'have'} "
                 f"{plural(control.annotations, 'annotation')}, too few for any agreement.")
    share = data.control_share
    now = ("" if share is None else " (now 0: none; 0.1, say, sends 1 article in 10)"
           if share == 0 else f" (now {percent(share)})")
    return (f"No control articles to compare with: {found} A comparison needs control "
            "articles annotated by at least 2 annotators each. WORKBENCH_CONTROL_SHARE sets "
            f"the share of articles pushed without suggestions{now}; it applies to the "
            "articles pushed after it is set.")


def _articles(data: ReportData) -> str:
    if not data.articles:
        return ("<h2>Articles to look at</h2><p>No article has two annotations yet.</p>")
    views = "".join(article_html(view) for view in data.articles)
    return ("<h2>Articles to look at</h2><p>The disputed articles with the most "
            "disagreements, then those with the lowest agreement: each annotator's spans "
            "underlined in the text in their colour (green ground: all marked it alike; "
            "amber: not), their choices beside the decision (struck through: not in the "
            f"decision); hover a mark to see who marked what.</p>{views}")


def _disagreements(data: ReportData) -> str:
    if not data.disputed_labels:
        return "<h2>Where disagreements cluster</h2><p>No open disagreements.</p>"
    drawn = chart([bars(list(data.disputed_labels), list(data.disputed_labels.values()),
                        "Disagreements by field and label", "#d9534f")],
                  "disagreements by label")
    rows = [[a.article_id, a.title, a.disagreements, ", ".join(a.fields)]
            for a in data.disputed_articles]
    return ("<h2>Where disagreements cluster</h2><p>What the annotators' votes left open, "
            f"before review.</p>{drawn}"
            "<h3>Articles with the most disagreements</h3>"
            + _table(["article", "title", "disagreements", "fields"], rows))


def _confusions(data: ReportData) -> str:
    if not data.confusions:
        return "<h2>Confusion between annotators</h2><p>No two annotators share an article.</p>"
    parts = [f"<h3>{escape(c.field)}</h3>" + confusion(
        c.labels, c.counts, f"{c.field}: {plural(c.pairs, 'annotator pair')} compared")
        for c in data.confusions]
    return ("<h2>Confusion between annotators</h2><p>Every pair of annotators of an article, "
            "pooled: a cell counts how often one chose the row's value where the other chose "
            "the column's (so the matrix is symmetric). For multi-choice fields, values both "
            "chose sit on the diagonal; a value only one chose is paired with each the other "
            f"chose instead, or with (none).</p>{''.join(parts)}")


def _annotators(data: ReportData) -> str:
    if not data.with_gold:
        return ("<h2>Annotators against gold</h2><p>No gold article yet to compare "
                "with.</p>")
    rows = [[name, w.articles, w.stance, w.crime_types, w.spans]
            for name, w in data.with_gold.items()]
    text = ("<h2>Annotators against gold</h2><p>Each annotator's latest annotation of every "
            "gold article against the decision: the share with the gold stance, the mean "
            "Jaccard of their crime types and gold's, and their spans' exact F1 against "
            "gold's.</p>" + _table(["annotator", "gold articles", "stance", "crime types",
                                    "spans F1"], rows))
    if len(data.history) > 1:
        pulls = pull_times([line.pull for line in data.history])
        utc = " (UTC)" if any(p != line.pull for p, line in zip(pulls, data.history,
                                                                 strict=True)) else ""
        names = sorted({n for line in data.history for n in line.annotators})
        for key, title in (("crime_types", "crime types (Jaccard with gold)"),
                           ("stance", "stance (share matching gold)")):
            series = {n: [getattr(line.annotators.get(n), key, None) if n in line.annotators
                          else None for line in data.history] for n in names}
            text += lines(series, pulls, f"Over time, per pull{utc}: {title}", key)
    return text


def _distributions(data: ReportData) -> str:
    fields = list(data.distributions)
    if not fields:
        return "<h2>Label distributions</h2><p>No labels yet.</p>"
    half = (WIDTH - GAP) / 2
    drawn = chart([bars(list(data.distributions[field]), list(data.distributions[field].values()),
                        field, width=half) for field in fields], "label distributions",
                  columns=2)
    return ("<h2>Label distributions</h2><p>Values in each annotator's latest submitted "
            f"annotation.</p>{drawn}")


def _validation(data: ReportData) -> str:
    summary = data.validation
    faulty = summary.annotations_with_errors
    text = (f"<h2>Validation</h2><p>{plural(summary.errors, 'error')}, "
            f"{plural(summary.warnings, 'warning')}, {plural(summary.info, 'note')} in "
            f"{plural(summary.annotations, 'annotation')}."
            + (f" In the {plural(faulty, 'annotation')} with an error, only the faulty parts "
               f"are set aside: the rest of {'it' if faulty == 1 else 'each'} still votes "
               "(kept in the pull)." if faulty else "") + "</p>")
    if summary.by_rule:
        text += chart([bars(list(summary.by_rule), list(summary.by_rule.values()),
                            "Findings by rule", "#f2b134")], "validation findings by rule")
    rows = [[f["severity"], f["rule"], f["article_id"], f["annotator"], f["field"],
             f["message"]] for f in data.findings]
    shown = (f" (the first {len(rows)})" if len(rows) < summary.errors + summary.warnings
             + summary.info else "")
    return text + (f"<h3>Findings{shown}</h3>"
                   + _table(["severity", "rule", "article", "annotator", "field", "message"],
                            rows) if rows else "")


def _independence(data: ReportData) -> str:
    text = ("<h2>Independence</h2><p>Label Studio Community lets any annotator open another's "
            "finished annotation from the Data Manager, see it before doing their own, and "
            "update it. Nothing there prevents it; here is what the workbench finds.</p>"
            "<h3>Annotations changed by someone other than their author</h3>")
    if data.edits:
        rows = [[e.article_id, e.author, e.editor, e.changed_at or "", e.counted()]
                for e in data.edits]
        text += ("<p>What someone else changed never counts as the author's vote.</p>"
                 + _table(["article", "author", "changed by", "when", "what counts"], rows))
    else:
        text += "<p>None.</p>"
    text += "<h3>Review submissions that do not decide</h3>"
    if data.ignored_reviews:
        text += ("<p>Not used: only an adjudicator's submission decides.</p>"
                 + _table(["article", "submitted by", "annotation", "why: its author ..."],
                          [[i.article_id, i.annotator, i.annotation_id, i.why]
                           for i in data.ignored_reviews]))
    else:
        text += "<p>None.</p>"
    copying = data.copying
    text += ("<h3>Identical annotations beyond the suggestions</h3><p>Two annotations of an "
             "article identical in every part (spans to the character, choices, actor "
             "stances, relations) where the suggestion they started from was not: "
             f"{copying.identical} of "
             f"{plural(copying.compared, 'pair of annotations', 'pairs of annotations')} "
             "compared. Each "
             "pair of annotators against every other pair: the share expected is the other "
             "pairs' share (one identical and one not added to their counts, so that no share "
             "is taken for zero), the chance is that of so many identical ones at that share. "
             "A pair "
             f"is flagged when the chance is below {FLAG_P:g} and {FLAG_MIN} or more are "
             "identical; “later” counts whose annotation was made second.</p>")
    pairs: list[list] = [[f"{p.first} – {p.second}", p.shared, p.identical, *_shares(
        p.identical / p.shared if p.shared else None, p.expected),
        "—" if p.p_value is None else f"{p.p_value:.2g}",
        f"{p.first}: {p.first_was_later}, {p.second}: {p.second_was_later}",
        "flagged" if p.flagged else ""] for p in copying.pairs]
    return text + (_table(["pair", "articles shared", "identical", "share", "expected",
                           "chance", "later", ""], pairs) if pairs else "<p>No two annotators "
                                                                      "share an article.</p>")


def _reliability(data: ReportData) -> str:
    text = "<h2>How votes became gold</h2>"
    report = data.inference
    if report is None:
        return text + ("<p>Majority vote decided every value (<code>--aggregate majority"
                       "</code>).</p>")
    text += (f"<p><code>--aggregate {escape(report.aggregate)}</code>: a model of each "
             "annotator's reliability (Dawid-Skene), estimated from every article, decides "
             "the choice fields it has enough data for; majority vote the rest. A value it "
             f"gives less than {percent(report.threshold)} goes to review: "
             f"{plural(data.uncertain, 'article')} now.</p>"
             + _table(["field", "decided by"], [[f, how] for f, how in report.fields.items()]))
    if not report.competence:
        return text
    flagged = sorted({c.annotator for c in report.competence if c.near_chance})
    text += ("<h3>Each annotator's estimated accuracy</h3><p>Crime types: the mean of each "
             "type's accuracy on its presence and on its absence. Chance: what answering at "
             "random, with the labels' frequencies, would score.</p>")
    if flagged:
        text += (f"<p><b>Near chance</b> (within {percent(NEAR_CHANCE)} of it, or below): "
                 f"{escape(', '.join(flagged))}. The model weighs each answer by what it has "
                 "learnt of its author (an answer that is always wrong in the same way still "
                 "tells it something); look at their work all the same.</p>")
    return text + _table(["annotator", "field", "accuracy", "chance", "answers", ""], [
        [c.annotator, c.field, c.accuracy, c.chance, c.items, c.verdict]
        for c in report.competence])


_SECTIONS = (_header, _progress, _agreement, _suggestions, _articles, _disagreements,
             _confusions, _annotators, _reliability, _independence, _distributions,
             _validation)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>workbench quality report</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #1a202c; padding: 0 1rem; }}
h1 {{ font-size: 1.5rem; }} h2 {{ border-bottom: 1px solid #e2e8f0; margin-top: 2.2rem; }}
h3 small {{ color: #4a5568; font-weight: normal; }}
table {{ border-collapse: collapse; margin: .8rem 0; font-size: 13px; }}
th, td {{ border-bottom: 1px solid #e2e8f0; padding: .25rem .6rem; text-align: left;
         vertical-align: top; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.decision td {{ background: #f7fafc; }}
svg.chart {{ max-width: 100%; height: auto; display: block; margin: .8rem 0; }}
.meta {{ color: #4a5568; }}
.warning {{ background: #fff7ed; border-left: 4px solid #dd6b20; padding: .5rem .8rem; }}
.article {{ border: 1px solid #e2e8f0; border-radius: 6px; padding: .2rem 1rem 1rem;
           margin: 1rem 0; }}
.article .text {{ white-space: pre-wrap; line-height: 2.1; max-height: 32rem;
                 overflow-y: auto; border-top: 1px solid #edf2f7; padding-top: .5rem; }}
.m {{ padding-bottom: 2px; }}
.who {{ margin-right: .6rem; padding-bottom: 1px; }}
</style></head><body>
<h1>Annotation quality report</h1>
{body}
</body></html>
"""
