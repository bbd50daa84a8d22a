"""The gold dataset's record format: pydantic models, and the pyarrow schema of its parquet.

One record per article. Span offsets index the Python string (code points) of
``text``; ``relations`` point into ``actors`` and ``crime_mentions`` by index.
Annotators appear under stable pseudonyms (``annotator-3``), never by email.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import pyarrow as pa
from pydantic import BaseModel, Field

Split = Literal["train", "dev", "test"]


class FieldProvenance(BaseModel):
    method: Literal["unanimous", "majority", "adjudicated", "ground_truth"]
    annotators: list[str]  # pseudonyms
    agreement: float  # share of the article's usable annotations that support the value


class ValueProvenance(FieldProvenance):
    value: str  # the crime type


class Provenance(BaseModel):
    crime_types: list[ValueProvenance] = Field(default_factory=list)  # in crime_types order
    stance: FieldProvenance | None = None
    actors: list[FieldProvenance] = Field(default_factory=list)
    crime_mentions: list[FieldProvenance] = Field(default_factory=list)
    relations: list[FieldProvenance] = Field(default_factory=list)


class Actor(BaseModel):
    start: int
    end: int
    text: str | None  # None in an export without text
    role: str
    stance: str | None = None


class CrimeMention(BaseModel):
    start: int
    end: int
    text: str | None
    crime_type: str


class Relation(BaseModel):
    actor: int  # index into actors
    crime_mention: int  # index into crime_mentions
    type: str


class GoldRecord(BaseModel):
    article_id: str
    text: str | None  # None in an export without text: re-hydrate from your copies by sha256
    title: str | None = None
    source: str | None = None
    published: date | None = None
    url: str | None = None
    sha256: str | None = None
    split: Split
    crime_types: list[str]
    stance: str | None
    actors: list[Actor] = Field(default_factory=list)
    crime_mentions: list[CrimeMention] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    provenance: Provenance


_PROVENANCE_FIELDS = [("method", pa.string()), ("annotators", pa.list_(pa.string())),
                      ("agreement", pa.float64())]
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
        ("relations", pa.list_(_PROVENANCE))])),
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
