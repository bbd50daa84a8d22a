"""The quality report: its numbers agree with the other commands', and the page stands alone."""

from __future__ import annotations

import base64
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import offline_settings
from workbench.cli import cli
from workbench.quality.decisions import adjudicate
from workbench.quality.validate import validate_export
from workbench.report.collect import NONE, collect, confusion_cells
from workbench.report.page import render

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
from synthetic import write_export


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    path = write_export(tmp_path_factory.mktemp("report") / "export.json", 120)
    tasks = json.loads(path.read_text())
    for task in tasks:  # whichever articles the page lists, their titles need escaping
        task["data"]["title"] = "<script>alert('x')</script> & more"
    tasks[1]["annotations"][0]["result"][0]["value"]["labels"] = ["not_a_role"]
    path.write_text(json.dumps(tasks))
    return path


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
    matrices = [c for c in data.confusions if c.field == "stance"]
    assert len(matrices) == 3  # three annotators, three pairs
    for matrix in matrices:
        assert sum(map(sum, matrix.counts)) == matrix.shared
        assert matrix.a < matrix.b
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
    images = re.findall(r'<img class="chart" alt="[^"]*" src="data:image/png;base64,([^"]+)"',
                        page)
    assert len(images) >= 8
    assert all(base64.b64decode(i).startswith(b"\x89PNG\r\n\x1a\n") for i in images)
    assert "95% CI" in page and "annotator0@example.org" in page


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
