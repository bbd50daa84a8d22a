"""A decided article as a gold record: the decision's values, provenance by pseudonym."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

from workbench.records.decisions import ArticleDecision, Inferred
from workbench.records.tasks import Task
from workbench.schema import SCHEMA


def gold_record(decision: ArticleDecision, task: Task, name: Callable[[str], str],
                with_text: bool = True) -> dict[str, Any]:
    """The gold record of a decided article, as the JSON-ready dict ``GoldRecord`` reads
    (split added later). Built as plain dicts: this runs once per gold article, and the
    records written are checked against ``GoldRecord`` by the tests and by ``load_gold``."""
    shown: dict[int, dict[str, Any]] = {}  # provenance objects are shared: convert each once

    def provenance(p, **extra) -> dict[str, Any]:
        if not extra and id(p) in shown:
            return shown[id(p)]
        converted = {"method": p.method, "annotators": [name(a) for a in p.annotators],
                     "agreement": round(p.agreement, 6),
                     "decided_by": name(p.decided_by) if p.decided_by else None, **extra}
        if isinstance(p, Inferred):
            converted["posterior"] = p.posterior
        if not extra:
            shown[id(p)] = converted
        return converted

    actors: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    old_index: dict[tuple[str, int], int] = {}
    actor_provenance: list[dict[str, Any]] = []
    mention_provenance: list[dict[str, Any]] = []
    for field, spans, target, where in (("actors", decision.actors, actors, actor_provenance),
                                        ("crime_mentions", decision.crime_mentions, mentions,
                                         mention_provenance)):
        for index, span in enumerate(spans):
            old_index[field, index] = len(target)
            words = span.text if with_text else None
            for label in span.labels:  # a region with two labels is two spans
                if field == "actors":
                    target.append({"start": span.start, "end": span.end, "text": words,
                                   "role": label, "stance": span.stance})
                else:
                    target.append({"start": span.start, "end": span.end, "text": words,
                                   "crime_type": label})
                where.append(provenance(span.provenance))
    relations, relation_provenance = [], []
    for relation in decision.relations:
        relations.append({"actor": old_index["actors", relation.source],
                          "crime_mention": old_index["crime_mentions", relation.target],
                          "type": relation.type})
        relation_provenance.append(provenance(relation.provenance))
    data = task.data
    crime_types = schema_order(decision.crime_types)
    return {
        "article_id": decision.article_id, "text": task.text if with_text else None,
        "title": _string(data.get("title")), "source": _string(data.get("source")),
        "published": _date(data.get("published")), "url": _string(data.get("url")),
        "sha256": _string(data.get("sha256")), "crime_types": crime_types,
        "stance": decision.stance, "actors": actors, "crime_mentions": mentions,
        "relations": relations,
        "provenance": {
            "crime_types": [provenance(decision.crime_types_provenance[v], value=v)
                            for v in crime_types],
            "stance": provenance(decision.stance_provenance)
            if decision.stance_provenance else None,
            "actors": actor_provenance, "crime_mentions": mention_provenance,
            "relations": relation_provenance,
            "set_aside": [{**dataclasses.asdict(part), "annotator": name(part.annotator)}
                          for part in decision.set_aside]},
        "preannotation": task.suggestion.model_version if task.suggestion else None}


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _date(value: Any) -> str | None:
    """An ISO date, as the gold format keeps it; anything else is not a date: None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


_RANK = {c.id: i for i, c in enumerate(SCHEMA.crime_types)}  # the schema's order


def schema_order(crime_types: list[str]) -> list[str]:
    """Crime types in the schema's order, then those it does not have, by name."""
    return sorted(crime_types, key=lambda c: (_RANK.get(c, len(_RANK)), c))
