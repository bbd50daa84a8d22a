"""The streaming export reader: arrays, JSON Lines, windows, broken files."""

import json

import pytest

from workbench.errors import InputError
from workbench.lsformat import reader
from workbench.lsformat.reader import ExportTask, MalformedTask, iter_tasks


def _task(n: int, text: str = "Police raid.") -> dict:
    return {"id": n, "data": {"text": text}, "annotations": [{"id": n * 10, "result": []}]}


def test_array_and_json_lines_read_the_same(tmp_path):
    tasks = [_task(n) for n in range(5)]
    array, lines = tmp_path / "a.json", tmp_path / "a.jsonl"
    array.write_text(json.dumps(tasks, indent=2))
    lines.write_text("\n".join(json.dumps(t) for t in tasks) + "\n")
    read = lambda path: [t.id for t in iter_tasks(path)]
    assert read(array) == read(lines) == [0, 1, 2, 3, 4]


def test_values_longer_than_the_window_are_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "_CHUNK", 64)
    long_text = "ü" * 1000 + "\U0001F6A8" + "end"
    path = tmp_path / "big.json"
    path.write_text(json.dumps([_task(1, long_text), _task(2)]), encoding="utf-8")
    tasks = list(iter_tasks(path))
    assert [t.data["text"] for t in tasks] == [long_text, "Police raid."]


def test_a_bad_task_is_reported_and_the_rest_go_on(tmp_path):
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([_task(1), {"id": "x", "data": {}}, 7, _task(4)]))
    items = list(iter_tasks(path))
    assert isinstance(items[0], ExportTask) and isinstance(items[3], ExportTask)
    assert items[1] == MalformedTask(index=1, task_id=None, field="id",
                                     message="Input should be a valid integer, unable to parse "
                                             "string as an integer")
    assert items[2].message == "expected a task object, got int"


def test_a_file_cut_short_is_an_input_error(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps([_task(1), _task(2)])[:-20])
    with pytest.raises(InputError, match="the file is cut short"):
        list(iter_tasks(path))


def test_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([_task(1)]).encode())
    assert [t.id for t in iter_tasks(path)] == [1]


def test_not_utf8_is_an_input_error(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'[{"id": 1, "data": {"text": "caf\xe9"}}]')
    with pytest.raises(InputError, match="not UTF-8 text"):
        list(iter_tasks(path))
