"""Train/validation/test splits by article: seeded, stratified where counts allow, stable.

An article keeps the split it had in the previous version, whatever else
changes. A new article goes, within its stratum (its primary crime type), to
the split furthest below its target share, taking the new articles in the
order of a seeded hash of their ids. A stratum too small to share (fewer than
``MIN_STRATUM`` articles) splits by the hash alone.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict

from workbench.schema import SCHEMA

SPLIT_SEED = "workbench-splits-1"
TARGETS = {"train": 0.8, "validation": 0.1, "test": 0.1}
MIN_STRATUM = 10


_RANK = {c.id: i for i, c in enumerate(SCHEMA.crime_types)}  # the schema's order


def primary_crime_type(crime_types: list[str]) -> str:
    """The first of an article's crime types in schema order ("none" when it has none)."""
    known = [c for c in crime_types if c in _RANK]
    return min(known, key=_RANK.__getitem__) if known else (
        min(crime_types) if crime_types else "none")


def _unit(article_id: str, seed: str = SPLIT_SEED) -> float:
    digest = hashlib.sha256(f"{seed}:{article_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def _by_hash(article_id: str) -> str:
    position, cumulative = _unit(article_id), 0.0
    for split, share in TARGETS.items():
        cumulative += share
        if position < cumulative:
            return split
    return "test"


def assign_splits(strata: dict[str, str], previous: dict[str, str]) -> dict[str, str]:
    """A split for every article in ``strata`` (article_id -> stratum)."""
    splits = {a: previous[a] for a in strata if a in previous}
    members: dict[str, list[str]] = defaultdict(list)
    for article, stratum in strata.items():
        members[stratum].append(article)
    for _, articles in sorted(members.items()):
        new = sorted((a for a in articles if a not in splits), key=_unit)
        if len(articles) < MIN_STRATUM:
            splits.update({a: _by_hash(a) for a in new})
            continue
        counts = Counter(splits[a] for a in articles if a in splits)
        for article in new:
            total = sum(counts.values()) + 1
            split = max(TARGETS, key=lambda s: TARGETS[s] * total - counts[s])
            splits[article] = split
            counts[split] += 1
    return splits
