"""The Label Studio labeling config (XML), generated from the schema.

Results store the schema ids (``value``); the interface shows the display
names (``html`` on choices, ``alias``-free labels keep the id readable) and the
definitions as hints. Control names are fixed: exports and downstream code key
on them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import escape

from workbench.schema import (
    ACTOR_STANCE,
    ACTORS,
    CRIME_MENTIONS,
    CRIME_TYPES,
    SCHEMA,
    STANCE,
    TEXT,
    Schema,
    Value,
)

# Colour-blind-safe palette (Okabe-Ito, then Tol's muted), cycled per control.
_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
            "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677",
            "#882255", "#AA4499", "#DDDDDD")


# The layout, for a laptop's screen: the article on the left, from the top; on the right a
# column that stays put while the text scrolls (and scrolls on its own when taller than
# the screen). Label Studio's own classes (lsf-*) as rendered by 1.23.2.
_STYLE = """
.wb-layout { display: flex; gap: 1.25em; align-items: flex-start }
.wb-article { flex: 3; min-width: 0 }
.wb-side { flex: 2; min-width: 17em; position: sticky; top: 0; z-index: 2;
           max-height: calc(100vh - 120px); overflow-y: auto; padding-right: .25em }
.wb-side h4 { font-size: 15px; line-height: 1.3; margin: .6em 0 .3em }
.wb-side .lsf-label { margin: 0 4px 4px 0; padding-top: 1px; padding-bottom: 1px }
.wb-side .lsf-choice { line-height: 1.25; margin: 0 .9em .35em 0 }
.wb-side .lsf-choices { margin-bottom: 0 }
"""

DISPUTE = "dispute"  # the review project's task field with the dispute summary (HTML)


def label_config(schema: Schema = SCHEMA, *, review: bool = False) -> str:
    """The XML for a project, deterministic for a given schema.

    The review project's config is the same with the dispute summary on top: the
    task's ``dispute`` field, HTML written by the workbench, shown in the labeling
    view itself, so the labeling stream shows the adjudicator what to decide.
    """
    root = ET.Element("View")
    # No "--" inside an XML comment, hence no option name here.
    root.append(ET.Comment(f" generated from workbench schema {schema.version}, do not edit: "
                           f"regenerate with the workbench schema command "))
    if review:
        panel = _el(root, "View", style="border: 2px solid #d9534f; border-radius: 6px; "
                                        "padding: 0 1em; margin-bottom: 1em")
        _el(panel, "HyperText", name=DISPUTE, value=f"${DISPUTE}", inline="true")
    _el(root, "Style").text = _STYLE
    layout = _el(root, "View", className="wb-layout")
    article = _el(layout, "View", className="wb-article")
    _el(article, "Header", value="$title", size="5")
    _el(article, "Text", name=TEXT, value="$text", granularity="word")
    relations = _el(article, "Relations", choice="single")
    for value in schema.relation_types:
        _el(relations, "Relation", value=value.id)

    # The side column stays beside the text as it scrolls: the article-level choices, the
    # selected actor's stance and every label, each with its own hotkey.
    side = _el(layout, "View", className="wb-side")
    _header(side, "Stance toward the authorities' response (required)")
    _choices(side, STANCE, schema.stances, choice="single-radio", showInline="true",
             required_message="Choose the article's stance.")
    region = _el(side, "View", visibleWhen="region-selected", whenTagName=ACTORS)
    _header(region, "Selected actor's stance toward the crackdown")
    _choices(region, ACTOR_STANCE, schema.actor_stances, choice="single-radio",
             showInline="true", perRegion="true")
    _labels(side, ACTORS, "Actors", schema.actor_roles)
    _labels(side, CRIME_MENTIONS, "Crime mentions", schema.mention_types)
    _header(side, "Crime types (required)")
    types = _el(side, "View", className="wb-types")
    _choices(types, CRIME_TYPES, schema.crime_types, choice="multiple", showInline="true",
             required_message="Choose at least one crime type (or no_crime).", shift=True)

    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def _el(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, tag, attributes)


def _header(parent: ET.Element, text: str) -> None:
    _el(parent, "Header", value=text, size="5")


def _labels(parent: ET.Element, name: str, title: str, values: tuple[Value, ...]) -> None:
    _header(parent, title)
    labels = _el(parent, "Labels", name=name, toName=TEXT, showInline="true")
    for index, value in enumerate(values):
        attributes = {"value": value.id, "background": _COLOURS[index % len(_COLOURS)],
                      "hint": f"{value.name}: {value.definition}"}
        if value.hotkey:
            attributes["hotkey"] = value.hotkey
        _el(labels, "Label", **attributes)


def _choices(parent: ET.Element, name: str, values: tuple[Value, ...], *, choice: str,
             required_message: str | None = None, shift: bool = False, **extra: str) -> None:
    """A group of choices; ``shift``: each hotkey is shift+ the value's key (crime types
    share their keys with the crime mention labels)."""
    attributes = {"name": name, "toName": TEXT, "choice": choice, **extra}
    if required_message:
        attributes |= {"required": "true", "requiredMessage": required_message}
    choices = _el(parent, "Choices", **attributes)
    for value in values:
        child = {"value": value.id, "html": _display(value), "hint": value.definition}
        if value.hotkey:
            child["hotkey"] = f"shift+{value.hotkey}" if shift else value.hotkey
        _el(choices, "Choice", **child)


def _display(value: Value) -> str:
    """What the interface shows for a choice (its name: the side column is narrow); the
    result stores ``value.id``."""
    return escape(value.name)
