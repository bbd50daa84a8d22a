"""Load a gold version, for downstream projects; and compare two versions.

Needs only pandas and pyarrow (the workbench's base install):

    from workbench import load_gold
    df = load_gold("exports/gold", version="latest", split="train")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, overload

import pandas as pd
from pydantic import BaseModel, Field

from workbench.errors import InputError
from workbench.export import resolve
from workbench.goldformat import GoldRecord
from workbench.pull import sha256_file


@overload
def load_gold(root: str | Path = ..., *, version: str = ..., split: str | None = ...,
              records: Literal[False] = ..., verify: bool = ...) -> pd.DataFrame: ...


@overload
def load_gold(root: str | Path = ..., *, version: str = ..., split: str | None = ...,
              records: Literal[True], verify: bool = ...) -> list[GoldRecord]: ...


def load_gold(root: str | Path = "exports/gold", *, version: str = "latest",
              split: str | None = None, records: bool = False, verify: bool = True):
    """A gold version as a DataFrame (one row per article), or as ``GoldRecord`` models.

    ``version`` is a version name or ``"latest"``; ``split`` one of train, dev,
    test. With ``verify`` the files are checked against the manifest's sha256 first.
    """
    folder = resolve(Path(root), version)
    manifest = json.loads((folder / "manifest.json").read_text())
    if split is not None and split not in ("train", "dev", "test"):
        raise InputError(f"unknown split {split!r}: choose train, dev or test")
    name = "gold.jsonl" if records else "gold.parquet"
    if verify:
        expected = manifest["files"][name]["sha256"]
        if sha256_file(folder / name) != expected:
            raise InputError(f"{folder / name} does not match the sha256 in its manifest: "
                             f"the file changed after export")
    if records:
        with (folder / name).open(encoding="utf-8") as handle:
            loaded = [GoldRecord.model_validate_json(line) for line in handle]
        return [r for r in loaded if split is None or r.split == split]
    frame = pd.read_parquet(folder / name)
    if split is not None:
        frame = frame[frame["split"] == split].reset_index(drop=True)
    return frame


class ArticleChange(BaseModel):
    article_id: str
    changes: dict[str, dict[str, list]]  # field -> {"added": [...], "removed": [...]}


class VersionDiff(BaseModel):
    old: str
    new: str
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[ArticleChange] = Field(default_factory=list)


def _labels(record: dict) -> dict[str, set]:
    """Each field's labels as comparable items."""
    return {
        "crime_types": set(record["crime_types"]),
        "stance": {record["stance"]} if record["stance"] else set(),
        "actors": {f"{a['start']}-{a['end']} {a['role']}"
                   + (f" ({a['stance']})" if a["stance"] else "") for a in record["actors"]},
        "crime_mentions": {f"{m['start']}-{m['end']} {m['crime_type']}"
                           for m in record["crime_mentions"]},
        "relations": {f"{record['actors'][r['actor']]['start']}->"
                      f"{record['crime_mentions'][r['crime_mention']]['start']} {r['type']}"
                      for r in record["relations"]},
        "split": {record["split"]},
    }


def _index(folder: Path) -> dict[str, dict[str, set]]:
    with (folder / "gold.jsonl").open(encoding="utf-8") as handle:
        return {r["article_id"]: _labels(r) for r in map(json.loads, handle)}


def diff_versions(root: str | Path, old: str, new: str = "latest") -> VersionDiff:
    """Articles and labels added, removed and changed from ``old`` to ``new``."""
    old_folder, new_folder = resolve(Path(root), old), resolve(Path(root), new)
    before, after = _index(old_folder), _index(new_folder)
    result = VersionDiff(old=old_folder.name, new=new_folder.name,
                         added=sorted(after.keys() - before.keys()),
                         removed=sorted(before.keys() - after.keys()))
    for article in sorted(before.keys() & after.keys()):
        changes = {}
        for field, labels in after[article].items():
            was = before[article][field]
            if labels != was:
                changes[field] = {"added": sorted(labels - was), "removed": sorted(was - labels)}
        if changes:
            result.changed.append(ArticleChange(article_id=article, changes=changes))
    return result
