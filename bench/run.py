"""The performance suite (`make bench`): one table, each ratio measured side by side in this run.

- push: `workbench push` of N articles vs one raw SDK bulk import of the same tasks
  (bench/push.py), then the unchanged N pushed again;
- pull: `workbench pull` of N annotated tasks vs Label Studio's own snapshot export of
  them (bench/pull.py); then a backup of that server and a rebuild of the project from
  the pull, each beside the pull (bench/recovery.py);
- sync: a `workbench sync` after 100 new annotations, and one with nothing new, beside a
  full sync of the same N annotated tasks (bench/incremental.py; --sync-n);
- export: `workbench export --export F`, which validates every annotation, measures
  agreement, adjudicates and writes the gold version in one streaming pass, vs `json.load`
  of F, each in its own process, on synthetic pulls of N tasks x 3 annotations
  (bench/synthetic.py): 10,000 and 100,000 tasks, and 20,000 where half the articles are
  disputed; growth is the 100,000 figure over the 10,000 one (10x for linear);
- sync's offline part: what `workbench sync` does after the pull, on the same file (export,
  decisions log, review tasks, feedback, the report's data and page; bench/sync_offline.py).
  Up to 20,000 tasks, three interleaved rounds, each figure its median run.

Times are wall-clock, with the CPU time of the command and of the processes it starts in
brackets; peaks are resident memory, the command's and its children's added (bench/peaks.py).

    python bench/run.py                  # about 40 minutes on 2 cores
    python bench/run.py --server-n 0 --offline-n 10000 --disputed-n 0 --data /tmp/bench
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

# bench/ and tests/ (builders, servers, ui), before the imports that need them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Measured, fresh_server, json_load_command, run_measured, synthetic_export, table
from incremental import measure_incremental
from pull import measure_pull
from push import measure_push
from recovery import measure_recovery

HEADER = ["measure", "N", "baseline", "workbench", "ratio"]


def server_rows(n: int) -> list[list[str]]:
    with fresh_server() as (settings, studio, sdk, scratch):
        pushed = measure_push(settings, studio, sdk, n, scratch)
        rows = [["push vs one raw SDK import (time)", f"{n:,}", f"{pushed['raw']:.1f} s",
                 f"{pushed['push']:.1f} s", f"{pushed['push'] / pushed['raw']:.2f}x"],
                ["re-push, nothing changed (time vs push)", f"{n:,}", f"{pushed['push']:.1f} s",
                 f"{pushed['repush']:.1f} s", f"{pushed['repush'] / pushed['push']:.2f}x"],
                ["push, suggestions cached, vs raw import", f"{n:,} + 100 new",
                 f"{pushed['raw_per_task'] * (n + 100):.1f} s", f"{pushed['cached']:.1f} s",
                 f"{pushed['cached'] / (pushed['raw_per_task'] * (n + 100)):.2f}x"]]
        print(table(rows, HEADER), flush=True)
        pulled = measure_pull(settings, studio, sdk, n, scratch)
        rows.append(["pull vs Label Studio's snapshot export (time)", f"{n:,}",
                     f"{pulled['snapshot']:.1f} s", f"{pulled['pull']:.1f} s",
                     f"{pulled['pull'] / pulled['snapshot']:.2f}x"])
        saved = measure_recovery(settings, studio, pulled["path"], n, scratch)
        rows += [["server backup vs the pull (time; the backup's size)", f"{n:,}",
                  f"{pulled['pull']:.1f} s", f"{saved['backup']:.1f} s "
                  f"({saved['backup_mb']:,.0f} MB)", f"{saved['backup'] / pulled['pull']:.2f}x"],
                 ["rebuild from the pull vs the pull (time)", f"{n:,}",
                  f"{pulled['pull']:.1f} s", f"{saved['rebuild']:.1f} s",
                  f"{saved['rebuild'] / pulled['pull']:.2f}x"]]
        print(table(rows[-3:], HEADER), flush=True)
    return rows


def sync_rows(sizes: list[int]) -> list[list[str]]:
    """A sync after 100 new annotations, and one with nothing new, beside a full sync of
    the same project (bench/incremental.py), on a fresh server."""
    rows = []
    with fresh_server() as (settings, studio, sdk, scratch):
        for n in sizes:
            found = measure_incremental(settings, studio, sdk, n, scratch / f"sync-{n}")
            full = found["again"]
            for label, m in (("sync after 100 new annotations vs a full sync", found["delta"]),
                             ("sync with nothing new vs a full sync", found["nothing"])):
                rows += [[f"{label} (time)", f"{n:,} x 3", f"{full.seconds:.1f} s",
                          f"{m.seconds:.1f} s", f"{m.seconds / full.seconds:.2f}x"],
                         [f"{label} (peak memory)", f"{n:,} x 3", f"{full.mib:,.0f} MiB",
                          f"{m.mib:,.0f} MiB", f"{m.mib / full.mib:.2f}x"]]
            print(table(rows[-4:], HEADER), flush=True)
    return rows


def offline(n: int, folder: Path, disputed: float = 0.0, rounds: int = 1
            ) -> dict[str, Measured]:
    """json.load of a synthetic pull, the export of it and sync's offline part on it, one
    after the other, each in its own process; ``rounds`` times, interleaved, each taking its
    median run (this machine's speed drifts by a sixth within minutes)."""
    path = synthetic_export(folder, n, disputed)
    runs: dict[str, list[Measured]] = {"load": [], "export": [], "sync": []}
    for _ in range(rounds):
        runs["load"].append(run_measured(json_load_command(path)))
        for step, command in (("export", ["-m", "workbench", "export", "--export", str(path)]),
                              ("sync", [str(Path(__file__).resolve().parent / "sync_offline.py"),
                                        str(path)])):
            exports = folder / f"exports-{path.stem}-{step}"
            shutil.rmtree(exports, ignore_errors=True)  # a cached run's gold is "unchanged"
            os.environ["WORKBENCH_EXPORTS"] = str(exports)  # decisions log and pseudonyms
            extra = ["--out", str(exports / "gold")] if step == "export" else [str(exports)]
            runs[step].append(run_measured([sys.executable, *command, *extra]))
    return {step: sorted(found, key=lambda m: m.seconds)[len(found) // 2]
            for step, found in runs.items()}


def _time(m: Measured) -> str:
    return f"{m.seconds:.1f} s ({m.cpu:.1f})"


def offline_rows(sizes: list[int], disputed: list[int], folder: Path,
                 rounds: int | None = None) -> list[list[str]]:
    rows, results = [], {}
    runs = [(n, 0.0) for n in sizes] + [(n, 0.5) for n in disputed]
    for n, share in sorted(runs):
        times = rounds or (3 if n <= 20_000 else 1)
        r = results[n, share] = offline(n, folder, share, times)
        load, export, sync = r["load"], r["export"], r["sync"]
        shown = f"{n:,}" + (f", {share:.0%} disputed" if share else "") + (
            f", median of {times}" if times > 1 else "")
        rows += [["export vs json.load (time)", shown, _time(load), _time(export),
                  f"{export.seconds / load.seconds:.2f}x"],
                 ["export vs json.load (peak memory)", shown, f"{load.mib:,.0f} MiB",
                  f"{export.mib:,.0f} MiB", f"{export.mib / load.mib:.2f}x"],
                 ["sync's offline part vs json.load (time)", shown, _time(load), _time(sync),
                  f"{sync.seconds / load.seconds:.2f}x"],
                 ["sync's offline part vs json.load (peak memory)", shown,
                  f"{load.mib:,.0f} MiB", f"{sync.mib:,.0f} MiB", f"{sync.mib / load.mib:.2f}x"]]
        print(table(rows[-4:], HEADER), flush=True)
    if len(sizes) > 1:
        small, large = results[sizes[0], 0.0]["export"], results[sizes[-1], 0.0]["export"]
        span = f"{sizes[0]:,} -> {sizes[-1]:,}"
        rows += [[f"growth of export (time; linear = {sizes[-1] / sizes[0]:g}x)", span,
                  _time(small), _time(large), f"{large.seconds / small.seconds:.1f}x"],
                 ["growth of export (peak memory)", span, f"{small.mib:,.0f} MiB",
                  f"{large.mib:,.0f} MiB", f"{large.mib / small.mib:.1f}x"]]
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-n", type=int, default=10_000,
                        help="tasks pushed and pulled (default 10,000; 0: skip the server)")
    parser.add_argument("--offline-n", type=int, nargs="*", default=[10_000, 100_000],
                        help="synthetic tasks for the offline chain (default 10,000 100,000)")
    parser.add_argument("--disputed-n", type=int, nargs="*", default=[20_000],
                        help="the same, half the articles disputed (default 20,000)")
    parser.add_argument("--sync-n", type=int, nargs="*", default=[10_000],
                        help="annotated tasks for the incremental sync rows (default 10,000; "
                             "100,000 adds about 50 minutes)")
    parser.add_argument("--data", type=Path, help="keep the synthetic pulls here for re-runs")
    parser.add_argument("--rounds", type=int, help="interleaved runs of each offline size, "
                        "the median taken (default 3 up to 20,000 tasks, else 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as scratch:
        rows = server_rows(args.server_n) if args.server_n else []
        rows += sync_rows(args.sync_n) if args.sync_n else []
        rows += offline_rows(args.offline_n, args.disputed_n, args.data or Path(scratch),
                             args.rounds)
    print("\n" + table(rows, HEADER))
