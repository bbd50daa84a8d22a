"""The annotation schema: the one source of truth for labels, in code.

The Label Studio config, the annotator guidelines, the validator's rules and
the gold dataset's columns are all derived from ``SCHEMA``. Change a value
here, bump ``SCHEMA_VERSION``, run ``workbench schema --write``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1.0"

# The fixed names of the Label Studio controls (exports and downstream code key on them).
TEXT = "text"
CRIME_TYPES = "crime_types"
STANCE = "stance"
ACTORS = "actors"
CRIME_MENTIONS = "crime_mentions"
ACTOR_STANCE = "actor_stance"
RELATIONS = "relations"
NO_CRIME = "no_crime"

ICCS_SECTIONS = {
    "01": "Acts leading to death or intending to cause death",
    "02": "Acts causing harm or intending to cause harm to the person",
    "03": "Injurious acts of a sexual nature",
    "04": "Acts against property involving violence or threat against a person",
    "05": "Acts against property only",
    "06": "Acts involving controlled psychoactive substances or other drugs",
    "07": "Acts involving fraud, deception or corruption",
    "08": "Acts against public order, authority and provisions of the State",
    "09": "Acts against public safety and state security",
    "10": "Acts against the natural environment",
    "11": "Other criminal acts not elsewhere classified",
}


class Value(BaseModel):
    """One allowed value of a field: the id is what results store."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    definition: str
    hotkey: str | None = None


class CrimeType(Value):
    iccs: str | None = Field(default=None, description="ICCS Level-1 section, 01-11")

    @model_validator(mode="after")
    def _known_section(self) -> CrimeType:
        if self.iccs is not None and self.iccs not in ICCS_SECTIONS:
            raise ValueError(f"unknown ICCS section {self.iccs!r}")
        return self


class FieldSpec(BaseModel):
    """A control of the labeling interface, as validation and agreement see it."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Literal["multi", "single", "spans", "region_single", "relations"]
    required: bool
    values: tuple[Value, ...]
    title: str
    instruction: str


class Schema(BaseModel):
    """All fields of the annotation task, in display order."""

    model_config = ConfigDict(frozen=True)

    version: str
    crime_types: tuple[CrimeType, ...]
    stances: tuple[Value, ...]
    actor_roles: tuple[Value, ...]
    actor_stances: tuple[Value, ...]
    relation_types: tuple[Value, ...]

    @property
    def mention_types(self) -> tuple[CrimeType, ...]:
        """Crime types a span can carry: all but ``no_crime``."""
        return tuple(c for c in self.crime_types if c.id != NO_CRIME)

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return (
            FieldSpec(name=CRIME_TYPES, kind="multi", required=True, values=self.crime_types,
                      title="Crime types",
                      instruction="Every type of crime the article reports. Required."),
            FieldSpec(name=STANCE, kind="single", required=True, values=self.stances,
                      title="Stance toward the authorities' response",
                      instruction="How the article presents the authorities' response to the "
                                  "crimes it reports. Required."),
            FieldSpec(name=ACTORS, kind="spans", required=False, values=self.actor_roles,
                      title="Actors", instruction="Mark each named or described actor."),
            FieldSpec(name=CRIME_MENTIONS, kind="spans", required=False,
                      values=self.mention_types, title="Crime mentions",
                      instruction="Mark explicit mentions of a crime with its type."),
            FieldSpec(name=ACTOR_STANCE, kind="region_single", required=False,
                      values=self.actor_stances, title="Actor's stance toward the crackdown",
                      instruction="Select an actor span, then choose its stance."),
            FieldSpec(name=RELATIONS, kind="relations", required=False,
                      values=self.relation_types, title="Relations",
                      instruction="Link an actor to a crime mention (actor first)."),
        )

    @cached_property
    def allowed_values(self) -> dict[str, frozenset[str]]:
        """The ids each field accepts, by field name (worked out once: validation asks for
        them on every annotation)."""
        return {spec.name: frozenset(v.id for v in spec.values) for spec in self.fields}

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @model_validator(mode="after")
    def _ids_unique(self) -> Schema:
        groups = [self.crime_types, self.stances, self.actor_roles, self.actor_stances,
                  self.relation_types]
        for group in groups:
            ids = [v.id for v in group]
            if len(ids) != len(set(ids)):
                raise ValueError(f"duplicate ids in {ids}")
        # Span labels share one text: an id must say which control it belongs to.
        overlap = {v.id for v in self.actor_roles} & {v.id for v in self.crime_types}
        if overlap:
            raise ValueError(f"actor roles and crime types share ids: {sorted(overlap)}")
        return self


def _v(id: str, name: str, definition: str, hotkey: str | None = None) -> Value:
    return Value(id=id, name=name, definition=definition, hotkey=hotkey)


def _c(id: str, name: str, iccs: str | None, key: str, definition: str) -> CrimeType:
    """A crime type; ``key`` labels a mention of it, and shift+``key`` ticks it."""
    return CrimeType(id=id, name=name, iccs=iccs, definition=definition, hotkey=key)


SCHEMA = Schema(
    version=SCHEMA_VERSION,
    crime_types=(
        _c("human_trafficking", "Human trafficking", "02", "h",
           "Recruiting, moving or holding people by force, fraud or coercion to exploit them."),
        _c("forced_labour", "Forced labour", "02", "f",
           "Making people work against their will: threats, debt bondage, confinement."),
        _c("kidnapping_detention", "Kidnapping / illegal detention", "02", "k",
           "Taking or holding a person against their will, for ransom or otherwise."),
        _c("torture_assault", "Torture / assault", "02", "t",
           "Beating, torturing or otherwise physically harming a person, or threatening to."),
        _c("homicide", "Homicide", "01", "d",
           "Unlawfully killing a person, including attempts."),
        _c("sexual_exploitation", "Sexual exploitation", "03", "x",
           "Forcing or exploiting people into prostitution or other sexual acts."),
        _c("online_scam_fraud", "Online scam / fraud", "07", "o",
           "Deceiving people for money: online, romance, investment or fake-job scams."),
        _c("illegal_gambling", "Illegal gambling", "08", "g",
           "Running or taking part in unlicensed or banned gambling, online or offline."),
        _c("money_laundering", "Money laundering", "07", "l",
           "Hiding or moving the proceeds of crime so they look legitimate."),
        _c("corruption_collusion", "Corruption / collusion", "07", "b",
           "Officials taking bribes, abusing office, or protecting or colluding with criminals."),
        _c("drug_offence", "Drug offence", "06", "p",
           "Producing, trafficking, selling or using illegal drugs."),
        _c("weapons_offence", "Weapons offence", "09", "w",
           "Illegally making, holding, trading or using firearms, explosives or other weapons."),
        _c("robbery_theft_extortion", "Robbery / theft / extortion", "04", "r",
           "Taking property by force, threat or stealth, or demanding money with menaces."),
        _c("immigration_violation", "Immigration violation", "08", "i",
           "Illegal entry or stay, working without a permit, smuggling of migrants."),
        _c("organ_blood_harvesting", "Organ / blood harvesting", "02", "v",
           "Removing organs or blood from a person without valid consent."),
        _c("other_crime", "Other crime", "11", "z",
           "A crime that fits none of the types above."),
        _c(NO_CRIME, "No crime", None, "n",
           "The article reports no crime at all. Choose it alone."),
    ),
    stances=(
        _v("supportive", "Supportive",
           "Presents the authorities' response favourably or without question.", "s"),
        _v("critical", "Critical",
           "Questions or criticises the response: inaction, failure, complicity.", "c"),
        _v("neutral", "Neutral",
           "Reports the response without evaluating it, or reports none.", "n"),
        _v("mixed", "Mixed",
           "Gives both clear support and clear criticism.", "m"),
    ),
    actor_roles=(
        _v("perpetrator", "Perpetrator",
           "A person or group said to commit, organise or profit from a crime.", "1"),
        _v("victim", "Victim", "A person or group said to suffer a crime.", "2"),
        _v("government", "Government",
           "The national or local government, ministers, officials, ruling politicians.", "3"),
        _v("law_enforcement", "Law enforcement",
           "Police, immigration, military police and other enforcement bodies.", "4"),
        _v("judiciary", "Judiciary", "Courts, judges, prosecutors.", "5"),
        _v("foreign_government", "Foreign government",
           "Another country's government, embassy, police or officials.", "6"),
        _v("civil_society", "Civil society",
           "NGOs, rights groups, unions, community groups, activists.", "7"),
        _v("international_org", "International organisation",
           "UN agencies, FATF, Interpol and other intergovernmental bodies.", "8"),
        _v("business", "Business", "Companies, casinos, developers, employers.", "9"),
        _v("media", "Media", "News outlets, journalists, social media as a source.", "0"),
    ),
    actor_stances=(
        _v("supports", "Supports", "The actor backs the crackdown on these crimes.", "alt+s"),
        _v("opposes", "Opposes", "The actor resists, obstructs or criticises the crackdown.",
           "alt+o"),
        _v("neutral", "Neutral", "The actor takes no side.", "alt+n"),
        _v("unclear", "Unclear", "The article does not say.", "alt+u"),
    ),
    relation_types=(
        _v("commits", "commits", "The actor commits or organises the crime."),
        _v("suffers", "suffers", "The actor is harmed by the crime."),
        _v("responds_to", "responds to",
           "The actor investigates, prosecutes, condemns or acts against the crime."),
        _v("reports", "reports", "The actor reports, documents or denies the crime."),
    ),
)
