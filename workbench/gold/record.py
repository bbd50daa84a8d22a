"""A decided article as a gold record: the decision's values, provenance by pseudonym."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.gold.format import (
    Actor, CrimeMention, GoldRecord, Provenance, RecordProvenance, Relation, ValueProvenance,
)
from workbench.lsformat.records import Task
from workbench.quality.adjudicate import ArticleDecision
from workbench.schema import SCHEMA


def gold_record(decision: ArticleDecision, task: Task, name: Callable[[str], str],
                with_text: bool = True) -> dict[str, Any]:
    """The gold record of a decided article, as a JSON-ready dict (split added later)."""
    # Models in, one dump out: pydantic takes model instances as they are.
    def provenance(p, model=Provenance, **extra) -> Provenance:
        return model(method=p.method, annotators=[name(a) for a in p.annotators],
                     agreement=round(p.agreement, 6),
                     decided_by=name(p.decided_by) if p.decided_by else None, **extra)

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
        crime_types=schema_order(decision.crime_types), stance=decision.stance,
        actors=actors, crime_mentions=mentions, relations=relations,
        provenance=RecordProvenance(
            crime_types=[provenance(decision.crime_types_provenance[v], ValueProvenance, value=v)
                         for v in schema_order(decision.crime_types)],
            stance=provenance(decision.stance_provenance) if decision.stance_provenance
            else None,
            actors=actor_provenance, crime_mentions=mention_provenance,
            relations=relation_provenance,
            set_aside=[part.model_copy(update={"annotator": name(part.annotator)})
                       for part in decision.set_aside]),
        preannotation=task.suggestion.model_version if task.suggestion else None)
    dumped = record.model_dump(mode="json")
    del dumped["split"]
    return dumped


def schema_order(crime_types: list[str]) -> list[str]:
    order = [c.id for c in SCHEMA.crime_types]
    return sorted(crime_types, key=lambda c: (order.index(c) if c in order else len(order), c))
