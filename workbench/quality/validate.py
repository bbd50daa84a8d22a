"""The schema's rules, applied to every annotation of an export.

Each rule has a stable id, a severity and a message an annotator understands; a problem is
reported once, by the most specific rule. A finding names the part it concerns (``Part``):
a span (with its stance and relations), one value, a whole field (the annotator abstains on
it), a per-region stance or a relation; the whole annotation only when it was cancelled.
Adjudication sets aside that part and keeps the rest.
"""


from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, Field

from workbench.lsformat.offsets import same_text
from workbench.lsformat.reader import MalformedTask, ReadNotes
from workbench.lsformat.stream import read_tasks
from workbench.records.tasks import Annotation, FieldValue, Other, Task
from workbench.schema import (
    ACTOR_STANCE,
    ACTORS,
    CRIME_MENTIONS,
    CRIME_TYPES,
    NO_CRIME,
    RELATIONS,
    SCHEMA,
    STANCE,
    Schema,
)
from workbench.store.rawpulls import Source, as_source

Severity = Literal["error", "warning", "info"]

RULES: dict[str, tuple[Severity, str]] = {
    "malformed_task": ("error", "a task that does not fit Label Studio's export format"),
    "missing_text": ("error", "a task without a text to annotate"),
    "unknown_field": ("error", "a result from a control the schema does not have"),
    "unknown_label": ("error", "a label or choice the schema does not have"),
    "span_out_of_bounds": ("error", "a span that does not lie inside the text"),
    "empty_span": ("error", "a span that covers nothing, or only spaces"),
    "offset_mismatch": ("error", "a span whose offsets cover other text than it records"),
    "missing_required": ("error", "a required field left empty"),
    "crime_mention_not_in_crime_types": (
        "error", "a crime mention whose type is not among the chosen crime types"),
    "no_crime_not_exclusive": ("error", "no_crime chosen together with a crime type"),
    "multiple_single_choice": ("error", "two values or more in a field that takes one"),
    "stance_on_non_actor": ("error", "an actor stance on something that is not an actor span"),
    "relation_endpoint_missing": ("error", "a relation to a region that does not exist"),
    "relation_direction": ("error", "a relation that does not go actor -> crime mention"),
    "cancelled": ("info", "a skipped (cancelled) annotation, set aside"),
    "edited_by_other": ("error", "an annotation someone other than its author changed last"),
    "own_version_restored": (
        "info", "an annotation someone else changed, counted as its author's earlier version"),
    "ground_truth_marked_by_other": (
        "info", "an annotation someone else changed last and marked ground truth"),
}


PartKind = Literal["task", "annotation", "spans", "field", "value", "span", "region_choice",
                   "relation"]


class Part(BaseModel):
    """The part of an annotation (or task) a finding concerns: what adjudication sets aside."""

    kind: PartKind
    control: str | None = None  # the field
    region: str | None = None  # a span's or per-region choice's region id
    value: str | None = None  # a choice value
    index: int | None = None  # position of the span, relation or region choice in the annotation

    def __str__(self) -> str:
        where = {"span": f"region {self.region}", "region_choice": f"region {self.region}",
                 "value": repr(self.value), "relation": f"relation {self.index}"}.get(
            self.kind, "")
        return " ".join(x for x in (self.kind, self.control or "", where) if x)


class Finding(BaseModel):
    rule: str
    severity: Severity
    task_id: int | None
    article_id: str | None
    annotation_id: int | None
    annotator: str | None
    field: str | None
    message: str
    part: Part | None = None  # None for warnings and notes that set nothing aside


class AnnotatorSummary(BaseModel):
    annotations: int = 0
    cancelled: int = 0
    with_errors: int = 0
    errors: int = 0
    warnings: int = 0


class Summary(BaseModel):
    """What was read, all of it accounted for: tasks = checked + malformed; annotations =
    valid + with errors + cancelled + those inside malformed tasks."""

    tasks: int = 0
    malformed_tasks: int = 0  # set aside whole: they do not fit the export format
    annotations: int = 0
    cancelled: int = 0
    valid_annotations: int = 0
    annotations_with_errors: int = 0  # their faulty parts are set aside, the rest is used
    annotations_in_malformed_tasks: int = 0
    notes: list[str] = Field(default_factory=list)  # what the reader made up or translated
    errors: int = 0
    warnings: int = 0
    info: int = 0
    by_rule: dict[str, int] = Field(default_factory=dict)
    by_annotator: dict[str, AnnotatorSummary] = Field(default_factory=dict)


class ValidationReport(BaseModel):
    source: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    summary: Summary = Field(default_factory=Summary)

    @property
    def ok(self) -> bool:
        return self.summary.errors == 0


def validate_export(source: Source | Path, schema: Schema = SCHEMA) -> ValidationReport:
    """Validate a Label Studio JSON export, streaming it task by task."""
    source = as_source(source)
    validator, notes = Validator(schema), ReadNotes()
    for task in read_tasks(source.path, notes):
        validator.add(task)
    return validator.report(source, notes)


class Validator:
    """Checks tasks one at a time and keeps the findings and their summary.

    The counts are plain integers during the pass (a pydantic attribute costs more to set
    than the check it counts); ``report`` puts them into the models."""

    def __init__(self, schema: Schema = SCHEMA):
        self.schema = schema
        self._report = ValidationReport()
        self._rules: Counter[str] = Counter()
        self._counts: Counter[str] = Counter()  # Summary's fields
        # annotator -> [annotations, cancelled, with_errors, errors, warnings]
        self._annotators: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])

    def add(self, task: Task | MalformedTask) -> list[Finding]:
        """The task's findings, also kept for the report."""
        counts = self._counts
        counts["tasks"] += 1
        findings = check_task(task, self.schema)
        if isinstance(task, MalformedTask):
            self._keep(findings)
            counts["malformed_tasks"] += 1
            counts["annotations"] += task.annotations
            counts["annotations_in_malformed_tasks"] += task.annotations
            return findings
        people = self._annotators
        if not findings:  # the common case
            for annotation in task.annotations:
                people[annotation.annotator][0] += 1
            counts["annotations"] += len(task.annotations)
            counts["valid_annotations"] += len(task.annotations)
            return findings
        self._keep(findings)
        by_annotation: dict[int, list[Finding]] = defaultdict(list)
        for finding in findings:
            if finding.annotation_id is not None:
                by_annotation[finding.annotation_id].append(finding)
        task_error = any(f.annotation_id is None and f.severity == "error" for f in findings)
        for annotation in task.annotations:
            own = by_annotation.get(annotation.id, [])
            errors = sum(f.severity == "error" for f in own)
            person = people[annotation.annotator]
            person[0] += 1
            person[3] += errors
            person[4] += sum(f.severity == "warning" for f in own)
            counts["annotations"] += 1
            if annotation.cancelled:
                person[1] += 1
                counts["cancelled"] += 1
            elif errors or task_error:
                person[2] += 1
                counts["annotations_with_errors"] += 1
            else:
                counts["valid_annotations"] += 1
        return findings

    def _keep(self, findings: list[Finding]) -> None:
        self._report.findings.extend(findings)
        for finding in findings:
            self._rules[finding.rule] += 1

    def report(self, source: Source | None = None, notes: ReadNotes | None = None
               ) -> ValidationReport:
        report = self._report
        # Summary's int fields, by name
        summary = report.summary = Summary(**cast(dict[str, Any], self._counts))
        report.source = str(source.path) if source is not None else None
        summary.notes = notes.lines() if notes is not None else []
        for finding in report.findings:
            if finding.severity == "error":
                summary.errors += 1
            elif finding.severity == "warning":
                summary.warnings += 1
            else:
                summary.info += 1
        summary.by_rule = dict(sorted(self._rules.items()))
        summary.by_annotator = {
            name: AnnotatorSummary(annotations=n, cancelled=cancelled, with_errors=with_errors,
                                   errors=errors, warnings=warnings)
            for name, (n, cancelled, with_errors, errors, warnings) in sorted(
                self._annotators.items())}
        return report


def check_task(task: Task | MalformedTask, schema: Schema = SCHEMA) -> list[Finding]:
    """Every finding of one task, in the order of its annotations."""
    if isinstance(task, MalformedTask):
        field = f" at {task.field}" if task.field else ""
        return [_finding("malformed_task", task.task_id, None, None, None, task.field,
                         f"task {task.index + 1} of the file does not fit the export "
                         f"format{field}: {task.message}", Part(kind="task"))]
    findings: list[Finding] = []
    if task.text is None and any(a.spans for a in task.annotations):
        findings.append(_finding("missing_text", task.id, task.article_id, None, None, "text",
                                 "the task has no text, so its spans cannot be checked",
                                 Part(kind="spans")))
    for annotation in task.annotations:
        findings.extend(_Checker(task, annotation, schema).run())
    return findings


def _finding(rule: str, task_id, article_id, annotation_id, annotator, field, message,
             part: Part | None = None) -> Finding:
    return Finding(rule=rule, severity=RULES[rule][0], task_id=task_id, article_id=article_id,
                   annotation_id=annotation_id, annotator=annotator, field=field,
                   message=message, part=part)


class _Checker:
    """The rules for one annotation."""

    def __init__(self, task: Task, annotation: Annotation, schema: Schema):
        self.task, self.annotation, self.schema = task, annotation, schema
        self.findings: list[Finding] = []
        self.values = schema.allowed_values

    def add(self, rule: str, field: str | None, message: str, part: Part | None) -> None:
        self.findings.append(_finding(rule, self.task.id, self.task.article_id,
                                      self.annotation.id, self.annotation.annotator, field,
                                      message, part))

    def run(self) -> list[Finding]:
        if self.annotation.cancelled:
            self.add("cancelled", None, "the annotator skipped this task; the annotation is "
                                        "set aside and counted", Part(kind="annotation"))
            return self.findings
        annotation, edit = self.annotation, self.annotation.edit
        if edit is not None and edit.restored_from is not None:
            self.add("own_version_restored", None,
                     f"{edit.by} changed it last; {annotation.annotator}'s own "
                     f"version, from {edit.restored_from}, counts instead", None)
        elif edit is not None and annotation.ground_truth:
            self.add("ground_truth_marked_by_other", None,
                     f"{edit.by} changed it last and it is marked ground truth: it counts as "
                     f"marked (no earlier version of {annotation.annotator}'s to compare)",
                     None)
        elif edit is not None:
            self.add("edited_by_other", None,
                     f"{edit.by} changed it last, so it is not "
                     f"{annotation.annotator}'s vote; no earlier version of theirs is in the "
                     f"pulls kept: set aside", Part(kind="annotation"))
            return self.findings  # its content is not its author's to check
        crime_types = self._choices()
        spans = self._spans(crime_types)
        self._region_choices(spans)
        self._relations(spans)
        unread: tuple[FieldValue | Other, ...] = (*self.annotation.values,
                                                  *self.annotation.others)
        for item in unread:
            kind = getattr(item, "kind", None) or getattr(item, "type", "")
            self.add("unknown_field", item.control,
                     f"a {kind!r} result from {item.control!r}: "
                     f"schema {self.schema.version} has no such field",
                     Part(kind="field", control=item.control))
        return self.findings

    def _choices(self) -> set[str] | None:
        """Check document-level choices; the chosen crime types, or None if unusable."""
        choices = self.annotation.choices
        for control, values in choices.items():
            if control not in (CRIME_TYPES, STANCE):
                self.add("unknown_field", control,
                         f"{control!r} is not a document-level field of schema "
                         f"{self.schema.version}", Part(kind="field", control=control))
                continue
            for value in values:
                if value not in self.values[control]:
                    self.add("unknown_label", control,
                             f"{value!r} is not a value of {control} in schema "
                             f"{self.schema.version}",
                             Part(kind="value", control=control, value=value))
        for control in (CRIME_TYPES, STANCE):
            if not choices.get(control):
                what = "crime type" if control == CRIME_TYPES else "stance"
                self.add("missing_required", control, f"no {what} chosen: it is required",
                         Part(kind="field", control=control))
        if len(choices.get(STANCE, ())) > 1:
            chosen = ", ".join(repr(v) for v in choices[STANCE])
            self.add("multiple_single_choice", STANCE,
                     f"{STANCE} takes one value, and {chosen} are chosen: keep one",
                     Part(kind="field", control=STANCE))
        crime_types = set(choices.get(CRIME_TYPES, ()))
        if NO_CRIME in crime_types and len(crime_types) > 1:
            others = ", ".join(sorted(crime_types - {NO_CRIME}))
            self.add("no_crime_not_exclusive", CRIME_TYPES,
                     f"'no_crime' is chosen together with {others}: choose one or the other",
                     Part(kind="field", control=CRIME_TYPES))
        return crime_types or None

    def _spans(self, crime_types: set[str] | None) -> dict[str | None, str]:
        """Check spans; the control of each usable region, by region id. A part is built
        only for a finding: most spans have none, and there are millions of them."""
        text = self.task.text
        regions: dict[str | None, str] = {}
        self.unusable: dict[str | None, str] = {}  # regions set aside: why
        version = self.schema.version
        for index, span in enumerate(self.annotation.spans):
            control, region = span.control, span.region
            if control not in (ACTORS, CRIME_MENTIONS):
                self.unusable[region] = f"in {control!r}, which schema {version} does not have"
                self.add("unknown_field", control,
                         f"{control!r} is not a span field of schema {version}",
                         Part(kind="field", control=control))
                continue
            if not span.labels or not self.values[control].issuperset(span.labels):
                unknown = [label for label in span.labels if label not in self.values[control]]
                label = unknown[0] if unknown else "(none)"
                self.add("unknown_label", control,
                         f"span {span.start}-{span.end} is labeled {label!r}, which is not "
                         f"a value of {control} in schema {version}", _span_part(span, index))
                self.unusable[region] = f"labeled {label!r}, not a schema label"
                continue
            self.unusable.pop(region, None)
            regions[region] = control
            if text is None:
                continue
            start, end, recorded = span.start, span.end, span.text
            covered = text[start:end]
            if start < 0 or end > len(text) or start > end:
                self.add("span_out_of_bounds", control, f"span {start}-{end} lies "
                         f"outside the text, which has {len(text)} characters",
                         _span_part(span, index))
            elif not covered or covered.isspace():
                self.add("empty_span", control, f"span {start}-{end} covers no text",
                         _span_part(span, index))
            elif recorded is not None and covered != recorded and not same_text(covered,
                                                                                 recorded):
                self.add("offset_mismatch", control,
                         f"span {start}-{end} covers {_quote(covered)} but records "
                         f"{_quote(recorded)}", _span_part(span, index))
            elif control == CRIME_MENTIONS and crime_types is not None and not (
                    crime_types.issuperset(span.labels)):
                stray = [label for label in span.labels if label not in crime_types]
                self.add("crime_mention_not_in_crime_types", control,
                         f"{_quote(recorded or covered)} is marked as {stray[0]!r}, "
                         f"which is not among the chosen crime types", _span_part(span, index))
        return regions

    def _region_choices(self, regions: dict[str | None, str]) -> None:
        allowed = self.values[ACTOR_STANCE]
        for index, choice in enumerate(self.annotation.region_choices):
            if choice.control != ACTOR_STANCE:
                self.add("unknown_field", choice.control,
                         f"{choice.control!r} is not a per-region field of schema "
                         f"{self.schema.version}", Part(kind="field", control=choice.control))
                continue
            where = regions.get(choice.region)
            if where == ACTORS and allowed.issuperset(choice.values):
                continue  # the common case: nothing to report
            part = Part(kind="region_choice", control=choice.control, region=choice.region,
                        index=index)
            unknown = [v for v in choice.values if v not in allowed]
            if unknown:
                self.add("unknown_label", ACTOR_STANCE,
                         f"{unknown[0]!r} is not a value of {ACTOR_STANCE} in schema "
                         f"{self.schema.version}", part)
            else:
                what = "a crime mention" if where == CRIME_MENTIONS else "no span"
                self.add("stance_on_non_actor", ACTOR_STANCE,
                         f"an actor stance is given on {what} (region {choice.region!r}); "
                         f"give it on actor spans only", part)

    def _relations(self, regions: dict[str | None, str]) -> None:
        allowed = self.values[RELATIONS]
        for index, relation in enumerate(self.annotation.relations):
            source, target = regions.get(relation.source), regions.get(relation.target)
            if (source == ACTORS and target == CRIME_MENTIONS and relation.direction != "bi"
                    and allowed.issuperset(relation.labels)):
                continue  # the common case: nothing to report
            part = Part(kind="relation", control=RELATIONS, index=index)
            missing = [r for r in (relation.source, relation.target) if r not in regions]
            unknown = [v for v in relation.labels if v not in allowed]
            if missing:
                why = self.unusable.get(missing[0], "which does not exist")
                self.add("relation_endpoint_missing", RELATIONS,
                         f"a relation points to region {missing[0]!r}, {why}", part)
            elif unknown:
                self.add("unknown_label", RELATIONS,
                         f"{unknown[0]!r} is not a relation type in schema "
                         f"{self.schema.version}", part)
            else:
                self.add("relation_direction", RELATIONS,
                         f"a relation goes from {_kind(source)} to {_kind(target)}"
                         f"{' both ways' if relation.direction == 'bi' else ''}; "
                         f"it must go from an actor to a crime mention", part)


def _span_part(span, index: int) -> Part:
    return Part(kind="span", control=span.control, region=span.region, index=index)


def _quote(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


def _kind(control: str | None) -> str:
    return "an actor" if control == ACTORS else "a crime mention"
