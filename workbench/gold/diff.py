"""Compare two gold versions: articles and labels added, removed and changed."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

from workbench.gold.versions import resolve


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
