"""Benchmark: `workbench pull` against Label Studio's own snapshot export of the same project.

N synthetic tasks x 3 annotations by three annotator accounts (tests/builders.py)
are imported into a fresh managed Label Studio. The baseline asks Label Studio for a
snapshot export with the same options (annotator emails, full predictions, drafts),
waits for it and downloads it to a file; the pull does that too, and also writes
the file atomically with its checksum, scans it for its summary and removes the
snapshot and its files from the server.

    python bench/pull.py                 # N = 10,000 (about 4 minutes)
    python bench/pull.py --sizes 1000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# bench/ and tests/ (builders, servers, ui), before the imports that need them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from builders import task
from common import fresh_server, table

from workbench.studio.pull import pull
from workbench.studio.push import project_settings

ANNOTATORS = 3
BATCH = 1_000


def importable(n: int) -> dict:
    """A synthetic task as Label Studio imports it: annotators named by email."""
    full = task(n, ANNOTATORS)
    return {"data": full["data"],
            "predictions": [{"model_version": p["model_version"], "result": p["result"]}
                            for p in full["predictions"]],
            "annotations": [{"result": a["result"], "was_cancelled": a["was_cancelled"],
                             "ground_truth": False, "lead_time": a["lead_time"],
                             "completed_by": {"email": a["completed_by"]["email"]}}
                            for a in full["annotations"]]}


def measure_pull(settings, studio, sdk, n: int, scratch: Path) -> dict[str, float]:
    """Seconds for Label Studio's snapshot export of n annotated tasks and for a pull."""
    for k in range(ANNOTATORS):
        email = f"annotator{k}@example.org"
        if not any(u["email"] == email for u in studio.users()):
            studio.create_user(email)
    project = sdk.projects.create(**{**project_settings(settings), "title": f"pull-{n}"})
    started = time.perf_counter()
    for first in range(0, n, BATCH):
        sdk.projects.import_tasks(id=project.id, request=[
            importable(i) for i in range(first, min(n, first + BATCH))])
    print(f"(imported {n:,} tasks x {ANNOTATORS} annotations in "
          f"{time.perf_counter() - started:.0f} s)", flush=True)

    options = {"annotations__completed_by": {"only_id": False},
               "predictions": {"only_id": False}, "drafts": {"only_id": False}}
    started = time.perf_counter()
    snapshot = sdk.projects.exports.create(id=project.id, title="baseline",
                                           serialization_options=options)
    while (status := sdk.projects.exports.get(id=project.id, export_pk=snapshot.id).status
           ) != "completed":
        assert status != "failed", "Label Studio's export failed"
        time.sleep(0.5)
    with open(scratch / f"baseline-{n}.json", "wb") as handle:
        for chunk in sdk.projects.exports.download(id=project.id, export_pk=snapshot.id,
                                                   export_type="JSON"):
            handle.write(chunk)
    baseline = time.perf_counter() - started
    sdk.projects.exports.delete(id=project.id, export_pk=snapshot.id)

    ours = settings.model_copy(update={"project": f"pull-{n}",
                                       "exports": scratch / f"exports-{n}"})
    started = time.perf_counter()
    report = pull(ours, studio)
    pulled = time.perf_counter() - started
    assert report.summary.tasks == n, report.summary
    assert report.summary.annotations == n * ANNOTATORS, report.summary
    return {"snapshot": baseline, "pull": pulled, "mb": report.size / 1e6,
            "path": report.path}


HEADER = ["N", "file", "Label Studio snapshot export", "workbench pull", "pull / export time"]


def run(sizes: list[int]) -> list[list[str]]:
    rows = []
    with fresh_server() as (settings, studio, sdk, scratch):
        for n in sizes:
            t = measure_pull(settings, studio, sdk, n, scratch)
            rows.append([f"{n:,}", f"{t['mb']:,.0f} MB", f"{t['snapshot']:.1f} s",
                         f"{t['pull']:.1f} s", f"{t['pull'] / t['snapshot']:.2f}x"])
            print(table(rows[-1:], HEADER), flush=True)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    rows = run(parser.parse_args().sizes)
    print("\n" + table(rows, HEADER))
