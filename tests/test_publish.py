"""A gold version as the dataset ecosystem opens it: datasets.load_dataset on the folder,
Croissant metadata mlcroissant validates, the card's one-liners, and `workbench publish`."""

from __future__ import annotations

import datetime
import json
import os
import shutil
from pathlib import Path

import datasets
import numpy as np
import pyarrow.parquet as pq
import pytest
from builders import write_export
from click.testing import CliRunner

from workbench import load_gold
from workbench.cli import cli
from workbench.errors import InputError, IntegrityError
from workbench.gold.card import CONFIGS, LOADERS
from workbench.gold.croissant import RECORD_SETS
from workbench.gold.format import SPLITS
from workbench.gold.write import write_gold
from workbench.publish import publish
from workbench.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
OLD_VERSION = Path(__file__).parent / "fixtures" / "gold-0.2"


@pytest.fixture(autouse=True)
def fresh_datasets_cache(tmp_path, monkeypatch):
    """datasets caches a local folder by its name, not its content: every test its own."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-datasets")


@pytest.fixture(scope="module")
def version(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("publish")
    export = write_export(folder / "export.json", 240, disputed=0.2)
    settings = Settings(home=folder / "home", exports=folder / "exports", _env_file=None)
    report = write_gold(settings, export=export)
    assert report.path is not None
    return report.path


def _plain(value):
    """A cell as plain Python, however the reader gave it."""
    if isinstance(value, np.ndarray | list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, datetime.date | np.datetime64):
        return str(value)[:10]
    if isinstance(value, float) and np.isnan(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _rows(frame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def test_load_dataset_on_the_folder_gives_the_splits_load_gold_gives(version):
    loaded = datasets.load_dataset(str(version))
    assert set(loaded) == set(SPLITS)
    for split in SPLITS:
        ours = load_gold(version, split=split)
        theirs = loaded[split].to_pandas()
        assert len(theirs) == len(ours) > 0
        assert _rows(theirs) == _rows(ours), split


def test_every_other_table_is_a_config(version):
    manifest = json.loads((version / "manifest.json").read_text())
    for name in CONFIGS:
        if name == "gold":
            continue
        loaded = datasets.load_dataset(str(version), name)
        for split, table in loaded.items():
            assert table.num_rows == manifest["files"][f"{name}/{split}.parquet"]["rows"]
            assert set(table["split"]) == {split}


def test_croissant_validates_and_yields_the_parquet_rows(version):
    import mlcroissant

    dataset = mlcroissant.Dataset(str(version / "croissant.json"))
    metadata = dataset.metadata.to_json()
    assert metadata["version"] == version.name
    manifest = json.loads((version / "manifest.json").read_text())
    sha = {f["name"]: f["sha256"] for f in metadata["distribution"] if "sha256" in f}
    assert sha == {name: file["sha256"] for name, file in manifest["files"].items()
                   if name.endswith(".parquet")}
    for table in RECORD_SETS:
        expected = [row for split in SPLITS if (version / table / f"{split}.parquet").exists()
                    for row in pq.read_table(version / table / f"{split}.parquet").to_pylist()]
        found = [{key.split("/", 1)[1]: _decoded(value) for key, value in record.items()}
                 for record in dataset.records(table)]
        key = (lambda r: (r["article_id"], r.get("field"), r.get("index"), r.get("actor"),
                          r.get("crime_mention")))
        assert sorted(map(_comparable, found), key=key) == sorted(
            map(_comparable, expected), key=key), table


def _decoded(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list | np.ndarray):
        return [_decoded(v) for v in value]
    return value


def _comparable(row: dict) -> dict:
    return {k: (str(v)[:10] if isinstance(v, datetime.date | np.datetime64) else
                None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}


def test_the_card_and_the_readme_give_the_one_liners_and_each_runs(version, monkeypatch):
    """Each loader line, as the card and README print it, run in the version's folder."""
    import duckdb
    import pandas
    import polars

    import workbench

    card = (version / "README.md").read_text()
    readme = README.read_text()
    modules = {"datasets": datasets, "pandas": pandas, "duckdb": duckdb, "polars": polars,
               "workbench": workbench}
    monkeypatch.chdir(version.parent.parent.parent)  # where exports/ is
    articles = json.loads((version / "manifest.json").read_text())["counts"]["articles"]
    for template in LOADERS:
        assert template.format(dir="exports/gold/1.0.3") in readme, template
        line = template.format(dir=f"exports/gold/{version.name}")
        assert line in card, line
        result = eval(line.split("  #")[0], dict(modules))  # noqa: S307: our own lines
        size = {"DatasetDict": lambda r: sum(d.num_rows for d in r.values()),
                "DuckDBPyRelation": lambda r: sum(n for _, n in r.fetchall())}.get(
            type(result).__name__, len)(result)
        assert size == articles, line


def test_the_card_names_each_config_and_split_file(version):
    header = (version / "README.md").read_text().split("---")[1]
    for name in CONFIGS:
        config = "default" if name == "gold" else name
        assert f"- config_name: {config}" in header
        for split in SPLITS:
            if (version / name / f"{split}.parquet").exists():
                assert f"path: {name}/{split}.parquet" in header


def test_a_version_of_the_old_layout_still_loads(tmp_path):
    old = shutil.copytree(OLD_VERSION, tmp_path / "gold")
    frame = load_gold(old)
    records = load_gold(old, records=True)
    assert len(frame) == len(records) == 11
    assert list(frame["article_id"]) == sorted(r.article_id for r in records)
    assert len(load_gold(old, split="train")) == sum(r.split == "train" for r in records)


def test_publish_copies_exactly_what_the_manifest_lists(version, tmp_path):
    settings = Settings(home=tmp_path / "home", exports=version.parent.parent, _env_file=None)
    report = publish(settings, version.name, tmp_path / "release")
    copied = sorted(p.relative_to(tmp_path / "release").as_posix()
                    for p in (tmp_path / "release").rglob("*") if p.is_file())
    manifest = json.loads((version / "manifest.json").read_text())
    assert copied == sorted([*manifest["files"], "manifest.json"]) == sorted(report.files)
    assert "decisions.jsonl" not in copied and not any("raw" in name for name in copied)
    assert len(load_gold(tmp_path / "release")) == manifest["counts"]["articles"]
    assert datasets.load_dataset(str(tmp_path / "release"))["train"].num_rows > 0
    with pytest.raises(InputError, match="not an empty folder"):
        publish(settings, version.name, tmp_path / "release")


def test_publish_refuses_a_changed_file_or_an_annotators_email(version, tmp_path):
    settings = Settings(home=tmp_path / "home", exports=tmp_path / "exports", _env_file=None)
    copy = shutil.copytree(version.parent, tmp_path / "exports" / "gold")
    (copy / version.name / "gold.jsonl").write_text("{}\n")
    with pytest.raises(IntegrityError, match="does not match the sha256"):
        publish(settings, version.name, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_file_that_names_an_annotator_by_email_is_refused(tmp_path):
    from workbench.publish import _names_nobody

    (tmp_path / "gold.jsonl").write_text('{"decided_by": "ana@example.org"}\n')
    (tmp_path / "README.md").write_text("annotator-1 and annotator-2\n")
    _names_nobody(tmp_path, ["README.md"], ["ana@example.org"])  # nobody named: fine
    with pytest.raises(InputError, match=r"gold.jsonl names an annotator by email \(ana@"):
        _names_nobody(tmp_path, ["README.md", "gold.jsonl"], ["ana@example.org"])


def test_publish_to_the_hub_needs_a_token_and_says_so(version, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    env = {"WORKBENCH_HOME": str(tmp_path / "home"),
           "WORKBENCH_EXPORTS": str(version.parent.parent), "HF_HOME": str(tmp_path / "hf")}
    result = CliRunner().invoke(cli, ["publish", version.name, "--to", str(tmp_path / "r"),
                                      "--hub", "me/gold"], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == (
        "Error: no Hugging Face token: set WORKBENCH_HF_TOKEN or HF_TOKEN, or run `hf auth "
        "login`; the copy was published locally all the same")
    assert os.path.isfile(tmp_path / "r" / "croissant.json")
