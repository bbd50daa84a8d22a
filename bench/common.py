"""Helpers shared by the benchmarks: a throwaway managed server and synthetic data."""

from __future__ import annotations

import json
import socket
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from workbench.settings import Settings
from workbench.studio.server import ManagedServer

# About as many cue phrases per kilobyte as the seed articles (a dozen), so the
# pre-annotations, which Label Studio stores item by item, weigh what real ones do.
SENTENCES = (
    "Police in Sihanoukville said {n} victims of human trafficking were rescued on Tuesday. ",
    "The operation followed months of complaints from families in several provinces. ",
    "Workers described long shifts, confiscated passports and unpaid wages at the site. ",
    "The provincial court charged two suspects with kidnapping. ",
    "Officials said the investigation would continue into next month and beyond. ",
    "Residents near the building said they had noticed nothing unusual for years. ",
    "Rights groups said more needed to be done to protect those who were rescued. ",
    "The Interior Minister ordered a review of the special economic zone. ",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def managed_server():
    """A fresh managed Label Studio in a temporary home; stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as home:
        settings = Settings(home=Path(home), port=free_port(), _env_file=None)
        server = ManagedServer(settings)
        started = time.perf_counter()
        server.start()
        print(f"(Label Studio started in {time.perf_counter() - started:.0f} s)", flush=True)
        try:
            yield settings
        finally:
            server.stop()


@contextmanager
def fresh_server():
    """(settings, studio, raw SDK client, scratch folder) on a fresh managed server."""
    from workbench.studio.client import connect

    with managed_server() as settings, tempfile.TemporaryDirectory() as scratch:
        studio = connect(settings, start=False)
        yield settings, studio, sdk_client(settings, studio.url), Path(scratch)


def sdk_client(settings: Settings, url: str):
    """The raw SDK client the baselines use, with the managed server's token."""
    from label_studio_sdk import LabelStudio

    token = ManagedServer(settings).credentials().token.get_secret_value()
    return LabelStudio(base_url=url, api_key=token, timeout=3600)


def synthetic_jsonl(path: Path, count: int, *, size: int = 3000, prefix: str = "a") -> Path:
    """``count`` distinct articles of about ``size`` characters, one JSON object a line."""
    with path.open("w") as handle:
        for n in range(count):
            parts, length, k = [], 0, 0
            while length < size:
                part = SENTENCES[(n + k) % len(SENTENCES)].format(n=n)
                parts.append(part)
                length += len(part)
                k += 1
            handle.write(json.dumps({"id": f"{prefix}-{n}", "title": f"Article {n}",
                                     "text": "".join(parts)[:size]}) + "\n")
    return path


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda row: "| " + " | ".join(
        str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, rows)])


# Linux starts a forked child's peak-memory count at its parent's size, so a bench
# process grown big (a server session's tasks) would inflate every figure: a small
# middle process starts the command and reports the command's own time and peak.
_MIDDLE = """
import os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def measure(command: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MiB) of one child process."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _MIDDLE, *command], capture_output=True,
                         text=True, check=True).stdout.split()
    elapsed, peak_kib, code = float(out[0]), int(out[1]), int(out[2])
    if code not in (0, 1):  # validate exits 1 on findings
        raise RuntimeError(f"{command} failed with exit code {code}")
    return elapsed, peak_kib / 1024


def json_load_command(path: Path) -> list[str]:
    """The baseline: merely json.load the file."""
    import sys

    return [sys.executable, "-c", f"import json; json.load(open({str(path)!r}, encoding='utf-8'))"]


def synthetic_export(folder: Path, tasks: int) -> Path:
    """A synthetic pull of ``tasks`` x 3 annotations (see synthetic.py), cached in ``folder``."""
    from synthetic import write_export

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"export-{tasks}.json"
    if not path.exists():
        started = time.perf_counter()
        write_export(path, tasks)
        print(f"(wrote {path.name}: {path.stat().st_size / 1e6:,.0f} MB in "
              f"{time.perf_counter() - started:.0f} s)", flush=True)
    return path
