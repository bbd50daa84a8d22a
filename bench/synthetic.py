"""Synthetic Label Studio JSON exports, shaped like a pull: N tasks x K annotations.

Each task has a ~1 KB text, one prediction (none for every tenth task, the control share)
and K annotations by different annotators that mostly agree, with a few disagreements;
``--disputed`` makes that share of the articles ones the votes cannot settle. The pull is
built by tests/builders.py (``write_export``), which the tests use too.

    python bench/synthetic.py 10000 /tmp/export-10k.json
    python bench/synthetic.py 20000 /tmp/export-20k-disputed.json --disputed 0.5
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# Not through common.py: .ci/core runs this with the core install only, and builders.py
# needs nothing but the standard library.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from builders import write_export

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--disputed", type=float, default=0.0,
                        help="share of articles the votes cannot settle (default 0)")
    args = parser.parse_args()
    write_export(args.path, args.tasks, disputed=args.disputed)
