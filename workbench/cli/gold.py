"""Gold versions: write one, compare two."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli import output
from workbench.cli.options import export_option, settings, voting_options
from workbench.gold.diff import diff_versions
from workbench.gold.write import write_gold
from workbench.publish import publish
from workbench.quality.chain import Voting
from workbench.records.wording import plural


@click.command("export")
@export_option
@click.option("--version", "version", metavar="V",
              help="Name the version (default: <schema version>.<next revision>).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="The gold folder (default: exports/gold).")
@voting_options
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
    output.export(write_gold(settings(), export=export, version=version, out=out,
                             voting=voting, with_text=not without_text))


@click.command("diff")
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
    result = diff_versions(root, old, new)
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        output.diff(result)


@click.command("publish")
@click.argument("version", default="latest")
@click.option("--to", "to", required=True, type=click.Path(path_type=Path),
              help="A new (or empty) folder to copy the version into.")
@click.option("--hub", metavar="REPO_ID",
              help="Also upload it to this Hugging Face dataset repository (private when "
                   "created; needs a token: WORKBENCH_HF_TOKEN, HF_TOKEN or a login).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="The gold folder (default: exports/gold).")
def publish_command(version: str, to: Path, hub: str | None, root: Path | None) -> None:
    """Copy a gold version with exactly what a consumer needs: data, card, croissant.json.

    Every file is checked against the manifest first; no decisions log, raw pull or
    annotator email is ever in it. VERSION defaults to the latest.

    \b
    Examples:
        workbench publish --to release/
        workbench publish 1.0.3 --to release/ --hub my-org/crime-news-gold
    """
    report = publish(settings(), version, to, hub=hub, root=root)
    files = plural(len(report.files), "file")
    click.echo(f"Published gold version {report.version}: {files}, {report.bytes:,} bytes "
               f"in {output.shown(report.path)}")
    if report.hub_url:
        click.echo(f"Uploaded to {report.hub_url}")


COMMANDS = [export_command, diff_command, publish_command]
