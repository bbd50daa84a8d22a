"""Benchmark: what one complete annotation of a seed article costs at a laptop's 1366x768,
with this labeling config and with the config of an older commit, side by side.

The same person at the same screen (tests/annotate.py): keyboard first, then mouse
only, on a fresh managed Label Studio with the seeds and their suggestions. Counted:
clicks, drags, keys and hovers; scrolls, by what moved; the controls reached only by
scrolling the text away. Needs Chromium (apt-get install chromium) and playwright.

    python bench/labeling.py                  # this config vs 8d198dd's (before issue #29)
    python bench/labeling.py --before HEAD~3
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

# bench/ and tests/ (builders, servers, ui), before the imports that need them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import ui
from annotate import Annotator, plan_for
from common import fresh_server, table

from workbench.schema.labelconfig import label_config
from workbench.studio.annotators import add_annotator
from workbench.studio.push import push

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
HEADER = ["config", "way", "actions", "clicks", "drags", "keys", "hovers",
          "of them the relation's label", "scrolls (text, side)", "reached by scrolling the text"]


def measure(browser, settings, studio, sdk, config: str, title: str) -> dict[str, dict]:
    """Both ways on a new project of the seeds with ``config``: each way's tally."""
    ours = settings.model_copy(update={"project": title})
    project = push([SEEDS], settings=ours, studio=studio).project_id
    studio.update_project(project, label_config=config)
    page = ui.login(browser, studio.url, "ana@example.org")
    page.set_viewport_size({"width": 1366, "height": 768})
    ui.open_stream(page, studio.url, project)
    measured = {}
    for way in ("keyboard", "mouse"):
        task_id = ui.shown_task(page)
        text = sdk.tasks.get(id=task_id).data["text"]
        measured[way] = Annotator(page, way).annotate(plan_for(text, ui.highlighted(page)))
        ui.next_task(page, {t.id for t in sdk.tasks.list(project=project)} - {task_id})
    ui.logout(page)
    return measured


def run(before: str) -> list[list[str]]:
    from playwright.sync_api import sync_playwright

    old = subprocess.run(["git", "show", f"{before}:label_configs/crime_news.xml"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    rows = []
    with fresh_server() as (settings, studio, sdk, scratch), sync_playwright() as playwright:
        secret = scratch / "ana.pw"
        secret.write_text(ui.password("ana@example.org") + "\n")
        add_annotator(settings, studio, "ana@example.org", password_file=secret)
        browser = playwright.chromium.launch(executable_path=ui.CHROMIUM, args=["--no-sandbox"])
        for name, config in ((before, old), ("this one", label_config())):
            for way, tally in measure(browser, settings, studio, sdk, config,
                                      f"labeling-{len(rows)}").items():
                a = tally.actions
                rows.append([name, way, str(tally.total), str(a["click"]), str(a["drag"]),
                             str(a["key"]), str(a["hover"]), str(tally.relation_label),
                             f"{tally.scrolls['text']}, {tally.scrolls['side']}",
                             ", ".join(tally.to_reach) or "-"])
                print(table(rows[-1:], HEADER), flush=True)
        browser.close()
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="8d198dd",
                        help="the commit whose labeling config to compare with")
    print("\n" + table(run(parser.parse_args().before), HEADER))
