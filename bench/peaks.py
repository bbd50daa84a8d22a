"""Run a Python command and write its peak resident memory, and its children's, to a file.

    python bench/peaks.py OUT -m workbench export --export F
    python bench/peaks.py OUT -c "import json; json.load(open('F'))"
    python bench/peaks.py OUT path/to/script.py ARGS

The workbench may measure agreement in a second process (quality/alongside.py):
a parent's peak does not include its children's, and the kernel reports a
process tree's peak as the largest, not the sum. So the command runs here, in
this process, and at exit this writes "SELF CHILDREN" (KiB): its own peak and
the largest peak of the children it waited for, which run beside it; the bench
adds them.
"""

from __future__ import annotations

import atexit
import resource
import runpy
import sys


def _write(path: str) -> None:
    with open(path, "w") as handle:
        handle.write(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} "
                     f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\n")


if __name__ == "__main__":
    out, *command = sys.argv[1:]
    atexit.register(_write, out)
    if command[0] == "-m":
        sys.argv = command[1:]
        runpy.run_module(command[1], run_name="__main__", alter_sys=True)
    elif command[0] == "-c":
        sys.argv = ["-c", *command[2:]]
        exec(compile(command[1], "<string>", "exec"), {"__name__": "__main__"})
    else:
        sys.argv = command
        runpy.run_path(command[0], run_name="__main__")
