"""The quality report: its numbers agree with the other commands', and the page stands alone."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest
from builders import write_export, write_tasks
from click.testing import CliRunner
from helpers import offline_settings

from workbench.cli import cli
from workbench.quality.adjudicate import adjudicate
from workbench.quality.validate import validate_export
from workbench.report.charts import _ticks, bars, dots
from workbench.report.collect import NONE, collect, confusion_cells
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
