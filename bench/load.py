"""Load: K people submit and revise annotations while `sync` runs; is anything lost or doubled?

A Label Studio is started the way a team runs it (plain `label-studio start`, legacy
tokens off, on SQLite or PostgreSQL; see tests/servers.py). K simulated annotators sign up
through the organization's invite link, each with a personal access token of their own,
and work through the API as people do: take the next task of the label stream, submit an
annotation, now and then revise one they made, one action every few seconds with jitter,
with short bursts and one moment when everyone submits at once. Meanwhile the
maintainer's `sync` (workbench.sync.sync: push, pull, validate, adjudicate, review,
export, report) runs back to back with a personal access token too.

Checked, against what each annotator was told by the server (annotation id and the
content of its latest acknowledged version):
- every pull taken during the load holds each annotation acknowledged before that sync
  began, exactly once, at that version or a later one;
- the final pull (after the load) holds every annotation exactly once, at its latest
  version; none is missing, none doubled, none stale;
- the gold decisions over the final pull (quality.chain.run_chain, and the last entry per
  article in exports/decisions.jsonl) count each annotation exactly once as an input.

The people, the syncs and the checks are tests/workload.py's, which tests/test_team.py
runs for a few seconds.

    python bench/load.py                       # SQLite and PostgreSQL, K = 5 and 20 (~9 min)
    python bench/load.py --backends sqlite --annotators 5 --duration 30
    python bench/load.py --backends postgres-gunicorn --gunicorn-path /tmp/gunicorn
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

# bench/ and tests/ (builders, servers, ui), before the imports that need them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from builders import synthetic_articles
from common import table
from servers import create_token, postgres_cluster, team_server
from workload import LoadResult, run_load, sign_up_people

HEADER = ["database", "K", "load", "submissions (new+revised)", "held/s", "p50 / p95",
          "errors", "syncs under load", "sync s (median / max)", "final sync s",
          "checked in pulls under load", "final: lost / doubled / stale",
          "gold: missing / doubled"]


def row(r: LoadResult) -> list[str]:
    errors = sum(r.errors.values())
    return [r.backend, str(r.annotators), f"{r.duration:.0f} s",
            f"{r.created + r.updated} ({r.created}+{r.updated})", f"{r.held:.2f}",
            f"{r.latency_p50 * 1000:.0f} / {r.latency_p95 * 1000:.0f} ms", str(errors),
            str(len(r.syncs)),
            f"{statistics.median(r.syncs):.1f} / {max(r.syncs):.1f}" if r.syncs else "-",
            f"{r.final_sync:.1f}",
            f"{r.during.expected} ({r.during.lost} lost, {r.during.duplicated} doubled, "
            f"{r.during.stale} stale)",
            f"{r.final.lost} / {r.final.duplicated} / {r.final.stale} of {r.final.expected}",
            f"{r.gold['chain_missing'] + r.gold['log_missing']} / "
            f"{r.gold['chain_doubled'] + r.gold['log_doubled']}"]


def machine() -> str:
    import os

    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"],
                        choices=("sqlite", "postgres", "postgres-gunicorn"),
                        help="postgres-gunicorn: Label Studio under gunicorn, 3 workers, as "
                             "docs/team.md deploys it (needs gunicorn: --gunicorn-path)")
    parser.add_argument("--gunicorn-path", help="a folder gunicorn is installed in "
                                                "(pip install --target DIR gunicorn)")
    parser.add_argument("--annotators", nargs="+", type=int, default=[5, 20])
    parser.add_argument("--duration", type=float, default=75.0, help="seconds of load per run")
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    from contextlib import ExitStack

    print(f"{time.strftime('%Y-%m-%d')}, {machine()}", flush=True)
    results = []
    for backend in args.backends:
        with tempfile.TemporaryDirectory(prefix="workbench-load-") as scratch, \
                ExitStack() as stack:
            folder = Path(scratch)
            database = (stack.enter_context(postgres_cluster())
                        if backend.startswith("postgres") else None)
            began = time.monotonic()
            workers = 3 if backend.endswith("gunicorn") else 0
            server = stack.enter_context(team_server(folder, database=database, workers=workers,
                                                     gunicorn_path=args.gunicorn_path))
            print(f"{server.database}: Label Studio up in {time.monotonic() - began:.0f} s",
                  flush=True)
            with server.login() as admin:
                token = create_token(admin)
            people = sign_up_people(server, max(args.annotators))
            articles = synthetic_articles(folder / "articles.jsonl", args.articles)
            for k in args.annotators:
                print(f"{server.database}, K={k}: {args.duration:.0f} s of load ...", flush=True)
                result_ = run_load(server, people[:k], token, folder / f"k{k}",
                                   articles=articles, duration=args.duration,
                                   project=f"Load K={k}", say=print)
                results.append(result_)
                print(table([row(result_)], HEADER), flush=True)
                if result_.errors:
                    print(f"  errors: {result_.errors}", flush=True)
    print()
    print(table([row(r) for r in results], HEADER))
    if args.json:
        args.json.write_text(json.dumps([{**r.__dict__, "during": r.during.__dict__,
                                          "final": r.final.__dict__, "held": r.held}
                                         for r in results], indent=2, default=str))
    if not all(r.ok for r in results):
        sys.exit("LOST, DOUBLED OR STALE ANNOTATIONS: see the table")


if __name__ == "__main__":
    main()
