"""The gold dataset's record format: one record per article, as pydantic models.

Span offsets index the Python string (code points) of ``text``; ``relations``
point into ``actors`` and ``crime_mentions`` by index. In a gold version
annotators appear under stable pseudonyms (``annotator-3``), never by email;
inside the workbench, before pseudonymisation, adjudication carries the same
provenance fields with emails (``quality.adjudicate``).
The parquet files' schemas are in ``gold.arrow``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator

SPLITS = ("train", "validation", "test")  # as the datasets library names them
Split = Literal["train", "validation", "test"]
Method = Literal["unanimous", "majority", "adjudicated", "ground_truth"]


class Provenance(BaseModel):
    """How one value was decided, and by whom.

    ``annotators`` and ``agreement`` always describe the annotators' own votes, so
    an adjudicated value keeps them: who had chosen it before the adjudicator
    (``decided_by``) settled it, possibly nobody.
    """

    method: Method
    annotators: list[str]  # the annotators who chose the value
    agreement: float  # their share of the annotators who voted on the field
    decided_by: str | None = None  # the adjudicator, or the annotation marked ground truth


class SetAside(BaseModel):
    """A part of one annotation that adjudication did not use, and why."""

    annotation_id: int
    annotator: str
    part: str  # "the whole annotation", "crime_mentions span 'traffickers' 16-27", ...
    reason: str  # the validation rule, or cancelled / superseded
    message: str | None = None  # what the annotator can fix


class ValueProvenance(Provenance):
    value: str  # the crime type


class RecordProvenance(BaseModel):
    """The provenance of every value of a record, field by field, in the fields' order."""

    crime_types: list[ValueProvenance] = Field(default_factory=list)  # in crime_types order
    stance: Provenance | None = None
    actors: list[Provenance] = Field(default_factory=list)
    crime_mentions: list[Provenance] = Field(default_factory=list)
    relations: list[Provenance] = Field(default_factory=list)
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
