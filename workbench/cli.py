"""The ``workbench`` command: each command a thin wrapper over one library call."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click
import msgspec

from workbench.errors import WorkbenchError
from workbench.ingest import FieldMap, IngestReport, ingest
from workbench.quality.chain import Voting
from workbench.schema import SCHEMA, generated
from workbench.schema.labelconfig import label_config
from workbench.settings import Settings


class _Group(click.Group):
    """Turns library errors into ``Error: ...`` and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WorkbenchError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=_Group)
@click.version_option(package_name="workbench")
def cli() -> None:
    """Turn news articles into a versioned gold dataset through Label Studio.

    \b
    Example:
        workbench ingest seeds/
    """


@cli.command()
@click.option("--check", "mode", flag_value="check",
              help="Exit 1, naming the stale files, when a generated file is out of date.")
@click.option("--write", "mode", flag_value="write",
              help="Regenerate the labeling config and guidelines from the schema.")
@click.option("--json", "as_json", is_flag=True, help="Print the schema itself as JSON.")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("label_configs"), show_default=True,
              help="Where the generated files live.")
def schema(mode: str | None, as_json: bool, directory: Path) -> None:
    """Print the Label Studio labeling config generated from the schema.

    \b
    Examples:
        workbench schema                 # the XML, to stdout
        workbench schema --check         # exit 1 if label_configs/ is stale
        workbench schema --write         # regenerate label_configs/
        workbench schema --json | jq '.crime_types[].id'
    """
    if mode == "check":
        generated.check(directory)
        click.echo(f"{directory}/ is up to date with schema {SCHEMA.version}", err=True)
    elif mode == "write":
        written = generated.write(directory)
        for path in written:
            click.echo(f"wrote {path}", err=True)
        if not written:
            click.echo(f"{directory}/ was already up to date", err=True)
    elif as_json:
        click.echo(json.dumps(SCHEMA.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        click.echo(label_config(), nl=False)


def _field_options(function):
    """--id-field, --text-field ... for JSON Lines, JSON and CSV inputs."""
    for name in reversed(FieldMap.model_fields):
        default = ", ".join(FieldMap.model_fields[name].default)
        function = click.option(
            f"--{name}-field", f"{name}_field", metavar="NAME",
            help=f"Field holding the article's {name} in JSONL/CSV input "
                 f"(default: first of {default}).")(function)
    return function


def _field_map(options: dict[str, str | None]) -> FieldMap:
    return FieldMap(**{name: (options[f"{name}_field"],)
                       for name in FieldMap.model_fields if options.get(f"{name}_field")})


@cli.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print the article records as a JSON array on stdout.")
@click.option("--strict", is_flag=True,
              help="Exit 1 when any file or record was rejected or had a warning.")
@_field_options
def ingest_command(paths: tuple[Path, ...], as_json: bool, strict: bool, **fields) -> None:
    """Read articles from folders of .txt/.md files and .jsonl, .json, .csv files.

    Prints a summary: articles read, duplicates, files and records rejected
    with the reason. PATHS defaults to seeds/.

    \b
    Examples:
        workbench ingest seeds/
        workbench ingest more.jsonl --text-field body --id-field uid
        workbench ingest seeds/ --json > articles.json
    """
    report = ingest(paths or (Path("seeds"),), fields=_field_map(fields))
    if as_json:
        records = [a.model_dump(mode="json") for a in report.articles]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    _print_ingest_summary(report, err=as_json)
    if not report.articles:
        raise click.ClickException("no usable article was read")
    if strict and report.problems:
        sys.exit(1)


def _print_ingest_summary(report: IngestReport, *, err: bool) -> None:
    echo = lambda line="": click.echo(line, err=err)
    echo(f"{len(report.articles)} articles from {report.files} files: "
         f"{len(report.duplicates)} duplicates, {len(report.rejected)} rejected, "
         f"{len(report.warnings)} warnings")
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


def _clip(text: str, width: int) -> str:
    """``text`` cut at a word to fit ``width``, with an ellipsis when cut."""
    if len(text) <= width:
        return text
    return text[:width - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


def _count(n: int, word: str, plural: str | None = None) -> str:
    """``1 annotation``, ``2 annotations``."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _shown(path: Path) -> Path:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def _settings(**overrides) -> Settings:
    """Settings from the environment and .env, with command-line options on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


# -- server ------------------------------------------------------------------------------


@cli.group()
def server() -> None:
    """Run the managed local Label Studio (under $WORKBENCH_HOME, bound to 127.0.0.1).

    \b
    Example:
        workbench server start && workbench server status
    """


def _managed_settings(verb: str) -> Settings:
    """Settings for the managed server; a remote one is not the workbench's to start or stop."""
    from workbench.errors import ConfigError

    settings = _settings()
    if not settings.managed:
        raise ConfigError(f"WORKBENCH_LABEL_STUDIO_URL points at a Label Studio the workbench "
                          f"does not run ({settings.label_studio_url}): it does not {verb} it; "
                          f"unset the variable to use the managed server")
    return settings


@server.command("start")
def server_start() -> None:
    """Start the managed Label Studio; returns once it answers. No-op when it runs.

    The first start creates the database and the admin account (about 30 s).

    \b
    Example:
        workbench server start
    """
    from workbench.studio.server import ManagedServer

    managed = ManagedServer(_managed_settings("start"))
    if managed.running() is None:
        click.echo(f"Starting Label Studio at {managed.url} ...", err=True)
    info = managed.start()
    click.echo(f"Label Studio is up at {info.url} (pid {info.pid}); "
               f"admin login {managed.credentials().email}, password in "
               f"{_shown(managed.credentials_file)}")


@server.command("stop")
def server_stop() -> None:
    """Stop the managed Label Studio (SIGTERM, then wait). Data and token are kept.

    \b
    Example:
        workbench server stop
    """
    from workbench.studio.server import ManagedServer

    stopped = ManagedServer(_managed_settings("stop")).stop()
    click.echo("Label Studio stopped" if stopped else "Label Studio was not running")


@server.command("status")
def server_status() -> None:
    """Print up/down, URL, version, and per project its tasks and annotations.

    Exits 1 when the server is down.

    \b
    Example:
        workbench server status
    """
    from workbench.studio.status import server_status as status

    report = status(_settings())
    where = "managed" if report.managed else "remote"
    if not report.up:
        click.echo(f"Label Studio ({where}) is down: {report.url}")
        sys.exit(1)
    click.echo(f"Label Studio ({where}) is up: {report.url}, version {report.version or '?'}")
    for project in report.projects:
        click.echo(f"  project {project.id} {project.title!r}: {project.tasks} tasks, "
                   f"{project.annotations} annotations")


# -- push --------------------------------------------------------------------------------


class _Progress:
    """A progress bar on stderr, opened at the library's first report, off with --silent."""

    def __init__(self, label: str, *, silent: bool):
        self.label, self.silent, self.bar = label, silent, None

    def __call__(self, advanced: int, total: int) -> None:
        if self.silent or total == 0:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(advanced)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@cli.command("push")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
@click.option("--reconcile", is_flag=True,
              help="Rebuild the local task ledger from the server before pushing.")
@click.option("--project", help="Project title (default: $WORKBENCH_PROJECT or 'Crime news').")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True,
              help="Tasks per import request.")
@click.option("--silent", is_flag=True, help="No progress bar.")
@_field_options
def push_command(paths: tuple[Path, ...], dry_run: bool, reconcile: bool, project: str | None,
                 batch_size: int, silent: bool, **fields) -> None:
    """Import articles into the Label Studio project, with pre-annotations.

    Creates or updates the project (labeling config, guidelines, overlap) and
    imports only what it lacks: running it twice imports nothing the second
    time. PATHS defaults to seeds/. Starts the managed server when no remote
    one is configured.

    \b
    Examples:
        workbench push
        workbench push more/ --dry-run
        WORKBENCH_OVERLAP=2 workbench push articles.jsonl --text-field body
    """
    from workbench.studio.client import connect
    from workbench.studio.push import push

    settings = _settings(project=project)
    with _Progress("Pushing", silent=silent) as progress:
        report = push(paths or (Path("seeds"),), settings=settings, studio=connect(settings),
                      fields=_field_map(fields), dry_run=dry_run, reconcile=reconcile,
                      batch_size=batch_size, progress=progress)
    _print_push_summary(report)


def _print_push_summary(report) -> None:
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
    click.echo(f"{_count(len(report.created), 'task')} {verb}created, {report.unchanged} "
               f"already there, {len(report.replaced) + len(report.changed_kept)} changed "
               f"({len(report.replaced)} {verb}replaced, {len(report.changed_kept)} kept: "
               f"annotated), {_count(len(ingested.rejected), 'article')} rejected, "
               f"{_count(len(ingested.duplicates), 'duplicate')} in the input")
    if report.control:
        click.echo(f"{report.control:,} of them {verb}without suggestions: the control share "
                   f"(WORKBENCH_CONTROL_SHARE)")
    if report.duplicates_removed:
        click.echo(f"{_count(report.duplicates_removed, 'duplicate task')} {verb}removed from "
                   f"the project")
    if report.project_url:
        click.echo(f"Project: {report.project_url}")


# -- pull and validate -------------------------------------------------------------------


@cli.command("pull")
def pull_command() -> None:
    """Export the project's annotations into a new raw pull under exports/raw/.

    The file is Label Studio's own JSON export (with annotator emails, full
    predictions and drafts), unchanged, with its sha256 beside it; it is never
    modified afterwards. Prints what it holds and what is new since the last pull.

    \b
    Example:
        workbench pull && workbench validate
    """
    from workbench.studio.client import connect
    from workbench.studio.pull import pull

    settings = _settings()
    click.echo(f"Exporting project {settings.project!r} ...", err=True)
    _print_pull_report(pull(settings, connect(settings)))


def _print_pull_report(report) -> None:
    summary = report.summary
    if report.unchanged:
        click.echo(f"Nothing changed in {report.project_title!r} (project "
                   f"{report.project_id}) since the last pull, {_shown(report.path)}")
    else:
        click.echo(f"Pulled {report.project_title!r} (project {report.project_id}) into "
                   f"{_shown(report.path)} ({report.size:,} bytes, sha256 "
                   f"{report.sha256[:12]}...)")
    click.echo(f"{_count(summary.tasks, 'task')}, {_count(summary.annotations, 'annotation')} "
               f"({summary.cancelled} cancelled/skipped) by "
               f"{_count(len(summary.annotators), 'annotator')}, "
               f"{_count(summary.drafts, 'draft')}, {summary.ground_truth} ground truth")
    if report.previous and not report.unchanged:
        click.echo(f"Since the last pull ({_shown(report.previous).name}): "
                   f"{_count(report.new_annotations, 'new annotation')}, "
                   f"{report.updated_annotations} updated, "
                   f"{_count(report.new_tasks, 'new task')}")
    elif not report.previous:
        click.echo("This is the first pull.")


def _export_option(function):
    return click.option(
        "--export", "export", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A Label Studio JSON export to read (default: the latest pull).")(function)


@cli.command("validate")
@_export_option
@click.option("--json", "as_json", is_flag=True,
              help='Print {"findings": [...], "summary": {...}} as JSON.')
@click.option("--csv", "as_csv", is_flag=True, help="Print the findings as CSV.")
def validate_command(export: Path | None, as_json: bool, as_csv: bool) -> None:
    """Check every annotation against the schema's rules. Exit 1 on any error.

    Works offline on any Label Studio JSON export. The report gives a table
    per rule and per annotator, then each finding with its task, article,
    annotation, annotator and field.

    \b
    Examples:
        workbench validate
        workbench validate --export project-7-at-2026-11-01.json --json | jq .summary
        workbench validate --csv > findings.csv
    """
    from workbench.quality.validate import validate_export
    from workbench.store.rawpulls import open_export

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    report = validate_export(open_export(_settings(), export))
    if as_json:
        click.echo(json.dumps({"findings": [f.model_dump() for f in report.findings],
                               "summary": report.summary.model_dump()}, indent=2,
                              ensure_ascii=False))
    elif as_csv:
        import csv

        from workbench.quality.validate import Finding

        writer = csv.DictWriter(sys.stdout, fieldnames=list(Finding.model_fields))
        writer.writeheader()
        for finding in report.findings:
            writer.writerow(finding.model_dump())
    else:
        _print_validation(report)
    if not report.ok:
        sys.exit(1)


def _print_validation(report) -> None:
    from workbench.quality.validate import RULES

    s = report.summary
    click.echo(f"{_shown(Path(report.source))}: {_count(s.tasks, 'task')}: "
               f"{s.tasks - s.malformed_tasks} checked, {s.malformed_tasks} set aside "
               f"(malformed)")
    inside = (f", {s.annotations_in_malformed_tasks} in malformed tasks (set aside)"
              if s.annotations_in_malformed_tasks else "")
    click.echo(f"{_count(s.annotations, 'annotation')}: {s.valid_annotations} valid, "
               f"{s.annotations_with_errors} with errors (only their faulty parts are set "
               f"aside), {s.cancelled} cancelled (set aside){inside}")
    for note in s.notes:
        click.echo(f"note: {note}")
    if s.by_rule:
        click.echo()
        click.echo(_table([[rule, RULES[rule][0], str(count)] for rule, count in s.by_rule.items()],
                          ["rule", "severity", "findings"]))
    if s.by_annotator:
        click.echo()
        click.echo(_table([[name, str(a.annotations), str(a.cancelled), str(a.with_errors),
                            str(a.errors)] for name, a in s.by_annotator.items()],
                          ["annotator", "annotations", "cancelled", "with errors", "errors"]))
    if report.findings:
        click.echo()
    for f in report.findings:
        where = _task_label(f.task_id)
        if f.article_id:
            where += f" (article {f.article_id})"
        if f.annotation_id is not None:
            where += f", annotation {f.annotation_id} by {f.annotator}"
        field = f", {f.field}" if f.field else ""
        click.echo(f"{f.severity.upper():7} {f.rule}: {where}{field}: {f.message}")
    click.echo(f"\n{_count(s.errors, 'error')}, {_count(s.warnings, 'warning')}, "
               f"{_count(s.info, 'note')}")


def _print_reckoning(tasks: int, verb: str, tasks_used: int, tasks_aside: dict[str, int],
                     annotations: int, annotations_used: int,
                     annotations_aside: dict[str, int], notes: list[str]) -> None:
    """Every task and annotation read: used, or set aside with the reason."""
    def aside(counts: dict[str, int]) -> str:
        total = sum(counts.values())
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))
        return f"{total} set aside" + (f" ({why})" if why else "")

    click.echo(f"Read {_count(tasks, 'task')}: {tasks_used} {verb}, {aside(tasks_aside)}")
    click.echo(f"Read {_count(annotations, 'annotation')}: {annotations_used} used, "
               f"{aside(annotations_aside)}")
    for note in notes:
        click.echo(f"note: {note}")


def _task_label(task_id: int | None) -> str:
    """A task as messages name it; one without an id in the export by its position."""
    if task_id is None:
        return "a task"
    return f"task {task_id}" if task_id >= 0 else f"task #{-task_id} (no id)"


def _table(rows: list[list[str]], header: list[str]) -> str:
    """A plain text table: text columns left-aligned, numbers right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [cell.rjust(width) if cell.replace(".", "").replace("-", "").isdigit()
                 else cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), *(line(row) for row in rows)])


# -- agreement, adjudication, review ----------------------------------------------------


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@cli.command("agreement")
@_export_option
@click.option("--json", "as_json", is_flag=True,
              help='Print {"fields": {...}, "annotators": {...}} as JSON.')
def agreement_command(export: Path | None, as_json: bool) -> None:
    """Measure inter-annotator agreement on every field of an export.

    Single choices: Krippendorff's alpha, Fleiss' and Cohen's kappa, percent
    agreement. Multi choices: alpha with the MASI distance, and per value a
    binary alpha. Spans: pairwise F1 (exact and overlap) and Krippendorff's
    unitizing alpha. Works offline on any Label Studio JSON export.

    \b
    Examples:
        workbench agreement
        workbench agreement --export project-7.json --json | jq '.fields.stance'
    """
    from workbench.quality.agreement import agreement_export
    from workbench.quality.agreement import as_json as report_json
    from workbench.store.rawpulls import open_export

    report = agreement_export(open_export(_settings(), export))
    if as_json:
        click.echo(json.dumps(report_json(report), indent=2, ensure_ascii=False))
        return
    r = report.reckoning
    click.echo(f"{_shown(Path(report.source))}:")
    _print_reckoning(r.tasks, "measured", r.tasks_used, r.tasks_set_aside,
                     r.annotations, r.annotations_used, r.annotations_set_aside, r.notes)
    if report.not_measured:
        click.echo("Not measured (no coefficient for them here): " + ", ".join(
            f"{count} {kind}" for kind, count in report.not_measured.items()))
    rows = []
    for name, f in report.fields.items():
        rows.append([name, f.kind, str(f.items), str(f.raters), _number(f.krippendorff_alpha),
                     _number(f.fleiss_kappa), _number(f.cohen_kappa_mean),
                     _number(f.percent_agreement), _number(f.f1_exact), _number(f.f1_overlap),
                     _number(f.unitizing_alpha)])
        if f.kind in ("multi", "spans"):
            for label, a in f.per_label.items():
                rows.append([f"  {label}", "", "", "", _number(a.krippendorff_alpha), "", "",
                             _number(a.percent_agreement), _number(a.f1_exact),
                             _number(a.f1_overlap), _number(a.unitizing_alpha)])
    click.echo(_table(rows, ["field", "kind", "items", "raters", "alpha", "fleiss", "cohen",
                             "agree", "F1", "F1~", "alpha_U"]))
    if report.annotators:
        click.echo()
        click.echo(_table([[name, str(a.items), _number(a.mean_pairwise_agreement),
                            _number(a.f1_exact)] for name, a in report.annotators.items()],
                          ["annotator", "items", "agreement", "F1"]))
    click.echo("\nalpha: Krippendorff (MASI for multi-choice); agree: percent agreement; "
               "F1 / F1~: spans matched exactly / by overlap")
    for name, f in report.fields.items():  # a missing alpha says why where it is missing
        for where, a in [(name, f), *((f"{name} {label}", a) for label, a in f.per_label.items())]:
            if a.undefined:
                click.echo(f"alpha undefined for {where}: {a.undefined}")


def _voting_options(function):
    """--min-agree and --min-annotators, given to the command as one ``voting``."""
    @functools.wraps(function)
    def wrapper(*args, min_agree: int | None, min_annotators: int, **kwargs):
        return function(*args, voting=Voting(min_agree=min_agree,
                                             min_annotators=min_annotators), **kwargs)

    wrapper = click.option("--min-annotators", type=click.IntRange(1), default=2,
                           show_default=True,
                           help="Usable annotations an article needs before it is voted on.")(
        wrapper)
    return click.option("--min-agree", type=click.IntRange(1), default=None, metavar="K",
                        help="Annotators who must agree for a value to be accepted "
                             "(default: a strict majority of the article's annotators).")(
        wrapper)


@cli.command("adjudicate")
@_export_option
@_voting_options
@click.option("--json", "as_json", is_flag=True,
              help="Print the counts and every disputed article's disagreements as JSON.")
def adjudicate_command(export: Path | None, voting: Voting, as_json: bool) -> None:
    """Build a gold candidate per article and list what annotators disagree on.

    A value, span or relation is accepted when at least K annotators chose it;
    adjudicator decisions from the review round and annotations marked ground
    truth win over votes. Appends what changed to exports/decisions.jsonl.

    \b
    Examples:
        workbench adjudicate
        workbench adjudicate --min-agree 3 --export project-7.json
    """
    from workbench.quality.adjudicate import adjudicate

    report = adjudicate(_settings(), export=export, voting=voting)
    if as_json:
        disputed = [{"article_id": d.article_id, "task_id": d.task_id,
                     "disagreements": [msgspec.to_builtins(x.logged()) for x in d.disagreements]}
                    for d in report.disputed]
        click.echo(json.dumps({"counts": report.counts, "logged": report.logged,
                               "reckoning": report.reckoning.model_dump(),
                               "disputed": disputed}, indent=2))
        return
    counts = ", ".join(f"{n} {status}" for status, n in report.counts.items()) or "none"
    click.echo(f"{_shown(Path(report.source))}: {_count(report.articles, 'article')}: "
               f"{counts}")
    _print_chain_reckoning(report.reckoning)
    for decision in report.disputed:
        click.echo(f"\narticle {decision.article_id} (task {decision.task_id}), "
                   f"{decision.n} annotators, K={decision.k}:")
        for item in decision.disagreements:
            votes = "; ".join(f"{option}: {', '.join(names) or '-'}"
                              for option, names in item.votes.items())
            click.echo(f"  {item.field}: {item.item}: {votes}")
    click.echo(f"\n{report.logged} new entries in {_shown(report.log)}")
    if report.disputed:
        click.echo("Send the disputed articles to review: workbench review push")


@cli.group()
def review() -> None:
    """The review round: disputed articles, adjudicated in a Label Studio project.

    \b
    Example:
        workbench review push && workbench review pull
    """


@review.command("push")
@_export_option
@_voting_options
def review_push_command(export: Path | None, voting: Voting) -> None:
    """Send every article with open disagreements to the review project.

    Each task shows the agreed parts, ready to complete, and each annotator's
    version as a prediction named after them. Running it again sends nothing twice.

    \b
    Example:
        workbench review push
    """
    from workbench.studio.client import connect
    from workbench.studio.review_project import review_push

    settings = _settings()
    report = review_push(settings, connect(settings), export=export, voting=voting)
    sync = report.sync
    click.echo(f"{_count(report.disputed, 'disputed article')}: {len(sync.created)} sent to "
               f"review, {sync.unchanged} already there, {len(sync.replaced)} updated, "
               f"{len(sync.changed_kept)} being adjudicated already")
    if report.project_url:
        click.echo(f"Review at {report.project_url} ({report.project_title!r})")


@review.command("pull")
def review_pull_command() -> None:
    """Pull the adjudicators' decisions from the review project into exports/raw/.

    From then on, adjudicate and export take each submitted, valid decision as
    final for its article.

    \b
    Example:
        workbench review pull && workbench adjudicate
    """
    from workbench.studio.client import connect
    from workbench.studio.review_project import review_pull

    settings = _settings()
    report = review_pull(settings, connect(settings))
    _print_pull_report(report)
    click.echo(f"{_count(report.decisions, 'article')} adjudicated")
    _print_review_roles(report.adjudicators, report.ignored)


def _print_review_roles(adjudicators: list[str], ignored) -> None:
    if not adjudicators:
        click.echo("No adjudicator is named, so no review submission counts: set "
                   "WORKBENCH_ADJUDICATORS or run `workbench annotators add EMAIL --role "
                   "adjudicator`")
    for submission in ignored:
        click.echo(f"Ignored: a review submission by {submission.annotator} (annotation "
                   f"{submission.annotation_id}, article {submission.article_id}), who is "
                   f"not an adjudicator")


# -- gold --------------------------------------------------------------------------------


@cli.command("report")
@_export_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for report.html (default: exports/reports).")
def report_command(export: Path | None, out: Path | None) -> None:
    """Write the maintainer's quality report: one self-contained HTML page.

    Progress (tasks by state, per annotator), label distributions, agreement
    per field and per label with bootstrap confidence intervals, confusion
    matrices between annotators for stance and crime types, where
    disagreements cluster, and the validation findings. Charts are embedded;
    the page opens offline in any browser.

    \b
    Examples:
        workbench report
        workbench report --export project-7.json --out /tmp/report
    """
    from workbench.report.page import write_report

    path = write_report(_settings(), export=export, out=out)
    click.echo(f"Report: {_shown(path)}")


@cli.command("feedback")
@_export_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the pages (default: exports/feedback).")
def feedback_command(export: Path | None, out: Path | None) -> None:
    """Write a feedback page per annotator with slips: what was set aside, and how to fix it.

    Label Studio Community has no comments, so this is how an annotator learns of
    a slip: hand each page over privately (they name the annotator). `sync`
    writes them too, with links to the tasks.

    \b
    Examples:
        workbench feedback
        workbench feedback --export project-7.json --out /tmp/feedback
    """
    from workbench.quality.feedback import write_feedback

    pages = write_feedback(_settings(), export=export, out=out)
    click.echo(f"Feedback for {_count(len(pages), 'annotator')}"
               + (f" in {_shown(pages[0].parent)}/" if pages else ": no slips"))
    for page in pages:
        click.echo(f"  {_shown(page)}")


@cli.command("export")
@_export_option
@click.option("--version", "version", metavar="V",
              help="Name the version (default: <schema version>.<next revision>).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="The gold folder (default: exports/gold).")
@_voting_options
@click.option("--without-text", is_flag=True,
              help="Leave the article text out (ids, URLs, sha256 and offsets only).")
def export_command(export: Path | None, version: str | None, out: Path | None,
                   voting: Voting, without_text: bool) -> None:
    """Write a gold dataset version: jsonl, parquet, spans, a dataset card and a manifest.

    Decides every article of the latest pull (or --export FILE), with the review
    round's decisions, and writes exports/gold/<version>/ atomically. Nothing is
    written when the gold is the same as the latest version's.

    \b
    Examples:
        workbench export
        workbench export --version 1.0.7 --out /tmp/rebuild
        workbench export --without-text --out shareable/
    """
    from workbench.gold.write import write_gold

    _print_export(write_gold(_settings(), export=export, version=version, out=out,
                              voting=voting, with_text=not without_text))


def _print_chain_reckoning(r) -> None:
    _print_reckoning(r.tasks, "decided", r.tasks_used, r.tasks_set_aside, r.annotations,
                     r.annotations_used, r.annotations_set_aside, r.notes)
    if r.parts_set_aside:
        click.echo("Parts set aside from annotations that were used: " + ", ".join(
            f"{n} {rule}" for rule, n in sorted(r.parts_set_aside.items())))


def _print_export(report, *, reckoning: bool = True) -> None:
    if reckoning and report.reckoning is not None:
        _print_chain_reckoning(report.reckoning)
    if report.path is None:
        click.echo("No gold yet: no article has enough agreeing annotations; nothing written")
    elif report.unchanged:
        click.echo(f"Gold unchanged since version {report.previous} "
                   f"({_count(report.articles, 'article')}): nothing written")
    else:
        click.echo(f"Wrote gold version {report.version}: {_count(report.articles, 'article')} "
                   f"in {_shown(report.path)}")
    if report.pending:
        where = ", listed in the manifest" if report.path is not None else ""
        click.echo(f"{_count(len(report.pending), 'article')} pending (disputed or awaiting "
                   f"annotations){where}")


@cli.command("diff")
@click.argument("old")
@click.argument("new", default="latest")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              default=Path("exports/gold"), show_default=True, help="The gold folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
def diff_command(old: str, new: str, root: Path, as_json: bool) -> None:
    """List articles and labels added, removed and changed between two gold versions.

    \b
    Examples:
        workbench diff 1.0.1 1.0.2
        workbench diff 1.0.1 --json | jq '.changed | length'
    """
    from workbench.gold.diff import diff_versions

    result = diff_versions(root, old, new)
    if as_json:
        click.echo(result.model_dump_json(indent=2))
        return
    click.echo(f"{result.old} -> {result.new}: {_count(len(result.added), 'article')} added, "
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


# -- annotators --------------------------------------------------------------------------


@cli.group()
def annotators() -> None:
    """Manage annotator accounts: made on the managed Label Studio, invited on a remote one.

    \b
    Example:
        workbench annotators add ana@example.org
    """


@annotators.command("add")
@click.argument("email")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the password from this file's first line (else one is generated "
                   "and stored 0600 under $WORKBENCH_HOME/annotators/).")
@click.option("--reset-password", is_flag=True,
              help="Set a new password on an existing account (without it, an existing "
                   "account is left as it is).")
@click.option("--role", type=click.Choice(["annotator", "adjudicator"]),
              help="Record the person's role: only adjudicators decide in the review round.")
def annotators_add(email: str, password_file: Path | None, reset_password: bool,
                   role: str | None) -> None:
    """Create an annotator account and print the login URL. Never prints a password.

    Running it again for an existing account changes nothing (but the role, when
    given), unless --reset-password. On a remote Label Studio (no API sets a
    password there) it prints the organization's invite link instead: the person
    signs up with EMAIL and chooses their own password.

    \b
    Examples:
        workbench annotators add ana@example.org
        workbench annotators add ana@example.org --password-file ana.txt
        workbench annotators add dee@example.org --role adjudicator
        workbench annotators add ben@example.org --reset-password
    """
    from workbench.studio.annotators import add_annotator
    from workbench.studio.client import connect

    settings = _settings()
    annotator = add_annotator(settings, connect(settings), email, password_file=password_file,
                              reset_password=reset_password, role=role)
    if annotator.remote:
        _print_invitation(annotator)
    elif annotator.created:
        state = "created"
    elif annotator.password_set:
        state = "already existed; password reset"
    else:
        state = "already exists; its password is unchanged (--reset-password sets a new one)"
    if not annotator.remote:
        click.echo(f"{annotator.email}: {state}. Log in at {annotator.login_url}")
    if annotator.role:
        click.echo(f"{annotator.email} is {'now' if annotator.role_changed else 'already'} "
                   f"an {annotator.role}")
    if annotator.password_file:
        click.echo(f"The password is in {_shown(annotator.password_file)} (readable by you only): "
                   f"hand it over privately.")


def _print_invitation(annotator) -> None:
    """A remote server: the invite link to pass on, or how a member logs in."""
    from workbench.studio.annotators import RESET_ON_HOST

    if annotator.invite_url:
        click.echo(f"{annotator.email}: no account yet. Send them the invite link (it lets "
                   f"anyone join, so send it privately): {annotator.invite_url}")
        click.echo(f"They sign up there with {annotator.email} and choose their own password.")
    else:
        click.echo(f"{annotator.email}: already has an account. Log in at "
                   f"{annotator.login_url}")
        click.echo("If they cannot log in (an account made through Label Studio's API has no "
                   "password), " + RESET_ON_HOST.format(email=annotator.email) + ".")


@annotators.command("list")
def annotators_list() -> None:
    """List the accounts on the server, one per line: id, email.

    \b
    Example:
        workbench annotators list
    """
    from workbench.studio.annotators import list_annotators
    from workbench.studio.client import connect

    settings = _settings()
    for user in list_annotators(connect(settings)):
        click.echo(f"{user['id']}\t{user['email']}")


# -- sync --------------------------------------------------------------------------------


@cli.command("sync")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--silent", is_flag=True, help="No progress bar.")
def sync_command(paths: tuple[Path, ...], silent: bool) -> None:
    """The main job: push, pull, validate, adjudicate, review, export; then what is left.

    Starts the local server unless a remote one is configured, makes sure the
    project exists, pushes what is new (PATHS, default seeds/), pulls what
    changed, sends disputed articles to review, and writes a gold version when
    the gold changed. Safe to run again, and from cron: it does only what is
    left to do, and a second run at the same time stops at the lock.

    \b
    Example:
        workbench sync
    """
    from workbench.studio.client import connect
    from workbench.studio.server import ManagedServer
    from workbench.sync import sync

    settings = _settings()
    if settings.managed and ManagedServer(settings).running() is None:
        click.echo("Starting Label Studio (the first start takes about 30 s) ...", err=True)
    studio = connect(settings, start=True)
    with _Progress("Pushing", silent=silent) as progress:
        report = sync(settings, studio, paths or (Path("seeds"),), progress=progress,
                      say=lambda line: click.echo(line, err=True))
    _print_push_summary(report.push)
    click.echo(f"Articles: {report.tasks} in the project, {report.annotated} annotated, "
               f"{report.agreed} agreed, {report.adjudicated} adjudicated, "
               f"{report.awaiting_review} awaiting review, {report.awaiting_annotations} "
               f"awaiting annotations")
    _print_export(report.gold, reckoning=False)
    if report.disputed:
        first = "the first " if report.awaiting_review > len(report.disputed) else ""
        click.echo(f"Disputed, awaiting review ({first}"
                   f"{_count(len(report.disputed), 'article')}):")
        for article in report.disputed:
            title = f" '{_clip(article.title, 45)}'" if article.title else ""
            click.echo(f"  {article.article_id}{title}: {article.why}")
    if report.invalid:
        click.echo(f"{_count(report.invalid, 'annotation')} had parts set aside for errors "
                   f"(the rest of them counted): feedback for "
                   f"{_count(len(report.feedback), 'annotator')} in "
                   f"{_shown(report.feedback[0].parent) if report.feedback else '-'}/")
    if report.review_url:
        _print_review_roles(report.adjudicators, report.ignored)
    click.echo(f"Quality report: {_shown(report.report)}")
    click.echo(f"Annotate: {report.annotate_url}")
    if report.review_url:
        who = ", ".join(report.adjudicators) or "nobody yet"
        click.echo(f"Review: {report.review_url} (adjudicators: {who})")
    if settings.managed:
        server = ManagedServer(settings)
        click.echo(f"Log in as {server.credentials().email} (password in "
                   f"{_shown(server.credentials_file)}), or add annotators: "
                   f"workbench annotators add EMAIL")


def main() -> None:
    cli(prog_name="workbench")
