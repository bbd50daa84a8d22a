"""A transparent rule-based pre-annotator: suggestions, not truth.

Cue phrases for crime mentions and actors, and a small gazetteer of
organisations and people, live in ``data/cues.json``; every id there must be
a schema id. Crime types are suggested where a crime is mentioned; stances
are never suggested, because no cue word can tell them.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from importlib import resources

from pydantic import BaseModel, model_validator

from workbench.offsets import Offsets
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
    data = json.loads(resources.files("workbench").joinpath("data/cues.json").read_text("utf-8"))
    data.pop("_about", None)
    return Cues.model_validate(data)


_WORD = re.compile(r"\w+")
_JOINERS = frozenset((" ", "-", "\u2019", "'", "\u00a0"))


class _Matcher:
    """Finds cue phrases on whole words, longest first, with their labels.

    A dictionary of word tuples, not one big regular expression: Python's
    regex engine tries every alternative at every position, which is
    ten times slower on a few hundred cues.
    """

    def __init__(self, cues: list[tuple[str, str]]):
        # cues: (phrase, label), in priority order: the first label given to a phrase wins.
        self._phrases: dict[tuple[str, ...], str] = {}
        for phrase, label in cues:
            self._phrases.setdefault(tuple(_WORD.findall(phrase.lower())), label)
        self._lengths: dict[str, list[int]] = {}  # first word -> phrase lengths, longest first
        for words in self._phrases:
            self._lengths.setdefault(words[0], []).append(len(words))
        for lengths in self._lengths.values():
            lengths.sort(reverse=True)

    def find(self, text: str, tokens: list[tuple[int, int, str]]):
        """Matches over ``tokens``: (start, end, lowercased word) of every word in ``text``."""
        i = 0
        while i < len(tokens):
            lengths = self._lengths.get(tokens[i][2])
            matched = 0
            for n in lengths or ():
                window = tokens[i:i + n]
                joined = all(text[a[1]:b[0]] in _JOINERS
                             for a, b in zip(window, window[1:], strict=False))
                if len(window) == n and joined:
                    label = self._phrases.get(tuple(t[2] for t in window))
                    if label:
                        start, end = tokens[i][0], window[-1][1]
                        yield start, end, text[start:end], label
                        matched = n
                        break
            i += matched or 1


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
        """A prediction dict as Label Studio imports it (offsets in UTF-16 units)."""
        offsets = Offsets(text)
        tokens = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]
        result: list[dict] = []
        mentioned: set[str] = set()
        for control, matcher in ((ACTORS, self._actors), (CRIME_MENTIONS, self._mentions)):
            previous: dict | None = None
            for start, end, phrase, label in matcher.find(text, tokens):
                if control == CRIME_MENTIONS:
                    mentioned.add(label)
                value = previous["value"] if previous else None
                if value and value["labels"] == [label] and text[value["_end"]:start] == " ":
                    # "Interior Minister" + "Sar Kheng": one actor, one span.
                    value["_end"], value["end"] = end, offsets.to_utf16(end)
                    value["text"] = text[value["_start"]:end]
                    continue
                previous = {
                    "id": f"r{len(result)}", "from_name": control, "to_name": TEXT,
                    "type": "labels", "origin": "prediction",
                    "value": {"start": offsets.to_utf16(start), "end": offsets.to_utf16(end),
                              "text": phrase, "labels": [label], "_start": start, "_end": end},
                }
                result.append(previous)
        for item in result:
            item["value"].pop("_start", None)
            item["value"].pop("_end", None)
        crime_types = [c.id for c in self.schema.crime_types if c.id in mentioned]
        if crime_types:
            result.append({"id": "doc-crime-types", "from_name": CRIME_TYPES, "to_name": TEXT,
                           "type": "choices", "origin": "prediction",
                           "value": {"choices": crime_types}})
        return {"model_version": self.model_version, "result": result}
