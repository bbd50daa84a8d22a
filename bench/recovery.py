"""Benchmark: `workbench server backup` and `workbench rebuild` beside a pull of the same project.

N synthetic tasks x 3 annotations (bench/pull.py makes and pulls them on a fresh managed
server); then the whole server is backed up (SQLite's online backup, checksummed), and
the pull is rebuilt into a project of its own on the same server, as on a server that
lost its data. Each against the pull's time, measured in the same run.

    python bench/recovery.py                 # N = 10,000 (about 8 minutes)
    python bench/recovery.py --sizes 1000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

# bench/ and tests/ (builders, servers, ui), before the imports that need them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_server, table
from pull import measure_pull

from workbench.store.rawpulls import checksum_path, project_slug, raw_dir
from workbench.studio.backup import backup
from workbench.studio.rebuild import rebuild


def measure_recovery(settings, studio, pulled: Path, n: int, scratch: Path
                     ) -> dict[str, float]:
    """Seconds (and MB) for a backup of the server and a rebuild of the pulled project."""
    started = time.perf_counter()
    taken = backup(settings, to=scratch / "backups")
    backed_up = time.perf_counter() - started

    # The pull as the only one of a project not on the server yet: what rebuild starts from.
    alone = settings.model_copy(update={"project": f"rebuilt-{n}",
                                        "exports": scratch / f"rebuilt-{n}"})
    copy = raw_dir(alone) / pulled.name.replace(f"_pull-{n}_", f"_{project_slug(alone.project)}_")
    copy.parent.mkdir(parents=True)
    shutil.copy(pulled, copy)
    shutil.copy(checksum_path(pulled), checksum_path(copy))
    started = time.perf_counter()
    report = rebuild(alone, studio)
    rebuilt = time.perf_counter() - started
    assert len(report.project.created) == n, report.project
    assert report.annotations == n * 3, report.annotations
    return {"backup": backed_up, "backup_mb": taken.bytes / 1e6, "rebuild": rebuilt}


HEADER = ["N", "pull", "backup (size)", "backup / pull", "rebuild", "rebuild / pull"]


def rows_for(settings, studio, sdk, n: int, scratch: Path) -> list[str]:
    pulled = measure_pull(settings, studio, sdk, n, scratch)
    t = measure_recovery(settings, studio, pulled["path"], n, scratch)
    return [f"{n:,}", f"{pulled['pull']:.1f} s",
            f"{t['backup']:.1f} s ({t['backup_mb']:,.0f} MB)",
            f"{t['backup'] / pulled['pull']:.2f}x", f"{t['rebuild']:.1f} s",
            f"{t['rebuild'] / pulled['pull']:.2f}x"]


def run(sizes: list[int]) -> list[list[str]]:
    rows = []
    with fresh_server() as (settings, studio, sdk, scratch):
        for n in sizes:
            rows.append(rows_for(settings, studio, sdk, n, scratch))
            print(table(rows[-1:], HEADER), flush=True)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    rows = run(parser.parse_args().sizes)
    print("\n" + table(rows, HEADER))
