"""The ``workbench`` command: each command a thin wrapper over one library call."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from workbench import generated
from workbench.articles import FieldMap, IngestReport, ingest
from workbench.errors import WorkbenchError
from workbench.labelconfig import label_config
from workbench.schema import SCHEMA


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
    echo = lambda line="": click.echo(line, err=err)  # noqa: E731
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
    for path in report.skipped:
        echo(f"skipped: {path}: not .txt, .md, .jsonl, .json or .csv")


def main() -> None:
    cli(prog_name="workbench")
