"""A gold record staged as the pass meets it: encoded for every data file but its split.

The splits are known only once every article is seen, and the files are written
in article order, so each record waits on disk. It waits already encoded: its
gold.jsonl line in two halves (the keys before ``split`` and those after, keys
sorted), its spans.jsonl line after ``meta``, and its rows of the parquet
tables as JSON objects less ``split``. Writing a version is then joining bytes,
and the parquet tables are read from those rows by Arrow's JSON reader: no
record is decoded again, nor built again in Python.
"""

from __future__ import annotations

from typing import Any

import msgspec

from workbench.gold.splits import primary_crime_type

_ENCODE = msgspec.json.Encoder(order="sorted").encode  # keys sorted: the same bytes each time
_BEFORE_SPLIT = ("actors", "article_id", "crime_mentions", "crime_types", "preannotation",
                 "provenance", "published", "relations", "sha256", "source")
_AFTER_SPLIT = ("stance", "text", "title", "url")


class Staged(msgspec.Struct, array_like=True, gc=False):
    """A gold record's pieces; ``joined`` with a split they make every file's rows."""

    article_id: str
    stratum: str  # the primary crime type, by which splits are shared out
    head: bytes  # gold.jsonl: '{' and the keys before "split", sorted
    tail: bytes  # the keys after "split", sorted, and '}'
    prodigy: bytes  # spans.jsonl: the keys after "meta", and '}'
    document: bytes  # documents.parquet: the row's keys, but split, and '}'
    spans: list[bytes]  # spans.parquet, the same way
    relations: list[bytes]  # relations.parquet


def stage(record: dict[str, Any]) -> Staged:
    """The pieces of a gold record (as ``gold.record.gold_record`` makes it, no split)."""
    article = record["article_id"]
    provenance = record["provenance"]
    spans, marked = [], []
    for field, items, label in (("actors", record["actors"], "role"),
                                ("crime_mentions", record["crime_mentions"], "crime_type")):
        for i, item in enumerate(items):
            p = provenance[field][i]
            marked.append({"start": item["start"], "end": item["end"], "label": item[label]})
            spans.append(_row({"article_id": article, "field": field, "index": i,
                               "start": item["start"], "end": item["end"],
                               "text": item["text"], "label": item[label],
                               "stance": item.get("stance"), "method": p["method"],
                               "agreement": p["agreement"]}))
    relations = [_row({"article_id": article, **relation,
                       "method": provenance["relations"][i]["method"],
                       "agreement": provenance["relations"][i]["agreement"]})
                 for i, relation in enumerate(record["relations"])]
    marked.sort(key=lambda s: (s["start"], s["end"], s["label"]))
    stratum = primary_crime_type(record["crime_types"])
    document = _row({
        "article_id": article, "title": record["title"], "source": record["source"],
        "published": record["published"], "url": record["url"], "sha256": record["sha256"],
        "text": record["text"], "crime_types": record["crime_types"],
        "primary_crime_type": stratum, "stance": record["stance"],
        "stance_method": (provenance["stance"] or {}).get("method"),
        "actors": len(record["actors"]), "crime_mentions": len(record["crime_mentions"]),
        "relations": len(record["relations"])})
    return Staged(
        article_id=article, stratum=stratum,
        head=_ENCODE({key: record[key] for key in _BEFORE_SPLIT})[:-1],
        tail=_ENCODE({key: record[key] for key in _AFTER_SPLIT})[1:],
        prodigy=_row({"spans": marked, "text": record["text"]}), document=document,
        spans=spans, relations=relations)


def _row(row: dict[str, Any]) -> bytes:
    """A JSON object without its opening brace, for a split to go first."""
    return _ENCODE(row)[1:]


def joined(staged: Staged, split: str) -> tuple[bytes, bytes, bytes, list[bytes], list[bytes]]:
    """The gold.jsonl line, the spans.jsonl line, and the rows of documents, spans and
    relations (JSON lines, for Arrow's reader), of a staged record in its split."""
    quoted = _ENCODE(split)
    first = b'{"split":' + quoted + b","
    gold = staged.head + b',"split":' + quoted + b"," + staged.tail + b"\n"
    prodigy = (b'{"meta":{"article_id":' + _ENCODE(staged.article_id) + b',"split":' + quoted
               + b"}," + staged.prodigy + b"\n")
    return (gold, prodigy, first + staged.document + b"\n",
            [first + row + b"\n" for row in staged.spans],
            [first + row + b"\n" for row in staged.relations])


class LabelCounts:
    """The counts the card and manifest give, but the splits: counted as records are staged
    (in any order: they are sorted at the end)."""

    TABLES = ("crime_types", "stance", "actor_roles", "actor_stances", "crime_mentions",
              "relation_types")

    def __init__(self):
        self.counts: dict[str, dict[str, int]] = {table: {} for table in self.TABLES}

    def add(self, record: dict[str, Any], by: int = 1) -> None:
        """Count a record's labels (``by=-1``: take back a record counted before)."""
        counts = self.counts
        bump = _bump
        bump(counts["stance"], record["stance"], by)
        for crime in record["crime_types"]:
            bump(counts["crime_types"], crime, by)
        for actor in record["actors"]:
            bump(counts["actor_roles"], actor["role"], by)
            bump(counts["actor_stances"], actor["stance"], by)
        for mention in record["crime_mentions"]:
            bump(counts["crime_mentions"], mention["crime_type"], by)
        for relation in record["relations"]:
            bump(counts["relation_types"], relation["type"], by)


def staged_record(staged: Staged) -> dict[str, Any]:
    """The record a staged one was made from, but its split (to take it back)."""
    return {**msgspec.json.decode(staged.head + b"}"), **msgspec.json.decode(b"{" + staged.tail)}


def _bump(counts: dict[str, int], key: str | None, by: int) -> None:
    key = key or "(none)"
    counts[key] = counts.get(key, 0) + by
    if not counts[key]:
        del counts[key]
