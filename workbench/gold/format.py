"""The gold dataset's record format: one record per article, as pydantic models.

Span offsets index the Python string (code points) of ``text``; ``relations`` point into
``actors`` and ``crime_mentions`` by index. Provenance is the decisions' own
(``records.decisions``), with annotators by pseudonym (``annotator-3``), never by email.
The parquet files' schemas are in ``gold.arrow``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from workbench.records.decisions import Inferred, Provenance, SetAside

SPLITS = ("train", "validation", "test")  # as the datasets library names them
Split = Literal["train", "validation", "test"]


@dataclass(slots=True, kw_only=True)
class ValueProvenance(Provenance):
    value: str  # the crime type
    posterior: float | None = None  # when a model decided it (Inferred)


Decided = Inferred | Provenance  # with the model's posterior when one decided the value


class RecordProvenance(BaseModel):
    """The provenance of every value of a record, field by field, in the fields' order."""

    crime_types: list[ValueProvenance] = Field(default_factory=list)  # in crime_types order
    stance: Decided | None = None
    actors: list[Decided] = Field(default_factory=list)
    crime_mentions: list[Decided] = Field(default_factory=list)
    relations: list[Decided] = Field(default_factory=list)
    set_aside: list[SetAside] = Field(default_factory=list)


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
    provenance: RecordProvenance
    preannotation: str | None = None  # the suggestions' model_version shown; None: none shown

    @field_validator("split", mode="before")
    @classmethod
    def _old_split_name(cls, value: str) -> str:
        return "validation" if value == "dev" else value  # written before workbench 0.2: dev
