"""Label Studio result items built back from parsed annotations and decisions.

The inverse of ``models.parse_task``: used to show each annotator's version,
and the parts they agreed on, as predictions in the review project.
"""

from __future__ import annotations

from typing import Any

from workbench.adjudicate import ArticleDecision
from workbench.models import Annotation
from workbench.schema import ACTOR_STANCE, ACTORS, CRIME_MENTIONS, CRIME_TYPES, STANCE, TEXT


def _choices(control: str, values: list[str] | tuple[str, ...], region: str | None = None,
             span: tuple[int, int, str] | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"choices": list(values)}
    if span is not None:
        value.update(start=span[0], end=span[1], text=span[2])
    return {"id": region or control, "from_name": control, "to_name": TEXT, "type": "choices",
            "value": value}


def _span(region: str, control: str, start: int, end: int, text: str,
          labels: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {"id": region, "from_name": control, "to_name": TEXT, "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": list(labels)}}


def _relation(source: str, target: str, labels: list[str]) -> dict[str, Any]:
    return {"from_id": source, "to_id": target, "type": "relation", "direction": "right",
            "labels": labels}


def annotation_result(annotation: Annotation, text: str) -> list[dict[str, Any]]:
    """An annotation's result as Label Studio stores it."""
    result = [_choices(control, values) for control, values in annotation.choices.items()]
    spans = {}
    for index, span in enumerate(annotation.spans):
        region = span.region or f"s{index}"
        spans[span.region] = (span.start, span.end, text[span.start:span.end])
        result.append(_span(region, span.control, span.start, span.end,
                            text[span.start:span.end], span.labels))
    for choice in annotation.region_choices:
        if choice.region in spans:
            result.append(_choices(choice.control, choice.values, choice.region,
                                   spans[choice.region]))
    for relation in annotation.relations:
        if relation.source in spans and relation.target in spans:
            result.append(_relation(relation.source, relation.target, list(relation.labels)))
    return result


def decision_result(decision: ArticleDecision) -> list[dict[str, Any]]:
    """What the annotators agreed on, as a result to start the adjudicator from."""
    result = []
    if decision.crime_types:
        result.append(_choices(CRIME_TYPES, decision.crime_types))
    if decision.stance:
        result.append(_choices(STANCE, [decision.stance]))
    for control, spans in ((ACTORS, decision.actors), (CRIME_MENTIONS, decision.crime_mentions)):
        for index, span in enumerate(spans):
            region = f"{control[0]}{index}"
            result.append(_span(region, control, span.start, span.end, span.text, span.labels))
            if span.stance:
                result.append(_choices(ACTOR_STANCE, [span.stance], region,
                                       (span.start, span.end, span.text)))
    for relation in decision.relations:
        result.append(_relation(f"a{relation.source}", f"c{relation.target}", [relation.type]))
    return result
