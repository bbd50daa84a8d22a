"""Load a gold version, for downstream projects.

Needs only the workbench's core install (pandas, pyarrow, pydantic):

    from workbench import load_gold
    df = load_gold("exports/gold", version="latest", split="train")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, overload

import pandas as pd

from workbench.errors import InputError
from workbench.gold.arrow import GOLD_SCHEMA
from workbench.gold.format import SPLITS, GoldRecord
from workbench.gold.versions import resolve
from workbench.store.rawpulls import sha256_file


@overload
def load_gold(root: str | Path = ..., *, version: str = ..., split: str | None = ...,
              records: Literal[False] = ..., verify: bool = ...) -> pd.DataFrame: ...


@overload
def load_gold(root: str | Path = ..., *, version: str = ..., split: str | None = ...,
              records: Literal[True], verify: bool = ...) -> list[GoldRecord]: ...


def load_gold(root: str | Path = "exports/gold", *, version: str = "latest",
              split: str | None = None, records: bool = False, verify: bool = True):
    """A gold version as a DataFrame (one row per article), or as ``GoldRecord`` models.

    ``root`` is the gold folder, or a version's own folder; ``version`` is a version name
    or ``"latest"``; ``split`` one of train,
    validation, test (versions written before workbench 0.2 called validation
    "dev": they load with the new name). With ``verify`` the files are checked
    against the manifest's sha256 first.
    """
    if split == "dev":
        split = "validation"
    if split is not None and split not in SPLITS:
        raise InputError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    folder = resolve(Path(root), version)
    manifest = json.loads((folder / "manifest.json").read_text())
    if records:
        (name,) = _verified(folder, manifest, ["gold.jsonl"], verify)
        with (folder / name).open(encoding="utf-8") as handle:
            loaded = [GoldRecord.model_validate_json(line) for line in handle]
        return [r for r in loaded if split is None or r.split == split]
    if (folder / "gold").is_dir():  # a table per split (since workbench 0.3)
        names = [f"gold/{s}.parquet" for s in SPLITS if (split is None or s == split)
                 and (folder / "gold" / f"{s}.parquet").exists()]
    else:
        names = ["gold.parquet"]
    parts = [pd.read_parquet(folder / name) for name in _verified(folder, manifest, names,
                                                                    verify)]
    if not parts:  # a split with no article
        return GOLD_SCHEMA.empty_table().to_pandas()
    frame = pd.concat(parts, ignore_index=True)
    frame["split"] = frame["split"].replace("dev", "validation")
    if split is not None:
        frame = frame[frame["split"] == split]
    return frame.sort_values("article_id", kind="stable").reset_index(drop=True)


def _verified(folder: Path, manifest: dict, names: list[str], verify: bool) -> list[str]:
    """``names``, each checked against the sha256 the manifest gives it (when ``verify``)."""
    for name in names if verify else ():
        if sha256_file(folder / name) != manifest["files"][name]["sha256"]:
            raise InputError(f"{folder / name} does not match the sha256 in its manifest: "
                             f"the file changed after export")
    return names
