"""Names of bodies and laws in an article's text, found from the shape of names.

"Anti-Trafficking Police Unit", "Ministry of Interior", "the Counter Trafficking in Persons
Law": a capitalised run with a head noun (``context.json``'s ``organisations``), or an anti-
or counter- word before one. A body is an actor; the crime words inside any name are part of
the name, not a mention of a crime, so the pre-annotator masks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.ingest.cuefiles import Organisations
from workbench.ingest.patterns import Text

__all__ = ["Body", "find_bodies", "inside"]


@dataclass(frozen=True, slots=True)
class Body:
    """A body's name: where, what its head noun makes it, its actor role."""

    start: int
    end: int
    kind: str
    role: str
    gazetteer: bool = False  # it holds a name the gazetteer knows ("PNP ... Office")


def inside(start: int, end: int, ranges: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in ranges)


def find_bodies(doc: Text, orgs: Organisations,
                known: list[tuple[int, int]]) -> tuple[list[Body], list[tuple[int, int]]]:
    """The bodies named in the text, and the ranges where crime words are part of a name
    (of a body, of a law, or a name the gazetteer ``known`` found)."""
    masks = list(known)
    bodies = []
    for start, end in _capitalised_runs(doc.text, orgs):
        if inside(start, end, doc.headlines):
            continue
        end = _with_lowercase_head(doc.text, end, orgs)
        words = _words(doc.lowered[start:end])
        kind = _head_kind(words, orgs)
        if kind is None:
            continue
        holds_known = any(start <= s and e <= end for s, e in masks)
        masks.append((start, end))
        if kind != "law":
            bodies.append(Body(start, end, kind, _role(words, kind, doc.text[start:end], orgs),
                               holds_known))
    prefixes = "|".join(map(re.escape, orgs.prefixes))
    prefixed = rf"(?<![\w\-])(?:{prefixes})[\-\u2010\u2011]\w+(?:[ \-]\w+){{0,4}}"
    for match in re.finditer(prefixed, doc.lowered):
        if not inside(*match.span(), masks):
            bodies += _prefixed_body(match, orgs, masks)
    return bodies, masks


def _prefixed_body(match: re.Match, orgs: Organisations, masks) -> list[Body]:
    """"anti-trafficking unit" is a body; "anti-money laundering rules" no crime mention."""
    words = [(w.start() + match.start(), w.end() + match.start(), w.group())
             for w in re.finditer(r"\w+", match.group())]
    for i, (_, end, word) in enumerate(words[1:], start=1):
        kind = _head_kind([word], orgs)
        if kind not in (None, "law"):
            masks.append((match.start(), end))
            phrase = [w for _, _, w in words[:i + 1]]
            return [Body(match.start(), end, kind, _role(phrase, kind, "", orgs))]
    masks.append((match.start(), words[min(3, len(words) - 1)][1]))
    return []


_CAP = r"[A-Z][\w'\u2019\-]*"
_CONNECTORS = ("of", "and", "in", "on", "for", "against", "the", "to", "de", "&")
_CAPITALISED = re.compile(
    rf"(?<![\w\-]){_CAP}(?: (?:(?:{'|'.join(_CONNECTORS)}) )*{_CAP})*")
_LEADING = ("The", "A", "An", "In", "On", "At", "By", "For", "From", "With")


def _capitalised_runs(text: str, orgs: Organisations):
    """(start, end) of each run of two or more capitalised words, joined by connectors."""
    for match in _CAPITALISED.finditer(text):
        yield from _name_runs(match.start(), match.group(), orgs)


def _name_runs(start: int, run: str, orgs: Organisations):
    """A run as names: split where two bodies meet ("... Department and the Ministry of ..."),
    without leading words that are no part of a name ("The", "Operatives of the")."""
    first, joined, rest = run.partition(" and the ")
    if joined:
        yield from _name_runs(start, first, orgs)
        yield from _name_runs(start + len(first) + len(joined), rest, orgs)
        return
    end, words = start + len(run), run.split(" ")
    while words and (words[0] in _LEADING or len(words) > 2 and words[1] in _CONNECTORS
                     and _head_kind([words[0].lower()], orgs) is None):
        start += len(words.pop(0)) + 1
        while words and words[0] in _CONNECTORS:
            start += len(words.pop(0)) + 1
    if len(words) >= 2:
        yield start, end


def _with_lowercase_head(text: str, end: int, orgs: Organisations) -> int:
    """Extend a name by a lower-case head noun after it ("... Protection bureau")."""
    following = re.match(r" ([a-z]+)(?!\w)", text[end:end + 30])
    if following and any(following.group(1) in heads for heads in orgs.heads.values()):
        return end + following.end()
    return end


def _words(text: str) -> list[str]:
    """Lower-cased words, without possessive endings ("Police's" -> "police")."""
    return [re.sub(r"['\u2019]s$", "", w) for w in re.findall(r"[\w'\u2019]+", text.lower())]


def _head_kind(words: list[str], orgs: Organisations) -> str | None:
    """What a name's head noun makes it: "law", "group", an actor role, or None (no name).

    A head is any word but the first, or the first when a connector follows ("Office of");
    two-word heads ("task force") count too. A law head wins, else the last head found.
    """
    heads: list[str] = []
    for i, word in enumerate(words):
        if i == 0 and len(words) > 1 and words[1] not in _CONNECTORS:
            continue
        heads += [word] + ([f"{word}-{words[i + 1]}"] if i + 1 < len(words) else [])
    if any(h in orgs.law_heads for h in heads):
        return "law"
    for head in reversed(heads):
        for role, nouns in orgs.heads.items():
            if head in nouns:
                return role
        if head == "group":
            return "group"
    return None


def _role(words: list[str], kind: str, original: str, orgs: Organisations) -> str:
    """The actor role of a body: from words that tell it, else from its head noun."""
    parts = {p for w in words for p in [w, *w.split("-")]}
    parts |= {f"{a}-{b}" for a, b in zip(words, words[1:], strict=False)}
    for role, cues in orgs.role_words.items():
        if parts & set(cues):
            return role
    if kind == "group":
        return orgs.capitalised_group if "Group" in original else orgs.lowercase_group
    return kind
