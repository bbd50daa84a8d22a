"""The one pass gives the same figures whether the export is read in the pass or in a second
process (``quality.second_process``), as a large export on two cores is; and every measure
keeps the contract that makes that so (``quality.measure``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import write_export, write_tasks

from workbench.quality.agreement import AgreementMeter
from workbench.quality.chain import run_chain
from workbench.quality.measure import Measure
from workbench.records.tasks import TaskVotes
from workbench.report.collect import Counts
from workbench.store.rawpulls import Source


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    path = write_export(tmp_path_factory.mktemp("chain") / "export.json", 300, disputed=0.5)
    tasks = json.loads(path.read_text())
    tasks[3]["annotations"][0]["result"][0]["value"]["labels"] = ["not_a_role"]  # a finding
    tasks.insert(5, {"id": "not an id", "annotations": "nor these"})  # a malformed task
    return write_tasks(path, tasks)


def _pass(path: Path, apart: bool):
    meter, counts, seen = AgreementMeter(replicates=50), Counts(3, ["stance"]), []
    listen = lambda checked: seen.append((checked.task.id, checked.decision.canonical(),
                                          [f.model_dump() for f in checked.findings]))
    result = run_chain(Source(path), listen, meter=meter, measures=[counts],
                       second_process=apart)
    counted = {k: v for k, v in vars(counts).items() if k != "seen"}
    return (seen, meter.report().model_dump(), meter.intervals(), counted,
            result.suggestions.model_dump(), result.validation.model_dump(),
            result.reckoning.model_dump(), result.decisions)


def test_reading_apart_gives_the_figures_of_one_process(export):
    together, apart = _pass(export, apart=False), _pass(export, apart=True)
    seen, agreement, intervals, counted, suggestions, validation, reckoning, decisions = apart
    assert len(seen) == 300 and reckoning["tasks_set_aside"] == {"malformed": 1}
    assert decisions.get("disputed") and validation["summary"]["errors"] >= 2
    assert sum(counted["states"].values()) == 300 and intervals["stance"][None] is not None
    assert apart == together


class _Tasks(Measure):
    def __init__(self):
        self.ids: list[int] = []

    def measure(self, votes: TaskVotes) -> None:
        self.ids.append(votes.task.id)


def test_a_measure_takes_in_a_copy_only_when_it_has_seen_nothing(export):
    """The second process's copy comes back whole; the pass's own copy saw nothing. Merging
    into a measure that saw tasks would count them twice: refused."""
    theirs, fresh = _Tasks(), _Tasks()
    run_chain(Source(export), measures=[theirs], second_process=True)
    assert len(theirs.ids) == 300 and theirs.seen == 300
    fresh.merge(theirs)
    assert fresh.ids == theirs.ids and fresh.seen == 300
    with pytest.raises(ValueError, match="measured 300 task"):
        fresh.merge(theirs)
    with pytest.raises(TypeError):
        _Tasks().merge(Counts(3, []))  # type: ignore[arg-type]


def test_an_error_apart_is_raised_in_the_pass(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('[{"id": 1, "data": {"text": "x"}, "annotations": []}, {"id": ')
    errors = []
    for apart in (False, True):
        with pytest.raises(Exception) as raised:
            run_chain(Source(path), meter=AgreementMeter(), second_process=apart)
        errors.append((type(raised.value), str(raised.value)))
    assert errors[0] == errors[1]
