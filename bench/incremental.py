"""Benchmark: `workbench sync` that finds 100 new annotations, and one that finds nothing
new, against a full sync of the same project on the same managed server.

N synthetic tasks x 3 annotations (bench/pull.py's import) go into a fresh server. The
first `workbench sync` takes a full snapshot (what every sync did before deltas); an
annotator then submits 100 annotations, and `workbench sync` runs again; then once more
with nothing new; then a sync forced to take a full snapshot
(WORKBENCH_FULL_PULL_EVERY=0) of the same project, the baseline measured again. Each sync
runs as its own process: wall time, and peak memory with its children's.

    python bench/incremental.py                  # N = 10,000
    python bench/incremental.py --sizes 1000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

# bench/ and tests/ (builders, servers, ui), before the imports that need them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from builders import choice
from common import fresh_server, run_measured, table
from pull import ANNOTATORS, BATCH, importable

from workbench.studio.pull import OVERLAP
from workbench.studio.push import project_settings

NEW = 100
HEADER = ["sync", "N", "full sync", "this sync", "ratio", "peak memory"]


def _sync(settings, scratch: Path, **env: str):
    environment = {"WORKBENCH_HOME": str(settings.home), "WORKBENCH_PORT": str(settings.port),
                   "WORKBENCH_PROJECT": settings.project,
                   "WORKBENCH_EXPORTS": str(scratch / "exports"), **env}
    empty = scratch / "nothing-to-push"
    empty.mkdir(exist_ok=True)
    saved = dict(os.environ)
    os.environ.update(environment)
    try:
        return run_measured([sys.executable, "-m", "workbench", "sync", "--silent", str(empty)])
    finally:
        os.environ.clear()
        os.environ.update(saved)


def measure_incremental(settings, studio, sdk, n: int, scratch: Path) -> dict:
    for k in range(ANNOTATORS):
        email = f"annotator{k}@example.org"
        if not any(u["email"] == email for u in studio.users()):
            studio.create_user(email)
    settings = settings.model_copy(update={"project": f"sync-{n}"})
    scratch.mkdir(parents=True, exist_ok=True)
    project = sdk.projects.create(**{**project_settings(settings), "title": settings.project})
    started = time.perf_counter()
    for first in range(0, n, BATCH):
        sdk.projects.import_tasks(id=project.id, request=[
            importable(i) for i in range(first, min(n, first + BATCH))])
    print(f"(imported {n:,} tasks x {ANNOTATORS} annotations in "
          f"{time.perf_counter() - started:.0f} s)", flush=True)
    # Each pull asks again for what changed in the minute before the last one began
    # (studio/pull.py's OVERLAP): the syncs here run, as cron would, over a minute apart.
    time.sleep(OVERLAP.total_seconds() + 1)
    full = _sync(settings, scratch)
    print(f"(first sync, full: {full.seconds:.1f} s)", flush=True)
    ids = [t.id for t in sdk.tasks.list(project=project.id, page_size=NEW, fields="task_only",
                                        include="id").items[:NEW]]
    for task_id in ids:
        sdk.annotations.create(id=task_id, result=[
            choice("crime_types", "online_scam"), choice("stance", "neutral")])
    delta = _sync(settings, scratch)
    time.sleep(OVERLAP.total_seconds() + 1)
    nothing = _sync(settings, scratch)
    again = _sync(settings, scratch, WORKBENCH_FULL_PULL_EVERY="0")
    return {"full": full, "delta": delta, "nothing": nothing, "again": again}


def rows_for(n: int, found: dict) -> list[list[str]]:
    baseline = found["again"]
    return [[label, f"{n:,}", f"{baseline.seconds:.1f} s", f"{m.seconds:.1f} s",
             f"{m.seconds / baseline.seconds:.3f}x", f"{m.mib:,.0f} MiB"]
            for label, m in (("after 100 new annotations", found["delta"]),
                             ("with nothing new", found["nothing"]),
                             ("full (first sync)", found["full"]),
                             ("full (forced, same project)", baseline))]


def run(sizes: list[int]) -> list[list[str]]:
    rows = []
    with fresh_server() as (settings, studio, sdk, scratch):
        for n in sizes:
            with tempfile.TemporaryDirectory(dir=scratch) as folder:
                rows += rows_for(n, measure_incremental(settings, studio, sdk, n, Path(folder)))
            print(table(rows[-4:], HEADER), flush=True)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    rows = run(parser.parse_args().sizes)
    print("\n" + table(rows, HEADER))
