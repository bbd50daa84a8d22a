"""A transparent rule-based pre-annotator: suggestions, not truth.

Cue phrases for crime mentions and actors, and a small gazetteer of
organisations and people, live in ``ingest/cues.json``; every id there must be
a schema id. Crime types are suggested where a crime is mentioned; stances
are never suggested, because no cue word can tell them.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from importlib import resources

from pydantic import BaseModel, model_validator

from workbench.schema import ACTORS, CRIME_MENTIONS, CRIME_TYPES, SCHEMA, TEXT, Schema

METHOD = "workbench-rules"


def model_version(schema: Schema = SCHEMA) -> str:
    """Names the method and the schema the suggestions follow."""
    return f"{METHOD}/schema-{schema.version}"


class GazetteerEntry(BaseModel):
    name: str
    role: str


class Cues(BaseModel):
    crime_mentions: dict[str, list[str]]
    actors: dict[str, list[str]]
    gazetteer: list[GazetteerEntry]

    @model_validator(mode="after")
    def _ids_in_schema(self) -> Cues:
        mention_ids = {c.id for c in SCHEMA.mention_types}
        role_ids = {r.id for r in SCHEMA.actor_roles}
        unknown = (set(self.crime_mentions) - mention_ids) | (set(self.actors) - role_ids) | {
            e.role for e in self.gazetteer if e.role not in role_ids}
        if unknown:
            raise ValueError(f"cues use ids the schema does not have: {sorted(unknown)}")
        return self


def load_cues() -> Cues:
    data = json.loads(resources.files("workbench.ingest").joinpath("cues.json").read_text("utf-8"))
    data.pop("_about", None)
    return Cues.model_validate(data)


_WORD = re.compile(r"\w+")
_JOINER = "[ \\-\u2019'\u00a0]"  # between the words of a phrase: a space, hyphen or apostrophe


class _Matcher:
    """Finds cue phrases on whole words, longest first, with their labels.

    The phrases are compiled into one regular expression shaped like a trie
    (``police(?:[ -]officers)?|...``): Python's regex engine tries alternatives
    one by one, and shared prefixes make it fail fast at most positions.
    """

    def __init__(self, cues: list[tuple[str, str]]):
        # cues: (phrase, label), in priority order: the first label given to a phrase wins.
        self._labels: dict[tuple[str, ...], str] = {}
        for phrase, label in cues:
            self._labels.setdefault(tuple(_WORD.findall(phrase.lower())), label)
        pattern = r"(?<!\w)(?:" + _trie_pattern(self._labels) + r")(?!\w)"
        self._lower = re.compile(pattern)
        self._any_case = re.compile(pattern, re.IGNORECASE)

    def find(self, text: str, lowered: str):
        """(start, end, text, label) of each match; ``lowered`` is ``text.lower()``."""
        if len(lowered) == len(text):
            matches = self._lower.finditer(lowered)
        else:  # lower() changed the length (rare letters): match the text itself
            matches = self._any_case.finditer(text)
        for match in matches:
            start, end = match.span()
            label = self._labels[tuple(_WORD.findall(match.group().lower()))]
            yield start, end, text[start:end], label


_END = ""


def _trie_pattern(phrases) -> str:
    trie: dict = {}
    for words in phrases:
        node = trie
        for char in "\0".join(words):  # NUL stands for the joiner between words
            node = node.setdefault(char, {})
        node[_END] = {}

    def pattern(node: dict) -> str:
        branches = [(_JOINER if char == "\0" else re.escape(char)) + pattern(child)
                    for char, child in sorted(node.items()) if char != _END]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if _END in node else body

    return pattern(trie)


class PreAnnotator:
    """Turns an article's text into one Label Studio prediction."""

    def __init__(self, cues: Cues | None = None, schema: Schema = SCHEMA):
        self.cues = cues or load_cues()
        self.schema = schema
        self.model_version = model_version(schema)

    @cached_property
    def _actors(self) -> _Matcher:
        gazetteer = [(e.name, e.role) for e in self.cues.gazetteer]
        cues = [(p, role) for role, patterns in self.cues.actors.items() for p in patterns]
        return _Matcher(gazetteer + cues)

    @cached_property
    def _mentions(self) -> _Matcher:
        return _Matcher([(p, crime) for crime, patterns in self.cues.crime_mentions.items()
                         for p in patterns])

    def predict(self, text: str) -> dict:
        """A prediction dict as Label Studio imports it (offsets in code points, as the UI's)."""
        lowered = text.lower()
        result: list[dict] = []
        mentioned: set[str] = set()
        for control, matcher in ((ACTORS, self._actors), (CRIME_MENTIONS, self._mentions)):
            previous: dict | None = None
            for start, end, phrase, label in matcher.find(text, lowered):
                if control == CRIME_MENTIONS:
                    mentioned.add(label)
                value = previous["value"] if previous else None
                if value and value["labels"] == [label] and text[value["end"]:start] == " ":
                    # "Interior Minister" + "Sar Kheng": one actor, one span.
                    value["end"] = end
                    value["text"] = text[value["start"]:end]
                    continue
                previous = {
                    "id": f"r{len(result)}", "from_name": control, "to_name": TEXT,
                    "type": "labels", "origin": "prediction",
                    "value": {"start": start, "end": end, "text": phrase, "labels": [label]},
                }
                result.append(previous)
        crime_types = [c.id for c in self.schema.crime_types if c.id in mentioned]
        if crime_types:
            result.append({"id": "doc-crime-types", "from_name": CRIME_TYPES, "to_name": TEXT,
                           "type": "choices", "origin": "prediction",
                           "value": {"choices": crime_types}})
        return {"model_version": self.model_version, "result": result}
