"""A gold version's files, written into its (staging) folder: data, then manifest.

Every data file is streamed in article order; files carry no timestamps and
sort their rows and keys, so the same decisions give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.gold.arrow import DOCUMENTS_SCHEMA, GOLD_SCHEMA, RELATIONS_SCHEMA, SPANS_SCHEMA
from workbench.gold.splits import primary_crime_type
from workbench.quality.agreement import AgreementReport
from workbench.schema import SCHEMA_VERSION
from workbench.store.atomic import write_text
from workbench.store.rawpulls import sha256_file

DATA_FILES = ("gold.jsonl", "gold.parquet", "documents.parquet", "spans.parquet",
              "relations.parquet", "spans.jsonl")
ROW_GROUP = 5_000


def write_data(folder: Path, records: Iterable[dict[str, Any]]) -> dict[str, Any]:
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

    encode = msgspec.json.Encoder(order="sorted").encode  # keys sorted: the same bytes each time
    with (folder / "gold.jsonl").open("wb") as gold, \
            (folder / "spans.jsonl").open("wb") as prodigy:
        for record in records:
            gold.write(encode(record) + b"\n")
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
            prodigy.write(encode({"text": record["text"], "spans": spans,
                                  "meta": {"article_id": article, "split": split}}) + b"\n")
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


def describe(folder: Path, names: Iterable[str] = DATA_FILES) -> dict[str, dict[str, Any]]:
    """Each file's sha256, size and row count, as the manifest lists them (each hashed once)."""
    files = {}
    for name in names:
        path = folder / name
        rows = None
        if name.endswith(".jsonl"):
            with path.open("rb") as handle:
                rows = sum(1 for _ in handle)
        elif name.endswith(".parquet"):
            rows = pq.ParquetFile(path).metadata.num_rows
        files[name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size, "rows": rows}
    return files


def content_sha256(files: dict[str, dict[str, Any]]) -> str:
    """The data, not the card or manifest: equal when the gold did not change."""
    digest = hashlib.sha256()
    for name in DATA_FILES:
        digest.update(f"{name}:{files[name]['sha256']}\n".encode())
    return digest.hexdigest()


def write_manifest(folder: Path, *, version: str, files: dict[str, dict[str, Any]],
                   counts: dict[str, Any], pulls: list[dict], pending: list[dict[str, Any]],
                   agreement: AgreementReport, settings: dict[str, Any]) -> None:
    manifest = {
        "version": version, "schema_version": SCHEMA_VERSION,
        "workbench_version": metadata.version("workbench"), "pulls": pulls,
        "settings": settings, "files": {**files, **describe(folder, ["README.md"])},
        "counts": counts, "content_sha256": content_sha256(files),
        "agreement": {name: {k: v for k, v in field.model_dump().items()
                             if k in ("kind", "items", "krippendorff_alpha", "f1_exact",
                                      "unitizing_alpha") and v is not None}
                      for name, field in agreement.fields.items()},
        "pending": pending,
    }
    write_text(folder / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True,
                                                    ensure_ascii=False) + "\n")
