"""The dataset card (README.md) of a gold version: a YAML header dataset hubs read, then prose.

Every number in it comes from the files it describes (a test checks that).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.gold.format import SPLITS
from workbench.gold.splits import MIN_STRATUM
from workbench.quality.agreement import AgreementReport
from workbench.quality.inference import InferenceReport
from workbench.quality.suggestions import GOLD_NOTE, SHIFT_NOTE, STANCE_NOTE, SuggestionReport
from workbench.records.wording import decimal, percent, plural, points
from workbench.schema import ICCS_SECTIONS, SCHEMA, SCHEMA_VERSION

CONFIGS = {  # the card's configs: the tables, each a folder of split files
    "gold": "one row per article: text, metadata, labels and their provenance (nested)",
    "documents": "one row per article, flat",
    "spans": "one row per actor or crime mention span",
    "relations": "one row per relation",
}


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "n>1M"


def _yaml_configs(rows: dict[str, dict[str, int]]) -> list[str]:
    """``configs``: each table's split files, so that ``load_dataset(DIR)`` reads the gold
    table and ``load_dataset(DIR, "spans")`` another (a split without rows has no file)."""
    lines = ["configs:"]
    for name in CONFIGS:
        lines += [f"- config_name: {'default' if name == 'gold' else name}", "  data_files:"]
        lines += [line for split in SPLITS if rows.get(name, {}).get(split)
                  for line in (f"  - split: {split}", f"    path: {name}/{split}.parquet")]
    return lines


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def _number(value: float | None) -> str:
    """A coefficient, never rounded to read as exactly 0 or 1 when it is not."""
    return "-" if value is None else decimal(value)


def _share(value: float | None) -> str:
    """A share, never rounded to read as 100% or 0% when it is not."""
    return "-" if value is None else percent(value)


def suggestions_section(report: SuggestionReport) -> list[str]:
    """The pre-annotations: with and without them, and each crime type's against gold."""
    lines = ["## Pre-annotations", "",
             "Annotators started from rule-based suggestions (`preannotation` in each record "
             "names the version shown; null: the article was in the control share, shown "
             "without suggestions, or had none). Agreement and label rates, with and without "
             "suggestions:", ""]
    lines += _table(["articles", "tasks", "annotations", "crime types alpha", "stance alpha",
                     "span F1", "crime types per annotation", "spans per annotation"], [
        [group, g.tasks, g.annotations, _number(g.crime_types_alpha), _number(g.stance_alpha),
         _number(g.span_f1), _number(g.crime_types_per_annotation),
         _number(g.spans_per_annotation)] for group, g in report.groups.items()])
    if report.groups and not report.compared:
        lines += ["The articles shown without suggestions give no agreement figure (it takes "
                  "articles with 2 annotations or more): there is nothing to compare the "
                  "figures with suggestions to.", ""]
    if report.per_type:
        lines += ["Suggested crime types against gold (articles), how often annotators kept "
                  "a suggested type, and, of the annotations of gold articles that were shown "
                  "it, how many kept it when it was wrong (not in gold) and dropped it when it "
                  "was right:", ""]
        lines += _table(["crime type", "suggested", "in gold", "precision", "recall", "kept",
                         "wrong, kept", "right, dropped"], [
            [f"`{value}`", f.suggested, f.gold, _number(f.precision), _number(f.recall),
             _share(f.kept), f.wrong_kept.text(), f.right_dropped.text()]
            for value, f in report.per_type.items()])
    lines += [f"Of the suggested crime types and spans, annotators kept "
              f"{_share(report.kept_share)}; of what they agree on, "
              f"{_share(report.agreed_from_suggestions)} had been suggested."
              + (f" **{report.warning}**" if report.warning else ""), ""]
    return lines + taken_section(report)


def taken_section(report: SuggestionReport) -> list[str]:
    """What annotators took from the suggestions: the label distributions with and without
    them, and the wrong suggestions kept and right ones dropped."""
    lines = ["### What annotators took", "", SHIFT_NOTE, ""]
    rows, unsaid = report.shifts()
    if rows:
        lines += _table(["field", "value", "with suggestions", "without suggestions", "shift"],
                        [[name, f"`{value}`", s.suggested.text(), s.control.text(),
                          "-" if s.points is None else points(s.points)]
                         for name, value, s in rows])
    lines += [" ".join([*unsaid, STANCE_NOTE]), "", report.taken(), "", GOLD_NOTE, ""]
    return lines


LOADERS = (  # one line each, {dir} the version's folder; tests/test_publish.py runs them
    'datasets.load_dataset("{dir}")  # train, validation, test; ("{dir}", "spans") ...',
    'pandas.read_parquet("{dir}/gold")',
    'duckdb.sql("SELECT stance, count(*) FROM \'{dir}/gold/*.parquet\' GROUP BY stance")',
    'polars.read_parquet("{dir}/gold/*.parquet")',
    'workbench.load_gold("{dir}")  # the workbench\'s own loader: files checked by sha256',
)


def inference_section(report: InferenceReport | None, uncertain: int,
                      name: Callable[[str], str]) -> list[str]:
    """How votes became gold, field by field, and how reliable each annotator was."""
    if report is None:
        return ["Every value was decided by majority vote (`--aggregate majority`).", ""]
    lines = [f"Choice fields were decided with `--aggregate {report.aggregate}`: a model of "
             "each annotator's reliability (Dawid-Skene), estimated from every article, where "
             "the data allow it; elsewhere majority vote:", ""]
    lines += _table(["field", "decided by"], [[f"`{f}`", how]
                                              for f, how in report.fields.items()])
    lines += [f"A value the model gives less than {percent(report.threshold)} went to the "
              f"review round instead of gold: {plural(uncertain, 'article')} so far. Each "
              "value keeps its `posterior` in its provenance.", ""]
    if report.competence:
        lines += ["Each annotator's estimated accuracy (crime types: the mean of each type's "
                  "accuracy on its presence and on its absence), against chance, and the "
                  "answers it rests on:", ""]
        lines += _table(["annotator", "field", "accuracy", "chance", "answers", ""], [
            [name(c.annotator), f"`{c.field}`", _number(c.accuracy), _number(c.chance),
             c.items, c.verdict] for c in report.competence])
    return lines


def dataset_card(*, version: str, counts: dict[str, Any], agreement: AgreementReport,
                 decisions: dict[str, int], pending: int, with_text: bool,
                 settings: dict[str, Any], suggestions: SuggestionReport,
                 inference: InferenceReport | None = None, uncertain: int = 0,
                 name: Callable[[str], str] = str) -> str:
    n = counts["articles"]
    splits = counts["splits"]
    lines = ["---", "pretty_name: Crime news gold (workbench)", "license: other",
             "license_name: news-articles-publishers-copyright", "language:", "- en",
             "task_categories:", "- text-classification", "- token-classification",
             "task_ids:", "- multi-label-classification", "- named-entity-recognition",
             "size_categories:", f"- {_size_category(n)}",
             "tags:", "- crime", "- human-trafficking", "- scam-compounds", "- stance",
             "- cambodia", *_yaml_configs(counts["rows"]), "---", "",
             f"# Crime news gold dataset, version {version}", "",
              f"{plural(n, 'news article')} about crime (human trafficking, scam compounds, "
              "kidnapping, illegal gambling, corruption, ...) labeled with the crime types they "
              "report, their stance toward the authorities' response, the actors they name and "
              "the crimes they mention, each label with who decided it and how. Schema "
              f"{SCHEMA_VERSION}.", ""]
    lines += ["## Loading", "", "Each line on its own, this version in `exports/gold/"
              f"{version}`:", "", "```python",
              *(line.format(dir=f"exports/gold/{version}") for line in LOADERS), "```", ""]
    lines += ["## Files", ""]
    lines += _table(["file", "content"], [
        *([f"{name}/<split>.parquet", f"{content} (config `"
           f"{'default' if name == 'gold' else name}`)"] for name, content in CONFIGS.items()),
        ["gold.jsonl", "every article, one per line, as the gold table"],
        ["spans.jsonl", "spaCy/Prodigy shape: text and spans with start, end, label"],
        ["croissant.json", "Croissant metadata (MLCommons): files, checksums, record sets"],
        ["manifest.json", "versions, raw pulls used (sha256), file checksums and counts, "
                          "articles still pending"]])
    lines += ["Span offsets index the Python string (Unicode code points) of `text`: "
              "`text[start:end]` is the span. `relations` point into `actors` and "
              "`crime_mentions` by index.", ""]
    if not with_text:
        lines += ["This version carries no article text (`text` is null): re-hydrate it from "
                  "your own copies, matched by `sha256` of the text.", ""]
    lines += ["## Schema", "", "**Crime types** (multi-label, per article; ICCS is the UNODC "
              "International Classification of Crime for Statistical Purposes, Level 1):", ""]
    lines += _table(["id", "definition", "ICCS", "articles"], [
        [f"`{c.id}`", c.definition, f"{c.iccs} {ICCS_SECTIONS[c.iccs]}" if c.iccs else "-",
         counts["crime_types"].get(c.id, 0)] for c in SCHEMA.crime_types])
    lines += ["**Stance** toward the authorities' response (one per article):", ""]
    lines += _table(["id", "definition", "articles"], [
        [f"`{v.id}`", v.definition, counts["stance"].get(v.id, 0)] for v in SCHEMA.stances])
    lines += ["**Actor roles** (spans) and their stance toward the crackdown:", ""]
    lines += _table(["id", "definition", "spans"], [
        [f"`{v.id}`", v.definition, counts["actor_roles"].get(v.id, 0)]
        for v in SCHEMA.actor_roles])
    lines += _table(["actor stance", "definition", "spans"], [
        [f"`{v.id}`", v.definition, counts["actor_stances"].get(v.id, 0)]
        for v in SCHEMA.actor_stances] + [["(none given)", "", counts["actor_stances"].get(
            "(none)", 0)]])
    lines += ["**Crime mentions** (spans, labeled with a crime type) and **relations** "
              "(actor to crime mention):", ""]
    lines += _table(["crime mention type", "spans"], [
        [f"`{c.id}`", counts["crime_mentions"].get(c.id, 0)] for c in SCHEMA.mention_types])
    lines += _table(["relation", "definition", "relations"], [
        [f"`{v.id}`", v.definition, counts["relation_types"].get(v.id, 0)]
        for v in SCHEMA.relation_types])
    lines += ["## Splits", ""]
    lines += _table(["split", "articles"], [[s, splits.get(s, 0)] for s in SPLITS])
    lines += ["By article, from a seeded hash, stratified by primary crime type where a type "
              f"has at least {plural(MIN_STRATUM, 'article')}; an article keeps its split in "
              "later versions.", ""]
    lines += ["## Agreement", "", "Measured on all annotations of the pull "
              f"({plural(agreement.tasks, 'task')}), before adjudication; cancelled annotations "
              "left out. alpha: Krippendorff's alpha (nominal; MASI distance for multi-label "
              "fields); F1: pairwise exact-match F1 of spans; alpha_U: Krippendorff's "
              "unitizing alpha over character offsets.", ""]
    lines += _table(["field", "kind", "items", "alpha", "F1", "alpha_U"], [
        [name, f.kind, f.items, _number(f.krippendorff_alpha), _number(f.f1_exact),
         _number(f.unitizing_alpha)] for name, f in agreement.fields.items()])
    k = settings.get("min_agree") or "a strict majority"
    lines += ["## How it was made", "",
              "Articles were ingested (page furniture removed and kept aside), pushed to Label "
              "Studio with rule-based pre-annotations (suggestions only; stances never "
              "suggested), and annotated by several people each. Annotations with validation "
              f"errors were set aside. A value was accepted when {k} of an article's "
              "annotators chose it and rejected when as many did not; the rest went to a review "
              "round in Label Studio where an adjudicator decided. An annotation marked as "
              "ground truth in Label Studio decided its article. Every decision is in the "
              "provenance of each field (method, annotators by pseudonym, agreement).", ""]
    lines += _table(["articles", "count"], [[status, count]
                                            for status, count in sorted(decisions.items())])
    lines += [f"{plural(pending, 'article')} {'is' if pending == 1 else 'are'} not in this "
              "version yet (disputed or awaiting annotations); `manifest.json` lists "
              f"{'it' if pending == 1 else 'them'}.", ""]
    lines += inference_section(inference, uncertain, name)
    lines += suggestions_section(suggestions)
    lines += ["## Known limitations", "",
              "- Small and English-only; the seed articles come from a handful of outlets "
              "and concern Cambodia in 2022-2023.",
              "- Pre-annotations may anchor annotators toward the cue words they mark.",
              "- Stance is a judgement about framing; agreement on it is lower than on crime "
              "types (see above).",
              "- Span boundaries follow the annotation tool's word granularity.", "",
              "## Copyright and people", "",
              "The article texts belong to their publishers; some forbid reproduction. Share "
              "this dataset only where you may share the texts, or export it without text "
              "(`workbench export --without-text`). Annotators are named by stable pseudonyms; "
              "the mapping stays with the raw pulls, which are not part of a release.", ""]
    return "\n".join(lines)
