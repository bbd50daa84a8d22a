"""Benchmark: `workbench agreement` plus `workbench adjudicate` beside `json.load` of the file.

Synthetic pulls of 10,000 and 100,000 tasks x 3 annotations (bench/synthetic.py),
each command in its own process, measured for wall time and peak memory; the
chain's time is the sum of both, its memory the larger peak.

    python bench/agreement.py                # about 8 minutes
    python bench/agreement.py --sizes 10000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

# bench/ and tests/ (builders, servers, ui), before the imports that need them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import json_load_command, measure, synthetic_export, table

HEADER = ["tasks", "json.load", "agreement", "adjudicate", "time ratio", "json.load peak",
          "peak", "memory ratio"]


def run(sizes: list[int], folder: Path) -> list[list[str]]:
    rows = []
    workbench = [sys.executable, "-m", "workbench"]
    for n in sizes:
        path = synthetic_export(folder, n)
        os.environ["WORKBENCH_EXPORTS"] = str(folder / f"exports-{n}")  # the decisions log
        load_s, load_mb = measure(json_load_command(path))
        agree_s, agree_mb = measure([*workbench, "agreement", "--export", str(path), "--json"])
        adj_s, adj_mb = measure([*workbench, "adjudicate", "--export", str(path), "--json"])
        ours_mb = max(agree_mb, adj_mb)
        rows.append([f"{n:,}", f"{load_s:.1f} s", f"{agree_s:.1f} s", f"{adj_s:.1f} s",
                     f"{(agree_s + adj_s) / load_s:.2f}x", f"{load_mb:,.0f} MiB",
                     f"{ours_mb:,.0f} MiB", f"{ours_mb / load_mb:.2f}x"])
        print(table(rows[-1:], HEADER), flush=True)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--data", type=Path, help="keep the synthetic files here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        rows = run(args.sizes, args.data or Path(scratch))
    print("\n" + table(rows, HEADER))
