"""The streaming export reader: arrays, JSON Lines, one task, windows, broken files."""

import json

import pytest

from workbench.errors import InputError
from workbench.lsformat import reader
from workbench.lsformat.reader import MalformedTask, ReadNotes
from workbench.records.tasks import Task
from workbench.lsformat.stream import read_tasks


def _task(n: int, text: str = "Police raid.") -> dict:
    return {"id": n, "data": {"text": text}, "annotations": [{"id": n * 10, "result": []}]}


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
    path = tmp_path / "big.json"
    path.write_text(json.dumps([_task(1, long_text), _task(2)]), encoding="utf-8")
    tasks = list(read_tasks(path))
    assert [t.data["text"] for t in tasks] == [long_text, "Police raid."]


def test_a_bad_task_is_reported_and_the_rest_go_on(tmp_path):
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([_task(1), {"id": 2, "data": "x", "annotations": [{}, {}]}, 7,
                                _task(4)]))
    items = list(read_tasks(path))
    assert isinstance(items[0], Task) and isinstance(items[3], Task)
    assert items[1] == MalformedTask(index=1, task_id=2, field="data",
                                     message="expected an object, got a string",
                                     annotations=2)
    assert items[2].message == "expected a task object, got int"


def test_tasks_and_annotations_without_ids_get_positional_ids(tmp_path):
    path = tmp_path / "noids.json"
    path.write_text(json.dumps([{"data": {"text": "a"}, "annotations": [{"result": []},
                                                                        {"id": "17"}]},
                                {"data": {"text": "b"}}]))
    notes = ReadNotes()
    tasks = list(read_tasks(path, notes))
    assert [t.id for t in tasks] == [-1, -2] and tasks[0].label == "task #1 (no id)"
    assert [a.id for a in tasks[0].annotations] == [-1, 17]  # "17" is Label Studio's own id
    assert (notes.tasks_without_id, notes.annotations_without_id) == (2, 1)
    assert any("no id" in line for line in notes.lines())


def test_the_old_completions_format_reads_as_annotations(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps([{"id": 1, "data": {"text": "Police raid."}, "completions": [
        {"id": 5, "result": [{"from_name": "stance", "to_name": "text", "type": "choices",
                              "value": {"choices": ["neutral"]}}]}]}]))
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


def _region(rid, start, end, text, label, control="actors"):
    return {"id": rid, "from_name": control, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}


TEXT = "Trafficking ring in Sihanoukville: 🚨 police free 40 victims; “court” hears case."
POLICE, VICTIMS = TEXT.index("police"), TEXT.index("victims")  # Python indexes: code points
COMMON = [  # tasks the direct decoder takes: each must read as the general path reads it
    {"id": 1, "data": {"text": TEXT, "article_id": "a-1"}, "meta": {"k": 1},
     "created_at": "2026-11-01T10:00:00Z", "drafts": [{"x": 1}],
     "annotations": [
         {"id": 11, "completed_by": {"id": 2, "email": "ana@example.org"},
          "lead_time": 12, "updated_at": "2026-11-02T10:00:00Z",
          "result": [_region("r1", POLICE, POLICE + 6, "police", "law_enforcement"),
                     {"id": "r1", "from_name": "actor_stance", "to_name": "text",
                      "type": "choices", "value": {"start": POLICE, "end": POLICE + 6,
                                                   "text": "police", "choices": ["supports"]}},
                     _region("r2", VICTIMS, VICTIMS + 7, "victims", "victim"),
                     {"id": "r2", "from_name": "actor_stance", "to_name": "text",
                      "type": "choices", "value": {"choices": ["opposes"]}},  # by shared id
                     {"from_id": "r1", "to_id": "r2", "type": "relation",
                      "direction": "left", "labels": ["responds_to"]},
                     {"from_id": "r2", "to_id": "r1", "type": "relation"},
                     {"id": "ct", "from_name": "crime_types", "to_name": "text",
                      "type": "choices", "value": {"choices": ["human_trafficking"]}},
                     {"id": "c2", "from_name": "crime_types", "to_name": "text",
                      "type": "choices", "value": {"choices": ["kidnapping_detention"]}}]},
         {"id": 12, "completed_by": 7, "was_cancelled": True, "result": []},
         {"id": 13, "completed_by": None, "ground_truth": True,
          "result": [_region(None, 0, 11, "Trafficking", "human_trafficking",
                             "crime_mentions")]}],
     "predictions": [{"model_version": "rules-1", "score": 0.5, "result": [
         _region("p1", POLICE, POLICE + 6, "police", "law_enforcement"),
         {"id": "ct", "from_name": "crime_types", "to_name": "text", "type": "choices",
          "value": {"choices": ["human_trafficking"]}}]}]},
    {"id": 2, "data": {"text": "plain", "other": 3}, "annotations": None, "predictions": []},
    {"id": 3, "data": {"text": "x"}, "meta": {"article_id": 9},
     "annotations": [{"id": 31, "result": [_region("r", 0, 1, "x", "victim", "actors")]}]},
]
UNUSUAL = [  # tasks it leaves to the general path
    {"id": "4", "data": {"text": "x"}, "annotations": []},  # an id as a string
    {"data": {"text": "x"}, "annotations": []},  # no id
    {"id": 5, "data": {"text": "x"}, "completions": [{"id": 1, "result": []}]},
    {"id": 6, "data": {"text": "x"}, "annotations": [{"id": 1, "result": [
        {"from_name": "notes", "to_name": "text", "type": "textarea",
         "value": {"text": ["a"]}}]}]},
    {"id": 7, "data": {"text": "x", "image": None}, "annotations": [{"id": 1, "result": [
        _region("r", 0, 1, "x", "victim") | {"to_name": "image"}]}]},
    {"id": 8, "data": {"image": "a.png"}, "annotations": [{"id": 1, "result": [
        {"id": "b", "from_name": "kind", "to_name": "image", "type": "choices",
         "value": {"x": 1, "y": 2, "choices": ["car"]}}]}]},
    {"id": 9, "data": {"text": "x"}, "annotations": [{"id": 1, "result": [
        {"id": "r", "from_name": "actors", "to_name": "text", "type": "labels",
         "value": {"start": "0", "end": 1, "labels": ["victim"]}}]}]},
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
    import sys
    from pathlib import Path

    from workbench.lsformat.parse import parse_task
    from workbench.lsformat.stream import direct_task

    fixtures = Path(__file__).parent / "fixtures"
    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    from synthetic import write_export

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
