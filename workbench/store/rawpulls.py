"""Raw pulls on disk: every export Label Studio gave us, unchanged, immutable, checksummed.

A pull lives at ``exports/raw/<UTC time>_<project>_p<id>.json`` with a
``.sha256`` beside it (``sha256sum -c`` reads it). The checksum is written
first and the export renamed into place last, so a pull killed midway leaves
no file a later step would read. Pulls are made read-only and never modified;
every reader checks the checksum, once per command, and refuses a file that
no longer matches. This module is files only: the network side is
``studio.pull``.
"""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from workbench.errors import InputError, IntegrityError, WorkbenchError
from workbench.settings import Settings
from workbench.store.atomic import write_text


class Source:
    """A Label Studio export to read: a verified raw pull, or a user's file.

    Hashed at most once: a raw pull when it is verified, a user's file the first
    time its sha256 is asked for (validating a file needs no hash).
    """

    def __init__(self, path: Path, *, sha256: str | None = None, pulled: bool = False):
        self.path = path
        self.pulled = pulled  # True: a raw pull, checked against its .sha256
        self._sha256 = sha256
        self._hashing: Future | None = None

    def hash_ahead(self) -> None:
        """Start hashing the file in a thread (hashlib lets go of the GIL), for a caller that
        reads the file meanwhile and asks for ``sha256`` later."""
        if self._sha256 is None and self._hashing is None:
            thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
            self._hashing = thread.submit(sha256_file, self.path)
            thread.shutdown(wait=False)  # the thread ends once the file is hashed

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            try:
                self._sha256 = (self._hashing.result() if self._hashing is not None
                                else sha256_file(self.path))
            except OSError as error:
                raise InputError(f"{self.path}: cannot read: {error.strerror or error}"
                                 ) from None
        return self._sha256

    @property
    def name(self) -> str:
        return self.path.name

    def __repr__(self) -> str:
        return f"Source({str(self.path)!r}, pulled={self.pulled})"


def as_source(export: Source | Path | str) -> Source:
    """A user's file (a path) as a Source; a Source as it is."""
    return export if isinstance(export, Source) else Source(Path(export))


def raw_dir(settings: Settings) -> Path:
    return settings.exports / "raw"


def project_slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "project"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def recorded(path: Path) -> str:
    """The sha256 written beside a pull when it was kept, without reading the pull."""
    return checksum_path(path).read_text().split()[0]


def verify(path: Path) -> str:
    """The pull's sha256, after checking it; IntegrityError when it does not match."""
    checksum = checksum_path(path)
    if not checksum.exists():
        raise IntegrityError(f"{path} has no {checksum.name}: it is not a complete pull; "
                             f"refusing to use it")
    expected = recorded(path)
    actual = sha256_file(path)
    if actual != expected:
        raise IntegrityError(f"{path} does not match its sha256 ({checksum.name} says "
                             f"{expected[:12]}..., the file is {actual[:12]}...): it changed "
                             f"after it was pulled; refusing to use it")
    return actual


def pulls(settings: Settings, project_title: str | None = None) -> list[Path]:
    """Complete raw pulls (those with a checksum), oldest first; of one project if given."""
    folder = raw_dir(settings)
    if not folder.is_dir():
        return []
    slug = f"_{project_slug(project_title)}_p" if project_title else "_"
    return sorted(p for p in folder.glob("*.json")
                  if slug in p.name and checksum_path(p).exists())


def latest_pull(settings: Settings, *, required: bool = True) -> Source | None:
    """The newest pull of the configured project, verified."""
    found = pulls(settings, settings.project)
    if not found:
        if required:
            raise InputError(f"no pull of {settings.project!r} in {raw_dir(settings)}: run "
                             f"`workbench pull` first, or pass --export FILE")
        return None
    return Source(path=found[-1], sha256=verify(found[-1]), pulled=True)


def open_export(settings: Settings, export: Path | None) -> Source:
    """``export`` (any Label Studio JSON export), else the latest pull."""
    if export is None:
        return latest_pull(settings)  # type: ignore[return-value]
    return Source(export)


def new_pull_path(settings: Settings, project_id: int, title: str) -> Path:
    """Where the next pull of a project goes; names sort in pull order."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")  # fixed width, to the microsecond
    path = raw_dir(settings) / f"{stamp}_{project_slug(title)}_p{project_id}.json"
    if path.exists():
        raise WorkbenchError(f"{path} already exists")  # raw pulls are never overwritten
    return path


def partial_path(path: Path) -> Path:
    """The temporary name a pull is downloaded under; never read by any step."""
    return path.with_name(f".{path.name}.part")


def keep(partial: Path, path: Path, sha256: str) -> Source:
    """Make a downloaded pull permanent: checksum first, then read-only, then the rename."""
    write_text(checksum_path(path), f"{sha256}  {path.name}\n")
    os.chmod(partial, 0o440)
    os.replace(partial, path)  # the pull exists from here on, complete
    return Source(path=path, sha256=sha256, pulled=True)
