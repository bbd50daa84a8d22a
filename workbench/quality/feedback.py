"""How an annotator learns of a slip: a feedback page per annotator.

Label Studio Community has no comments API, so the workbench cannot write in
the labeling view. Instead ``sync`` (and ``workbench feedback``) writes one page
per annotator with findings, for the maintainer to hand over privately: each
finding with its article, a link to the task, the words concerned, what was
set aside and how to fix it. The annotator fixes the annotation in Label
Studio (the link opens it); the next ``sync`` takes the fix in.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from workbench.quality.chain import DecidedTask, Voting, run_chain
from workbench.quality.decide import describe_part
from workbench.quality.independence import EditNotice, People, edits_in
from workbench.quality.own_versions import OwnVersions
from workbench.quality.review_round import IgnoredReview, Review, latest_review, refused
from workbench.quality.validate import RULES
from workbench.settings import Settings
from workbench.store.atomic import write_text
from workbench.store.rawpulls import open_export

FIXES = {  # rule -> what the annotator can do about it
    "missing_text": "nothing: the task has no text; tell the maintainer",
    "unknown_field": "nothing in the UI: this result comes from another labeling config",
    "unknown_label": "choose one of the schema's labels instead",
    "span_out_of_bounds": "delete the span and select the words again",
    "empty_span": "delete the span and select the words again",
    "offset_mismatch": "delete the span and select the words again",
    "missing_required": "choose a value for this field",
    "crime_mention_not_in_crime_types": "tick that crime type under Crime types, or delete "
                                        "the mention",
    "no_crime_not_exclusive": "untick No crime, or untick the crime types",
    "multiple_single_choice": "keep one value: this field takes one",
    "stance_on_non_actor": "select an actor span, then give its stance",
    "relation_endpoint_missing": "delete the relation and draw it again between two spans",
    "relation_direction": "delete the relation and draw it from the actor to the crime mention",
}


@dataclass(frozen=True)
class Slip:
    task_id: int
    article_id: str
    title: str | None
    rule: str
    field: str | None
    message: str
    part: str  # what was set aside


@dataclass(frozen=True)
class Note:
    """Something a person should know that is no slip of their labeling."""

    task_id: int
    article_id: str
    text: str


class Feedback:
    """A chain listener that gathers each annotator's errors, with where they are, and the
    notes for those whose annotation someone else changed, or who changed another's."""

    def __init__(self):
        self.slips: dict[str, list[Slip]] = defaultdict(list)
        self.edits: list[EditNotice] = []
        self.people = People()
        self.refused: list[IgnoredReview] = []

    def add(self, checked: DecidedTask) -> None:
        """The errors of each annotator's current annotation (not of superseded ones)."""
        task = checked.task
        if (refusal := refused(checked.decision)) is not None:
            self.refused.append(refusal)
        self.people.add(task)
        if any(a.edit is not None for a in task.annotations):
            self.edits += edits_in(task)
        current = {i.annotation_id: i for i in checked.decision.inputs}
        by_id = {a.id: a for a in task.annotations}
        for finding in checked.findings:
            if finding.severity != "error" or finding.annotation_id not in current:
                continue
            # An annotation's error: it names the annotator and the part (validate's _Checker)
            assert finding.annotator is not None and finding.part is not None
            self.slips[finding.annotator].append(Slip(
                task_id=task.id, article_id=finding.article_id or f"task-{task.id}",
                title=task.data.get("title") or None, rule=finding.rule, field=finding.field,
                message=finding.message,
                part=describe_part(task, by_id[finding.annotation_id], finding.part)))

    def write(self, folder: Path, *, task_url: str | None = None,
              review: Review | None = None) -> list[Path]:
        """One page per person with slips or notes (the old pages of the folder replaced);
        ``task_url`` has ``{task}`` where the task id goes; ``review``: its submissions by
        someone who is not an adjudicator get a note too."""
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.html"):
            old.unlink()
        notes: dict[str, list[Note]] = defaultdict(list)
        for edit in self.people.named(self.edits):
            if not edit.worth_telling:
                continue
            counts = (f"your own earlier version, from {edit.restored_from}, counts instead"
                      if edit.restored_from else "it counts as marked ground truth"
                      if edit.ground_truth else "no earlier version of yours was pulled, so "
                      "it is set aside: open the task and submit your own annotation again")
            notes[edit.author].append(Note(edit.task_id, edit.article_id, (
                f"{edit.editor} changed your annotation last; what they changed is not "
                f"counted as yours: {counts}.")))
            notes[edit.editor].append(Note(edit.task_id, edit.article_id, (
                f"You changed {edit.author}'s annotation of this article. It counts neither "
                f"as theirs nor as yours: annotate from the labeling stream (Label All "
                f"Tasks), and do not update another person's annotation.")))
        if review is not None:
            judges = ", ".join(sorted(review.adjudicators)) or "nobody is named yet"
            for ignored in [*review.ignored, *self.refused]:
                notes[ignored.annotator].append(Note(-1, ignored.article_id, (
                    f"Your submission in the review project (annotation "
                    f"{ignored.annotation_id}) is not used (its author {ignored.why}): only "
                    f"an adjudicator's submission decides there (adjudicators: {judges}).")))
        written = []
        for annotator in sorted(set(self.slips) | set(notes)):
            path = folder / f"{_slug(annotator)}.html"
            write_text(path, page(annotator, self.slips.get(annotator, []), task_url,
                                  notes.get(annotator, [])), permissions=0o600)
            written.append(path)
        return written


def page(annotator: str, slips: list[Slip], task_url: str | None,
         notes: Sequence[Note] = ()) -> str:
    articles = len({s.article_id for s in slips})
    rows = []
    for slip in slips:
        where = escape(slip.title or slip.article_id)
        if task_url:
            where = f'<a href="{escape(task_url.format(task=slip.task_id))}">{where}</a>'
        rows.append(
            f"<tr><td>{where}<br><small>article {escape(slip.article_id)}, task "
            f"{slip.task_id}</small></td><td>{escape(RULES[slip.rule][1])} <small>"
            f"(<code>{escape(slip.rule)}</code>)</small><br><small>"
            f"{escape(slip.message)}</small></td><td>{escape(slip.part)}</td>"
            f"<td>{escape(FIXES.get(slip.rule, ''))}</td></tr>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback for {escape(annotator)}</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 980px;
       padding: 0 1rem; color: #1a202c; }}
table {{ border-collapse: collapse; }} small {{ color: #4a5568; }}
th, td {{ border-bottom: 1px solid #e2e8f0; padding: .35rem .6rem; text-align: left;
         vertical-align: top; }}
</style></head><body>
<h1>Feedback for {escape(annotator)}</h1>
{_notes(notes, task_url)}{_slips(slips, articles, rows)}
</body></html>
"""


def _notes(notes: Sequence[Note], task_url: str | None) -> str:
    if not notes:
        return ""
    items = []
    for note in notes:
        where = f"article {escape(note.article_id)}"
        if task_url and note.task_id >= 0:
            where = f'<a href="{escape(task_url.format(task=note.task_id))}">{where}</a>'
        items.append(f"<li>{where}: {escape(note.text)}</li>")
    return f"<h2>To know</h2><ul>{''.join(items)}</ul>"


def _slips(slips: list[Slip], articles: int, rows: list[str]) -> str:
    if not slips:
        return ""
    return f"""<p>{len(slips)} slip{"s" if len(slips) != 1 else ""} in {articles} article{
        "s" if articles != 1 else ""}. Each was set aside on its own: the rest of your
annotation counted. Open the task, fix it as the last column says, and submit (update) it;
the next sync uses your fix.</p>
<table><thead><tr><th>article</th><th>what</th><th>set aside</th><th>to fix</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>"""


def _slug(email: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]+", "_", email)


def write_feedback(settings: Settings, *, export: Path | None = None, out: Path | None = None,
                   task_url: str | None = None) -> list[Path]:
    """The feedback pages of the latest pull (or ``export``), under exports/feedback/."""
    feedback = Feedback()
    source = open_export(settings, export)
    review = latest_review(settings)
    run_chain(source, feedback.add, review=review, voting=Voting.of(settings),
              own_versions=OwnVersions.for_source(settings, source))
    return feedback.write(out or settings.exports / "feedback", task_url=task_url,
                          review=review)
