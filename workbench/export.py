"""Write a versioned gold dataset: exports/gold/<version>/.

One pass over the pull decides every article (as ``adjudicate`` does) and
measures agreement for the card; gold articles are staged, then written
sorted by ``article_id`` into a temporary folder that is renamed into place
only when complete: an interrupted export leaves earlier versions intact and
no half version. Files carry no timestamps and sort their rows and keys, so
the same raw pulls and settings give byte-identical files.

Versions are ``<schema version>.<revision>``; ``LATEST`` names the newest. A
new version is written only when the gold data differ from the latest one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, Field

from workbench.adjudicate import ArticleDecision
from workbench.agreement import AgreementMeter, AgreementReport
from workbench.atomic import write_text
from workbench.card import dataset_card
from workbench.decisions import adjudicate_export
from workbench.errors import InputError
from workbench.goldformat import (
    DOCUMENTS_SCHEMA, GOLD_SCHEMA, RELATIONS_SCHEMA, SPANS_SCHEMA, Actor, CrimeMention,
    FieldProvenance, GoldRecord, Provenance, Relation, ValueProvenance,
)
from workbench.models import Task
from workbench.pseudonyms import Pseudonyms
from workbench.pull import latest_pull, raw_dir, sha256_file, verify
from workbench.review import load_review, review_settings
from workbench.schema import SCHEMA, SCHEMA_VERSION
from workbench.settings import Settings
from workbench.splits import SPLIT_SEED, assign_splits, primary_crime_type

DATA_FILES = ("gold.jsonl", "gold.parquet", "documents.parquet", "spans.parquet",
              "relations.parquet", "spans.jsonl")
LATEST = "LATEST"
ROW_GROUP = 5_000


class PendingArticle(BaseModel):
    article_id: str
    status: str
    disagreements: int


class ExportReport(BaseModel):
    version: str | None  # None when nothing changed since the latest version
    path: Path | None
    previous: str | None
    articles: int = 0  # gold articles written
    pending: list[PendingArticle] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)  # decisions by status
    unchanged: bool = False


def gold_root(settings: Settings) -> Path:
    return settings.exports / "gold"


def versions(root: Path) -> list[str]:
    """Complete versions under ``root``, oldest first."""
    if not root.is_dir():
        return []
    found = [p.name for p in root.iterdir() if p.is_dir() and (p / "manifest.json").exists()
             and not p.name.startswith(".")]
    return sorted(found, key=_version_key)


def _version_key(name: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in name.split("."))


def resolve(root: Path, version: str = "latest") -> Path:
    """The folder of ``version``; ``latest`` reads ``LATEST`` (or takes the newest)."""
    if version == "latest":
        pointer = root / LATEST
        known = versions(root)
        version = pointer.read_text().strip() if pointer.exists() else (known[-1] if known
                                                                       else "")
        if not version:
            raise InputError(f"no gold version in {root}: run `workbench export` first")
    path = root / version
    if not (path / "manifest.json").exists():
        raise InputError(f"no gold version {version!r} in {root}")
    return path


def export_gold(settings: Settings, *, export: Path | None = None, version: str | None = None,
                out: Path | None = None, min_agree: int | None = None, min_annotators: int = 2,
                with_text: bool = True) -> ExportReport:
    """Decide, measure and write a new gold version when the gold changed."""
    root = out or gold_root(settings)
    source = export or latest_pull(settings)
    source_sha = verify(source) if export is None else sha256_file(source)
    review_path = latest_pull(review_settings(settings), required=False)
    known = versions(root)
    previous = resolve(root, "latest") if known else None
    pseudonyms = Pseudonyms(raw_dir(settings) / "pseudonyms.json")
    meter = AgreementMeter()
    pending: list[PendingArticle] = []

    _clean_stale_staging(root)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        stage = _Stage(staging / "records.jsonl", pseudonyms, with_text)

        def on_decision(decision: ArticleDecision, task: Task) -> None:
            meter.add(task)
            if decision.gold:
                stage.add(decision, task)
            else:
                pending.append(PendingArticle(article_id=decision.article_id,
                                              status=decision.status,
                                              disagreements=len(decision.disagreements)))

        decided = adjudicate_export(source, settings, min_agree=min_agree,
                                    min_annotators=min_annotators, review=load_review(settings),
                                    on_decision=on_decision, source_sha256=source_sha)
        stage.close()
        pseudonyms.save()
        splits = assign_splits(stage.strata, _previous_splits(previous))
        name = version or _next_version(known)
        if (root / name).exists():
            raise InputError(f"gold version {name!r} already exists in {root}; versions are "
                             f"never overwritten")
        folder = staging / "version"
        folder.mkdir()
        counts = _write_data(folder, stage, splits)
        if counts["articles"] == 0 and previous is None and version is None:
            return ExportReport(version=None, path=None, previous=None,  # nothing to release
                                pending=sorted(pending, key=lambda p: p.article_id),
                                counts=decided.counts)
        content = _content_sha256(folder)
        if previous is not None and version is None and _manifest(previous).get(
                "content_sha256") == content:
            return ExportReport(version=None, path=previous, previous=previous.name,
                                unchanged=True, articles=counts["articles"],
                                pending=sorted(pending, key=lambda p: p.article_id),
                                counts=decided.counts)
        agreement = meter.report()
        pulls = [{"file": source.name, "sha256": source_sha}]
        if review_path is not None:
            pulls.append({"file": review_path.name, "sha256": verify(review_path)})
        pending.sort(key=lambda p: p.article_id)
        write_text(folder / "README.md", dataset_card(
            version=name, counts=counts, agreement=agreement, decisions=decided.counts,
            pending=len(pending), with_text=with_text,
            settings={"min_agree": min_agree, "min_annotators": min_annotators}))
        _write_manifest(folder, name, counts, pulls, pending, content, agreement,
                        settings={"min_agree": min_agree, "min_annotators": min_annotators,
                                  "split_seed": SPLIT_SEED, "with_text": with_text})
        os.replace(folder, root / name)  # the version appears whole, or not at all
        write_text(root / LATEST, name + "\n")
        return ExportReport(version=name, path=root / name,
                            previous=previous.name if previous else None,
                            articles=counts["articles"], pending=pending,
                            counts=decided.counts)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _clean_stale_staging(root: Path) -> None:
    """Staging folders of exports that were killed (callers hold the job lock)."""
    if root.is_dir():
        for stale in root.glob(".staging-*"):
            shutil.rmtree(stale, ignore_errors=True)


def _next_version(known: list[str]) -> str:
    revisions = [int(v.split(".")[-1]) for v in known
                 if v.startswith(f"{SCHEMA_VERSION}.") and v.split(".")[-1].isdigit()]
    return f"{SCHEMA_VERSION}.{max(revisions, default=0) + 1}"


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text())


def _previous_splits(previous: Path | None) -> dict[str, str]:
    if previous is None:
        return {}
    splits = {}
    with (previous / "gold.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            splits[record["article_id"]] = record["split"]
    return splits


class _Stage:
    """Gold records, unsorted and without split, staged on disk with an index to sort by."""

    def __init__(self, path: Path, pseudonyms: Pseudonyms, with_text: bool):
        self.path = path
        self.handle = path.open("w", encoding="utf-8")
        self.offsets: dict[str, int] = {}
        self.strata: dict[str, str] = {}  # article_id -> primary crime type
        self.pseudonyms = pseudonyms
        self.with_text = with_text

    def add(self, decision: ArticleDecision, task: Task) -> None:
        record = gold_record(decision, task, self.pseudonyms, self.with_text)
        self.offsets[record["article_id"]] = self.handle.tell()
        self.strata[record["article_id"]] = primary_crime_type(record["crime_types"])
        self.handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")

    def close(self) -> None:
        self.handle.close()

    def records(self, splits: dict[str, str]) -> Iterator[dict[str, Any]]:
        """The staged records sorted by article_id, each with its split."""
        with self.path.open(encoding="utf-8") as handle:
            for article_id in sorted(self.offsets):
                handle.seek(self.offsets[article_id])
                record = json.loads(handle.readline())
                record["split"] = splits[article_id]
                yield record


def gold_record(decision: ArticleDecision, task: Task, name: Callable[[str], str],
                with_text: bool = True) -> dict[str, Any]:
    """The gold record of a decided article, as a JSON-ready dict (split added later)."""
    # Models in, one dump out: pydantic takes model instances as they are.
    def provenance(p, model=FieldProvenance, **extra) -> FieldProvenance:
        return model(method=p.method, annotators=[name(a) for a in p.annotators],
                     agreement=round(p.agreement, 6), **extra)

    text = task.text if with_text else None
    actors, mentions, old_index = [], [], {}
    actor_provenance, mention_provenance = [], []
    for field, spans, target, where in (("actors", decision.actors, actors, actor_provenance),
                                        ("crime_mentions", decision.crime_mentions, mentions,
                                         mention_provenance)):
        for index, span in enumerate(spans):
            old_index[field, index] = len(target)
            for label in span.labels:  # a region with two labels is two spans
                shown = span.text if with_text else None
                if field == "actors":
                    target.append(Actor(start=span.start, end=span.end, text=shown, role=label,
                                        stance=span.stance))
                else:
                    target.append(CrimeMention(start=span.start, end=span.end, text=shown,
                                               crime_type=label))
                where.append(provenance(span.provenance))
    relations, relation_provenance = [], []
    for relation in decision.relations:
        relations.append(Relation(actor=old_index["actors", relation.source],
                                  crime_mention=old_index["crime_mentions", relation.target],
                                  type=relation.type))
        relation_provenance.append(provenance(relation.provenance))
    data = task.data
    record = GoldRecord(
        article_id=decision.article_id, text=text, title=data.get("title"),
        source=data.get("source"), published=data.get("published") or None,
        url=data.get("url"), sha256=data.get("sha256"), split="train",
        crime_types=_schema_order(decision.crime_types), stance=decision.stance,
        actors=actors, crime_mentions=mentions, relations=relations,
        provenance=Provenance(
            crime_types=[provenance(decision.crime_types_provenance[v], ValueProvenance, value=v)
                         for v in _schema_order(decision.crime_types)],
            stance=provenance(decision.stance_provenance) if decision.stance_provenance
            else None,
            actors=actor_provenance, crime_mentions=mention_provenance,
            relations=relation_provenance))
    dumped = record.model_dump(mode="json")
    del dumped["split"]
    return dumped


def _schema_order(crime_types: list[str]) -> list[str]:
    order = [c.id for c in SCHEMA.crime_types]
    return sorted(crime_types, key=lambda c: (order.index(c) if c in order else len(order), c))


def _write_data(folder: Path, stage: _Stage, splits: dict[str, str]) -> dict[str, Any]:
    """Every data file, streamed in article order; the counts the card and manifest give."""
    counts: dict[str, Any] = {"articles": 0, "splits": {}, "crime_types": {}, "stance": {},
                              "actor_roles": {}, "actor_stances": {}, "crime_mentions": {},
                              "relation_types": {}}

    def bump(table: str, key: str | None) -> None:
        key = key or "(none)"
        counts[table][key] = counts[table].get(key, 0) + 1

    writers = {name: pq.ParquetWriter(folder / f"{name}.parquet", schema)
               for name, schema in (("gold", GOLD_SCHEMA), ("documents", DOCUMENTS_SCHEMA),
                                    ("spans", SPANS_SCHEMA), ("relations", RELATIONS_SCHEMA))}
    buffers: dict[str, list[dict]] = {name: [] for name in writers}

    def flush(force: bool = False) -> None:
        for name, rows in buffers.items():
            if rows and (force or len(rows) >= ROW_GROUP):
                writers[name].write_table(pa.Table.from_pylist(rows, schema=writers[name].schema))
                rows.clear()

    with (folder / "gold.jsonl").open("w", encoding="utf-8") as gold, \
            (folder / "spans.jsonl").open("w", encoding="utf-8") as prodigy:
        for record in stage.records(splits):
            gold.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            article, split = record["article_id"], record["split"]
            counts["articles"] += 1
            bump("splits", split)
            bump("stance", record["stance"])
            for crime in record["crime_types"]:
                bump("crime_types", crime)
            provenance = record["provenance"]
            spans = []
            for i, actor in enumerate(record["actors"]):
                bump("actor_roles", actor["role"])
                bump("actor_stances", actor["stance"])
                spans.append({"start": actor["start"], "end": actor["end"],
                              "label": actor["role"]})
                p = provenance["actors"][i]
                buffers["spans"].append({"article_id": article, "split": split,
                                         "field": "actors", "index": i, "start": actor["start"],
                                         "end": actor["end"], "text": actor["text"],
                                         "label": actor["role"], "stance": actor["stance"],
                                         "method": p["method"], "agreement": p["agreement"]})
            for i, mention in enumerate(record["crime_mentions"]):
                bump("crime_mentions", mention["crime_type"])
                spans.append({"start": mention["start"], "end": mention["end"],
                              "label": mention["crime_type"]})
                p = provenance["crime_mentions"][i]
                buffers["spans"].append({"article_id": article, "split": split,
                                         "field": "crime_mentions", "index": i,
                                         "start": mention["start"], "end": mention["end"],
                                         "text": mention["text"], "label": mention["crime_type"],
                                         "stance": None, "method": p["method"],
                                         "agreement": p["agreement"]})
            for i, relation in enumerate(record["relations"]):
                bump("relation_types", relation["type"])
                p = provenance["relations"][i]
                buffers["relations"].append({"article_id": article, "split": split, **relation,
                                             "method": p["method"], "agreement": p["agreement"]})
            spans.sort(key=lambda s: (s["start"], s["end"], s["label"]))
            prodigy.write(json.dumps({"text": record["text"], "spans": spans,
                                      "meta": {"article_id": article, "split": split}},
                                     ensure_ascii=False, sort_keys=True) + "\n")
            row = _arrow_row(record)
            buffers["gold"].append(row)
            buffers["documents"].append({
                "article_id": article, "split": split, "title": record["title"],
                "source": record["source"], "published": row["published"],
                "url": record["url"], "sha256": record["sha256"], "text": record["text"],
                "crime_types": record["crime_types"],
                "primary_crime_type": primary_crime_type(record["crime_types"]),
                "stance": record["stance"],
                "stance_method": (provenance["stance"] or {}).get("method"),
                "actors": len(record["actors"]), "crime_mentions": len(record["crime_mentions"]),
                "relations": len(record["relations"])})
            flush()
    flush(force=True)
    for writer in writers.values():
        writer.close()
    return {key: dict(sorted(value.items())) if isinstance(value, dict) else value
            for key, value in counts.items()}


def _arrow_row(record: dict[str, Any]) -> dict[str, Any]:
    """A gold record as the parquet schema wants it (dates as dates)."""
    from datetime import date

    row = dict(record)
    row["published"] = date.fromisoformat(record["published"]) if record["published"] else None
    return row


def _content_sha256(folder: Path) -> str:
    """The data, not the card or manifest: equal when the gold did not change."""
    digest = hashlib.sha256()
    for name in DATA_FILES:
        digest.update(f"{name}:{sha256_file(folder / name)}\n".encode())
    return digest.hexdigest()


def _write_manifest(folder: Path, version: str, counts: dict[str, Any], pulls: list[dict],
                    pending: list[PendingArticle], content: str, agreement: AgreementReport,
                    settings: dict[str, Any]) -> None:
    files = {}
    for name in (*DATA_FILES, "README.md"):
        path = folder / name
        rows = None
        if name.endswith(".jsonl"):
            with path.open("rb") as handle:
                rows = sum(1 for _ in handle)
        elif name.endswith(".parquet"):
            rows = pq.ParquetFile(path).metadata.num_rows
        files[name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size, "rows": rows}
    manifest = {
        "version": version, "schema_version": SCHEMA_VERSION,
        "workbench_version": metadata.version("workbench"), "pulls": pulls,
        "settings": settings, "files": files, "counts": counts, "content_sha256": content,
        "agreement": {name: {k: v for k, v in field.model_dump().items()
                             if k in ("kind", "items", "krippendorff_alpha", "f1_exact",
                                      "unitizing_alpha") and v is not None}
                      for name, field in agreement.fields.items()},
        "pending": [p.model_dump() for p in pending],
    }
    write_text(folder / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True,
                                                    ensure_ascii=False) + "\n")
