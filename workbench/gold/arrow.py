"""The pyarrow schemas of a gold version's parquet files (the same fields as ``gold.format``)."""

from __future__ import annotations

import pyarrow as pa

_PROVENANCE_FIELDS = [("method", pa.string()), ("annotators", pa.list_(pa.string())),
                      ("agreement", pa.float64()), ("decided_by", pa.string()),
                      ("posterior", pa.float64())]  # null unless a model decided the value
_SET_ASIDE = pa.struct([("annotation_id", pa.int64()), ("annotator", pa.string()),
                        ("part", pa.string()), ("reason", pa.string()),
                        ("message", pa.string())])
_PROVENANCE = pa.struct(_PROVENANCE_FIELDS)

GOLD_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("text", pa.string()), ("title", pa.string()),
    ("source", pa.string()), ("published", pa.date32()), ("url", pa.string()),
    ("sha256", pa.string()), ("split", pa.string()),
    ("crime_types", pa.list_(pa.string())), ("stance", pa.string()),
    ("actors", pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64()),
                                   ("text", pa.string()), ("role", pa.string()),
                                   ("stance", pa.string())]))),
    ("crime_mentions", pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64()),
                                           ("text", pa.string()),
                                           ("crime_type", pa.string())]))),
    ("relations", pa.list_(pa.struct([("actor", pa.int64()), ("crime_mention", pa.int64()),
                                      ("type", pa.string())]))),
    ("provenance", pa.struct([
        ("crime_types", pa.list_(pa.struct(_PROVENANCE_FIELDS + [("value", pa.string())]))),
        ("stance", _PROVENANCE),
        ("actors", pa.list_(_PROVENANCE)), ("crime_mentions", pa.list_(_PROVENANCE)),
        ("relations", pa.list_(_PROVENANCE)), ("set_aside", pa.list_(_SET_ASIDE))])),
    ("preannotation", pa.string()),
])

DOCUMENTS_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("split", pa.string()), ("title", pa.string()),
    ("source", pa.string()), ("published", pa.date32()), ("url", pa.string()),
    ("sha256", pa.string()), ("text", pa.string()), ("crime_types", pa.list_(pa.string())),
    ("primary_crime_type", pa.string()), ("stance", pa.string()),
    ("stance_method", pa.string()), ("actors", pa.int64()), ("crime_mentions", pa.int64()),
    ("relations", pa.int64()),
])

SPANS_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("split", pa.string()), ("field", pa.string()),
    ("index", pa.int64()), ("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()),
    ("label", pa.string()), ("stance", pa.string()), ("method", pa.string()),
    ("agreement", pa.float64()),
])

RELATIONS_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("split", pa.string()), ("actor", pa.int64()),
    ("crime_mention", pa.int64()), ("type", pa.string()), ("method", pa.string()),
    ("agreement", pa.float64()),
])
