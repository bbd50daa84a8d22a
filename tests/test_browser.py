"""The labeling UI and the quality report in a real browser (Debian's Chromium, driven
by Playwright): an annotator logs in, sees what the config promises, selects words
with the mouse, labels and submits; the pull gives back exactly those words.

Screenshots go to artifacts/browser/. Without Chromium the tests are skipped, and say why.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import missing

from workbench.lsformat.reader import iter_tasks
from workbench.lsformat.records import parse_task
from workbench.report.page import write_report
from workbench.schema import SCHEMA
from workbench.studio.pull import pull
from workbench.studio.push import push


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
PASSWORD = "ana-secret-password"  # the session's annotator accounts (conftest)

# Emoji (astral, two UTF-16 units each), a flag, \r\n line ends and runs of spaces, all
# before the words selected: the offsets Label Studio records must still land on them.
TRICKY = ("Breaking 🚨🇰🇭 news\r\n\r\nPolice  in   Phnom Penh 😀 said the victims were freed."
          "\r\nThe court charged two suspects with kidnapping.")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        missing("Chromium is not installed (apt-get install chromium chromium-driver); "
                    "the browser tests need it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install 'workbench[test]')")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _login(browser, base: str, email: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/user/login/")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda url: "/user/login" not in url)
    return page


def _open_task(page, base: str, project_id: int, task_id: int) -> None:
    page.goto(f"{base}/projects/{project_id}/data?task={task_id}")
    page.wait_for_selector(".lsf-richtext__line", timeout=60_000)
    page.wait_for_timeout(1000)  # regions from the prediction settle


# Where the words are on screen: a DOM Range over the text nodes of the Text tag.
WORD_BOX = """([words, nth]) => {
  const root = document.querySelector('.lsf-richtext');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = []; let text = '';
  while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]);
                              text += walker.currentNode.data; }
  let at = -1;
  for (let i = 0; i <= nth; i++) { at = text.indexOf(words, at + 1); }
  if (at < 0) return null;
  const locate = (offset) => { for (const [node, start] of nodes) {
      if (offset <= start + node.data.length) return [node, offset - start]; } };
  const range = document.createRange();
  range.setStart(...locate(at));
  range.setEnd(...locate(at + words.length));
  const rects = Array.from(range.getClientRects()).filter(r => r.width > 0);
  const first = rects[0], last = rects[rects.length - 1];
  return [first.left + 1, first.top + first.height / 2, last.right - 1,
          last.top + last.height / 2];
}"""


def _select(page, words: str, nth: int = 0) -> None:
    """Drag the mouse over ``words`` in the article, as a person would."""
    box = page.evaluate(WORD_BOX, [words, nth])
    assert box is not None, f"{words!r} is not on the page"
    x1, y1, x2, y2 = box
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=8)
    page.mouse.up()


def _label(page, hotkey: str, words: str, nth: int = 0) -> None:
    marks = "document.querySelectorAll('.lsf-richtext .htx-highlight').length"
    before = page.evaluate(marks)
    page.keyboard.press(hotkey)  # picks the label, as the chip shows
    _select(page, words, nth)
    page.wait_for_function(f"{marks} > {before}")  # the new region is drawn


def _choose(page, name: str) -> None:
    page.locator(f'.lsf-choice__item:has-text("{name}") input').first.check()


def _submit(page, shot: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"))
    with page.expect_response(lambda r: "/annotations" in r.url and r.request.method == "POST"
                              ) as response:
        page.click('button:has-text("Submit")')
    assert response.value.ok, response.value.text()


def _ana_spans(path: Path, article_id: str) -> tuple[str, list]:
    for item in iter_tasks(path):
        task = parse_task(item)
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

    page = _login(browser, base, "ana@example.org")
    _open_task(page, base, project_id, tasks[seed_id])
    page.screenshot(path=str(ARTIFACTS / "seed-opened.png"))
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
    page.screenshot(path=str(ARTIFACTS / "instructions.png"))
    page.locator(".lsf-modal-ls__header button, .lsf-modal-ls__header [class*=close]"
                 ).first.click()
    panel.wait_for(state="hidden", timeout=10_000)

    words = _plain_words(page, ls_client.tasks.get(id=tasks[seed_id]).data["text"])
    victim = next(r for r in SCHEMA.actor_roles if r.id == "victim")
    _label(page, victim.hotkey, words)
    _choose(page, "Human trafficking")
    _choose(page, "Critical")
    _submit(page, "seed-labelled")

    _open_task(page, base, project_id, tasks["tricky"])
    _label(page, victim.hotkey, "victims")
    police = next(r for r in SCHEMA.actor_roles if r.id == "law_enforcement")
    _label(page, police.hotkey, "Police  in   Phnom Penh")
    _choose(page, "Kidnapping / illegal detention")
    _choose(page, "Neutral")
    _submit(page, "tricky-labelled")
    page.close()

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


def _plain_words(page, text: str) -> str:
    """Three words of the article no pre-annotation covers (a drag over plain text)."""
    highlighted = page.evaluate(
        "Array.from(document.querySelectorAll('.lsf-richtext .htx-highlight'))"
        ".map(e => e.textContent)")
    words = text.split()
    for i in range(10, len(words) - 3):
        candidate = " ".join(words[i:i + 3])
        if (candidate.replace(" ", "").isalpha() and text.count(candidate) == 1
                and not any(w in h for h in highlighted for w in words[i:i + 3])):
            return candidate
    raise AssertionError("no plain three words in the seed article")


def test_report_page_shows_its_charts(browser, tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    from synthetic import write_export

    from workbench.settings import Settings

    export = write_export(tmp_path / "export.json", 150)
    path = write_report(Settings(exports=tmp_path / "exports", _env_file=None), export=export,
                        out=tmp_path / "report")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(path.as_uri())
    charts = page.locator("img.chart")
    assert charts.count() >= 8
    widths = page.evaluate("Array.from(document.querySelectorAll('img.chart'))"
                           ".map(i => i.complete ? i.naturalWidth : 0)")
    assert all(w > 500 for w in widths), widths
    for heading in ("Progress", "Label distributions", "Agreement",
                    "Confusion between annotators", "Where disagreements cluster",
                    "Validation"):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 1
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    page.close()
