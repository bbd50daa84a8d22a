"""`workbench agreement` on exports built from the published worked examples."""

import json
from pathlib import Path

import pytest
from builders import annotation, choice, export_task, item, span_at, write_tasks
from click.testing import CliRunner

from workbench.cli import cli
from workbench.quality.agreement import agreement_export

RULES_EXPORT = Path(__file__).parent / "fixtures" / "exports" / "rules.json"


def _export(tmp_path: Path, items: list[dict[str, list[str] | str | None]],
            control: str = "rating") -> Path:
    """An export with one task per item; each rater's value becomes an annotation."""
    tasks = []
    for n, ratings in enumerate(items):
        annotations = []
        for k, (rater, value) in enumerate(ratings.items()):
            if value is None:
                continue
            values = value if isinstance(value, list) else [value]
            annotations.append(annotation(n * 100 + k, rater, [choice(control, *values)],
                                          user=k))
        tasks.append(export_task(n + 1, f"item {n}", annotations))
    return write_tasks(tmp_path / "export.json", tasks)


def _agreement_json(path: Path) -> dict:
    result = CliRunner().invoke(cli, ["agreement", "--export", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_krippendorff_2011_through_the_cli(tmp_path):
    rows = ["1 2 3 3 2 1 4 1 2 . . .", "1 2 3 3 2 2 4 1 2 5 . 3",
            ". 3 3 3 2 3 4 2 2 5 1 .", "1 2 3 3 2 4 4 1 2 5 1 ."]
    table = [row.split() for row in rows]
    items = [{f"coder{c}@x.org": (table[c][i] if table[c][i] != "." else None)
              for c in range(4)} for i in range(12)]
    field = _agreement_json(_export(tmp_path, items))["fields"]["rating"]
    assert field["kind"] == "single"
    assert field["krippendorff_alpha"] == pytest.approx(0.743, abs=0.0005)
    assert field["items"] == 11 and field["raters"] == 4
    assert field["fleiss_kappa"] is None  # items have 2, 3 or 4 ratings


def test_fleiss_1971_through_the_cli(tmp_path):
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
             [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
             [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    items = []
    for row in table:
        values = [str(c) for c, n in enumerate(row) for _ in range(n)]
        items.append({f"rater{r}@x.org": v for r, v in enumerate(values)})
    field = _agreement_json(_export(tmp_path, items))["fields"]["rating"]
    assert field["fleiss_kappa"] == pytest.approx(0.210, abs=0.0005)


def test_cohen_through_the_cli(tmp_path):
    pairs = ([("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15)
    items = [{"a@x.org": a, "b@x.org": b} for a, b in pairs]
    field = _agreement_json(_export(tmp_path, items))["fields"]["rating"]
    assert field["cohen_kappa_mean"] == pytest.approx(0.40, abs=0.0005)
    assert field["cohen_kappa_pairwise"]["a@x.org"]["b@x.org"] == pytest.approx(0.40, abs=5e-4)
    assert field["percent_agreement"] == pytest.approx(35 / 50)


def test_json_keys_are_those_the_issue_names(tmp_path):
    data = _agreement_json(RULES_EXPORT)
    assert set(data) == {"fields", "annotators", "not_measured", "reckoning"}
    reckoning = data["reckoning"]
    assert reckoning["tasks"] == 7 and reckoning["tasks_set_aside"]["malformed"] == 1
    assert reckoning["annotations"] == reckoning["annotations_used"] + sum(
        reckoning["annotations_set_aside"].values())
    keys = {"kind", "items", "raters", "krippendorff_alpha", "fleiss_kappa", "cohen_kappa_mean",
            "cohen_kappa_pairwise", "percent_agreement", "f1_exact", "f1_overlap",
            "unitizing_alpha", "per_label", "observed_agreement", "expected_agreement",
            "undefined"}
    for field in data["fields"].values():
        assert set(field) == keys
    assert data["fields"]["crime_types"]["kind"] == "multi"
    assert data["fields"]["actors"]["kind"] == "spans"
    assert data["fields"]["crime_types"]["cohen_kappa_mean"] is None  # not for multi


def test_multi_choice_uses_masi_and_binary_alpha_per_value(tmp_path):
    items = [{"a@x.org": ["x", "y"], "b@x.org": ["x"]}, {"a@x.org": ["y"], "b@x.org": ["y"]},
             {"a@x.org": ["x"], "b@x.org": ["x"]}, {"a@x.org": ["z"], "b@x.org": ["y"]}]
    field = _agreement_json(_export(tmp_path, items))["fields"]["rating"]
    assert field["kind"] == "multi"
    assert set(field["per_label"]) == {"x", "y", "z"}
    assert field["per_label"]["x"]["krippendorff_alpha"] is not None
    assert field["fleiss_kappa"] is None


def test_spans_exact_and_overlap_f1(tmp_path):
    text = "Police arrested traffickers in Phnom Penh."
    def marked(n, rater, spans):
        return annotation(n, rater, [span_at(f"r{i}", "actors", label, text, s, e)
                                     for i, (s, e, label) in enumerate(spans)], user=n)
    tasks = [export_task(1, text, [
        marked(1, "a@x.org", [(0, 6, "law_enforcement"), (16, 27, "perpetrator")]),
        marked(2, "b@x.org", [(0, 6, "law_enforcement"), (16, 26, "perpetrator")])])]
    path = write_tasks(tmp_path / "spans.json", tasks)
    field = agreement_export(path).fields["actors"]
    assert field.f1_exact == pytest.approx(0.5)  # 1 of 2 spans matches exactly
    assert field.f1_overlap == pytest.approx(1.0)  # both overlap their counterpart
    assert 0 < field.unitizing_alpha < 1
    assert field.per_label["law_enforcement"].unitizing_alpha == pytest.approx(1.0)


def test_cancelled_annotations_do_not_count(tmp_path):
    path = _export(tmp_path, [{"a@x.org": "x", "b@x.org": "y"}])
    tasks = json.loads(path.read_text())
    tasks[0]["annotations"][1]["was_cancelled"] = True
    write_tasks(path, tasks)
    field = agreement_export(path).fields["rating"]
    assert field.items == 0 and field.raters == 1


def test_human_view_is_a_table():
    result = CliRunner().invoke(cli, ["agreement", "--export", str(RULES_EXPORT)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1].startswith("Read 7 tasks: 5 measured, 2 set aside (1 fewer than two "
                               "annotators, 1 malformed)")
    assert lines[2].startswith("Read 16 annotations: 15 used, 1 set aside (1 cancelled)")
    header = next(line for line in lines if line.startswith("field "))
    assert header.split()[:4] == ["field", "kind", "items", "raters"]
    assert any(line.startswith("stance ") for line in lines)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders x 12 units,
# "." where a coder gave no value. Published: ordinal 0.815, interval 0.849.
RELIABILITY = {"A": "1 2 3 3 2 1 4 1 2 . . .", "B": "1 2 3 3 2 2 4 1 2 5 . 3",
               "C": ". 3 3 3 2 3 4 2 2 5 1 .", "D": "1 2 3 3 2 4 4 1 2 5 1 ."}


def _values_export(tmp_path, kind: str) -> Path:
    """The reliability data as a Label Studio export: one task per unit, one annotation
    per coder with a value, of a rating or number control."""
    tasks = []
    for unit in range(12):
        annotations = []
        for k, (coder, row) in enumerate(RELIABILITY.items()):
            value = row.split()[unit]
            if value != ".":
                annotations.append(annotation(unit * 10 + k, f"{coder}@example.org", [
                    item("score", kind, {kind: int(value)})], user=k))
        tasks.append(export_task(unit + 1, f"unit {unit}", annotations))
    return write_tasks(tmp_path / f"{kind}.json", tasks)


@pytest.mark.parametrize("kind, expected", [("rating", 0.815), ("number", 0.849)])
def test_rating_and_number_fields_match_krippendorffs_worked_example(tmp_path, kind, expected):
    field = agreement_export(_values_export(tmp_path, kind)).fields["score"]
    assert field.kind == kind and field.items == 11  # unit 11 has one value: it drops out
    assert field.krippendorff_alpha == pytest.approx(expected, abs=0.0005)


def test_a_single_choice_field_never_depends_on_task_order(tmp_path):
    """Three tasks; in one, an annotator gives the single-choice stance two values. That
    rating is set aside (and validate flags it), whatever the order of the tasks."""
    def task(n, a, b):
        return export_task(n, "x", [
            annotation(n * 10 + i, who, [choice("stance", *values)], user=i)
            for i, (who, values) in enumerate((("ana", a), ("ben", b)))])
    tasks = [task(1, ["critical"], ["critical"]), task(2, ["critical", "neutral"], ["neutral"]),
             task(3, ["neutral"], ["critical"])]
    results = []
    for order in (tasks, tasks[::-1], [tasks[1], tasks[0], tasks[2]]):
        report = agreement_export(write_tasks(tmp_path / "order.json", order))
        results.append((report.fields["stance"].kind, report.fields["stance"].krippendorff_alpha,
                        report.not_measured))
    assert results[0] == results[1] == results[2]
    assert results[0][0] == "single" and results[0][2] == {
        "several values in a single-choice field": 1}


def test_alpha_explains_itself_and_says_why_it_is_undefined(tmp_path):
    """One value dominates: high observed agreement, alpha near nothing, because chance
    agreement is as high. Everyone choosing the same: undefined, and it says so."""
    skewed = [{"a@x.org": "supports", "b@x.org": "supports"}] * 8 + [
        {"a@x.org": "supports", "b@x.org": "opposes"}]
    field = agreement_export(_export(tmp_path, skewed)).fields["rating"]
    assert field.percent_agreement == pytest.approx(8 / 9)
    assert field.observed_agreement == pytest.approx(8 / 9)
    assert field.expected_agreement > 0.85 and field.krippendorff_alpha < 0.1
    same = agreement_export(_export(tmp_path, [{"a@x.org": "x", "b@x.org": "x"}] * 3))
    assert same.fields["rating"].krippendorff_alpha is None
    assert same.fields["rating"].undefined == (
        "every annotator chose x: nothing to tell apart from chance")
