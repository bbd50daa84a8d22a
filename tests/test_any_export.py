"""Real Label Studio exports from public repositories (tests/fixtures/lsexports/): every
offline command reads each one without a traceback, and every task and annotation is
used or set aside with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import decisions, offline_settings

from workbench.cli import cli
from workbench.lsformat.stream import read_tasks
from workbench.quality.agreement import agreement_export
from workbench.quality.chain import run_chain
from workbench.quality.validate import validate_export
from workbench.store.rawpulls import Source

CORPUS = Path(__file__).parent / "fixtures" / "lsexports"
ORIGIN = json.loads((CORPUS / "ORIGIN.json").read_text())
FILES = [CORPUS / entry["file"] for entry in ORIGIN]


def test_every_file_records_its_origin_and_license():
    assert sorted(p.name for p in CORPUS.glob("*.json") if p.name != "ORIGIN.json") == sorted(
        p.name for p in FILES)
    for entry in ORIGIN:
        assert entry["repo"].startswith("HumanSignal/") and len(entry["commit"]) == 40
        assert entry["license"].startswith("Apache-2.0") and entry["path"]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_task_and_annotation_is_accounted_for(path, tmp_path):
    raw = json.loads(path.read_text())
    tasks = raw if isinstance(raw, list) else [raw]
    annotations = sum(len(t.get("annotations") or t.get("completions") or [])
                      for t in tasks if isinstance(t, dict))

    summary = validate_export(path).summary
    assert summary.tasks == len(tasks)
    assert summary.annotations == annotations
    assert summary.annotations == (summary.valid_annotations + summary.annotations_with_errors
                                   + summary.cancelled + summary.annotations_in_malformed_tasks)

    reckoning = agreement_export(path).reckoning
    assert (reckoning.tasks, reckoning.annotations) == (len(tasks), annotations)
    assert reckoning.tasks == reckoning.tasks_used + sum(reckoning.tasks_set_aside.values())
    assert reckoning.annotations == reckoning.annotations_used + sum(
        reckoning.annotations_set_aside.values())

    chain = run_chain(Source(path)).reckoning
    assert (chain.tasks, chain.annotations) == (len(tasks), annotations)
    assert chain.balanced, chain

    for command in ("validate", "agreement", "adjudicate", "export"):
        result = CliRunner().invoke(cli, [command, "--export", str(path)], env={
            "WORKBENCH_HOME": str(tmp_path / "home"),
            "WORKBENCH_EXPORTS": str(tmp_path / "exports")})
        assert "Traceback" not in result.output and result.exit_code in (0, 1), (
            command, result.output)
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit), (command, result.exception)


def _file(name: str) -> Path:
    (path,) = [p for p in FILES if p.stem.startswith(name)]
    return path


def test_a_textarea_list_is_read_and_measured_and_drops_nothing():
    (task,) = read_tasks(_file("editor_classification_mixed"))
    (annotation,) = task.annotations
    kinds = {v.kind for v in annotation.values}
    assert kinds == {"textarea", "number", "datetime", "taxonomy"}
    textarea = next(v for v in annotation.values if v.kind == "textarea")
    assert isinstance(textarea.value, str) and textarea.value
    assert set(annotation.choices) == {"choices"}
    assert {f.kind for f in agreement_export(_file("editor_classification_mixed"))
            .fields.values()} == {"single", "number", "datetime", "textarea", "taxonomy"}


def test_the_old_completions_format_is_read_and_validated():
    summary = validate_export(_file("converter_old_completions")).summary
    assert summary.annotations == 1 and summary.notes[0].startswith("1 task(s) use the format")
    assert summary.by_rule.get("unknown_field", 0) >= 1  # its 'ner' field is not ours


def test_what_agreement_cannot_measure_is_listed_by_kind():
    report = agreement_export(_file("converter_rectangles_two_annotators"))
    assert report.not_measured == {"rectanglelabels": 6}
    assert agreement_export(_file("editor_pairwise")).not_measured == {"pairwise": 1}


def test_tasks_without_ids_get_positional_ids_with_a_note(tmp_path):
    path = _file("ls_tasks_annotations_predictions_no_ids")
    decided = decisions(offline_settings(tmp_path), path)
    assert all(d.task_id < 0 for d in decided.values())
    assert any("no id" in note for note in validate_export(path).summary.notes)
