"""The quality report: its numbers agree with the other commands', and the page stands alone."""

from __future__ import annotations

import json
import re
from collections import Counter
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

import pytest
from builders import write_export, write_tasks
from click.testing import CliRunner
from helpers import offline_settings

from workbench.cli import cli
from workbench.quality.adjudicate import adjudicate
from workbench.quality.validate import validate_export
from workbench.records.wording import decimal, percent, plural, pull_times
from workbench.report.charts import FONT, _ticks, bars, confusion, dots, text_width
from workbench.report.charts import chart as draw
from workbench.report.collect import NONE, GoldVersion, ReportData, collect, confusion_cells
from workbench.report.page import render
from workbench.schema import SCHEMA


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    path = write_export(tmp_path_factory.mktemp("report") / "export.json", 120)
    tasks = json.loads(path.read_text())
    for task in tasks:  # whichever articles the page lists, their titles need escaping
        task["data"]["title"] = "<script>alert('x')</script> & more"
    tasks[1]["annotations"][0]["result"][0]["value"]["labels"] = ["not_a_role"]
    return write_tasks(path, tasks)


@pytest.fixture(scope="module")
def data(export, tmp_path_factory):
    return collect(offline_settings(tmp_path_factory.mktemp("report")), export=export,
                   replicates=100)


def test_counts_agree_with_validate_and_adjudicate(data, export, tmp_path):
    assert sum(data.states.values()) == data.tasks == 120
    assert data.validation == validate_export(export).summary
    assert data.validation.by_rule["unknown_label"] == 1
    decided = adjudicate(offline_settings(tmp_path), export=export)
    assert data.decisions == {k: v for k, v in sorted(decided.counts.items()) if v}
    disputed = sum(len(d.disagreements) for d in decided.disputed)
    top = sorted((len(d.disagreements) for d in decided.disputed), reverse=True)[:20]
    assert [a.disagreements for a in data.disputed_articles] == top
    assert sum(data.disputed_labels.values()) >= min(disputed, 1)


def test_distributions_and_confusions_count_each_latest_annotation(data, export):
    stance = Counter()
    for task in json.loads(export.read_text()):
        for annotation in task["annotations"]:
            for item in annotation["result"]:
                if item.get("from_name") == "stance" and not annotation["was_cancelled"]:
                    stance.update(item["value"]["choices"])
    assert data.distributions["stance"] == dict(stance)
    (matrix,) = [c for c in data.confusions if c.field == "stance"]
    assert sum(map(sum, matrix.counts)) == 2 * matrix.pairs  # each pair of ratings, both ways
    assert all(matrix.counts[i][j] == matrix.counts[j][i] for i in range(len(matrix.labels))
               for j in range(len(matrix.labels)))
    submitted = Counter()
    for task in json.loads(export.read_text()):
        for annotation in task["annotations"]:
            if not annotation["was_cancelled"]:
                submitted[annotation["completed_by"]["email"]] += 1
    assert {a: row.submitted for a, row in data.annotators.items()} == dict(submitted)


def test_confusion_cells_of_multi_choices():
    assert confusion_cells({"a"}, {"a"}) == [("a", "a")]
    assert confusion_cells({"a", "b"}, {"a", "c"}) == [("a", "a"), ("b", "c")]
    assert confusion_cells({"a", "b"}, {"a"}) == [("a", "a"), ("b", NONE)]
    assert confusion_cells(set(), {"c"}) == [(NONE, "c")]


def test_the_page_stands_alone_and_escapes_what_it_shows(data):
    page = render(data)
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from elsewhere
    charts = re.findall(r'<svg class="chart".*?</svg>', page, flags=re.S)
    assert len(charts) >= 8
    for chart in charts:  # each one well-formed SVG, named for a screen reader
        root = ElementTree.fromstring(chart)
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("aria-label")
        assert float(root.get("width")) > 200 and float(root.get("height")) > 50
    assert "95% CI" in page and "annotator0@example.org" in page


def test_charts_mark_round_numbers_and_say_why_a_value_is_missing():
    assert _ticks(0, 1866, integer=True) == [0, 500, 1000, 1500]
    assert _ticks(0, 3, integer=True) == [0, 1, 2, 3]
    assert _ticks(-0.1, 1.05) == [0, 0.25, 0.5, 0.75, 1.0]
    drawn = dots(["(whole field)", "a <b>"], [0.5, None], [(0.4, 0.6), None],
                 [None, "too few articles"], "alpha")
    assert "undefined: too few articles" in drawn and "a &lt;b&gt;" in drawn
    assert "0.500 (0.40 to 0.60)" in drawn  # what hovering the point shows
    panel = bars(["kept", "skipped"], [(3, 1), (0, 2)], "people",
                 segments=[("submitted", "#000"), ("skipped", "#999")])
    assert ">4</text>" in panel.body and ">2</text>" in panel.body  # each bar's total


def test_the_command_writes_the_page_and_names_bad_input(export, tmp_path):
    out = tmp_path / "out"
    env = {"WORKBENCH_EXPORTS": str(tmp_path / "exports")}
    result = CliRunner().invoke(cli, ["report", "--export", str(export), "--out", str(out)],
                                env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Report: {out / 'report.html'}"
    assert (out / "report.html").read_text().startswith("<!doctype html>")

    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": 1, "data": {"text": "x"}, "annotations": [')
    result = CliRunner().invoke(cli, ["report", "--export", str(broken), "--out", str(out)],
                                env=env)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {broken}")
    assert "Traceback" not in result.output


def test_the_header_names_the_gold_version_and_the_pulls(export, tmp_path):
    from workbench.gold.write import write_gold
    from workbench.report.page import write_report
    from workbench.store.rawpulls import sha256_file

    settings = offline_settings(tmp_path)
    written = write_gold(settings, export=export)
    page = write_report(settings, export=export).read_text()
    manifest = sha256_file(written.path / "manifest.json")
    assert (f"Gold version <b>{written.version}</b> ({written.articles} articles; manifest "
            f"sha256 <code>{manifest[:16]}…</code>), made from this pull.") in page
    assert f"<code>{export.name}</code> (sha256 {sha256_file(export)[:12]}…)" in page
    assert f"{sum(p.status in ('disputed', 'awaiting') for p in written.pending)} articles " \
           "pending" in page


def test_a_surprising_number_explains_itself(data):
    page = render(data)
    stance = data.agreement.fields["stance"]
    assert f"{stance.observed_agreement:.3f}" in page and f"{stance.expected_agreement:.3f}" \
        in page
    assert "chance agreement is high" in page  # why a high agreement can give a low alpha


def test_the_articles_to_look_at_show_each_annotators_spans_in_the_text(data):
    views = data.articles
    assert 0 < len(views) <= 12
    disputed = [v for v in views if v.status == "disputed"]
    assert views[:len(disputed)] == disputed  # the disputed ones first
    first = views[0]
    assert len(first.annotators) >= 2 and all(p.spans for p in first.annotators)
    page = render(data)
    marks = re.findall(r'<span class="m" style="[^"]*" title="([^"]*)">([^<]*)</span>', page)
    assert marks and any(" | " in title for title, _ in marks)  # several annotators at once
    span = first.annotators[0].spans[0]
    assert first.text[span.start:span.end] in {words for _, words in marks}


def test_the_pre_annotation_panel_compares_with_and_without_suggestions(data):
    groups = data.suggestions.groups
    assert set(groups) == {"with suggestions", "without suggestions"}
    assert groups["with suggestions"].tasks + groups["without suggestions"].tasks == data.tasks
    page = render(data)
    assert "<h2>Pre-annotations</h2>" in page and "Suggested crime types against gold" in page


def test_annotators_over_time_keep_one_line_per_pull(export, tmp_path):
    from workbench.report.page import write_report

    settings = offline_settings(tmp_path)
    out = tmp_path / "reports"
    write_report(settings, export=export, out=out)
    write_report(settings, export=export, out=out)  # the same pull: no new line
    later = tmp_path / "later.json"
    tasks = json.loads(export.read_text())
    write_tasks(later, tasks[:60])
    page = write_report(settings, export=later, out=out).read_text()
    history = (out / "history.jsonl").read_text().splitlines()
    assert [json.loads(line)["pull"] for line in history] == [export.name, later.name]
    assert "Over time, per pull" in page


def test_the_articles_to_look_at_list_crime_types_in_the_schemas_order(data):
    order = [c.id for c in SCHEMA.crime_types]
    lists = [v.crime_types for v in data.articles]
    lists += [p.crime_types for v in data.articles for p in v.annotators]
    assert any(len(types) > 1 for types in lists)  # the order is seen somewhere
    for types in lists:
        assert types == sorted(types, key=order.index)


# -- what the page says, as a reader sees it ---------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def _visible(html: str) -> str:
    """The words a reader sees: no tags, no tooltips."""
    untitled = re.sub(r"<(\w+:)?(title|style)>.*?</(\w+:)?(title|style)>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", untitled))


def _section(page: str, heading: str) -> str:
    return page.split(f"<h2>{heading}</h2>")[1].split("<h2>")[0]


def _charts(html: str) -> list[ElementTree.Element]:
    return [ElementTree.fromstring(svg)
            for svg in re.findall(r'<svg class="chart".*?</svg>', html, flags=re.S)]


def _texts(svg: ElementTree.Element) -> list[ElementTree.Element]:
    return list(svg.iter(f"{SVG}text"))


@pytest.fixture(scope="module")
def uncontrolled(export, tmp_path_factory) -> ReportData:
    """The report's data when no article annotated was shown without suggestions."""
    folder = tmp_path_factory.mktemp("uncontrolled")
    tasks = [t for t in json.loads(export.read_text()) if t["meta"]["suggestions"] != "control"]
    return collect(offline_settings(folder), export=write_tasks(folder / "export.json", tasks),
                   replicates=20)


def test_without_control_articles_the_panel_says_there_is_nothing_to_compare_with(
        data, uncontrolled):
    assert uncontrolled.suggestions.groups["without suggestions"].annotations == 0
    assert uncontrolled.suggestions.warning  # agreement still mostly reflects suggestions
    section = _visible(_section(render(uncontrolled), "Pre-annotations"))
    assert "compare with the articles" not in section.lower()
    assert ("No control articles to compare with: none of the 108 tasks was shown "
            "without suggestions.") in section
    assert "WORKBENCH_CONTROL_SHARE" in section and "now 10%" in section
    assert "at least 2 annotators" in section  # what a comparison needs
    shown = _visible(_section(render(data), "Pre-annotations"))  # with a control share
    assert "No control articles" not in shown
    assert "Compare with the articles shown without suggestions" in shown


def test_a_share_short_of_all_or_nothing_never_reads_as_either(data):
    suggestions = data.suggestions.model_copy(deep=True)
    suggestions.kept_share, suggestions.agreed_from_suggestions = 446 / 447, 0.9996
    kept = [5 / 6, 0.996, 0.002]
    for figures, share in zip(suggestions.per_type.values(), kept, strict=False):
        figures.kept, figures.precision, figures.recall = share, 0.9991, 0.0004
    page = render(data.model_copy(update={"suggestions": suggestions}))
    section = _visible(_section(page, "Pre-annotations"))
    assert "kept 99.8% of the suggested crime types" in section and "83%" in section
    assert not re.search(r"(?<![\d.])(100|0)%", _visible(page)), re.findall(
        r".{40}(?<![\d.])(?:100|0)%", _visible(page))
    assert [percent(v) for v in (1, 446 / 447, 0.9996, 0.5, 0.004, 0.0004, 0, None)] == [
        "100%", "99.8%", ">99.9%", "50%", "0.4%", "<0.1%", "0%", "—"]
    assert [decimal(v) for v in (1, 0.9996, 0.5, -0.0001, 0)] == [
        "1.000", "0.9996", "0.500", "-0.0001", "0.000"]


def test_the_alpha_axis_labels_its_ticks_alike_and_keeps_intervals_on_it():
    drawn = dots(["(whole field)", "supportive", "critical"], [0.55, 0.12, 0.9],
                 [(0.5, 0.62), (-0.23, 0.4), (0.8, 1.0)], [None, None, None], "stance")
    svg = ElementTree.fromstring(drawn)
    grid = [line for line in svg.iter(f"{SVG}line") if line.get("stroke") == "#e2e8f0"]
    ticks = [t.text or "" for t in _texts(svg) if t.get("fill") == "#6b7280"
             and not (t.text or "").startswith(("no interval", "undefined"))]
    assert ticks[-1] in ("1", "1.0") and not any(t.endswith(".") for t in ticks), ticks
    assert len({len(t.partition(".")[2]) for t in ticks}) == 1, ticks  # as many decimals each
    start, end = (float(grid[i].get("x1")) for i in (0, -1))
    whiskers = [line for line in svg.iter(f"{SVG}line") if line.get("stroke-width") == "2.5"]
    assert len(whiskers) == 3
    for whisker in whiskers:
        assert start <= float(whisker.get("x1")) <= float(whisker.get("x2")) <= end
    # Far out of the axis: clipped there, and the tooltip keeps the whole interval.
    wide = ElementTree.fromstring(dots(["(whole field)"], [0.2], [(-3.5, 0.6)], [None], "x"))
    (whisker,) = [w for w in wide.iter(f"{SVG}line") if w.get("stroke-width") == "2.5"]
    grid = [line for line in wide.iter(f"{SVG}line") if line.get("stroke") == "#e2e8f0"]
    assert float(whisker.get("x1")) == float(grid[0].get("x1"))
    assert "0.200 (-3.50 to 0.60)" in ElementTree.tostring(wide, encoding="unicode")


def test_a_value_without_an_interval_says_why(data):
    intervals = {field: dict(values) for field, values in data.intervals.items()}
    intervals["stance"]["neutral"] = None
    page = render(data.model_copy(update={"intervals": intervals}))
    (stance,) = [svg for svg in _charts(page)
                 if svg.get("aria-label", "").startswith("stance: alpha")]
    notes = [t.text for t in _texts(stance) if (t.text or "").startswith("no interval")]
    assert notes == ["no interval: undefined in over 1 in 10 bootstrap resamples"]


def test_every_count_agrees_with_its_noun(data):
    one = data.model_copy(deep=True)
    one.validation = one.validation.model_copy(update={
        "errors": 1, "warnings": 1, "info": 1, "annotations": 1, "annotations_with_errors": 1})
    one.tasks = one.overlap = one.uncertain = 1
    one.header.pending = 1
    one.header.gold = GoldVersion(version="1.0.0", manifest_sha256="0" * 64,
                                  from_this_pull=True, articles=1)
    one.copying = one.copying.model_copy(update={"compared": 1, "identical": 1})
    one.suggestions.spans_suggested = one.suggestions.spans_kept = 1
    one.suggestions.model_versions = {"rules": 1}
    for matrix in one.confusions:
        matrix.pairs = 1
    text = _visible(render(one))
    assert not re.findall(r"(?<![\d.,])1 (?!is\b|was\b|has\b)\w+s\b", text), re.findall(
        r".{30}(?<![\d.,])1 (?!is\b|was\b|has\b)\w+s\b.{10}", text)
    assert "1 error, 1 warning, 1 note in 1 annotation" in text
    assert "1 pair of annotations compared" in text
    assert [plural(n, "pair of annotations", "pairs of annotations") for n in (1, 0, 2000)] == [
        "1 pair of annotations", "0 pairs of annotations", "2,000 pairs of annotations"]


def test_over_time_the_pulls_read_as_times_and_stay_inside_the_chart(export, tmp_path):
    from workbench.report.page import write_report

    settings, out = offline_settings(tmp_path), tmp_path / "reports"
    tasks = json.loads(export.read_text())
    for stamp, count in (("20261207T101500.123456Z", 60), ("20261207T164500.000001Z", 120)):
        pull = write_tasks(tmp_path / f"{stamp}_crime-news_p1.json", tasks[:count])
        page = write_report(settings, export=pull, out=out).read_text()
    over_time = [svg for svg in _charts(page) if "Over time" in svg.get("aria-label", "")]
    assert len(over_time) == 2
    for svg in over_time:
        assert "20261207T" not in _visible(ElementTree.tostring(svg, encoding="unicode"))
        labels = [t for t in _texts(svg) if "Dec" in (t.text or "")]
        assert [t.text for t in labels] == ["7 Dec 10:15", "7 Dec 16:45"]
        for label in labels:  # upright, and the last one's end inside the chart
            assert label.get("transform") is None
            size = float(label.get("font-size"))
            half = text_width(label.text or "", size) / 2
            assert half <= float(label.get("x")) <= float(svg.get("width")) - half
    assert pull_times(["20261207T101500Z_p1.json", "2026-12-09T08:00:00Z", "export.json"]) == [
        "7 Dec", "9 Dec", "export.json"]  # on different days: the days alone
    assert pull_times(["20251231T230000Z", "20260101T010000Z"]) == ["31 Dec 2025", "1 Jan 2026"]


def _lines_of(text: ElementTree.Element) -> list[str]:
    return [span.text or "" for span in text.iter(f"{SVG}tspan")] or [text.text or ""]


def test_long_labels_wrap_onto_lines_in_room_made_for_them():
    label = "crime_mentions: organ_blood_harvesting"
    panel = bars([label, "short"], [3, 1], "a narrow panel", width=320)
    svg = ElementTree.fromstring(draw([panel], "narrow"))
    (long,) = [t for t in _texts(svg) if len(_lines_of(t)) > 1]
    lines = _lines_of(long)
    assert "".join(lines).replace(" ", "") == label.replace(" ", "")  # wrapped, not cut
    x = float(long.get("x"))
    assert max(text_width(line) for line in lines) <= x  # the room fits the widest line
    assert x < text_width(label)  # and is made for the wrapped text, not the whole label
    first, second = (r for r in svg.iter(f"{SVG}rect"))
    y = float(long.get("y")) + sum(float(s.get("dy") or 0) for s in long.iter(f"{SVG}tspan"))
    assert y < float(second.get("y"))  # its last line above the next bar

    labels = [c.id for c in SCHEMA.crime_types] + [NONE]
    counts = [[1] * len(labels) for _ in labels]
    svg = ElementTree.fromstring(confusion(labels, counts, "crime_types"))
    width = float(svg.get("width"))
    wrapped = [t for t in _texts(svg) if "".join(_lines_of(t)) == "organ_blood_harvesting"]
    assert len(wrapped) == 2 and all(len(_lines_of(t)) > 1 for t in wrapped)  # row, column
    for text in _texts(svg):
        if text.get("transform", "").startswith("rotate(45"):  # a column's label, slanted
            reach = max(text_width(line, FONT - 1) for line in _lines_of(text)) * 0.71
            assert float(text.get("x")) + reach <= width
