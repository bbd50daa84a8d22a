"""Commands on the project's own files: the schema's generated config, the articles."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from workbench.cli import output
from workbench.cli.options import field_map, field_options
from workbench.ingest import ingest
from workbench.schema import SCHEMA, generated
from workbench.schema.labelconfig import label_config


@click.command()
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


@click.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print the article records as a JSON array on stdout.")
@click.option("--strict", is_flag=True,
              help="Exit 1 when any file or record was rejected or had a warning.")
@field_options
def ingest_command(paths: tuple[Path, ...], as_json: bool, strict: bool,
                   **fields: str | None) -> None:
    """Read articles from folders of .txt/.md files and .jsonl, .json, .csv files.

    Prints a summary: articles read, duplicates, files and records rejected
    with the reason. PATHS defaults to seeds/.

    \b
    Examples:
        workbench ingest seeds/
        workbench ingest more.jsonl --text-field body --id-field uid
        workbench ingest seeds/ --json > articles.json
    """
    report = ingest(paths or (Path("seeds"),), fields=field_map(fields))
    if as_json:
        records = [a.model_dump(mode="json") for a in report.articles]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    output.ingest_summary(report, err=as_json)
    if not report.articles:
        raise click.ClickException("no usable article was read")
    if strict and report.problems:
        sys.exit(1)


COMMANDS = [schema, ingest_command]
