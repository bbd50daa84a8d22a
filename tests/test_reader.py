"""The streaming export reader: arrays, JSON Lines, one task, windows, broken files."""

import json

import pytest
from builders import (
    actor_stance,
    annotation,
    choice,
    export_task,
    item,
    relation,
    span_at,
    write_export,
    write_tasks,
)

from workbench.errors import InputError
from workbench.lsformat import reader
from workbench.lsformat.reader import MalformedTask, ReadNotes
from workbench.lsformat.stream import read_tasks
from workbench.records.tasks import Task


def _task(n: int, text: str = "Police raid.") -> dict:
    """A plain task: one annotation, without anyone's name or any result."""
    return export_task(n, text, [{"id": n * 10, "result": []}])


def test_array_json_lines_and_one_task_read_the_same(tmp_path):
    tasks = [_task(n) for n in range(5)]
    array, lines, one = tmp_path / "a.json", tmp_path / "a.jsonl", tmp_path / "one.json"
    array.write_text(json.dumps(tasks, indent=2))
    lines.write_text("\n".join(json.dumps(t) for t in tasks) + "\n")
    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps(tasks, separators=(",", ":")))
    read = lambda path: [t.id for t in read_tasks(path)]
    assert read(array) == read(lines) == read(compact) == [0, 1, 2, 3, 4]
    one.write_text(json.dumps(tasks[2]))
    notes = ReadNotes()
    assert [t.id for t in read_tasks(one, notes)] == [2] and notes.single_task_file


def test_values_longer_than_the_window_are_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "CHUNK", 64)
    long_text = "ü" * 1000 + "\U0001F6A8" + "end"
    path = write_tasks(tmp_path / "big.json", [_task(1, long_text), _task(2)])
    tasks = list(read_tasks(path))
    assert [t.data["text"] for t in tasks] == [long_text, "Police raid."]


def test_a_bad_task_is_reported_and_the_rest_go_on(tmp_path):
    path = write_tasks(tmp_path / "mixed.json", [
        _task(1), {"id": 2, "data": "x", "annotations": [{}, {}]}, 7, _task(4)])
    items = list(read_tasks(path))
    assert isinstance(items[0], Task) and isinstance(items[3], Task)
    assert items[1] == MalformedTask(index=1, task_id=2, field="data",
                                     message="expected an object, got a string",
                                     annotations=2)
    assert items[2].message == "expected a task object, got int"


def test_tasks_and_annotations_without_ids_get_positional_ids(tmp_path):
    path = write_tasks(tmp_path / "noids.json", [
        {"data": {"text": "a"}, "annotations": [{"result": []}, {"id": "17"}]},
        {"data": {"text": "b"}}])
    notes = ReadNotes()
    tasks = list(read_tasks(path, notes))
    assert [t.id for t in tasks] == [-1, -2] and tasks[0].label == "task #1 (no id)"
    assert [a.id for a in tasks[0].annotations] == [-1, 17]  # "17" is Label Studio's own id
    assert (notes.tasks_without_id, notes.annotations_without_id) == (2, 1)
    assert any("no id" in line for line in notes.lines())


def test_the_old_completions_format_reads_as_annotations(tmp_path):
    completions = {"id": 1, "data": {"text": "Police raid."},
                   "completions": [{"id": 5, "result": [choice("stance", "neutral")]}]}
    path = write_tasks(tmp_path / "old.json", [completions])
    notes = ReadNotes()
    (task,) = read_tasks(path, notes)
    assert task.annotations[0].choices == {"stance": ("neutral",)}
    assert notes.old_format == 1 and "completions" in notes.lines()[0]


def test_a_file_cut_short_is_an_input_error(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps([_task(1), _task(2)])[:-20])
    with pytest.raises(InputError, match="the file is cut short"):
        list(read_tasks(path))


def test_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([_task(1)]).encode())
    assert [t.id for t in read_tasks(path)] == [1]


def test_not_utf8_is_an_input_error(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'[{"id": 1, "data": {"text": "caf\xe9"}}]')
    with pytest.raises(InputError, match="not UTF-8 text"):
        list(read_tasks(path))


TEXT = "Trafficking ring in Sihanoukville: 🚨 police free 40 victims; “court” hears case."
POLICE, VICTIMS = TEXT.index("police"), TEXT.index("victims")  # Python indexes: code points
OFFICER = span_at("r1", "actors", "law_enforcement", TEXT, POLICE, POLICE + 6)
COMMON = [  # tasks the direct decoder takes: each must read as the general path reads it
    {"id": 1, "data": {"text": TEXT, "article_id": "a-1"}, "meta": {"k": 1},
     "created_at": "2026-11-01T10:00:00Z", "drafts": [{"x": 1}],
     "annotations": [
         annotation(11, "ana@example.org", [
             OFFICER, actor_stance("r1", "supports", OFFICER),
             span_at("r2", "actors", "victim", TEXT, VICTIMS, VICTIMS + 7),
             actor_stance("r2", "opposes"),  # by shared id
             relation("r1", "r2", direction="left"),
             relation("r2", "r1", labels=None, direction=None),
             choice("crime_types", "human_trafficking", region="ct"),
             choice("crime_types", "kidnapping_detention", region="c2")],
             user=2, lead_time=12, updated_at="2026-11-02T10:00:00Z"),
         annotation(12, 7, was_cancelled=True),
         annotation(13, None, [span_at(None, "crime_mentions", "human_trafficking", TEXT, 0, 11)],
                    ground_truth=True)],
     "predictions": [{"model_version": "rules-1", "score": 0.5, "result": [
         span_at("p1", "actors", "law_enforcement", TEXT, POLICE, POLICE + 6),
         choice("crime_types", "human_trafficking", region="ct")]}]},
    {"id": 2, "data": {"text": "plain", "other": 3}, "annotations": None, "predictions": []},
    {"id": 3, "data": {"text": "x"}, "meta": {"article_id": 9},
     "annotations": [{"id": 31, "result": [span_at("r", "actors", "victim", "x", 0, 1)]}]},
]
UNUSUAL = [  # tasks it leaves to the general path
    {"id": "4", "data": {"text": "x"}, "annotations": []},  # an id as a string
    {"data": {"text": "x"}, "annotations": []},  # no id
    {"id": 5, "data": {"text": "x"}, "completions": [{"id": 1, "result": []}]},
    {"id": 6, "data": {"text": "x"}, "annotations": [{"id": 1, "result": [
        item("notes", "textarea", {"text": ["a"]})]}]},
    {"id": 7, "data": {"text": "x", "image": None}, "annotations": [{"id": 1, "result": [
        span_at("r", "actors", "victim", "x", 0, 1) | {"to_name": "image"}]}]},
    {"id": 8, "data": {"image": "a.png"}, "annotations": [{"id": 1, "result": [
        item("kind", "choices", {"x": 1, "y": 2, "choices": ["car"]}, region="b")
        | {"to_name": "image"}]}]},
    {"id": 9, "data": {"text": "x"}, "annotations": [{"id": 1, "result": [
        item("actors", "labels", {"start": "0", "end": 1, "labels": ["victim"]}, region="r")]}]},
    {"id": 10, "data": {"text": "x"}, "predictions": [3], "annotations": []},
]


def test_tasks_decoded_straight_read_as_the_general_path_reads_them(tmp_path):
    from workbench.lsformat.parse import parse_task
    from workbench.lsformat.stream import direct_task

    for expected, tasks in ((True, COMMON), (False, UNUSUAL)):
        for task in tasks:
            raw = json.dumps(task, ensure_ascii=False).encode()
            general = parse_task(reader.decode_task(tmp_path, 0, raw))
            direct = direct_task(raw)
            assert (direct is not None) == expected, task
            if direct is not None:
                assert direct == general, task
            path = tmp_path / "one.json"
            path.write_bytes(raw)
            assert list(read_tasks(path)) == [general]
    first = direct_task(json.dumps(COMMON[0], ensure_ascii=False).encode())
    assert [s.text for s in first.annotations[0].spans] == ["police", "victims"]
    assert [TEXT[s.start:s.end] for s in first.annotations[0].spans] == ["police", "victims"]
    assert [c.region for c in first.annotations[0].region_choices] == ["r1", "r2"]
    assert first.annotations[0].choices == {"crime_types": ("human_trafficking",
                                                            "kidnapping_detention")}
    assert first.suggestion.crime_types == ("human_trafficking",)


def test_every_fixture_export_reads_the_same_both_ways(tmp_path):
    """Real exports (tests/fixtures/lsexports) and a synthetic pull: wherever the direct
    decoder takes a task, the records equal the general path's."""
    from pathlib import Path

    from workbench.lsformat.parse import parse_task
    from workbench.lsformat.stream import direct_task

    fixtures = Path(__file__).parent / "fixtures"
    paths = [*sorted((fixtures / "lsexports").glob("*.json")), fixtures / "exports/rules.json",
             write_export(tmp_path / "synthetic.json", 60)]
    taken = {}
    for path in paths:
        taken[path.name] = 0
        for index, raw in enumerate(reader.raw_tasks(path, ReadNotes())):
            direct = direct_task(raw) if type(raw) is bytes else None
            if direct is not None:
                taken[path.name] += 1
                assert direct == parse_task(reader.decode_task(path, index, raw), index)
    assert taken["synthetic.json"] == 60 and sum(taken.values()) > 60, taken


def test_an_id_that_is_a_list_names_no_region(tmp_path):
    """Found by the fuzz test: an item whose id is a list, beside a choice that looks for
    its region, read without a crash; the choice stays the document's."""
    path = write_tasks(tmp_path / "export.json", [{"id": 1, "data": {"text": "x"},
                                                   "annotations": [{"id": 2, "result": [
        {"id": [], "type": "labels", "from_name": "actors", "to_name": "text",
         "value": {"start": 0, "end": 1, "labels": ["victim"]}},
        {"id": "r1", "from_name": "stance", "to_name": "text", "type": "choices",
         "value": {"choices": ["neutral"]}}]}]}])
    (task,) = read_tasks(path)
    assert task.annotations[0].choices == {"stance": ("neutral",)}
