"""What the commands print: data to stdout, diagnostics to stderr, one function a report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from workbench.gold.diff import VersionDiff
from workbench.gold.write import GoldReport
from workbench.ingest import IngestReport
from workbench.quality.adjudicate import AdjudicationReport
from workbench.quality.agreement import AgreementReport
from workbench.quality.independence import EditNotice
from workbench.quality.review_round import IgnoredReview
from workbench.quality.validate import RULES, ValidationReport
from workbench.records.reckoning import Reckoning
from workbench.records.wording import plural
from workbench.settings import Settings

if TYPE_CHECKING:  # the studio's reports: imported only where Label Studio is talked to
    from workbench.studio.annotators import Annotator
    from workbench.studio.pull import PullReport
    from workbench.studio.push import PushReport
    from workbench.studio.rebuild import RebuildReport
    from workbench.sync import SyncReport
    from workbench.watch import Round


def shown(path: Path) -> Path:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def clip(text: str, width: int) -> str:
    """``text`` cut at a word to fit ``width``, with an ellipsis when cut."""
    if len(text) <= width:
        return text
    return text[:width - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(rows: list[list[str]], header: list[str]) -> str:
    """A plain text table: text columns left-aligned, numbers right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [cell.rjust(width) if cell.replace(".", "").replace("-", "").isdigit()
                 else cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), *(line(row) for row in rows)])


def task_label(task_id: int | None) -> str:
    """A task as messages name it; one without an id in the export by its position."""
    if task_id is None:
        return "a task"
    return f"task {task_id}" if task_id >= 0 else f"task #{-task_id} (no id)"


def reckoning(r: Reckoning, verb: str) -> None:
    """Every task and annotation read: used (``verb``), or set aside with the reason."""
    def aside(counts: dict[str, int]) -> str:
        total = sum(counts.values())
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))
        return f"{total} set aside" + (f" ({why})" if why else "")

    click.echo(f"Read {plural(r.tasks, 'task')}: {r.tasks_used} {verb}, "
               f"{aside(r.tasks_set_aside)}")
    click.echo(f"Read {plural(r.annotations, 'annotation')}: {r.annotations_used} used, "
               f"{aside(r.annotations_set_aside)}")
    for note in r.notes:
        click.echo(f"note: {note}")
    if r.parts_set_aside:
        click.echo("Parts set aside from annotations that were used: " + ", ".join(
            f"{n} {rule}" for rule, n in sorted(r.parts_set_aside.items())))


def ingest_summary(report: IngestReport, *, err: bool) -> None:
    def echo(line: str = "") -> None:
        click.echo(line, err=err)

    echo(f"{plural(len(report.articles), 'article')} from {plural(report.files, 'file')}: "
         f"{plural(len(report.duplicates), 'duplicate')}, {len(report.rejected):,} rejected, "
         f"{plural(len(report.warnings), 'warning')}")
    for article in report.articles:
        title = article.title or "(no title)"
        echo(f"  {article.article_id}  {title[:70]}")
    for dup in report.duplicates:
        where = dup.origin.path + (f", {dup.origin.record}" if dup.origin.record else "")
        what = "same text as" if dup.reason == "same_text" else "same id as, different text from"
        echo(f"duplicate: {where}: {what} {dup.kept}; kept the first")
    for problem in report.problems:
        echo(f"{'rejected' if problem.severity == 'error' else 'warning'}: {problem}")
    for skipped in report.skipped:
        echo(f"skipped: {skipped.path}: {skipped.reason}")


def push_summary(report: PushReport) -> None:
    ingested = report.ingest
    for problem in ingested.problems:
        kind = "rejected" if problem.severity == "error" else "warning"
        click.echo(f"{kind}: {problem}", err=True)
    for article_id in report.changed_kept:
        click.echo(f"changed: {article_id}: its text differs from the task's, which has "
                   f"annotations: kept the task as it is", err=True)
    verb = "would be " if report.dry_run else ""
    if report.project_created:
        click.echo(f"Project {report.project_title!r} {verb or 'was '}created")
    elif report.config_updated:
        click.echo(f"Project {report.project_title!r}: labeling config {verb or ''}updated")
    click.echo(f"{plural(len(report.created), 'task')} {verb}created, {report.unchanged} "
               f"already there, {len(report.replaced) + len(report.changed_kept)} changed "
               f"({len(report.replaced)} {verb}replaced, {len(report.changed_kept)} kept: "
               f"annotated), {plural(len(ingested.rejected), 'article')} rejected, "
               f"{plural(len(ingested.duplicates), 'duplicate')} in the input")
    if report.control:
        click.echo(f"{report.control:,} of them {verb}without suggestions: the control share "
                   f"(WORKBENCH_CONTROL_SHARE)")
    if report.predicted_before:
        click.echo(f"Suggestions: {report.predicted:,} made by the rules, "
                   f"{report.predicted_before:,} predicted before (the same text and rules)")
    if report.duplicates_removed:
        click.echo(f"{plural(report.duplicates_removed, 'duplicate task')} {verb}removed from "
                   f"the project")
    if report.project_url:
        click.echo(f"Project: {report.project_url}")


def pull_report(report: PullReport) -> None:
    summary = report.summary
    if report.unchanged:
        click.echo(f"Nothing changed in {report.project_title!r} (project "
                   f"{report.project_id}) since the last pull, {shown(report.path)}")
    else:
        click.echo(f"Pulled {report.project_title!r} (project {report.project_id}) into "
                   f"{shown(report.path)} ({report.size:,} bytes, sha256 "
                   f"{report.sha256[:12]}...)")
    click.echo(f"{plural(summary.tasks, 'task')}, {plural(summary.annotations, 'annotation')} "
               f"({summary.cancelled} cancelled/skipped) by "
               f"{plural(len(summary.annotators), 'annotator')}, "
               f"{plural(summary.drafts, 'draft')}, {summary.ground_truth} ground truth")
    if report.previous and not report.unchanged:
        deleted = f", {report.deleted_tasks} deleted" if report.deleted_tasks else ""
        click.echo(f"Since the last pull ({shown(report.previous).name}): "
                   f"{plural(report.new_annotations, 'new annotation')}, "
                   f"{report.updated_annotations} updated, "
                   f"{plural(report.new_tasks, 'new task')}{deleted}")
    elif not report.previous:
        click.echo("This is the first pull.")
    if report.delta is not None:
        click.echo(f"Only the changed tasks were asked for: the delta is kept in "
                   f"{shown(report.delta)}")
    if report.reconciled is not None:
        click.echo(reconciled(report.reconciled))


def reconciled(differences: list[str]) -> str:
    """What a full pull found comparing its snapshot with the merged deltas."""
    if not differences:
        return "Checked against the full snapshot: the merged deltas held exactly the same."
    shown_ = "\n".join(f"  {line}" for line in differences[:10])
    more = f"\n  ... and {len(differences) - 10} more" if len(differences) > 10 else ""
    return (f"Checked against the full snapshot: {plural(len(differences), 'task')} "
            f"differed from the merged deltas (the snapshot is kept as the truth):\n"
            f"{shown_}{more}")


def validation(report: ValidationReport) -> None:
    s = report.summary
    click.echo(f"{shown(Path(report.source or ''))}: {plural(s.tasks, 'task')}: "
               f"{s.tasks - s.malformed_tasks} checked, {s.malformed_tasks} set aside "
               f"(malformed)")
    inside = (f", {s.annotations_in_malformed_tasks} in malformed tasks (set aside)"
              if s.annotations_in_malformed_tasks else "")
    click.echo(f"{plural(s.annotations, 'annotation')}: {s.valid_annotations} valid, "
               f"{s.annotations_with_errors} with errors (only their faulty parts are set "
               f"aside), {s.cancelled} cancelled (set aside){inside}")
    for note in s.notes:
        click.echo(f"note: {note}")
    if s.by_rule:
        click.echo()
        click.echo(table([[rule, RULES[rule][0], str(n)] for rule, n in s.by_rule.items()],
                         ["rule", "severity", "findings"]))
    if s.by_annotator:
        click.echo()
        click.echo(table([[name, str(a.annotations), str(a.cancelled), str(a.with_errors),
                           str(a.errors)] for name, a in s.by_annotator.items()],
                         ["annotator", "annotations", "cancelled", "with errors", "errors"]))
    if report.findings:
        click.echo()
    for f in report.findings:
        where = task_label(f.task_id)
        if f.article_id:
            where += f" (article {f.article_id})"
        if f.annotation_id is not None:
            where += f", annotation {f.annotation_id} by {f.annotator}"
        field = f", {f.field}" if f.field else ""
        click.echo(f"{f.severity.upper():7} {f.rule}: {where}{field}: {f.message}")
    click.echo(f"\n{plural(s.errors, 'error')}, {plural(s.warnings, 'warning')}, "
               f"{plural(s.info, 'note')}")


def agreement(report: AgreementReport) -> None:
    click.echo(f"{shown(Path(report.source or ''))}:")
    reckoning(report.reckoning, "measured")
    if report.not_measured:
        click.echo("Not measured (no coefficient for them here): " + ", ".join(
            f"{n} {kind}" for kind, n in report.not_measured.items()))
    rows = []
    for name, f in report.fields.items():
        rows.append([name, f.kind, str(f.items), str(f.raters), number(f.krippendorff_alpha),
                     number(f.fleiss_kappa), number(f.cohen_kappa_mean),
                     number(f.percent_agreement), number(f.f1_exact), number(f.f1_overlap),
                     number(f.unitizing_alpha)])
        if f.kind in ("multi", "spans"):
            for label, a in f.per_label.items():
                rows.append([f"  {label}", "", "", "", number(a.krippendorff_alpha), "", "",
                             number(a.percent_agreement), number(a.f1_exact),
                             number(a.f1_overlap), number(a.unitizing_alpha)])
    click.echo(table(rows, ["field", "kind", "items", "raters", "alpha", "fleiss", "cohen",
                            "agree", "F1", "F1~", "alpha_U"]))
    if report.annotators:
        click.echo()
        click.echo(table([[name, str(a.items), number(a.mean_pairwise_agreement),
                           number(a.f1_exact)] for name, a in report.annotators.items()],
                         ["annotator", "items", "agreement", "F1"]))
    click.echo("\nalpha: Krippendorff (MASI for multi-choice); agree: percent agreement; "
               "F1 / F1~: spans matched exactly / by overlap")
    for name, f in report.fields.items():  # a missing alpha says why where it is missing
        if f.undefined:
            click.echo(f"alpha undefined for {name}: {f.undefined}")
        for label, a in f.per_label.items():
            if a.undefined:
                click.echo(f"alpha undefined for {name} {label}: {a.undefined}")


def adjudication(report: AdjudicationReport) -> None:
    counts = ", ".join(f"{n} {status}" for status, n in report.counts.items()) or "none"
    click.echo(f"{shown(Path(report.source))}: {plural(report.articles, 'article')}: "
               f"{counts}")
    reckoning(report.reckoning, "decided")
    for decision in report.disputed:
        click.echo(f"\narticle {decision.article_id} (task {decision.task_id}), "
                   f"{decision.n} annotators, K={decision.k}:")
        for item in decision.disagreements:
            votes = "; ".join(f"{option}: {', '.join(names) or '-'}"
                              for option, names in item.votes.items())
            click.echo(f"  {item.field}: {item.item}: {votes}")
    click.echo(f"\n{plural(report.logged, 'new entry', 'new entries')} in {shown(report.log)}")
    if report.disputed:
        click.echo("Send the disputed articles to review: workbench review push")


def review_roles(adjudicators: list[str], ignored: list[IgnoredReview]) -> None:
    if not adjudicators:
        click.echo("No adjudicator is named, so no review submission counts: set "
                   "WORKBENCH_ADJUDICATORS or run `workbench annotators add EMAIL --role "
                   "adjudicator`")
    for submission in ignored:
        click.echo(f"Ignored: a review submission by {submission.annotator} (annotation "
                   f"{submission.annotation_id}, article {submission.article_id}), who "
                   f"{submission.why}")


def export(report: GoldReport, *, with_reckoning: bool = True) -> None:
    if with_reckoning and report.reckoning is not None:
        reckoning(report.reckoning, "decided")
    if report.path is None:
        click.echo("No gold yet: no article has enough agreeing annotations; nothing written")
    elif report.unchanged:
        click.echo(f"Gold unchanged since version {report.previous} "
                   f"({plural(report.articles, 'article')}): nothing written")
    else:
        click.echo(f"Wrote gold version {report.version}: {plural(report.articles, 'article')} "
                   f"in {shown(report.path)}")
    if report.pending:
        where = ", listed in the manifest" if report.path is not None else ""
        click.echo(f"{plural(len(report.pending), 'article')} pending (disputed or awaiting "
                   f"annotations){where}")


def diff(result: VersionDiff) -> None:
    click.echo(f"{result.old} -> {result.new}: {plural(len(result.added), 'article')} added, "
               f"{len(result.removed)} removed, {len(result.changed)} changed")
    for article in result.added:
        click.echo(f"+ {article}")
    for article in result.removed:
        click.echo(f"- {article}")
    for change in result.changed:
        click.echo(f"~ {change.article_id}")
        for field, delta in change.changes.items():
            for label in delta["added"]:
                click.echo(f"    {field}: + {label}")
            for label in delta["removed"]:
                click.echo(f"    {field}: - {label}")


def annotator(person: Annotator, reset_on_host: str) -> None:
    """An account made, found or invited; where to log in; the role; the password file."""
    if person.remote:
        _invitation(person, reset_on_host)
    else:
        state = ("created" if person.created else "already existed; password reset"
                 if person.password_set else "already exists; its password is unchanged "
                 "(--reset-password sets a new one)")
        click.echo(f"{person.email}: {state}. Log in at {person.login_url}")
    if person.role:
        click.echo(f"{person.email} is {'now' if person.role_changed else 'already'} "
                   f"an {person.role}")
    if person.password_file:
        click.echo(f"The password is in {shown(person.password_file)} (readable by you "
                   f"only): hand it over privately.")


def _invitation(person: Annotator, reset_on_host: str) -> None:
    """A remote server: the invite link to pass on, or how a member logs in."""
    if person.invite_url:
        click.echo(f"{person.email}: no account yet. Send them the invite link (it lets "
                   f"anyone join, so send it privately): {person.invite_url}")
        click.echo(f"They sign up there with {person.email} and choose their own password.")
    else:
        click.echo(f"{person.email}: already has an account. Log in at {person.login_url}")
        click.echo("If they cannot log in (an account made through Label Studio's API has no "
                   "password), " + reset_on_host.format(email=person.email) + ".")


def rebuild_report(report: RebuildReport, settings: Settings) -> None:
    """What was imported again, from which pulls, and how people get back in."""
    click.echo(f"Rebuilt from {', '.join(report.pulls)}")
    for title, result in ((settings.project, report.project),
                          (settings.for_review().project, report.review)):
        if result is not None:
            click.echo(f"Project {title!r}: {plural(len(result.created), 'task')} imported, "
                       f"{result.unchanged:,} already there")
    click.echo(f"{plural(report.annotations, 'annotation')} imported with their authors, "
               f"results, lead times and ground-truth marks (the old ids and times are in "
               f"each task's meta.rebuilt)")
    for person in report.accounts:
        click.echo(f"{person.email}: account made again; passwords are not kept, so the new "
                   f"one is in {shown(person.password_file) if person.password_file else '?'}"
                   f" (readable by you only): hand it over privately")


def sync(report: SyncReport) -> None:
    if report.backup is not None:
        click.echo(f"Backed up the server first: {shown(report.backup)}")
    push_summary(report.push)
    click.echo(f"Articles: {report.tasks} in the project, {report.annotated} annotated, "
               f"{report.agreed} agreed, {report.adjudicated} adjudicated, "
               f"{report.awaiting_review} awaiting review, {report.awaiting_annotations} "
               f"awaiting annotations")
    export(report.gold, with_reckoning=False)
    if report.disputed:
        first = "the first " if report.awaiting_review > len(report.disputed) else ""
        click.echo(f"Disputed, awaiting review ({first}"
                   f"{plural(len(report.disputed), 'article')}):")
        for article in report.disputed:
            title = f" '{clip(article.title, 45)}'" if article.title else ""
            click.echo(f"  {article.article_id}{title}: {article.why}")
    if report.invalid:
        click.echo(f"{plural(report.invalid, 'annotation')} had parts set aside for errors "
                   f"(the rest of them counted): feedback for "
                   f"{plural(len(report.feedback), 'annotator')} in "
                   f"{shown(report.feedback[0].parent) if report.feedback else '-'}/")
    for edit in report.edits:
        click.echo(_edited(edit))
    if report.review_url:
        review_roles(report.adjudicators, report.ignored)
    click.echo(f"Quality report: {shown(report.report)}")
    click.echo(f"Annotate: {report.annotate_url}")
    if report.review_url:
        who = ", ".join(report.adjudicators) or "nobody yet"
        click.echo(f"Review: {report.review_url} (adjudicators: {who})")


def _edited(edit: EditNotice) -> str:
    return (f"Changed by someone else: {edit.author}'s annotation of article "
            f"{edit.article_id} (task {edit.task_id}) was last changed by {edit.editor}: "
            f"{edit.counted()}")


_WHY = {"start": "on start", "webhook": "after submissions", "interval": "on the interval"}


def watch_round(done: Round) -> None:
    """A line a sync of the watch, and the edits by someone else it found, as sync's."""
    head = f"[{time.strftime('%H:%M:%S', time.localtime(done.at))}] sync {_WHY[done.why]}"
    report = done.report
    if report is None:
        click.echo(f"{head} failed: {done.error}")
        return
    if report.unchanged:
        click.echo(f"{head}: nothing new")
        return
    gold = report.gold
    wrote = ("no gold yet" if gold.path is None else "gold unchanged" if gold.unchanged
             else f"gold version {gold.version} written ({plural(gold.articles, 'article')})")
    click.echo(f"{head}: {report.annotated} of {report.tasks} articles annotated, "
               f"{report.agreed} agreed, {report.adjudicated} adjudicated, "
               f"{report.awaiting_review} awaiting review; {wrote}")
    for edit in report.edits:
        click.echo(f"  {_edited(edit)}")
