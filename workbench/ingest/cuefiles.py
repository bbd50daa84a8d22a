"""The pre-annotator's cue files (``ingest/cues/``): their schemas, loading and checks, and the
``model_version`` that names them.

``crimes.json`` holds the crime rules, ``actors.json`` the actor cues, ``context.json`` the word
classes, resolvers, names of bodies, modality cues, support between types and the thresholds.
Loading fails when an id is not a schema id, a crime type has no rules, a rule id is used twice,
a pattern is malformed or refers to a word class the lexicon does not have.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from workbench.ingest import patterns
from workbench.schema import SCHEMA, Schema

METHOD = "workbench-rules"
CUE_FILES = ("crimes.json", "actors.json", "context.json")
# Bump when the engine's logic or constants change the suggestions for the same cue files:
# it is hashed into model_version with the files' bytes.
ENGINE_VERSION = "2"

Patterns = Annotated[list[str], AfterValidator(patterns.check)]
Weight = Annotated[float, Field(ge=0, le=1)]
RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9.\-]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rule(_Strict):
    """Patterns that are evidence for one label (a crime type or an actor role)."""

    id: RuleId
    weight: Weight
    match: Patterns = Field(min_length=1)
    unless: Patterns = Field(default_factory=list)  # a match overlapping one of these is dropped
    needs: Patterns = Field(default_factory=list)  # each must occur in the match's `scope`
    scope: Literal["sentence", "paragraph"] = "sentence"  # where `needs` are looked for
    mention: bool = True  # False: an indicator, never suggested as a span
    family: RuleId | None = None  # rules of one family count as one (one indicator, many words)


class GazetteerEntry(_Strict):
    name: str
    role: str


class CrimeCues(_Strict):
    rules: dict[str, list[Rule]]


class ActorCues(_Strict):
    gazetteer_weight: Weight
    title_weight: Weight
    gazetteer: list[GazetteerEntry]
    titles: dict[str, list[str]]
    rules: dict[str, list[Rule]]


class Fallback(_Strict):
    crime: str
    weight: Weight


class Resolver(_Strict):
    """A trigger word whose crime type depends on what it is about (see context.json)."""

    id: RuleId
    trigger: Annotated[str, AfterValidator(lambda p: patterns.check([p])[0])]
    weight: Weight
    before: int = Field(ge=0, le=12)
    after: int = Field(ge=0, le=12)
    objects: dict[str, list[str]]  # object class (in the lexicon) -> crime types
    default: Fallback | None = None


class Organisations(_Strict):
    heads: dict[str, list[str]]
    law_heads: list[str]
    role_words: dict[str, list[str]]
    lowercase_group: str
    capitalised_group: str
    prefixes: list[str]
    weight: Weight


class Modality(_Strict):
    """Cue words that weaken evidence: in its sentence, or just before it ("prevent ...")."""

    multiplier: Weight
    scope: Literal["sentence", "before"] = "sentence"
    window: int = Field(default=3, ge=0, le=10)  # for "before": at most this many words between
    spare: list[str] = Field(default_factory=list)  # crime types it does not weaken
    match: Patterns


class Support(_Strict):
    """Suggested types that are evidence for another ("forced labour" for trafficking)."""

    crime: str
    by: list[str] = Field(min_length=1)
    weight: Weight
    own: Weight  # the evidence of its own the crime needs first


class Thresholds(_Strict):
    crime_type: Weight
    span: Weight
    repeat_discount: Weight
    max_repeats: int = Field(ge=1)
    spans_per_phrase: int = Field(ge=1)


class ContextCues(_Strict):
    lexicon: dict[str, list[str]]
    resolvers: list[Resolver]
    organisations: Organisations
    modality: dict[str, Modality]
    support: list[Support] = Field(default_factory=list)
    thresholds: Thresholds


class Cues(BaseModel):
    """All cue files; ``digest`` is the sha256 of the files' bytes (or of the model's JSON)."""

    crimes: CrimeCues
    actors: ActorCues
    context: ContextCues
    _digest: str | None = PrivateAttr(default=None)

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()
        return self._digest

    def all_patterns(self) -> list[str]:
        rules = [r for group in (self.crimes.rules, self.actors.rules)
                 for rs in group.values() for r in rs]
        return ([p for r in rules for p in (*r.match, *r.unless, *r.needs)]
                + [r.trigger for r in self.context.resolvers]
                + [p for m in self.context.modality.values() for p in m.match])

    @model_validator(mode="after")
    def _ids_in_schema(self) -> Cues:
        crime_ids = {c.id for c in SCHEMA.mention_types}
        role_ids = {r.id for r in SCHEMA.actor_roles}
        context = self.context
        crimes = set(self.crimes.rules) | {c for r in context.resolvers
                                           for cs in r.objects.values() for c in cs}
        crimes |= {r.default.crime for r in context.resolvers if r.default}
        crimes |= {c for s in context.support for c in [s.crime, *s.by]}
        crimes |= {c for m in context.modality.values() for c in m.spare}
        roles = (set(self.actors.rules) | set(self.actors.titles)
                 | {e.role for e in self.actors.gazetteer} | set(context.organisations.heads)
                 | set(context.organisations.role_words)
                 | {context.organisations.lowercase_group, context.organisations.capitalised_group})
        unknown = (crimes - crime_ids) | (roles - role_ids)
        if unknown:
            raise ValueError(f"cues use ids the schema does not have: {sorted(unknown)}")
        if missing := crime_ids - {c for c, rules in self.crimes.rules.items() if rules}:
            raise ValueError(f"crime types without rules: {sorted(missing)}")
        classes = {c for r in context.resolvers for c in r.objects} - set(context.lexicon)
        if classes:
            raise ValueError(f"resolvers use object classes not in the lexicon: {sorted(classes)}")
        if bad := [w for words in context.lexicon.values() for w in words
                   if not re.fullmatch(r"#|[\w'\-]+[*+]?", w)]:
            raise ValueError(f"lexicon entries must be single words: {bad}")
        used = {c for p in self.all_patterns() for c in patterns.class_names(p)}
        if unknown_classes := sorted(used - set(context.lexicon)):
            raise ValueError(f"patterns use word classes not in the lexicon: {unknown_classes}")
        for pattern in self.all_patterns():  # with the word classes spelt out
            patterns.compile_pattern(pattern, context.lexicon)
        rule_ids = [r.id for group in (self.crimes.rules, self.actors.rules)
                    for rules in group.values() for r in rules]
        rule_ids += [r.id for r in context.resolvers]
        if duplicates := sorted({i for i in rule_ids if rule_ids.count(i) > 1}):
            raise ValueError(f"rule ids used twice: {duplicates}")
        families: dict[str, set[str]] = {}
        for crime, rules in self.crimes.rules.items():
            for rule in rules:
                if rule.family:
                    families.setdefault(rule.family, set()).add(crime)
        if mixed := sorted(f for f, crimes in families.items() if len(crimes) > 1):
            raise ValueError(f"rule families across crime types: {mixed}")
        return self


def load_cues(folder: str | Path | None = None) -> Cues:
    """Read and validate the cue files (the package's, or those in ``folder``)."""
    where = Path(folder) if folder else resources.files("workbench.ingest").joinpath("cues")
    digest = hashlib.sha256()
    parts = {}
    for name in CUE_FILES:
        raw = where.joinpath(name).read_bytes()
        digest.update(name.encode() + b"\0" + raw + b"\0")
        data = json.loads(raw)
        data.pop("_about", None)
        parts[name.removesuffix(".json")] = data
    cues = Cues.model_validate(parts)
    cues._digest = digest.hexdigest()
    return cues


def model_version(cues: Cues | None = None, schema: Schema = SCHEMA) -> str:
    """Names the method, the cues and engine (by a hash of the files' bytes and
    ``ENGINE_VERSION``) and the schema the suggestions follow."""
    digest = hashlib.sha256(f"{ENGINE_VERSION}\0{(cues or load_cues()).digest}".encode())
    return f"{METHOD}/{digest.hexdigest()[:12]}/schema-{schema.version}"
