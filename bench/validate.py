"""Benchmark: `workbench validate --export` beside merely `json.load`-ing the same file.

Synthetic pulls of 10,000 and 100,000 tasks x 3 annotations (bench/synthetic.py).
Each command runs in its own process, one after the other, and is measured for
wall time and peak resident memory.

    python bench/validate.py                 # 10,000 and 100,000 tasks (about 5 minutes)
    python bench/validate.py --sizes 10000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

# bench/ and tests/ (builders, servers, ui), before the imports that need them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import json_load_command, measure, synthetic_export, table

HEADER = ["tasks", "file", "json.load", "validate", "time ratio", "json.load peak",
          "validate peak", "memory ratio"]


def run(sizes: list[int], folder: Path) -> list[list[str]]:
    rows = []
    for n in sizes:
        path = synthetic_export(folder, n)
        load_s, load_mb = measure(json_load_command(path))
        ours_s, ours_mb = measure([sys.executable, "-m", "workbench", "validate", "--export",
                                   str(path), "--json"])
        rows.append([f"{n:,}", f"{path.stat().st_size / 1e6:,.0f} MB", f"{load_s:.1f} s",
                     f"{ours_s:.1f} s", f"{ours_s / load_s:.2f}x", f"{load_mb:,.0f} MiB",
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
