"""The annotation schema, the one source of truth, and what is generated from it:
the Label Studio labeling config and the annotator guidelines."""

from workbench.schema.definition import (
    ACTOR_STANCE,
    ACTORS,
    CRIME_MENTIONS,
    CRIME_TYPES,
    ICCS_SECTIONS,
    NO_CRIME,
    RELATIONS,
    SCHEMA,
    SCHEMA_VERSION,
    STANCE,
    TEXT,
    CrimeType,
    FieldSpec,
    Schema,
    Value,
)

__all__ = ["ACTORS", "ACTOR_STANCE", "CRIME_MENTIONS", "CRIME_TYPES", "ICCS_SECTIONS",
           "NO_CRIME", "RELATIONS", "SCHEMA", "SCHEMA_VERSION", "STANCE", "TEXT", "CrimeType",
           "FieldSpec", "Schema", "Value"]
