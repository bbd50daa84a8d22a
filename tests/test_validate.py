"""The validator on golden exports: each rule fires once, where it should."""

import csv
import io
import json
from pathlib import Path

import pytest
from builders import write_tasks
from click.testing import CliRunner

from workbench.cli import cli
from workbench.quality.validate import RULES, validate_export

RULES_EXPORT = Path(__file__).parent / "fixtures" / "exports" / "rules.json"

EXPECTED = [  # (rule, task, annotation, field): one per problem planted in rules.json
    ("missing_required", 1, 12, "stance"),
    ("offset_mismatch", 1, 13, "actors"),
    ("unknown_label", 2, 21, "actors"),
    ("cancelled", 2, 22, None),
    ("crime_mention_not_in_crime_types", 2, 23, "crime_mentions"),
    ("no_crime_not_exclusive", 3, 31, "crime_types"),
    ("stance_on_non_actor", 3, 32, "actor_stance"),
    ("relation_endpoint_missing", 3, 33, "relations"),
    ("relation_direction", 4, 41, "relations"),
    ("span_out_of_bounds", 4, 42, "actors"),
    ("empty_span", 4, 43, "actors"),
    ("unknown_field", 5, 51, "sentiment"),
    ("multiple_single_choice", 5, 53, "stance"),
    ("malformed_task", 6, None, "annotations"),
    ("missing_text", 7, None, "text"),
]


def test_each_planted_problem_is_reported_exactly_once():
    report = validate_export(RULES_EXPORT)
    found = [(f.rule, f.task_id, f.annotation_id, f.field) for f in report.findings]
    assert found == EXPECTED
    # The two rules on annotations someone else changed need pulls: tests/test_edits.py.
    assert {rule for rule, *_ in EXPECTED} == set(RULES) - {
        "edited_by_other", "own_version_restored", "ground_truth_marked_by_other"}


def test_correct_annotations_pass_including_one_after_an_emoji():
    report = validate_export(RULES_EXPORT)
    flagged = {f.annotation_id for f in report.findings}
    assert 11 not in flagged  # spans, per-region stance and a relation, all right
    assert 52 not in flagged  # its offsets count the emoji as two units, as the UI does


def test_summary_counts():
    summary = validate_export(RULES_EXPORT).summary
    assert (summary.tasks, summary.annotations, summary.cancelled) == (7, 16, 1)
    assert (summary.valid_annotations, summary.annotations_with_errors) == (2, 13)
    assert (summary.errors, summary.warnings, summary.info) == (14, 0, 1)
    assert summary.by_annotator["ben@example.org"].cancelled == 1
    assert summary.by_rule["unknown_label"] == 1


def test_findings_carry_article_and_annotator():
    finding = validate_export(RULES_EXPORT).findings[1]
    assert finding.model_dump() == {
        "rule": "offset_mismatch", "severity": "error", "task_id": 1, "article_id": "t1",
        "annotation_id": 13, "annotator": "cy@example.org", "field": "actors",
        "message": "span 0-6 covers 'Police' but records 'arrested'",
        "part": {"kind": "span", "control": "actors", "region": "a1", "value": None,
                 "index": 0}}


def test_human_view_is_the_golden_text_and_exits_1():
    result = CliRunner().invoke(cli, ["validate", "--export", str(RULES_EXPORT)])
    assert result.exit_code == 1
    golden = RULES_EXPORT.with_name("rules.validate.txt").read_text()
    assert result.output == golden.replace("tests/fixtures/exports/rules.json",
                                           _shown(RULES_EXPORT))


def test_json_view(tmp_path):
    result = CliRunner().invoke(cli, ["validate", "--export", str(RULES_EXPORT), "--json"])
    data = json.loads(result.stdout)
    assert set(data) == {"findings", "summary"}
    assert set(data["findings"][0]) == {"rule", "severity", "task_id", "article_id",
                                        "annotation_id", "annotator", "field", "message",
                                        "part"}
    assert data["findings"][0]["part"] == {"kind": "field", "control": "stance",
                                           "region": None, "value": None, "index": None}
    assert len(data["findings"]) == len(EXPECTED) and result.exit_code == 1


def test_csv_view():
    result = CliRunner().invoke(cli, ["validate", "--export", str(RULES_EXPORT), "--csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["rule"], r["annotation_id"]) for r in rows][:2] == [
        ("missing_required", "12"), ("offset_mismatch", "13")]


def test_a_clean_export_exits_0(tmp_path):
    data = json.loads(RULES_EXPORT.read_text())[:1]
    data[0]["annotations"] = data[0]["annotations"][:1]
    clean = write_tasks(tmp_path / "clean.json", data)
    result = CliRunner().invoke(cli, ["validate", "--export", str(clean)])
    assert result.exit_code == 0
    assert result.output.endswith("0 errors, 0 warnings, 0 notes\n")


@pytest.mark.parametrize("content, message", [
    ("", "empty file, not a Label Studio export"),
    ("[{\"id\": 1, \"data\": {}}", "not a Label Studio JSON export: the array is not closed"),
    ("{oops", "not a Label Studio JSON export: invalid JSON: expected '\"' (at byte 1)"),
    ("[1] [2]", "not a Label Studio JSON export: unexpected content after the closing ']'"),
])
def test_unreadable_exports_are_one_error_line(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = CliRunner().invoke(cli, ["validate", "--export", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}: {message}")
    assert "Traceback" not in result.output


def test_without_a_pull_it_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate"], env={"WORKBENCH_PROJECT": "Crime news"})
    assert result.exit_code == 1
    assert result.output == ("Error: no pull of 'Crime news' in exports/raw: run `workbench "
                             "pull` first, or pass --export FILE\n")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


PARTS = {  # rule -> what adjudication sets aside (see workbench/quality/validate.py)
    "missing_required": "field stance", "offset_mismatch": "span actors region a1",
    "unknown_label": "span actors region a1", "cancelled": "annotation",
    "crime_mention_not_in_crime_types": "span crime_mentions region m1",
    "no_crime_not_exclusive": "field crime_types",
    "stance_on_non_actor": "region_choice actor_stance region m1",
    "relation_endpoint_missing": "relation relations relation 0",
    "relation_direction": "relation relations relation 0", "span_out_of_bounds":
    "span actors region a1", "empty_span": "span actors region a1",
    "unknown_field": "field sentiment", "malformed_task": "task", "missing_text": "spans",
    "multiple_single_choice": "field stance",
}


def test_each_error_names_the_part_it_sets_aside():
    assert {f.rule: str(f.part) for f in validate_export(RULES_EXPORT).findings} == PARTS
