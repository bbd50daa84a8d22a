"""The human loop end to end, through Label Studio's own UI in headless Chromium.

Three annotators label the five seed articles in their own browsers: they keep the
suggestions, drag the mouse over words and label them with a hotkey, click an actor
to give its stance, draw a relation, choose the article's stance, submit. cy unticks
a suggested crime type and leaves its suggested mentions behind (the slip people
make). `workbench sync` sets the slip aside and counts the rest of cy's work, names
the disputed articles and sends them to review, where dee, the adjudicator, sees
in the labeling stream itself what is disputed and who chose what, decides, and
submits; ana, who is no adjudicator, submits there too and is ignored. ben opens
ana's finished annotation from the Data Manager and changes her stance: the next sync
names it and counts ana's own version from the earlier pull. That sync writes gold for
all five, every value keeping the annotators' votes; the one after it names nothing twice.

Nothing is annotated or decided through the API: it only sets up (push, sync) and
reads back. What the pre-annotator suggests is read from the tasks' predictions at
run time, never assumed. Screenshots (and the syncs' output) go to artifacts/browser/;
the adjudicator's view of the task with a disputed span is docs/review.png (copied there
when WORKBENCH_UPDATE_DOCS is set).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pytest
import ui
from click.testing import CliRunner

from workbench import ingest, load_gold
from workbench.cli import cli
from workbench.schema import ACTORS, CRIME_MENTIONS, CRIME_TYPES, SCHEMA
from workbench.studio.push import push

DOCS_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "review.png"
ANNOTATORS = ("ana", "ben", "cy")
# The two disputed articles: the stance (and on one, an actor's stance) three ways.
STANCES = {"ana": "critical", "ben": "supportive", "cy": "neutral"}
ACTOR_STANCES = {"ana": "supports", "ben": "opposes", "cy": "unclear"}
AGREED = ("critical", "supportive", "neutral")  # the other three articles' stances
DECIDED = {"actor_dispute": ("critical", "supports"), "stance_dispute": ("neutral", None)}
SLIP = "crime_mention_not_in_crime_types"


def email(name: str) -> str:
    return f"{name}@example.org"


@dataclass(frozen=True)
class Region:
    start: int
    end: int
    text: str
    label: str

    @property
    def at(self) -> tuple[int, int]:
        return self.start, self.end


@dataclass
class Suggested:
    """What the pre-annotator suggested for one article: its task's prediction."""

    task_id: int
    text: str
    crime_types: list[str]
    actors: list[Region]
    mentions: list[Region]

    @classmethod
    def of(cls, task) -> Suggested:
        text = task.data["text"]
        if not task.predictions:  # the control share: pushed without suggestions
            return cls(task.id, text, [], [], [])
        (prediction,) = task.predictions
        result = prediction.result
        spans = {control: [Region(r["value"]["start"], r["value"]["end"],
                                  text[r["value"]["start"]:r["value"]["end"]],
                                  r["value"]["labels"][0])
                           for r in result if r.get("from_name") == control]
                 for control in (ACTORS, CRIME_MENTIONS)}
        ticked = [v for r in result if r.get("from_name") == CRIME_TYPES
                  for v in r["value"]["choices"]]
        return cls(task.id, text, ticked, spans[ACTORS], spans[CRIME_MENTIONS])

    def alone(self, regions: list[Region]) -> list[Region]:
        """The regions no other region overlaps: a click on them hits them."""
        every = self.actors + self.mentions
        return [r for r in regions if r.text.strip() and not any(
            o is not r and o.start < r.end and r.start < o.end for o in every)]

    def ticked_mentions(self) -> list[Region]:
        return [m for m in self.mentions if m.label in self.crime_types]


@dataclass
class Plan:
    """Which seed article gets what, chosen from what was suggested."""

    order: list[str]  # article ids, as pushed
    actor_dispute: str  # stance disputed, and the stance of ``actor``
    actor: Region
    stance_dispute: str  # stance disputed
    related: str  # everyone: a new actor span, its stance, a relation to ``target``
    words: str
    target: Region
    slip: str  # cy unticks ``untick``, leaving its mentions
    untick: str
    stray: list[Region]

    def disputed(self, article: str) -> bool:
        return article in (self.actor_dispute, self.stance_dispute)


def _plan(order: list[str], suggested: dict[str, Suggested]) -> Plan:
    left = list(order)

    def take(fits) -> str:
        found = next((a for a in left if fits(suggested[a])), None)
        assert found is not None, "no seed article left with the suggestions this test needs"
        left.remove(found)
        return found

    actor_dispute = take(lambda s: s.alone(s.actors))
    stance_dispute = take(lambda s: True)
    related = take(lambda s: s.alone(s.ticked_mentions()))
    slip = take(lambda s: s.ticked_mentions())
    mine = suggested[slip]
    # The crime type with the fewest suggested mentions: the slip leaves them all behind.
    untick = min({m.label for m in mine.ticked_mentions()},
                 key=lambda v: (sum(m.label == v for m in mine.mentions), v))
    where = suggested[related]
    covered = [r.text for r in where.actors + where.mentions]
    return Plan(order=order, actor_dispute=actor_dispute,
                actor=suggested[actor_dispute].alone(suggested[actor_dispute].actors)[0],
                stance_dispute=stance_dispute, related=related,
                words=ui.plain_words(where.text, covered),
                target=where.alone(where.ticked_mentions())[0], slip=slip, untick=untick,
                stray=[m for m in mine.mentions if m.label == untick])


def _annotate(page, name: str, article: str, plan: Plan, suggested: Suggested) -> None:
    """One annotator's work on the article the labeling stream shows."""
    # The suggestions are there: the crime types ticked, the spans drawn.
    for value in suggested.crime_types:
        assert ui.crime_type(page, value).is_checked(), value
    drawn = set(map(tuple, page.evaluate(
        f"Array.from(document.querySelectorAll({ui.REGIONS!r}))"
        ".map(e => [+e.dataset.start, +e.dataset.end])")))
    assert {r.at for r in suggested.actors + suggested.mentions} <= drawn
    if article == plan.actor_dispute:
        ui.select_region(page, *plan.actor.at)
        ui.set_actor_stance(page, ACTOR_STANCES[name])
        ui.unselect(page)
    if article == plan.related:
        victim = next(r for r in SCHEMA.actor_roles if r.id == "victim")
        ui.label(page, victim.hotkey, plan.words)  # drag over the words, hotkey
        start = suggested.text.index(plan.words)
        new = (start, start + len(plan.words))
        ui.select_region(page, *new)
        ui.set_actor_stance(page, "unclear")
        ui.relate(page, new, plan.target.at, "suffers")
        ui.unselect(page)
    if not suggested.crime_types:  # required: Label Studio would not submit without one
        ui.crime_type(page, "other_crime").check()
    if article == plan.slip and name == "cy":
        ui.crime_type(page, plan.untick).uncheck()  # ... and its mentions stay
    stance = STANCES[name] if plan.disputed(article) else AGREED[
        [a for a in plan.order if not plan.disputed(a)].index(article)]
    ui.set_stance(page, stance)
    ui.submit(page, f"{name}-{plan.order.index(article) + 1}")


def _sync(cli_env: dict, seeds: Path, name: str) -> str:
    result = CliRunner().invoke(cli, ["sync", "--silent", str(seeds)], env=cli_env)
    (ui.ARTIFACTS / f"{name}.txt").write_text(result.output)
    assert result.exit_code == 0, result.output
    return result.output


def test_annotators_and_adjudicator_through_the_ui(browser, settings, studio, ls_client,
                                                   seeds_dir, annotators, cli_env):
    project = push([seeds_dir], settings=settings, studio=studio).project_id
    order = [a.article_id for a in ingest([seeds_dir]).articles]
    tasks = {t.data["article_id"]: t for t in ls_client.tasks.list(project=project,
                                                                   fields="all")}
    suggested = {a: Suggested.of(tasks[a]) for a in order}
    plan = _plan(order, suggested)
    base = studio.url

    # 1-2. Each annotator, in a browser context of their own, labels all five in the
    # labeling stream. (Opened from the Data Manager, a task shows the annotation
    # someone else submitted, with an Update button: not the way to work independently.)
    for name in ANNOTATORS:
        page = ui.login(browser, base, email(name))
        ui.open_stream(page, base, project)
        waiting = {suggested[a].task_id: a for a in order}
        while waiting:
            article = waiting.pop(ui.next_task(page, set(waiting)))
            _annotate(page, name, article, plan, suggested[article])
        page.get_by_text("No More Tasks Left in Queue").wait_for(timeout=30_000)
        ui.logout(page)

    # 3. sync: the slip set aside, the rest counted; the disputes named and sent to review.
    output = _sync(cli_env, seeds_dir, "sync-annotated")
    assert ("Articles: 5 in the project, 5 annotated, 3 agreed, 0 adjudicated, "
            "2 awaiting review, 0 awaiting annotations") in output
    why = {line.split()[0].rstrip(":"): line for line in output.splitlines()
           if line.startswith("  ")}
    for article in (plan.actor_dispute, plan.stance_dispute):
        assert article in why, output
        assert all(f"{stance} 1" in why[article] for stance in STANCES.values()), why[article]
    actor_point = f"actor_stance {plan.actor.text!r} {plan.actor.start}-{plan.actor.end}"
    assert actor_point in why[plan.actor_dispute]
    assert all(f"{s} 1" in why[plan.actor_dispute].split(actor_point)[1]
               for s in ACTOR_STANCES.values())
    assert "had parts set aside for errors (the rest of them counted)" in output
    feedback = (settings.exports / "feedback" / f"{email('cy')}.html").read_text()
    assert SLIP in feedback
    for stray in plan.stray:  # the words, where they are, in the part set aside
        assert f"{escape(stray.text[:30])}" in feedback and f"{stray.start}-{stray.end}" in (
            feedback), stray

    # 4. dee adjudicates in the review project's labeling stream.
    names = json.loads((settings.exports / "raw" / "pseudonyms.json").read_text())
    review = studio.find_project(settings.for_review().project)
    review_tasks = {t.data["article_id"]: t for t in ls_client.tasks.list(project=review.id)}
    assert set(review_tasks) == {plan.actor_dispute, plan.stance_dispute}
    waiting = {t.id: a for a, t in review_tasks.items()}
    kinds = {plan.actor_dispute: "actor_dispute", plan.stance_dispute: "stance_dispute"}
    page = ui.login(browser, base, email("dee"))
    ui.open_stream(page, base, review.id)
    for step in range(len(review_tasks)):
        article = waiting.pop(ui.next_task(page, set(waiting)))
        panel = page.locator(ui.HYPERTEXT).first
        panel.wait_for(timeout=10_000)
        box = panel.bounding_box()  # on top of the labeling view, seen without scrolling
        assert box["y"] + box["height"] < ui.VIEWPORT["height"], box
        shown = panel.inner_text()
        points = 2 if article == plan.actor_dispute else 1
        assert f"Disputed: {points} point{'s' if points > 1 else ''} to decide" in shown, shown
        assert f"Decides here: {email('dee')}. A submission by anyone else" in shown, shown
        assert not any(email(n) in shown for n in ANNOTATORS)  # annotators by pseudonym
        for name, stance in STANCES.items():
            assert f"{stance}: {names[email(name)]}" in shown, shown
        if article == plan.actor_dispute:
            marked = [" ".join(m.split()) for m in panel.locator("mark").all_inner_texts()]
            assert " ".join(plan.actor.text.split()) in marked, marked
            for name, stance in ACTOR_STANCES.items():
                assert f"{stance}: {names[email(name)]}" in shown, shown
        path = ui.shot(page, f"review-{step + 1}")
        if article == plan.actor_dispute and os.environ.get("WORKBENCH_UPDATE_DOCS"):
            shutil.copyfile(path, DOCS_SCREENSHOT)  # the view with a disputed span
        stance, actor_stance = DECIDED[kinds[article]]
        ui.set_stance(page, stance)
        if actor_stance:
            ui.select_region(page, *plan.actor.at)
            ui.set_actor_stance(page, actor_stance)
            ui.unselect(page)
        ui.submit(page, f"review-{step + 1}-decided")
    page.get_by_text("No More Tasks Left in Queue").wait_for(timeout=30_000)
    ui.shot(page, "review-done")
    ui.logout(page)

    instructions = ls_client.projects.get(id=review.id).expert_instruction
    assert f"Who decides here: {email('dee')}." in instructions

    # ana, no adjudicator, opens a review task from the Data Manager and submits her own.
    page = ui.login(browser, base, email("ana"))
    ui.open_task(page, base, review.id, review_tasks[plan.stance_dispute].id)
    page.click('button[aria-label="Create an annotation"]')
    page.wait_for_timeout(500)
    ui.crime_type(page, "other_crime").check()
    ui.set_stance(page, "mixed")
    ui.submit(page, "review-by-ana")
    ui.logout(page)

    # ben opens ana's finished annotation of an agreed article from the Data Manager,
    # changes her stance and presses Update: Label Studio Community lets him.
    agreed = AGREED[[a for a in order if not plan.disputed(a)].index(plan.related)]
    page = ui.login(browser, base, email("ben"))
    ui.open_task(page, base, project, suggested[plan.related].task_id)
    ui.open_annotation(page, email("ana"))
    ui.set_stance(page, next(s for s in ("mixed", "critical") if s != agreed))
    stored = ui.update(page, "ben-changes-anas-annotation")
    assert stored["completed_by"] != stored["updated_by"]
    ui.logout(page)

    # 5. The last sync: gold for all five, the votes kept beside the decisions; ben's change
    # named, and ana's own version (from the first sync's pull) counted instead.
    output = _sync(cli_env, seeds_dir, "sync-adjudicated")
    assert f"Ignored: a review submission by {email('ana')}" in output
    assert (f"Changed by someone else: {email('ana')}'s annotation of article {plan.related} "
            f"(task {suggested[plan.related].task_id}) was last changed by {email('ben')}: "
            f"the author's own version, from ") in output, output
    pages = {name: (settings.exports / "feedback" / f"{email(name)}.html").read_text()
             for name in ("ana", "ben")}
    assert f"You changed {email('ana')}&#x27;s annotation" in pages["ben"]
    assert f"{email('ben')} changed your annotation last" in pages["ana"]
    assert "Your submission in the review project" in pages["ana"]
    assert "3 agreed, 2 adjudicated, 0 awaiting review" in output
    gold = {r.article_id: r for r in load_gold(settings.exports / "gold", records=True)}
    assert set(gold) == set(order)
    names = json.loads((settings.exports / "raw" / "pseudonyms.json").read_text())
    everyone = sorted(names[email(n)] for n in ANNOTATORS)

    slipped = gold[plan.slip]  # cy's valid parts voted; the stray mentions did not
    cy = names[email("cy")]
    assert cy in slipped.provenance.stance.annotators
    kept = {p.value: p for p in slipped.provenance.crime_types}
    for value in slipped.crime_types:
        assert (cy in kept[value].annotators) == (value != plan.untick), value
    two = sorted(names[email(n)] for n in ("ana", "ben"))
    for stray in plan.stray:  # still gold, by ana's and ben's votes only
        (i,) = [i for i, m in enumerate(slipped.crime_mentions)
                if (m.start, m.end) == stray.at]
        assert slipped.provenance.crime_mentions[i].annotators == two
    assert kept[plan.untick].annotators == two
    assert kept[plan.untick].agreement == pytest.approx(2 / 3)
    strays = [p for p in slipped.provenance.set_aside if p.annotator == cy]
    assert {p.reason for p in strays} == {SLIP}
    for stray in plan.stray:
        assert any(p.part.startswith(f"{CRIME_MENTIONS} span ") and stray.text[:30] in p.part
                   and p.part.endswith(f" {stray.start}-{stray.end}") for p in strays), strays

    for kind, article in (("actor_dispute", plan.actor_dispute),
                          ("stance_dispute", plan.stance_dispute)):
        record = gold[article]
        stance, actor_stance = DECIDED[kind]
        chose = next(n for n, s in STANCES.items() if s == stance)
        assert record.stance == stance
        provenance = record.provenance.stance
        assert provenance.method == "adjudicated"
        assert provenance.decided_by == names[email("dee")]
        assert provenance.annotators == [names[email(chose)]]
        assert provenance.agreement == pytest.approx(1 / 3)
        if actor_stance:
            (actor,) = [a for a in record.actors if (a.start, a.end) == plan.actor.at]
            assert actor.stance == actor_stance

    related = gold[plan.related]  # the span, stance and relation all three drew
    assert related.stance == agreed  # ana's own vote, not ben's change of it
    assert (related.provenance.stance.method, related.provenance.stance.annotators) == (
        "unanimous", everyone)
    start = suggested[plan.related].text.index(plan.words)
    (index,) = [i for i, a in enumerate(related.actors) if (a.start, a.text) == (start,
                                                                                 plan.words)]
    assert (related.actors[index].role, related.actors[index].stance) == ("victim", "unclear")
    assert related.provenance.actors[index].annotators == everyone
    (relation,) = [r for r in related.relations if r.actor == index]
    mention = related.crime_mentions[relation.crime_mention]
    assert ((mention.start, mention.end), relation.type) == (plan.target.at, "suffers")
    provenance = related.provenance.relations[related.relations.index(relation)]
    assert (provenance.method, provenance.annotators) == ("unanimous", everyone)
    assert re.fullmatch(r"annotator-\d+", names[email("dee")])

    # 6. Another sync: nothing new to name; each notice was given once.
    output = _sync(cli_env, seeds_dir, "sync-again")
    assert "Ignored:" not in output and "Changed by someone else" not in output, output
