"""The performance suite (`make bench`): one table, each ratio measured side by side in this run.

- push: `workbench push` of N articles vs one raw SDK bulk import of the same tasks
  (bench/push.py), then the unchanged N pushed again;
- pull: `workbench pull` of N annotated tasks vs Label Studio's own snapshot export of
  them (bench/pull.py);
- offline chain: `workbench export --export F`, which validates every annotation,
  measures agreement, adjudicates and writes the gold version in one streaming pass,
  vs `json.load` of F, each in its own process, on synthetic pulls of 10,000 and
  100,000 tasks x 3 annotations (bench/synthetic.py); growth is the 100,000 figure
  over the 10,000 one (10x for linear).

    python bench/run.py                  # about 13 minutes on 2 cores
    python bench/run.py --server-n 1000 --offline-n 1000 10000 --data /tmp/bench
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_server, json_load_command, measure, synthetic_export, table
from pull import measure_pull
from push import measure_push

HEADER = ["measure", "N", "baseline", "workbench", "ratio"]


def server_rows(n: int) -> list[list[str]]:
    with fresh_server() as (settings, studio, sdk, scratch):
        pushed = measure_push(settings, studio, sdk, n, scratch)
        rows = [["push vs one raw SDK import (time)", f"{n:,}", f"{pushed['raw']:.1f} s",
                 f"{pushed['push']:.1f} s", f"{pushed['push'] / pushed['raw']:.2f}x"],
                ["re-push, nothing changed (time vs push)", f"{n:,}", f"{pushed['push']:.1f} s",
                 f"{pushed['repush']:.1f} s", f"{pushed['repush'] / pushed['push']:.2f}x"]]
        print(table(rows, HEADER), flush=True)
        pulled = measure_pull(settings, studio, sdk, n, scratch)
        rows.append(["pull vs Label Studio's snapshot export (time)", f"{n:,}",
                     f"{pulled['snapshot']:.1f} s", f"{pulled['pull']:.1f} s",
                     f"{pulled['pull'] / pulled['snapshot']:.2f}x"])
        print(table(rows[-1:], HEADER), flush=True)
    return rows


def offline(n: int, folder: Path) -> dict[str, float]:
    """json.load of a synthetic pull vs the export of it, each in its own process."""
    path = synthetic_export(folder, n)
    exports = folder / f"exports-{n}"
    shutil.rmtree(exports, ignore_errors=True)  # a cached run's gold would be "unchanged"
    os.environ["WORKBENCH_EXPORTS"] = str(exports)  # decisions log and pseudonyms
    load_s, load_mb = measure(json_load_command(path))
    export_s, export_mb = measure([sys.executable, "-m", "workbench", "export", "--export",
                                   str(path), "--out", str(exports / "gold")])
    return {"load_s": load_s, "load_mb": load_mb, "s": export_s, "mb": export_mb}


def offline_rows(sizes: list[int], folder: Path) -> list[list[str]]:
    rows, results = [], {}
    for n in sizes:
        r = results[n] = offline(n, folder)
        rows += [["offline chain vs json.load (time)", f"{n:,}", f"{r['load_s']:.1f} s",
                  f"{r['s']:.1f} s", f"{r['s'] / r['load_s']:.2f}x"],
                 ["offline chain vs json.load (peak memory)", f"{n:,}",
                  f"{r['load_mb']:,.0f} MiB", f"{r['mb']:,.0f} MiB",
                  f"{r['mb'] / r['load_mb']:.2f}x"]]
        print(table(rows[-2:], HEADER), flush=True)
    if len(sizes) > 1:
        small, large = results[sizes[0]], results[sizes[-1]]
        span = f"{sizes[0]:,} -> {sizes[-1]:,}"
        rows += [[f"growth of the offline chain (time; linear = {sizes[-1] / sizes[0]:g}x)", span,
                  f"{small['s']:.1f} s", f"{large['s']:.1f} s", f"{large['s'] / small['s']:.1f}x"],
                 ["growth of the offline chain (peak memory)", span, f"{small['mb']:,.0f} MiB",
                  f"{large['mb']:,.0f} MiB", f"{large['mb'] / small['mb']:.1f}x"]]
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-n", type=int, default=10_000,
                        help="tasks pushed and pulled (default 10,000; 0: skip the server)")
    parser.add_argument("--offline-n", type=int, nargs="+", default=[10_000, 100_000],
                        help="synthetic tasks for the offline chain (default 10,000 100,000)")
    parser.add_argument("--data", type=Path, help="keep the synthetic pulls here for re-runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as scratch:
        rows = server_rows(args.server_n) if args.server_n else []
        rows += offline_rows(args.offline_n, args.data or Path(scratch))
    print("\n" + table(rows, HEADER))
