"""Gold versions on disk: ``exports/gold/<version>/``, and ``LATEST`` naming the newest.

Versions are ``<schema version>.<revision>``; a folder counts as a version
only once its manifest is written, which is the last step of writing one.
"""

from __future__ import annotations

from pathlib import Path

from workbench.errors import InputError
from workbench.schema import SCHEMA_VERSION
from workbench.settings import Settings

LATEST = "LATEST"


def gold_root(settings: Settings) -> Path:
    return settings.exports / "gold"


def versions(root: Path) -> list[str]:
    """Complete versions under ``root``, oldest first."""
    if not root.is_dir():
        return []
    found = [p.name for p in root.iterdir() if p.is_dir() and (p / "manifest.json").exists()
             and not p.name.startswith(".")]
    return sorted(found, key=_version_key)


def _version_key(name: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in name.split("."))


def next_version(known: list[str]) -> str:
    revisions = [int(v.split(".")[-1]) for v in known
                 if v.startswith(f"{SCHEMA_VERSION}.") and v.split(".")[-1].isdigit()]
    return f"{SCHEMA_VERSION}.{max(revisions, default=0) + 1}"


def resolve(root: Path, version: str = "latest") -> Path:
    """The folder of ``version``; ``latest`` reads ``LATEST`` (or takes the newest). A
    ``root`` that is a version folder itself (a published copy, say) is its own latest."""
    if version == "latest" and (root / "manifest.json").exists():
        return root
    if version == "latest":
        pointer = root / LATEST
        known = versions(root)
        version = pointer.read_text().strip() if pointer.exists() else (known[-1] if known
                                                                       else "")
        if not version:
            raise InputError(f"no gold version in {root}: run `workbench export` first")
    path = root / version
    if not (path / "manifest.json").exists():
        raise InputError(f"no gold version {version!r} in {root}")
    return path
