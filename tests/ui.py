"""Driving Label Studio's web UI as a person would, for the browser tests.

Log in, open a task (or the "Label All Tasks" stream), drag the mouse over words,
label them with a hotkey, tick choices, click regions, draw relations, submit.
Tests import this module (never conftest); the ``browser`` fixture is in conftest.
Measured against Label Studio 1.23.2 in Debian's Chromium.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
VIEWPORT = {"width": 1400, "height": 1000}
TEXT = ".lsf-richtext:has(.lsf-richtext__line)"  # the article (the Text tag)
HYPERTEXT = ".lsf-richtext:not(:has(.lsf-richtext__line))"  # HyperText, e.g. the dispute
REGIONS = f"{TEXT} .htx-highlight"
_DETAILS = 'button[aria-label="Create Relation"]'  # shown while a region is selected


def password(email: str) -> str:
    """The session's annotator accounts (conftest): ana's is "ana-secret-password"."""
    return f"{email.split('@')[0]}-secret-password"


def login(browser, base: str, email: str):
    """A page in a browser context of this person's own, logged in."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(f"{base}/user/login/")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', password(email))
    page.click('button[type="submit"]')
    page.wait_for_url(lambda url: "/user/login" not in url)
    return page


def logout(page) -> None:
    page.context.close()


def open_task(page, base: str, project_id: int, task_id: int) -> None:
    """One task, as the Data Manager opens it."""
    page.goto(f"{base}/projects/{project_id}/data?task={task_id}")
    wait_for_task(page)


def open_stream(page, base: str, project_id: int) -> None:
    """The labeling stream: the project's Data Manager, then "Label All Tasks"."""
    page.goto(f"{base}/projects/{project_id}/data")
    page.get_by_role("button", name="Label All Tasks").click()
    wait_for_task(page)


def shown_task(page) -> int | None:
    """The id of the task the labeling view shows (the number at its bottom left)."""
    return page.evaluate("""(() => {
      const shown = document.querySelector('.lsf-current-task__task-id');
      return shown ? parseInt(shown.firstChild.textContent.replace('#', '')) : null; })()""")


def next_task(page, expected: set[int]) -> int:
    """Wait until the stream shows one of the ``expected`` tasks; its id."""
    for _ in range(240):
        shown = shown_task(page)
        if shown in expected:
            wait_for_task(page)
            return shown
        page.wait_for_timeout(250)
    raise AssertionError(f"the stream shows task {shown_task(page)}, none of {expected}")


def wait_for_task(page) -> None:
    page.wait_for_selector(".lsf-richtext__line", timeout=60_000)
    page.wait_for_timeout(1000)  # regions from the prediction settle


def close_instructions(page) -> None:
    """Close the instructions (the Instructions button opens them; the workbench's projects
    no longer open them by themselves at the start of each labeling session)."""
    panel = page.locator(".lsf-modal-ls__content")
    if panel.count():
        page.locator(".lsf-modal-ls__header button, .lsf-modal-ls__header [class*=close]"
                     ).first.click()
        panel.wait_for(state="hidden", timeout=10_000)


# Where the words are on screen: a DOM Range over the text nodes of the Text tag, scrolled
# to the middle of the screen first unless ``scroll`` is false.
WORD_BOX = """([selector, words, nth, scroll]) => {
  const root = document.querySelector(selector);
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
  if (scroll !== false) range.startContainer.parentElement.scrollIntoView({block: 'center'});
  const rects = Array.from(range.getClientRects()).filter(r => r.width > 0);
  const first = rects[0], last = rects[rects.length - 1];
  return [first.left + 1, first.top + first.height / 2, last.right - 1,
          last.top + last.height / 2];
}"""


def select(page, words: str, nth: int = 0) -> None:
    """Drag the mouse over ``words`` in the article, as a person would."""
    box = page.evaluate(WORD_BOX, [TEXT, words, nth])
    assert box is not None, f"{words!r} is not on the page"
    x1, y1, x2, y2 = box
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=8)
    page.mouse.up()


def highlighted(page) -> list[str]:
    """The words of every region drawn in the article."""
    return page.evaluate(
        f"Array.from(document.querySelectorAll({REGIONS!r})).map(e => e.textContent)")


def plain_words(text: str, covered: list[str], skip: int = 10) -> str:
    """Three words of the article, found once in ``text``, none of them in the ``covered``
    texts (the regions'): a drag over plain text."""
    words = text.split()
    for i in range(skip, len(words) - 3):
        candidate = " ".join(words[i:i + 3])
        if (candidate.replace(" ", "").isalpha() and text.count(candidate) == 1
                and not any(w in c for c in covered for w in words[i:i + 3])):
            return candidate
    raise AssertionError("no plain three words in the article")


def label(page, hotkey: str, words: str, nth: int = 0) -> None:
    """Pick a label by its hotkey, then select the words: a new region."""
    count = f"document.querySelectorAll({REGIONS!r}).length"
    before = page.evaluate(count)
    page.keyboard.press(hotkey)  # picks the label, as the chip shows
    select(page, words, nth)
    page.wait_for_function(f"{count} > {before}")  # the new region is drawn


def choose(page, name: str) -> None:
    """Tick a choice by the name it shows."""
    page.locator(f'.lsf-choice__item:has-text("{name}") input').first.check()


def _group(page, member: str):
    """The choices group holding the value ``member`` (each input is named by its value)."""
    return page.locator(f'.lsf-choices:has(input[name="{member}"])')


def set_stance(page, value: str) -> None:
    """The article's stance (a radio button), by value: critical, supportive, ..."""
    _group(page, "supportive").locator(f'input[name="{value}"]').check()


def set_actor_stance(page, value: str) -> None:
    """The selected actor's stance: its choices appear once an actor region is selected."""
    group = _group(page, "supports")
    group.wait_for(timeout=10_000)
    group.locator(f'input[name="{value}"]').check()


def crime_type(page, value: str):
    """The checkbox of a crime type, by value."""
    return page.locator(f'.lsf-choices input[type="checkbox"][name="{value}"]')


def region(page, start: int, end: int):
    """A region's highlight in the article, by its offsets."""
    return page.locator(f'{REGIONS}[data-start="{start}"][data-end="{end}"]').first


def select_region(page, start: int, end: int) -> None:
    """Click a region: it becomes the selected one, its details in the side panel.
    (Clicking the selected region again would unselect it.)"""
    unselect(page)
    region(page, start, end).click()
    page.locator(_DETAILS).wait_for(timeout=10_000)


def unselect(page) -> None:
    """Escape: no region selected, so a label hotkey makes a new region again (with a
    region selected, it would relabel that one)."""
    if page.locator(_DETAILS).is_visible():
        page.keyboard.press("Escape")
        page.locator(_DETAILS).wait_for(state="hidden", timeout=10_000)


def relate(page, source: tuple[int, int], target: tuple[int, int], kind: str) -> None:
    """A relation from one region to another, with its label, as in the UI: select the
    source, "Create Relation", click the target; then, in the Relations tab, show the
    relation's labels and pick one."""
    _tab(page, "Relations")  # the relations drawn so far
    items = page.locator(".lsf-relations__item")
    before = items.all_inner_texts()
    select_region(page, *source)
    page.click(_DETAILS)
    region(page, *target).click()
    page.wait_for_function(f"document.querySelectorAll('.lsf-relations__item').length"
                           f" > {len(before)}")
    texts = items.all_inner_texts()
    for text in before:
        texts[texts.index(text)] = None
    item = items.nth(next(i for i, text in enumerate(texts) if text is not None))
    item.hover()
    item.locator('button[aria-label="Show Relation Labels"]').click()
    item.locator(".lsf-relation-meta button").click()
    page.locator(f'[data-testid="select-option-{kind}"]').click()
    page.keyboard.press("Escape")  # closes the list of labels
    _tab(page, "Regions")


def _tab(page, name: str) -> None:
    """A tab of the side panel (Regions, Relations, Info, History)."""
    page.locator(".lsf-panel-tabs__tab:visible", has_text=name).first.click()


def shot(page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def open_annotation(page, author: str) -> None:
    """Of the annotations a task opened from the Data Manager shows, ``author``'s (their
    tab, above the text)."""
    page.locator(".lsf-annotation-button", has_text=author).first.click()
    page.wait_for_timeout(1000)


def update(page, name: str) -> dict:
    """Screenshot, then Update (an annotation already submitted); what Label Studio stored."""
    shot(page, name)
    with page.expect_response(lambda r: "/annotations/" in r.url and r.request.method in (
            "PATCH", "PUT")) as response:
        page.click('button:has-text("Update")')
    assert response.value.ok, response.value.text()
    return response.value.json()


def submit(page, name: str) -> dict:
    """Screenshot, then Submit; the annotation Label Studio stored."""
    shot(page, name)
    with page.expect_response(lambda r: "/annotations" in r.url and r.request.method == "POST"
                              ) as response:
        page.click('button:has-text("Submit")')
    assert response.value.ok, response.value.text()
    return response.value.json()
