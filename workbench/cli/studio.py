"""Commands that talk to Label Studio: the managed server, push, pull, the review round,
accounts, and sync.

``workbench.studio`` (httpx, the SDK) is imported inside each command, never here: a core
install without the 'studio' extra lists and runs every other command.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli import output
from workbench.cli.options import (
    Progress,
    export_option,
    field_map,
    field_options,
    settings,
    voting_options,
)
from workbench.errors import ConfigError
from workbench.quality.chain import Voting
from workbench.records.wording import plural
from workbench.settings import Settings


@click.group()
def server() -> None:
    """Run the managed local Label Studio (under $WORKBENCH_HOME, bound to 127.0.0.1).

    \b
    Example:
        workbench server start && workbench server status
    """


def _managed_settings(verb: str) -> Settings:
    """Settings for the managed server; a remote one is not the workbench's to start or stop."""
    found = settings()
    if not found.managed:
        raise ConfigError(f"WORKBENCH_LABEL_STUDIO_URL points at a Label Studio the workbench "
                          f"does not run ({found.label_studio_url}): it does not {verb} it; "
                          f"unset the variable to use the managed server")
    return found


@server.command("start")
def server_start() -> None:
    """Start the managed Label Studio; returns once it answers. No-op when it runs.

    The first start creates the database and the admin account (about 30 s).

    \b
    Example:
        workbench server start
    """
    from workbench.studio.backup import start_managed
    from workbench.studio.server import ManagedServer

    found = _managed_settings("start")
    managed = ManagedServer(found)
    if managed.running() is None:
        click.echo(f"Starting Label Studio at {managed.url} ...", err=True)
    info = start_managed(found)
    click.echo(f"Label Studio is up at {info.url} (pid {info.pid}); "
               f"admin login {managed.credentials().email}, password in "
               f"{output.shown(managed.credentials_file)}")


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


@server.command("backup")
@click.option("--to", "to", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to put the backup in (default: $WORKBENCH_HOME/backups, where the "
                   "newest $WORKBENCH_BACKUPS_KEEP are kept).")
def server_backup(to: Path | None) -> None:
    """Back up the managed Label Studio's data, consistently, while it runs.

    The database (SQLite's backup API, or pg_dump), the secret key and the admin's
    credentials, each checksummed. `sync` takes one first when the last is older than
    $WORKBENCH_BACKUP_EVERY hours.

    \b
    Examples:
        workbench server backup
        workbench server backup --to /mnt/safe/
    """
    from workbench.studio.backup import backup

    report = backup(settings(), to=to)
    click.echo(f"Backup {output.shown(report.path)}: {report.database}, {report.bytes:,} "
               f"bytes, Label Studio {report.label_studio or '?'}")
    for old in report.removed:
        click.echo(f"Removed the older backup {output.shown(old)} (WORKBENCH_BACKUPS_KEEP)")


@server.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data the server holds now.")
def server_restore(source: Path, force: bool) -> None:
    """Put a backup back into the stopped managed Label Studio, after checking it.

    \b
    Example:
        workbench server stop
        workbench server restore .workbench/backups/20261207T120000.000000Z --force
    """
    from workbench.studio.backup import restore

    report = restore(settings(), source, force=force)
    click.echo(f"Restored {output.shown(report.path)} ({report.database}, made with Label "
               f"Studio {report.label_studio or '?'}): start it with `workbench server start`")
    if report.label_studio and report.installed and report.label_studio != report.installed:
        click.echo(f"Label Studio {report.installed} is installed: starting it migrates the "
                   f"data (a backup is taken first). To run it as it was: pip install "
                   f"'label-studio=={report.label_studio}'", err=True)


@server.command("status")
def server_status() -> None:
    """Print up/down, URL, version, and per project its tasks and annotations.

    Exits 1 when the server is down.

    \b
    Example:
        workbench server status
    """
    from workbench.studio.status import server_status as status

    report = status(settings())
    where = "managed" if report.managed else "remote"
    if not report.up:
        click.echo(f"Label Studio ({where}) is down: {report.url}")
        sys.exit(1)
    click.echo(f"Label Studio ({where}) is up: {report.url}, version {report.version or '?'}")
    for project in report.projects:
        click.echo(f"  project {project.id} {project.title!r}: "
                   f"{plural(project.tasks, 'task')}, "
                   f"{plural(project.annotations, 'annotation')}")


@click.command("push")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
@click.option("--reconcile", is_flag=True,
              help="Rebuild the local task ledger from the server before pushing.")
@click.option("--project", help="Project title (default: $WORKBENCH_PROJECT or 'Crime news').")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True,
              help="Tasks per import request.")
@click.option("--silent", is_flag=True, help="No progress bar.")
@field_options
def push_command(paths: tuple[Path, ...], dry_run: bool, reconcile: bool, project: str | None,
                 batch_size: int, silent: bool, **fields: str | None) -> None:
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

    found = settings(project=project)
    with Progress("Pushing", silent=silent) as progress:
        report = push(paths or (Path("seeds"),), settings=found, studio=connect(found),
                      fields=field_map(fields), dry_run=dry_run, reconcile=reconcile,
                      batch_size=batch_size, progress=progress)
    output.push_summary(report)


@click.command("pull")
@click.option("--full", is_flag=True,
              help="Ask for every task, and check the merged deltas against what comes.")
def pull_command(full: bool) -> None:
    """Bring the project's annotations into a new raw pull under exports/raw/.

    The first pull, and one every WORKBENCH_FULL_PULL_EVERY hours (24), is Label
    Studio's own JSON export of the whole project (with annotator emails, full
    predictions and drafts), asked for by ranges of task ids and joined as its
    one snapshot would be, with its sha256 beside it. The others ask only for the
    tasks changed since, keep them raw as a delta under exports/raw/deltas/,
    merge them and write the whole project as the new pull. Nothing is ever
    modified afterwards. Prints what is new since the last pull.

    \b
    Example:
        workbench pull && workbench validate
    """
    from workbench.studio.client import connect
    from workbench.studio.pull import pull

    found = settings()
    click.echo(f"{'Exporting' if full else 'Pulling'} project {found.project!r} ...", err=True)
    output.pull_report(pull(found, connect(found), full=full))


@click.command("rebuild-state")
def rebuild_state_command() -> None:
    """Make the merged state of the project's pulls again from the raw files alone.

    The state (under $WORKBENCH_HOME/state/pulls/) is derived: the newest full
    pull, and each delta after it. Label Studio is not asked for anything.

    \b
    Example:
        workbench rebuild-state
    """
    from workbench.pulls.current import rebuild_state

    rebuilt = rebuild_state(settings())
    click.echo(f"Rebuilt from {rebuilt.base} and {plural(rebuilt.deltas, 'delta')} after "
               f"it: {plural(rebuilt.tasks, 'task')}" if rebuilt.base else
               "No full pull of the project yet: the next pull takes one")


@click.group()
def review() -> None:
    """The review round: disputed articles, adjudicated in a Label Studio project.

    \b
    Example:
        workbench review push && workbench review pull
    """


@review.command("push")
@export_option
@voting_options
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

    found = settings()
    report = review_push(found, connect(found), export=export, voting=voting)
    sync = report.sync
    click.echo(f"{plural(report.disputed, 'disputed article')}: {len(sync.created)} "
               f"sent to review, {sync.unchanged} already there, {len(sync.replaced)} "
               f"updated, {len(sync.changed_kept)} being adjudicated already")
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

    found = settings()
    report = review_pull(found, connect(found))
    output.pull_report(report)
    click.echo(f"{plural(report.decisions, 'article')} adjudicated")
    output.review_roles(report.adjudicators, report.ignored)


@click.group()
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
    from workbench.studio.annotators import RESET_ON_HOST, add_annotator
    from workbench.studio.client import connect

    found = settings()
    person = add_annotator(found, connect(found), email, password_file=password_file,
                           reset_password=reset_password, role=role)
    output.annotator(person, RESET_ON_HOST)


@annotators.command("list")
def annotators_list() -> None:
    """List the accounts on the server, one per line: id, email.

    \b
    Example:
        workbench annotators list
    """
    from workbench.studio.annotators import list_annotators
    from workbench.studio.client import connect

    for user in list_annotators(connect(settings())):
        click.echo(f"{user['id']}\t{user['email']}")


@click.command("sync")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--silent", is_flag=True, help="No progress bar.")
@click.option("--aggregate", type=click.Choice(["auto", "majority", "dawid-skene"]),
              help="How votes become gold (default: $WORKBENCH_AGGREGATE or auto).")
def sync_command(paths: tuple[Path, ...], silent: bool, aggregate: str | None) -> None:
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

    found = settings(aggregate=aggregate)
    if found.managed and ManagedServer(found).running() is None:
        click.echo("Starting Label Studio (the first start takes about 30 s) ...", err=True)
    studio = connect(found, start=True)
    with Progress("Pushing", silent=silent) as progress:
        report = sync(found, studio, paths or (Path("seeds"),), progress=progress,
                      say=lambda line: click.echo(line, err=True))
    output.sync(report)
    if found.managed:
        managed = ManagedServer(found)
        click.echo(f"Log in as {managed.credentials().email} (password in "
                   f"{output.shown(managed.credentials_file)}), or add annotators: "
                   f"workbench annotators add EMAIL")


@click.command("watch")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--every", type=click.FloatRange(min=5), default=30.0, show_default=True,
              help="Seconds between syncs when no webhook comes.")
@click.option("--quiet", type=click.FloatRange(min=0, max=30), default=5.0,
              show_default=True, help="Seconds without a submission before a webhook's sync.")
@click.option("--no-webhook", is_flag=True, help="Sync on the interval alone.")
def watch_command(paths: tuple[Path, ...], every: float, quiet: float, no_webhook: bool
                  ) -> None:
    """Sync within seconds of each submission, until Ctrl-C.

    Syncs once, then registers a webhook of the project (and of the review project)
    pointing at a listener on 127.0.0.1 (it answers only Label Studio's calls, which
    carry a secret header) and syncs a few seconds after submissions pause. Label
    Studio sends a webhook once, never again, so it also syncs every --every seconds.
    Each sync is incremental, as `workbench sync`; other commands can run between
    them. Ctrl-C removes the webhooks.

    \b
    Example:
        workbench watch --every 60
    """
    import signal

    from workbench.studio.client import connect
    from workbench.watch import Watch

    found = settings()
    watch = Watch(found, connect(found, start=True), paths or (Path("seeds"),), every=every,
                  quiet=quiet, webhook=not no_webhook)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C
    try:
        watch.run(output.watch_round, say=lambda line: click.echo(line, err=True))
    except KeyboardInterrupt:
        pass
    click.echo("Stopped watching.")


@click.command("rebuild")
@click.option("--silent", is_flag=True, help="No progress bar.")
def rebuild_command(silent: bool) -> None:
    """Recreate the projects on an empty Label Studio from the raw pulls alone.

    For when the server's data are lost and no backup will do: the latest pull of the
    annotation project and of the review project give back every task, prediction and
    submitted annotation with its author (accounts made again by email; passwords are
    not kept, so each person gets a new one or an invite link), lead times kept, ids and
    times of the lost server in each task's meta.rebuilt. Safe to run again: a rebuild
    cut short is finished, nothing is imported twice.

    \b
    Example:
        workbench rebuild && workbench pull
    """
    from workbench.studio.client import connect
    from workbench.studio.rebuild import rebuild

    found = settings()
    with Progress("Rebuilding", silent=silent) as progress:
        report = rebuild(found, connect(found), progress=progress)
    output.rebuild_report(report, found)


COMMANDS = [server, push_command, pull_command, rebuild_state_command, review, annotators,
            sync_command, watch_command, rebuild_command]
