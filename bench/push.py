"""Benchmark: `workbench push` against one raw SDK bulk import of the same tasks.

Both run in this process, on the same fresh managed Label Studio, one after the
other: the raw import gets the finished task dicts (predictions included) and
is timed around its single `projects.import_tasks` call; the push is timed
around the library call `workbench push` wraps, so it also pays for reading
and cleaning the files and for the pre-annotations (none cached yet). Then the
unchanged N are pushed again, and the same N with 100 new articles into a fresh
project: only the 100 are predicted, the rest come from the cache.

Below the table, where the CPU of the raw import and of the push went (Label Studio's
process, this one, the rule workers), and the least time that CPU needs on this
machine's cores: what bounds push on a machine that also runs the server.

    python bench/push.py              # N = 1,000 and 10,000 (about 5 minutes)
    python bench/push.py --sizes 500
"""

from __future__ import annotations

import argparse
import os
import resource
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
from workbench.studio.server import ManagedServer


def _cpu(pid: int) -> float:
    """Seconds of CPU a process (and the children it waited for) has used (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _own(who: int) -> float:
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime


def measure_push(settings, studio, sdk, n: int, scratch: Path) -> dict[str, float]:
    """Seconds for one raw SDK import of n tasks, for `workbench push` of the same n
    articles into a new project, and for pushing them again unchanged."""
    source = synthetic_articles(scratch / f"articles-{n}.jsonl", n, prefix=f"n{n}")
    annotator = PreAnnotator()
    tasks = [task_payload(a, annotator) for a in ingest([source]).articles]
    # The same project settings as push's, so only the way of importing differs.
    raw_project = sdk.projects.create(**{**project_settings(settings), "title": f"raw-{n}"})
    server = ManagedServer(settings).running().pid
    cpu = (_cpu(server), _own(resource.RUSAGE_SELF))
    started = time.perf_counter()
    sdk.projects.import_tasks(id=raw_project.id, request=tasks)
    raw = time.perf_counter() - started
    raw_cpu = (_cpu(server) - cpu[0], _own(resource.RUSAGE_SELF) - cpu[1])

    ours = settings.model_copy(update={"project": f"push-{n}"})
    cpu = (_cpu(server), _own(resource.RUSAGE_SELF), _own(resource.RUSAGE_CHILDREN))
    started = time.perf_counter()
    report = push([source], settings=ours, studio=studio)
    pushed = time.perf_counter() - started
    push_cpu = (_cpu(server) - cpu[0], _own(resource.RUSAGE_SELF) - cpu[1],
                _own(resource.RUSAGE_CHILDREN) - cpu[2])  # the workers end with the push
    cores = os.cpu_count() or 1
    print(f"CPU, N = {n:,}: raw import {raw:.1f} s wall, Label Studio {raw_cpu[0]:.1f} s, "
          f"the SDK client {raw_cpu[1]:.1f} s; push {pushed:.1f} s wall, Label Studio "
          f"{push_cpu[0]:.1f} s, push {push_cpu[1]:.1f} s, the rule workers {push_cpu[2]:.1f} s: "
          f"at least {sum(push_cpu) / cores:.1f} s on {cores} cores "
          f"({sum(push_cpu) / cores / raw:.2f}x the raw import)", flush=True)
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
