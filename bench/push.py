"""Benchmark: `workbench push` against one raw SDK bulk import of the same tasks.

Both run in this process, on the same fresh managed Label Studio, one after the
other: the raw import gets the finished task dicts (predictions included) and
is timed around its single `projects.import_tasks` call; the push is timed
around the library call `workbench push` wraps, so it also pays for reading
and cleaning the files and for the pre-annotations (none cached yet). Then the
unchanged N are pushed again, and the same N with 100 new articles into a fresh
project: only the 100 are predicted, the rest come from the cache.

    python bench/push.py              # N = 1,000 and 10,000 (about 5 minutes)
    python bench/push.py --sizes 500
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# bench/ and tests/ (builders, servers, ui), before the imports that need them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from builders import synthetic_articles
from common import fresh_server, table

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

    # The same n and 100 new into a fresh project: the n's suggestions come from the cache.
    more = synthetic_articles(scratch / f"more-{n}.jsonl", n + 100, prefix=f"n{n}")
    fresh = settings.model_copy(update={"project": f"push-{n}-more"})
    started = time.perf_counter()
    cached = push([more], settings=fresh, studio=studio)
    with_cache = time.perf_counter() - started
    assert len(cached.created) == n + 100 and cached.predicted <= 100, cached.predicted
    return {"raw": raw, "push": pushed, "repush": repush, "cached": with_cache,
            "raw_per_task": raw / n}


def run(sizes: list[int]) -> list[list[str]]:
    rows = []
    with fresh_server() as (settings, studio, sdk, scratch):
        for n in sizes:
            t = measure_push(settings, studio, sdk, n, scratch)
            rows.append([f"{n:,}", f"{n / t['raw']:,.0f}/s", f"{n / t['push']:,.0f}/s",
                         f"{t['raw'] / t['push']:.2f}x", f"{t['repush']:.2f} s",
                         f"{t['repush'] / t['push']:.1%}", f"{t['cached']:.1f} s",
                         f"{t['cached'] / (t['raw_per_task'] * (n + 100)):.2f}x"])
            print(table(rows[-1:], HEADER), flush=True)
    return rows


HEADER = ["N", "raw SDK import", "workbench push", "push / raw rate", "re-push",
          "re-push / push time", "N + 100 new, fresh project (cached)", "vs raw, per task"]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    rows = run(parser.parse_args().sizes)
    print("\n" + table(rows, HEADER))
