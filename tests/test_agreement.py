"""`workbench agreement` on exports built from the published worked examples."""

import json
from pathlib import Path

import pytest
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
            annotations.append({
                "id": n * 100 + k, "completed_by": {"id": k, "email": rater},
                "result": [{"from_name": control, "to_name": "text", "type": "choices",
                            "value": {"choices": values}}]})
        tasks.append({"id": n + 1, "data": {"text": f"item {n}"}, "annotations": annotations})
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    return path


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
    assert set(data) == {"fields", "annotators"}
    keys = {"kind", "items", "raters", "krippendorff_alpha", "fleiss_kappa", "cohen_kappa_mean",
            "cohen_kappa_pairwise", "percent_agreement", "f1_exact", "f1_overlap",
            "unitizing_alpha", "per_label"}
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
    def annotation(n, rater, spans):
        return {"id": n, "completed_by": {"id": n, "email": rater}, "result": [
            {"id": f"r{i}", "from_name": "actors", "to_name": "text", "type": "labels",
             "value": {"start": s, "end": e, "text": text[s:e], "labels": [label]}}
            for i, (s, e, label) in enumerate(spans)]}
    tasks = [{"id": 1, "data": {"text": text}, "annotations": [
        annotation(1, "a@x.org", [(0, 6, "law_enforcement"), (16, 27, "perpetrator")]),
        annotation(2, "b@x.org", [(0, 6, "law_enforcement"), (16, 26, "perpetrator")])]}]
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(tasks))
    field = agreement_export(path).fields["actors"]
    assert field.f1_exact == pytest.approx(0.5)  # 1 of 2 spans matches exactly
    assert field.f1_overlap == pytest.approx(1.0)  # both overlap their counterpart
    assert 0 < field.unitizing_alpha < 1
    assert field.per_label["law_enforcement"].unitizing_alpha == pytest.approx(1.0)


def test_cancelled_annotations_do_not_count(tmp_path):
    path = _export(tmp_path, [{"a@x.org": "x", "b@x.org": "y"}])
    tasks = json.loads(path.read_text())
    tasks[0]["annotations"][1]["was_cancelled"] = True
    path.write_text(json.dumps(tasks))
    field = agreement_export(path).fields["rating"]
    assert field.items == 0 and field.raters == 1


def test_human_view_is_a_table():
    result = CliRunner().invoke(cli, ["agreement", "--export", str(RULES_EXPORT)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1].split()[:4] == ["field", "kind", "items", "raters"]
    assert any(line.startswith("stance ") for line in lines)
