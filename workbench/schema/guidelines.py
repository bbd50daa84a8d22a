"""Annotator guidelines from the schema, as Markdown and as HTML.

The HTML goes into Label Studio's instructions panel; the Markdown is checked
in beside the labeling config. Both come from the same sections, so they
cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from workbench.schema import ICCS_SECTIONS, NO_CRIME, SCHEMA, Schema

RULES = (
    "Choose at least one crime type and exactly one stance: both are required.",
    f"`{NO_CRIME}` stands alone: never combine it with another crime type.",
    "Every crime type you mark as a crime mention must also be chosen under crime types.",
    "Spans cover whole words, with no leading or trailing space or punctuation.",
    "Give an actor's stance only on actor spans.",
    "Relations go from an actor to a crime mention.",
    "Skip an article only when it cannot be read; say why in a comment.",
)


@dataclass(frozen=True)
class _Section:
    title: str
    intro: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _sections(schema: Schema) -> list[_Section]:
    def key(hotkey: str | None) -> str:
        return hotkey or ""

    return [
        _Section("Crime types (required, choose all that apply)",
                 "Every type of crime the article reports, as a report of fact or allegation. "
                 "Shift and the type's key ticks it (or unticks it); the key alone labels a "
                 "mention of it. The ICCS column is the UNODC International Classification of "
                 "Crime for Statistical Purposes, Level-1 section.",
                 ("id", "name", "hotkey", "ICCS", "definition"),
                 tuple((c.id, c.name, f"shift+{c.hotkey}" if c.hotkey else "",
                        f"{c.iccs} {ICCS_SECTIONS[c.iccs]}" if c.iccs else "-",
                        c.definition) for c in schema.crime_types)),
        _Section("Stance (required, choose one)",
                 "The article's stance toward the authorities' response to the crimes it reports.",
                 ("id", "name", "hotkey", "definition"),
                 tuple((v.id, v.name, key(v.hotkey), v.definition) for v in schema.stances)),
        _Section("Actors (spans)",
                 "Select the words that name or describe an actor and press its hotkey. "
                 "Mark each mention; include titles (\"Interior Minister Sar Kheng\").",
                 ("id", "name", "hotkey", "definition"),
                 tuple((v.id, v.name, key(v.hotkey), v.definition) for v in schema.actor_roles)),
        _Section("Crime mentions (spans)",
                 "Select an explicit mention of a crime (\"human trafficking\", \"kidnappings\") "
                 "and label it with its crime type: its key, then the words.",
                 ("id", "name", "hotkey", "definition"),
                 tuple((c.id, c.name, key(c.hotkey), c.definition) for c in schema.mention_types)),
        _Section("Actor's stance (on a selected actor span)",
                 "With an actor span selected, choose the actor's stance toward the crackdown "
                 "as the article presents it. Click the actor's words to select them; Escape "
                 "(or u) unselects, so the next key makes a new span instead of relabelling.",
                 ("id", "name", "hotkey", "definition"),
                 tuple((v.id, v.name, key(v.hotkey), v.definition) for v in schema.actor_stances)),
        _Section("Relations (actor to crime mention)",
                 "Select the actor span, press alt+r (or the relation button), click the crime "
                 "mention, then choose the relation's label in the Relations tab (its menu "
                 "button shows when the pointer is over the relation). Label Studio has no "
                 "hotkeys for relation labels.",
                 ("id", "name", "definition"),
                 tuple((v.id, v.name, v.definition) for v in schema.relation_types)),
        _Section("Rules the validator checks", "", ("rule",), tuple((r,) for r in RULES)),
    ]


def _title(schema: Schema) -> str:
    return f"Annotation guidelines (schema {schema.version})"


_INTRO = ("Label each news article with the crimes it reports, the stance it takes toward the "
          "authorities' response, the actors it names and the crimes it mentions. "
          "Annotate what the article says, not what you know from elsewhere. Every label and "
          "choice has a key of its own, shown beside it: a key, then the words, makes a span; "
          "ctrl+enter submits.")


def guidelines_markdown(schema: Schema = SCHEMA) -> str:
    lines = [f"# {_title(schema)}", "", _INTRO, ""]
    for section in _sections(schema):
        lines += [f"## {section.title}", ""]
        if section.intro:
            lines += [section.intro, ""]
        if section.header == ("rule",):
            lines += [f"- {row[0]}" for row in section.rows] + [""]
            continue
        lines.append("| " + " | ".join(section.header) + " |")
        lines.append("|" + "---|" * len(section.header))
        for row in section.rows:
            cells = [f"`{row[0]}`", *(cell.replace("|", "\\|") for cell in row[1:])]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def guidelines_html(schema: Schema = SCHEMA) -> str:
    out = [f"<h2>{escape(_title(schema))}</h2>", f"<p>{escape(_INTRO)}</p>"]
    for section in _sections(schema):
        out.append(f"<h3>{escape(section.title)}</h3>")
        if section.intro:
            out.append(f"<p>{escape(section.intro)}</p>")
        if section.header == ("rule",):
            items = "".join(f"<li>{_code(row[0])}</li>" for row in section.rows)
            out.append(f"<ul>{items}</ul>")
            continue
        head = "".join(f"<th>{escape(h)}</th>" for h in section.header)
        body = "".join(
            "<tr>" + f"<td><code>{escape(row[0])}</code></td>"
            + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:]) + "</tr>"
            for row in section.rows)
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return "\n".join(out) + "\n"


def _code(text: str) -> str:
    """Markdown backticks to <code>, the rest escaped."""
    parts = escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
