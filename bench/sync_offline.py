"""Sync's offline part on an export file, as `workbench sync` runs it after the pull.

One pass (``workbench.sync.offline_pass``): validate, adjudicate, log the
decisions, write the gold version, the feedback pages and the report's data,
stage the review tasks; then the quality report page
(``workbench.report.page.write_report``). No server: the review round is empty.

    python bench/sync_offline.py EXPORT EXPORTS_FOLDER
"""

from __future__ import annotations

import sys
from pathlib import Path

from workbench.quality.review_round import load_review
from workbench.report.page import write_report
from workbench.settings import Settings
from workbench.store.rawpulls import Source
from workbench.sync import offline_pass


def run(export: Path, exports: Path) -> None:
    settings = Settings(home=exports / "home", exports=exports, _env_file=None)
    review = load_review(None, set())
    with offline_pass(settings, Source(export), review,
                      task_url="http://127.0.0.1:8080/projects/1/data?task={task}") as done:
        staged = len(done.staged)  # sync sends these to the review project here
    write_report(settings, data=done.data)
    print(f"{done.result.reckoning.tasks} tasks, {staged} review tasks staged, gold "
          f"{done.gold.version or done.gold.previous}")


if __name__ == "__main__":
    run(Path(sys.argv[1]), Path(sys.argv[2]))
