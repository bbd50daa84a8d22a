"""One complete annotation of a seed article in Label Studio's UI, every action counted.

The task the labeling screen is judged by (issue #29): keep the suggested crime types,
draw two actors and give each a stance, draw one crime mention, choose the article's
stance, draw one relation and give it its label, submit. Done the two ways people work:
``keyboard`` (a hotkey wherever the screen shows one, the mouse for what has none) and
``mouse`` (clicks only). An action is a click, a drag, a key press or a hover; a scroll
is counted apart, by what moved: the text, or the side column of labels and choices.

Keys are read off the screen (the key a chip or a choice shows), so the same run
measures any labeling config: the benchmark runs it on the config of an older commit too.
Used by tests/test_browser.py and bench/labeling.py.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import ui

# The article's words and the side panel's parts, as Label Studio 1.23.2 draws them.
SCROLLER = ".lsf-main-content"  # what scrolls the article
SIDE = ".wb-side"  # the config's side column (absent in older configs)
TAB = ".lsf-panel-tabs__tab:visible"

# Is the element's middle on screen and not covered (by the bottom bar, another panel)?
_SHOWN = """(e) => { const r = e.getBoundingClientRect();
  const x = r.left + Math.min(r.width / 2, 20), y = r.top + r.height / 2;
  if (y < 0 || y > innerHeight || x < 0 || x > innerWidth) return false;
  const hit = document.elementFromPoint(x, y);
  return !!hit && (e === hit || e.contains(hit) || hit.contains(e)); }"""

# Scroll the element into view within the nearest scrolling box; which box moved.
_BRING = """(e) => { let box = e.parentElement;
  while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
  const before = box ? box.scrollTop : 0;
  e.scrollIntoView({block: 'center'});
  return box && box.scrollTop !== before ? (box.matches('%s') ? 'side' : 'text') : null; }"""


@dataclass
class Plan:
    """What to draw, by words of the article: two actors with their stances, a mention."""

    actors: tuple[tuple[str, str, str], ...]  # (words, role, stance)
    mention: tuple[str, str]  # (words, crime type)
    stance: str
    relation: str  # from the first actor to the mention


def plan_for(text: str, covered: list[str]) -> Plan:
    """Three places of plain words early in ``text``, none of them in a suggested region
    (``covered``): a perpetrator and a victim, a human-trafficking mention."""
    places, skip = [], 10
    words = text.split()
    while len(places) < 3:
        found = ui.plain_words(text, covered + places, skip=skip)
        places.append(found)
        skip = next(i for i in range(skip, len(words)) if " ".join(words[i:i + 3]) == found) + 4
    return Plan(actors=((places[0], "perpetrator", "opposes"), (places[1], "victim", "neutral")),
                mention=(places[2], "human_trafficking"), stance="critical", relation="commits")


@dataclass
class Tally:
    actions: Counter = field(default_factory=Counter)  # click, drag, key, hover
    scrolls: Counter = field(default_factory=Counter)  # text, side: what was scrolled
    to_reach: list[str] = field(default_factory=list)  # controls reached by scrolling text
    relation_label: int = 0  # of the actions, those giving the relation its label

    @property
    def total(self) -> int:
        return sum(self.actions.values())

    def summary(self) -> dict:
        return {"actions": self.total, **self.actions, "relation label": self.relation_label,
                "scrolls": dict(self.scrolls), "reached by scrolling the text": self.to_reach}


class Annotator:
    """A person at the labeling screen, ``keyboard`` first or ``mouse`` only, counted."""

    def __init__(self, page, way: str):
        assert way in ("keyboard", "mouse")
        self.page, self.way, self.tally = page, way, Tally()

    # -- counted actions ---------------------------------------------------------------

    def key(self, key: str) -> None:
        self.tally.actions["key"] += 1
        self.page.keyboard.press(key)

    def click(self, target, what: str) -> None:
        self._reach(target, what)
        self.tally.actions["click"] += 1
        target.click()

    def hover(self, target, what: str) -> None:
        self._reach(target, what)
        self.tally.actions["hover"] += 1
        target.hover()

    def drag(self, words: str) -> None:
        box = self.page.evaluate(ui.WORD_BOX, [ui.TEXT, words, 0, False])
        assert box is not None, f"{words!r} is not in the article"
        if not (0 < box[1] < self.page.viewport_size["height"] - 60):
            self._scrolled("text")  # reading on to the words: the text scrolls, rightly
            box = self.page.evaluate(ui.WORD_BOX, [ui.TEXT, words, 0])
        x1, y1, x2, y2 = box
        self.tally.actions["drag"] += 1
        self.page.mouse.move(x1, y1)
        self.page.mouse.down()
        self.page.mouse.move(x2, y2, steps=8)
        self.page.mouse.up()

    def _reach(self, target, what: str) -> None:
        """Scroll to a control if it is off screen: counted, and named if the text moved."""
        target.wait_for(state="attached", timeout=10_000)
        if target.evaluate(_SHOWN):
            return
        moved = target.evaluate(_BRING % SIDE)
        self.page.wait_for_timeout(200)
        if moved:
            self._scrolled(moved)
            if moved == "text":
                self.tally.to_reach.append(what)

    def _scrolled(self, what: str) -> None:
        self.tally.scrolls[what] += 1

    # -- the screen's parts ------------------------------------------------------------

    def _chip(self, value: str):
        return self.page.locator(".lsf-label", has=self.page.locator(
            f'text="{value}"')).first

    def _choice(self, group_member: str, value: str):
        group = self.page.locator(f'.lsf-choices:has(input[name="{group_member}"])')
        return group.locator(f'.lsf-choice__item:has(input[name="{value}"])').first

    def _shown_key(self, target) -> str | None:
        """The hotkey the screen shows on a chip ("victim 2") or a choice ("Critical[c]")."""
        if not target.count():
            return None
        hint = target.locator(".lsf-label__hotkey")
        if hint.count():
            return hint.first.inner_text().strip() or None
        found = re.search(r"\[([^\]]+)\]\s*$", target.inner_text().strip())
        return found.group(1) if found else None

    def _pick(self, target, what: str) -> None:
        """Its key, keyboard first; else a click."""
        shown = self._shown_key(target) if self.way == "keyboard" else None
        if shown:
            self.key("+".join(part.capitalize() if len(part) > 1 else part
                              for part in shown.split("+")))
        else:
            self.click(target, what)

    def _region(self, words: str):
        return self.page.locator(ui.REGIONS, has_text=words).last

    # -- the annotation ----------------------------------------------------------------

    def annotate(self, plan: Plan, before_submit=lambda page: None) -> Tally:
        """Do it all, then submit; ``before_submit(page)`` first (a screenshot, say)."""
        page = self.page
        count = f"document.querySelectorAll({ui.REGIONS!r}).length"
        for words, role, _ in plan.actors:
            before = page.evaluate(count)
            self._pick(self._chip(role), f"label {role}")
            self.drag(words)
            page.wait_for_function(f"{count} > {before}")
        words, kind = plan.mention
        before = page.evaluate(count)
        self._pick(self._chip(kind), f"label {kind}")
        self.drag(words)
        page.wait_for_function(f"{count} > {before}")
        self._pick(self._choice("supportive", plan.stance), f"stance {plan.stance}")

        first, (second, _, second_stance) = plan.actors[0], plan.actors[1]
        self._stance_of(first[0], first[2])
        # The relation, from the selected actor: alt+r (a key) or the region's button.
        if self.way == "keyboard":
            self.key("Alt+r")
        else:
            self.click(page.locator('button[aria-label="Create Relation"]'), "create relation")
        self.click(self._region(plan.mention[0]), "relation target")
        self._relation_label(plan.relation)
        self._stance_of(second, second_stance)
        before_submit(page)
        if self.way == "keyboard":
            self.key("Control+Enter")
        else:
            self.click(page.locator('button:has-text("Submit")').first, "submit")
        return self.tally

    def _stance_of(self, words: str, stance: str) -> None:
        """Select the actor (a click on its words), then its stance."""
        self.click(self._region(words), f"actor {words!r}")
        self.page.locator('button[aria-label="Create Relation"]').wait_for(timeout=10_000)
        self._pick(self._choice("supports", stance), f"actor stance {stance}")

    def _relation_label(self, kind: str) -> None:
        """Label Studio has no key for a relation's label: its menu, in the Relations tab,
        shows only under the pointer."""
        before = self.tally.total
        self._pick_relation_label(kind)
        self.tally.relation_label = self.tally.total - before

    def _pick_relation_label(self, kind: str) -> None:
        page = self.page
        tab = page.locator(TAB, has_text="Relations").first
        if tab.count() and "active" not in (tab.get_attribute("class") or ""):
            self.click(tab, "relations tab")
        item = page.locator(".lsf-relations__item").last
        item.wait_for(timeout=10_000)
        self.hover(item, "relation")  # its menu button shows only under the pointer
        self.click(item.locator('button[aria-label="Show Relation Labels"]'), "relation menu")
        self.click(item.locator(".lsf-relation-meta button").first, "relation labels")
        self.click(page.locator(f'[data-testid="select-option-{kind}"]'), f"relation {kind}")
        page.wait_for_timeout(300)  # a list that takes one label closes by itself
        if page.locator(f'[data-testid="select-option-{kind}"]').is_visible():
            self.key("Escape")  # a list that takes several labels stays open
