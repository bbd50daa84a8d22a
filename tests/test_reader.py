"""The streaming export reader: arrays, JSON Lines, one task, windows, broken files."""

import json

import pytest

from workbench.errors import InputError
from workbench.lsformat import reader
from workbench.lsformat.reader import MalformedTask, ReadNotes
from workbench.lsformat.records import Task, read_tasks


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
