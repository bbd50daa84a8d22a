"""One workbench job at a time per ``$WORKBENCH_HOME``: an advisory file lock."""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workbench.errors import LockedError

_held: dict[tuple[Path, int], int] = {}  # (lock, thread) held, and how deep


@contextmanager
def job_lock(home: Path, job: str, file: str = "workbench.lock") -> Iterator[None]:
    """Hold ``home/FILE`` for the duration; fail at once when another job has it.

    Re-entrant within a thread, so a job made of jobs (``sync`` runs ``export``)
    takes it once. The kernel drops the lock when its holder dies, so a killed
    job never leaves a stale lock behind.
    """
    home.mkdir(parents=True, exist_ok=True)
    path = (home / file).resolve()
    key = (path, threading.get_ident())
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"another workbench job is running ({holder(path)}); "
                              f"wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "job": job,
                                  "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                                  }).encode(), 0)
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
    finally:
        os.close(fd)  # closing releases the lock


def holder(path: Path) -> str:
    """Who holds the lock file at ``path``, as the lock's error names them."""
    try:
        holder = json.loads(path.read_text())
        return f"`workbench {holder['job']}`, pid {holder['pid']}, since {holder['since']}"
    except (OSError, ValueError, KeyError):
        return "holder unknown"
