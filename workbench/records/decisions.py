"""An article's decision: its gold candidate, and who decided each value how.

``Provenance`` and ``SetAside`` are stdlib dataclasses, defined once: msgspec encodes them
in the decisions log, and pydantic validates them as they are in the gold record format
(``gold.format``). The rest are msgspec structs, built once per article and hashed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

import msgspec

Method = Literal["unanimous", "majority", "dawid_skene", "adjudicated", "ground_truth"]
Status = Literal["agreed", "disputed", "adjudicated", "ground_truth", "awaiting"]


@dataclass(slots=True, kw_only=True)
class Provenance:
    """How one value was decided, and by whom.

    ``annotators`` and ``agreement`` always describe the annotators' own votes, so an
    adjudicated value keeps them: who had chosen it before the adjudicator (``decided_by``)
    settled it, possibly nobody.
    """

    method: Method
    annotators: list[str]  # the annotators who chose the value
    agreement: float  # their share of the annotators who voted on the field
    decided_by: str | None = None  # the adjudicator, or the annotation marked ground truth


@dataclass(slots=True, kw_only=True)
class Inferred(Provenance):
    """A value a model of the annotators' reliability decided (``quality.inference``)."""

    posterior: float  # the model's probability that the value is right


@dataclass(slots=True, kw_only=True)
class SetAside:
    """A part of one annotation that adjudication did not use, and why."""

    annotation_id: int
    annotator: str
    part: str  # "the whole annotation", "crime_mentions span 'traffickers' 16-27", ...
    reason: str  # the validation rule, or cancelled / superseded
    message: str | None = None  # what the annotator can fix


class DecidedSpan(msgspec.Struct, kw_only=True):
    start: int
    end: int
    text: str
    labels: list[str]
    stance: str | None = None  # actor spans: the actor's stance
    provenance: Provenance
    stance_provenance: Provenance | None = None


class DecidedRelation(msgspec.Struct, kw_only=True):
    source: int  # index into actors
    target: int  # index into crime_mentions
    type: str
    provenance: Provenance


class Dispute(msgspec.Struct, kw_only=True):
    """A disagreement as the decisions log keeps it."""

    field: str
    item: str  # what is disputed: a value, a span, a relation
    votes: dict[str, list[str]]  # option -> annotators


class Disagreement(Dispute, kw_only=True):
    # The schema values at stake, for reports; derived, so kept out of the decisions log.
    labels: list[str] = []
    span: tuple[int, int] | None = None  # a disputed span's offsets
    posterior: float | None = None  # the model's best guess's probability, when a model voted

    def logged(self) -> Dispute:
        return Dispute(field=self.field, item=self.item, votes=self.votes)


class Input(msgspec.Struct, kw_only=True):
    annotation_id: int
    annotator: str
    updated_at: str | None


class ReviewInput(Input, kw_only=True):
    """The adjudicator's annotation in the review project."""

    also_annotated: bool = False  # the adjudicator was one of the article's annotators
    used: bool = True  # False: refused, as they annotated the article (``own_articles``)


class ArticleDecision(msgspec.Struct, kw_only=True):
    """One article's gold candidate and how it was reached."""

    article_id: str
    task_id: int
    status: Status
    k: int
    n: int
    decided_by: str | None = None  # adjudicator or ground-truth annotator
    decided_at: str | None = None
    review_annotation: ReviewInput | None = None  # the adjudicator's, in the review project
    crime_types: list[str] = []
    crime_types_provenance: dict[str, Provenance] = {}
    stance: str | None = None
    stance_provenance: Provenance | None = None
    actors: list[DecidedSpan] = []
    crime_mentions: list[DecidedSpan] = []
    relations: list[DecidedRelation] = []
    # What the annotators' votes left open (for an adjudicated article: what was settled).
    disagreements: list[Disagreement] = []
    inputs: list[Input] = []
    set_aside: list[SetAside] = []

    @property
    def gold(self) -> bool:
        return self.status in ("agreed", "adjudicated", "ground_truth")

    def canonical(self) -> str:
        """The decision as JSON, its fields in their fixed order: equal texts mean nothing
        changed. Disagreements as the log keeps them."""
        shown = self if not self.disagreements else msgspec.structs.replace(
            self, disagreements=[d.logged() for d in self.disagreements])
        return _JSON(shown).decode()


_JSON = msgspec.json.Encoder().encode


def digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()
