"""Label Studio result items built back from parsed annotations.

The inverse of ``records.parse_task``: the review round shows each
annotator's version, and the parts they agreed on, as predictions built here.
"""

from __future__ import annotations

from typing import Any

from workbench.records.tasks import Annotation
from workbench.schema import TEXT


def choices_item(control: str, values: list[str] | tuple[str, ...], region: str | None = None,
                 span: tuple[int, int, str] | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"choices": list(values)}
    if span is not None:
        value.update(start=span[0], end=span[1], text=span[2])
    return {"id": region or control, "from_name": control, "to_name": TEXT, "type": "choices",
            "value": value}


def span_item(region: str, control: str, start: int, end: int, text: str,
              labels: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {"id": region, "from_name": control, "to_name": TEXT, "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": list(labels)}}


def relation_item(source: str | None, target: str | None, labels: list[str]) -> dict[str, Any]:
    return {"from_id": source, "to_id": target, "type": "relation", "direction": "right",
            "labels": labels}


def annotation_result(annotation: Annotation, text: str) -> list[dict[str, Any]]:
    """An annotation's result as Label Studio stores it."""
    result = [choices_item(control, values) for control, values in annotation.choices.items()]
    spans: dict[str | None, tuple[int, int, str]] = {}
    for index, span in enumerate(annotation.spans):
        region = span.region or f"s{index}"
        spans[span.region] = (span.start, span.end, text[span.start:span.end])
        result.append(span_item(region, span.control, span.start, span.end,
                                text[span.start:span.end], span.labels))
    for choice in annotation.region_choices:
        if choice.region in spans:
            result.append(choices_item(choice.control, choice.values, choice.region,
                                       spans[choice.region]))
    for relation in annotation.relations:
        if relation.source in spans and relation.target in spans:
            result.append(relation_item(relation.source, relation.target, list(relation.labels)))
    return result
