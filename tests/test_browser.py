"""The labeling UI and the quality report in a real browser (Debian's Chromium, driven
by Playwright): an annotator logs in, sees what the config promises, selects words
with the mouse, labels and submits; the pull gives back exactly those words.

Screenshots go to artifacts/browser/. Without Chromium the tests are skipped, and say why.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import ui
from annotate import Annotator, plan_for
from builders import write_export
from ui import ARTIFACTS

from workbench.lsformat.stream import read_tasks
from workbench.report.page import write_report
from workbench.schema import SCHEMA
from workbench.studio.pull import pull
from workbench.studio.push import push

# Emoji (astral, two UTF-16 units each), a flag, \r\n line ends and runs of spaces, all
# before the words selected: the offsets Label Studio records must still land on them.
TRICKY = ("Breaking 🚨🇰🇭 news\r\n\r\nPolice  in   Phnom Penh 😀 said the victims were freed."
          "\r\nThe court charged two suspects with kidnapping.")


def _ana_spans(path: Path, article_id: str) -> tuple[str, list]:
    for task in read_tasks(path):
        if task.article_id == article_id:
            (annotation,) = [a for a in task.annotations if a.annotator == "ana@example.org"]
            return task.text, annotation
    raise AssertionError(f"{article_id} is not in {path}")


def test_annotator_labels_in_the_browser_and_pull_returns_the_selected_words(
        browser, settings, studio, ls_client, seeds_dir, annotators):
    pushed = push([seeds_dir], settings=settings, studio=studio)
    project_id = pushed.project_id
    # Straight to Label Studio, as a user's own file may be: ingestion would normalise \r\n.
    ls_client.projects.import_tasks(id=project_id, request=[{"data": {
        "text": TRICKY, "article_id": "tricky", "title": "Emoji and CRLF"}}])
    tasks = {t.data.get("article_id"): t.id for t in ls_client.tasks.list(project=project_id)}
    seed_id = sorted(a for a in tasks if a != "tricky")[0]
    base = studio.url

    page = ui.login(browser, base, "ana@example.org")
    ui.open_task(page, base, project_id, tasks[seed_id])
    ui.shot(page, "seed-opened")
    # What the config promises: text, choices, actor labels with hotkeys, predictions.
    assert page.locator(".lsf-richtext__line").count() > 3
    for spec in SCHEMA.crime_types + SCHEMA.stances:
        assert page.locator(f'.lsf-choice__item:has-text("{spec.name}")').count() >= 1
    for role in SCHEMA.actor_roles:
        label = page.locator(".lsf-label", has_text=role.id).first
        assert role.hotkey in label.inner_text()
    predicted = page.locator(".lsf-outliner-item").count()
    assert predicted > 0, "the pre-annotations are not shown"
    # ... and they are marked as coming from the prediction.
    assert page.locator(".lsf-outliner-item__control_type_predict").count() >= predicted
    # The guidelines, in the instructions panel.
    page.click('button:has-text("Instructions")')
    panel = page.locator(".lsf-modal-ls__content")
    panel.wait_for(timeout=10_000)
    assert "Recruiting, moving or holding people" in panel.inner_text()
    ui.shot(page, "instructions")
    ui.close_instructions(page)

    words = ui.plain_words(ls_client.tasks.get(id=tasks[seed_id]).data["text"],
                           ui.highlighted(page))
    victim = next(r for r in SCHEMA.actor_roles if r.id == "victim")
    ui.label(page, victim.hotkey, words)
    ui.choose(page, "Human trafficking")
    ui.choose(page, "Critical")
    ui.submit(page, "seed-labelled")

    ui.open_task(page, base, project_id, tasks["tricky"])
    ui.label(page, victim.hotkey, "victims")
    police = next(r for r in SCHEMA.actor_roles if r.id == "law_enforcement")
    ui.label(page, police.hotkey, "Police  in   Phnom Penh")
    ui.choose(page, "Kidnapping / illegal detention")
    ui.choose(page, "Neutral")
    ui.submit(page, "tricky-labelled")
    ui.logout(page)

    path = pull(settings, studio).path
    text, annotation = _ana_spans(path, seed_id)
    chosen = [s for s in annotation.spans if "victim" in s.labels and text[s.start:s.end] == words]
    assert len(chosen) == 1, [(text[s.start:s.end], s.labels) for s in annotation.spans]
    assert "human_trafficking" in annotation.choices["crime_types"]
    assert annotation.choices["stance"] == ("critical",)

    text, annotation = _ana_spans(path, "tricky")
    assert text == TRICKY  # \r\n kept as Label Studio stored it
    got = {(text[s.start:s.end], s.labels) for s in annotation.spans}
    assert got == {("victims", ("victim",)), ("Police  in   Phnom Penh", ("law_enforcement",))}
    assert annotation.choices["crime_types"] == ("kidnapping_detention",)


LAPTOP = {"width": 1366, "height": 768}
DOCS_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "labeling.png"


def test_one_complete_annotation_at_a_laptops_size_keyboard_first_and_mouse_only(
        browser, settings, studio, seeds_dir, annotators, ls_client):
    """A seed article annotated in full at 1366x768 (two actors with stances, a mention,
    the stance, a relation with its label, the suggested crime types kept), keyboard
    first, then the next one with the mouse only: no label or choice is reached by
    scrolling the text away, every action is counted (artifacts/browser/actions.json),
    and Label Studio stores exactly what was done."""
    project = push([seeds_dir], settings=settings, studio=studio).project_id
    page = ui.login(browser, studio.url, "ana@example.org")
    page.set_viewport_size(LAPTOP)
    ui.open_stream(page, studio.url, project)
    assert not page.locator(".lsf-modal-ls__content").count()  # no instructions modal
    measured = {}
    for way in ("keyboard", "mouse"):
        task_id = ui.shown_task(page)
        task = ls_client.tasks.get(id=task_id)
        plan = plan_for(task.data["text"], ui.highlighted(page))
        tally = Annotator(page, way).annotate(plan, before_submit=lambda page, way=way: (
            _screenshot(page, f"laptop-{way}-labelled", docs=way == "keyboard")))
        measured[way] = tally.summary()
        ui.next_task(page, {t.id for t in ls_client.tasks.list(project=project)} - {task_id})

        (stored,) = [a for a in ls_client.annotations.list(id=task_id)]
        result = stored.result
        mine = {r["id"]: r for r in result if r.get("type") == "labels"
                and r["value"]["text"] in {w for w, *_ in plan.actors} | {plan.mention[0]}}
        labels = {r["value"]["text"]: r["value"]["labels"] for r in mine.values()}
        assert labels == {plan.actors[0][0]: [plan.actors[0][1]],
                          plan.actors[1][0]: [plan.actors[1][1]],
                          plan.mention[0]: [plan.mention[1]]}, labels
        stances = {mine[r["id"]]["value"]["text"]: r["value"]["choices"] for r in result
                   if r.get("from_name") == "actor_stance" and r["id"] in mine}
        assert stances == {w: [s] for w, _, s in plan.actors}, stances
        (relation,) = [r for r in result if r.get("type") == "relation"]
        assert (mine[relation["from_id"]]["value"]["text"], relation["labels"]) == (
            plan.actors[0][0], [plan.relation])
        chosen = {r["from_name"]: r["value"]["choices"] for r in result
                  if r.get("from_name") in ("stance", "crime_types")}
        (suggested,) = [r for p in task.predictions for r in p.result
                        if r.get("from_name") == "crime_types"] or [{"value": {"choices": []}}]
        assert chosen["stance"] == [plan.stance]
        assert sorted(chosen["crime_types"]) == sorted(suggested["value"]["choices"])
    (ARTIFACTS / "actions.json").write_text(json.dumps(measured, indent=1))
    print(json.dumps(measured))
    for way, tally in measured.items():
        assert tally["reached by scrolling the text"] == [], (way, tally)
    keyboard = measured["keyboard"]
    # All but the relation's label (no key for it in Label Studio) in 14 actions.
    assert keyboard["actions"] - keyboard["relation label"] <= 14, keyboard
    assert keyboard["key"] >= 8 and keyboard["relation label"] <= 5, keyboard


def _screenshot(page, name: str, *, docs: bool) -> None:
    path = ui.shot(page, name)
    if docs and os.environ.get("WORKBENCH_UPDATE_DOCS"):
        shutil.copyfile(path, DOCS_SCREENSHOT)


def test_report_page_shows_its_charts(browser, tmp_path):
    from workbench.settings import Settings

    export = write_export(tmp_path / "export.json", 150)
    path = write_report(Settings(exports=tmp_path / "exports", _env_file=None), export=export,
                        out=tmp_path / "report")
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # a file: no login
    page.goto(path.as_uri())
    charts = page.locator("svg.chart")
    assert charts.count() >= 8
    # Every chart drawn at a readable size, and every word of it inside it (the labels' room
    # is estimated, not measured, when the page is written).
    drawn = page.evaluate("""[...document.querySelectorAll('svg.chart')].map(svg => {
        const box = svg.getBoundingClientRect();
        const out = [...svg.querySelectorAll('text')].filter(t => {
            const r = t.getBoundingClientRect();
            return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                || r.bottom > box.bottom + 1; }).map(t => t.textContent);
        return {width: box.width, texts: svg.querySelectorAll('text').length, out}; })""")
    assert all(c["width"] >= 250 and c["texts"] >= 3 and not c["out"] for c in drawn), drawn
    for heading in ("Progress", "Label distributions", "Agreement",
                    "Confusion between annotators", "Where disagreements cluster",
                    "Validation"):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 1
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    page.close()
