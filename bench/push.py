"""Benchmark: `workbench push` against one raw SDK bulk import of the same tasks.

Both run in this process, on the same fresh managed Label Studio, one after the
other: the raw import gets the finished task dicts (predictions included) and
is timed around its single `projects.import_tasks` call; the push is timed
around the library call `workbench push` wraps, so it also pays for reading
and cleaning the files and for the pre-annotations. Then the unchanged N are
pushed again.

    python bench/push.py              # N = 1,000 and 10,000 (about 5 minutes)
    python bench/push.py --sizes 500
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from builders import synthetic_articles
from common import fresh_server, table  # first: it puts tests/ on the path, for builders

from workbench.ingest.articles import ingest
from workbench.ingest.preannotate import PreAnnotator
from workbench.studio.push import project_settings, push, task_payload


def measure_push(settings, studio, sdk, n: int, scratch: Path) -> dict[str, float]:
    """Seconds for one raw SDK import of n tasks, for `workbench push` of the same n
    articles into a new project, and for pushing them again unchanged."""
    source = synthetic_articles(scratch / f"articles-{n}.jsonl", n, prefix=f"n{n}")
    annotator = PreAnnotator()
    tasks = [task_payload(a, annotator) for a in ingest([source]).articles]
    # The same project settings as push's, so only the way of importing differs.
    raw_project = sdk.projects.create(**{**project_settings(settings), "title": f"raw-{n}"})
    started = time.perf_counter()
    sdk.projects.import_tasks(id=raw_project.id, request=tasks)
    raw = time.perf_counter() - started

    ours = settings.model_copy(update={"project": f"push-{n}"})
    started = time.perf_counter()
    report = push([source], settings=ours, studio=studio)
    pushed = time.perf_counter() - started
    assert len(report.created) == n, report

    started = time.perf_counter()
    again = push([source], settings=ours, studio=studio)
    repush = time.perf_counter() - started
    assert again.created == [] and again.unchanged == n
    return {"raw": raw, "push": pushed, "repush": repush}


def run(sizes: list[int]) -> list[list[str]]:
    rows = []
    with fresh_server() as (settings, studio, sdk, scratch):
        for n in sizes:
            t = measure_push(settings, studio, sdk, n, scratch)
            rows.append([f"{n:,}", f"{n / t['raw']:,.0f}/s", f"{n / t['push']:,.0f}/s",
                         f"{t['raw'] / t['push']:.2f}x", f"{t['repush']:.2f} s",
                         f"{t['repush'] / t['push']:.1%}"])
            print(table(rows[-1:], HEADER), flush=True)
    return rows


HEADER = ["N", "raw SDK import", "workbench push", "push / raw rate", "re-push",
          "re-push / push time"]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    rows = run(parser.parse_args().sizes)
    print("\n" + table(rows, HEADER))
