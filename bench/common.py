"""Helpers shared by the benchmarks: a throwaway managed server, measuring commands, the
synthetic pulls they read. Test data and running servers come from the tests' own modules,
tests/builders.py and tests/servers.py; importing this module puts tests/ on the path."""

from __future__ import annotations

import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from builders import write_export
from servers import free_port

from workbench.settings import Settings
from workbench.studio.server import ManagedServer


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
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
      usage.ru_utime + usage.ru_stime)
"""
PEAKS = Path(__file__).resolve().parent / "peaks.py"


@dataclass
class Measured:
    """One command's run: wall time, CPU time of it and its children, and its peak memory
    (the sum of its own and its children's, which run beside it)."""

    seconds: float
    cpu: float
    mib: float


def measure(command: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MiB) of one child process."""
    found = run_measured(command)
    return found.seconds, found.mib


def run_measured(command: list[str]) -> Measured:
    """``command`` in its own process; a Python command (``sys.executable`` first) runs
    through bench/peaks.py, so that the peaks of the processes it starts are added."""
    import subprocess

    with tempfile.NamedTemporaryFile("r", suffix=".peaks") as peaks:
        if command[0] == sys.executable:
            command = [sys.executable, str(PEAKS), peaks.name, *command[1:]]
        out = subprocess.run([sys.executable, "-c", _MIDDLE, *command], capture_output=True,
                             text=True, check=True).stdout.split()
        elapsed, peak_kib, code, cpu = float(out[0]), int(out[1]), int(out[2]), float(out[3])
        if code not in (0, 1):  # validate exits 1 on findings
            raise RuntimeError(f"{command} failed with exit code {code}")
        written = Path(peaks.name).read_text().split()
        if written:  # its own peak and its children's, which run beside it
            peak_kib = int(written[0]) + int(written[1])
    return Measured(seconds=elapsed, cpu=cpu, mib=peak_kib / 1024)


def json_load_command(path: Path) -> list[str]:
    """The baseline: merely json.load the file."""
    return [sys.executable, "-c", f"import json; json.load(open({str(path)!r}, encoding='utf-8'))"]


def synthetic_export(folder: Path, tasks: int, disputed: float = 0.0) -> Path:
    """A synthetic pull of ``tasks`` x 3 annotations (builders.write_export), ``disputed``
    the share of its articles the votes cannot settle, cached in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    shown = f"-disputed-{disputed:g}" if disputed else ""
    path = folder / f"export-{tasks}{shown}.json"
    if not path.exists():
        started = time.perf_counter()
        write_export(path, tasks, disputed=disputed)
        print(f"(wrote {path.name}: {path.stat().st_size / 1e6:,.0f} MB in "
              f"{time.perf_counter() - started:.0f} s)", flush=True)
    return path
