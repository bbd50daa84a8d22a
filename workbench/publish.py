"""Publish a gold version: a copy of exactly what a consumer needs, and the Hugging Face Hub.

The copy holds the version's data files, its card (README.md), ``croissant.json`` and
``manifest.json``, each checked against the manifest's sha256 first; text is in it or not as
the version was written (``export --without-text``). The decisions log, the raw pulls and the
pseudonyms' key are never in a version; a copy in which an annotator's email appears anyway
is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from pydantic import BaseModel

from workbench.errors import ConfigError, InputError, IntegrityError, MissingExtra
from workbench.gold.versions import gold_root, resolve
from workbench.settings import Settings
from workbench.store.pseudonyms import pseudonyms_path
from workbench.store.rawpulls import sha256_file

MANIFEST = "manifest.json"


class PublishReport(BaseModel):
    version: str
    path: Path
    files: list[str]
    bytes: int
    hub_url: str | None = None


def publish(settings: Settings, version: str, to: Path, *, hub: str | None = None,
            root: Path | None = None) -> PublishReport:
    """Copy gold ``version`` (or ``latest``) to the new folder ``to``, whole or not at all;
    with ``hub``, a Hugging Face dataset repository id, upload that copy there too."""
    folder = resolve(root or gold_root(settings), version)
    manifest = json.loads((folder / MANIFEST).read_text())
    names = sorted(manifest["files"])
    for name in names:
        if sha256_file(folder / name) != manifest["files"][name]["sha256"]:
            raise IntegrityError(f"{folder / name} does not match the sha256 in its manifest: "
                                 f"it changed after export; nothing was published")
    _names_nobody(folder, names, _emails(settings))
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise InputError(f"{to} exists and is not an empty folder: publish into a new one")
    to.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{to.name}.", dir=to.parent))
    try:
        for name in [*names, MANIFEST]:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / name, staging / name)
        if to.exists():
            to.rmdir()  # empty: checked above
        os.replace(staging, to)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report = PublishReport(version=folder.name, path=to, files=[*names, MANIFEST],
                           bytes=sum((to / n).stat().st_size for n in [*names, MANIFEST]))
    if hub is not None:
        report.hub_url = _upload(to, hub, folder.name, settings)
    return report


def _emails(settings: Settings) -> list[str]:
    """The annotators' emails the workbench knows (the pseudonyms' key)."""
    path = pseudonyms_path(settings)
    try:
        return sorted(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return []


def _names_nobody(folder: Path, names: list[str], emails: list[str]) -> None:
    """Refuse a version whose text files name an annotator by email (parquet files hold the
    same values as the JSON Lines, which are read instead)."""
    if not emails:
        return
    wanted = [e.encode() for e in emails]
    for name in names:
        if name.endswith(".parquet"):
            continue
        with (folder / name).open("rb") as handle:
            for line in handle:
                found = next((e for e in wanted if e in line), None)
                if found is not None:
                    raise InputError(f"{folder / name} names an annotator by email "
                                     f"({found.decode()}): not published")


def _upload(folder: Path, repo_id: str, version: str, settings: Settings) -> str:
    try:
        import huggingface_hub
    except ImportError:
        raise MissingExtra("hub", "publishing to the Hugging Face Hub") from None
    token = (settings.hf_token.get_secret_value() if settings.hf_token is not None
             else huggingface_hub.get_token())
    if not token:
        raise ConfigError("no Hugging Face token: set WORKBENCH_HF_TOKEN or HF_TOKEN, or run "
                          "`hf auth login`; the copy was published locally all the same")
    api = huggingface_hub.HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", private=True, exist_ok=True)
    api.upload_folder(folder_path=folder, repo_id=repo_id, repo_type="dataset",
                      commit_message=f"Gold version {version}")
    return f"https://huggingface.co/datasets/{repo_id}"
