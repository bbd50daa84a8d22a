"""Gold versions: write one, compare two."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli import output
from workbench.cli.options import export_option, settings, voting_options
from workbench.gold.diff import diff_versions
from workbench.gold.write import write_gold
from workbench.quality.chain import Voting


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


COMMANDS = [export_command, diff_command]
