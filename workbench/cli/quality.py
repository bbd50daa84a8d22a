"""Offline commands on any Label Studio export: validate, agreement, adjudicate, and the
pages people read (the maintainer's report, each annotator's feedback)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click
import msgspec

from workbench.cli import output
from workbench.cli.options import export_option, settings, voting_options
from workbench.quality.adjudicate import adjudicate
from workbench.quality.agreement import agreement_export
from workbench.quality.agreement import as_json as agreement_json
from workbench.quality.chain import Voting
from workbench.quality.feedback import write_feedback
from workbench.quality.validate import Finding, validate_export
from workbench.records.wording import plural
from workbench.report.page import write_report
from workbench.store.rawpulls import open_export


@click.command("validate")
@export_option
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
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    report = validate_export(open_export(settings(), export))
    if as_json:
        click.echo(json.dumps({"findings": [f.model_dump() for f in report.findings],
                               "summary": report.summary.model_dump()}, indent=2,
                              ensure_ascii=False))
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(Finding.model_fields))
        writer.writeheader()
        for finding in report.findings:
            writer.writerow(finding.model_dump())
    else:
        output.validation(report)
    if not report.ok:
        sys.exit(1)


@click.command("agreement")
@export_option
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
    report = agreement_export(open_export(settings(), export))
    if as_json:
        click.echo(json.dumps(agreement_json(report), indent=2, ensure_ascii=False))
    else:
        output.agreement(report)


@click.command("adjudicate")
@export_option
@voting_options
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
    report = adjudicate(settings(), export=export, voting=voting)
    if not as_json:
        output.adjudication(report)
        return
    disputed = [{"article_id": d.article_id, "task_id": d.task_id,
                 "disagreements": [msgspec.to_builtins(x.logged()) for x in d.disagreements]}
                for d in report.disputed]
    click.echo(json.dumps({"counts": report.counts, "logged": report.logged,
                           "reckoning": report.reckoning.model_dump(),
                           "disputed": disputed}, indent=2))


@click.command("report")
@export_option
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
    path = write_report(settings(), export=export, out=out)
    click.echo(f"Report: {output.shown(path)}")


@click.command("feedback")
@export_option
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
    pages = write_feedback(settings(), export=export, out=out)
    click.echo(f"Feedback for {plural(len(pages), 'annotator')}"
               + (f" in {output.shown(pages[0].parent)}/" if pages else ": no slips"))
    for page in pages:
        click.echo(f"  {output.shown(page)}")


COMMANDS = [validate_command, agreement_command, adjudicate_command, report_command,
            feedback_command]
