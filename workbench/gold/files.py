"""A gold version's files, written into its (staging) folder: data, then manifest.

Each table is a folder of one parquet file per split (``gold/train.parquet``, ...), the
layout dataset loaders read (the card names them); ``gold.jsonl`` and ``spans.jsonl`` hold
every article. Every data file is streamed in article order; files carry no timestamps and
sort their rows and keys, so the same decisions give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from workbench.gold.arrow import DOCUMENTS_SCHEMA, GOLD_SCHEMA, RELATIONS_SCHEMA, SPANS_SCHEMA
from workbench.gold.staged import LabelCounts, Staged, joined
from workbench.quality.agreement import AgreementReport
from workbench.schema import SCHEMA_VERSION
from workbench.store.atomic import write_text

TABLES = {"gold": GOLD_SCHEMA, "documents": DOCUMENTS_SCHEMA, "spans": SPANS_SCHEMA,
          "relations": RELATIONS_SCHEMA}
JSONL_FILES = ("gold.jsonl", "spans.jsonl")
ROW_GROUP = 5_000
SLICE = 1_000  # rows Arrow reads at a time, while the caller joins the next


def write_data(folder: Path, records: Iterable[tuple[Staged, str]],
               labels: LabelCounts) -> dict[str, Any]:
    """Every data file from the staged records and their splits, in article order; the counts
    the card and manifest give (``labels`` counted as the records were staged; ``rows``, each
    table's rows per split)."""
    counts: dict[str, Any] = {"articles": 0, "splits": {}, **labels.counts}
    tables: dict[tuple[str, str], _Table] = {}  # (table, split): made when the split first comes
    rows: dict[str, dict[str, int]] = {name: {} for name in TABLES}
    splits = counts["splits"]
    with (folder / "gold.jsonl").open("wb", buffering=1 << 20) as gold, \
            (folder / "spans.jsonl").open("wb", buffering=1 << 20) as prodigy:
        for staged, split in records:
            line, spans_line, document, spans, relations = joined(staged, split)
            gold.write(line)
            prodigy.write(spans_line)
            counts["articles"] += 1
            splits[split] = splits.get(split, 0) + 1
            for name, added in (("gold", [line]), ("documents", [document]), ("spans", spans),
                                ("relations", relations)):
                if not added:
                    continue
                table = tables.get((name, split))
                if table is None:
                    (folder / name).mkdir(exist_ok=True)
                    table = tables[name, split] = _Table(folder / name / f"{split}.parquet",
                                                         TABLES[name])
                table.add(added)
                table.flush()
                rows[name][split] = rows[name].get(split, 0) + len(added)
    for table in tables.values():
        table.close()
    counts["rows"] = {name: dict(sorted(by_split.items())) for name, by_split in rows.items()}
    return {key: dict(sorted(value.items())) if isinstance(value, dict) else value
            for key, value in counts.items()}


def data_files(folder: Path) -> list[str]:
    """A version's data files, as the manifest names them: the JSON Lines, then each table's
    split files."""
    return [*JSONL_FILES, *sorted(p.relative_to(folder).as_posix()
                                  for name in TABLES for p in (folder / name).glob("*.parquet"))]


class _Table:
    """A parquet file written a row group at a time, from rows as JSON lines: Arrow's JSON
    reader builds each group (single-threaded), without Python objects for the rows. Arrow
    reads ``SLICE`` rows at a time and writes each group in a thread of its own, without
    the GIL: while it does, the caller joins the rows that follow."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.schema = schema
        self.writer = pq.ParquetWriter(path, schema)
        # As JSON has it: dates are strings, cast when the group is read.
        self.read_as = pa.schema([pa.field(f.name, pa.string()) if f.type == pa.date32()
                                  else f for f in schema])
        self.rows: list[bytes] = []
        self.grouped = 0  # rows of the group handed to Arrow so far
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet")
        self._slices: list[Future] = []  # the group's rows, read or being read
        self._writing: list[Future] = []  # groups being written (memory: two at most)

    def add(self, rows: list[bytes]) -> None:
        self.rows += rows

    def flush(self, force: bool = False) -> None:
        """After each record. A group is written once it holds ``ROW_GROUP`` rows (as many
        as a record brings past that: the groups fall where they always have)."""
        full = force or self.grouped + len(self.rows) >= ROW_GROUP
        if self.rows and (full or len(self.rows) >= SLICE):
            data = b"".join(self.rows)
            self.grouped, self.rows = self.grouped + len(self.rows), []
            self._slices.append(self._thread.submit(self._read, data))
        if full and self._slices:
            slices, self._slices, self.grouped = self._slices, [], 0
            self._writing.append(self._thread.submit(self._write, slices))
            if len(self._writing) > 1:
                self._writing.pop(0).result()  # raises what the thread raised

    def _read(self, data: bytes) -> pa.Table:
        return pa_json.read_json(
            pa.BufferReader(data), read_options=pa_json.ReadOptions(
                use_threads=False, block_size=len(data) + 1),
            parse_options=pa_json.ParseOptions(explicit_schema=self.read_as,
                                               unexpected_field_behavior="ignore"))

    def _write(self, slices: list[Future]) -> None:
        table = pa.concat_tables([read.result() for read in slices])  # read: one thread, FIFO
        self.writer.write_table(table.select(self.schema.names).cast(self.schema))

    def close(self) -> None:
        try:
            self.flush(force=True)
            for writing in self._writing:
                writing.result()
        finally:
            self._thread.shutdown(wait=True, cancel_futures=True)
            self.writer.close()


def describe(folder: Path, names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Each file's sha256, size and row count, as the manifest lists them (each read once);
    the data files unless ``names`` are given."""
    files = {}
    names = data_files(folder) if names is None else names
    for name in names:
        path = folder / name
        digest, lines = hashlib.sha256(), 0
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                lines += chunk.count(b"\n")
        rows = None
        if name.endswith(".jsonl"):
            rows = lines
        elif name.endswith(".parquet"):
            rows = pq.ParquetFile(path).metadata.num_rows
        files[name] = {"sha256": digest.hexdigest(), "bytes": path.stat().st_size,
                       "rows": rows}
    return files


def content_sha256(files: dict[str, dict[str, Any]]) -> str:
    """The data, not the card or manifest: equal when the gold did not change."""
    digest = hashlib.sha256()
    for name in files:
        digest.update(f"{name}:{files[name]['sha256']}\n".encode())
    return digest.hexdigest()


def write_manifest(folder: Path, *, version: str, files: dict[str, dict[str, Any]],
                   counts: dict[str, Any], pulls: list[dict], pending: list[dict[str, Any]],
                   agreement: AgreementReport, settings: dict[str, Any]) -> None:
    manifest = {
        "version": version, "schema_version": SCHEMA_VERSION,
        "workbench_version": metadata.version("workbench"), "pulls": pulls,
        "settings": settings,
        "files": {**files, **describe(folder, ["README.md", "croissant.json"])},
        "counts": counts, "content_sha256": content_sha256(files),
        "agreement": {name: {k: v for k, v in field.model_dump().items()
                             if k in ("kind", "items", "krippendorff_alpha", "f1_exact",
                                      "unitizing_alpha") and v is not None}
                      for name, field in agreement.fields.items()},
        "pending": pending,
    }
    write_text(folder / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True,
                                                    ensure_ascii=False) + "\n")
