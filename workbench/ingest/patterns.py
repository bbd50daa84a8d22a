"""The cue files' small pattern language, and the text it is matched on.

A pattern is words separated by spaces, matched on whole words regardless of case (in the text,
spaces, hyphens or quotes may stand between two words):

- ``a|b`` either word; ``word*`` any ending; ``word+`` the word's inflections ("sell+": sell,
  sells, selling, sold; "passport+": passport, passports); ``@name`` any word of the word class
  ``name`` (the lexicon of context.json: "@people", "@officials");
- ``word?`` optional (not first, not after a gap); ``~N`` up to N other words in between, within
  a sentence; ``#`` a number ("18", "1,200", "$8,000", "RM450,000"); a hyphen inside a word
  joins two words ("pig-butcher*", "in-exchange-for").

A ``PatternSet`` runs a regex only when the text has the literal words it needs (found from the
text's words by set operations), so hundreds of patterns cost a few milliseconds an article.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from functools import cached_property

JOIN = "[ \t\u00a0\\-\u2010\u2011\u2013\"\u201c\u201d]+"  # between two words: spaces, hyphens
_SEP = "[ \t\u00a0,'\"\u201c\u201d\u2018()\\-\u2010-\u2014]+"  # around skipped words
_SKIPPED = r"[\w$%\u20ac\u00a3]+(?:[.,'/]\w+)*"  # a skipped word: no sentence end inside
_NUMBER = r"(?:[a-z]{1,3}|us)?\$?\d+(?:[.,]\d+)*"  # "18", "1,200", "$8,000", "rm450,000"
_GAP = re.compile(r"~(\d)")
_CLASS = re.compile(r"@([a-z][a-z_]*)")
TOKENS = re.compile(r"\w+(?:'\w+)*")  # words, as the pre-check and the resolvers see them

Classes = Mapping[str, list[str]]

# ---------------------------------------------------------------- inflections

_IRREGULAR = {  # base: irregular forms (the regular ones are added anyway: harmless)
    "beat": "beaten", "become": "became", "bring": "brought", "buy": "bought",
    "catch": "caught", "come": "came", "cut": "", "deal": "dealt", "do": "did done does",
    "drive": "drove driven", "fall": "fell fallen", "feel": "felt", "fight": "fought",
    "find": "found", "flee": "fled", "fly": "flew flown", "forbid": "forbade forbidden",
    "get": "got gotten", "give": "gave given", "go": "went gone goes", "hide": "hid hidden",
    "hit": "", "hold": "held", "keep": "kept", "know": "knew known", "lead": "led",
    "leave": "left", "lend": "lent", "let": "", "lose": "lost", "make": "made",
    "mislead": "misled", "pay": "paid", "put": "", "run": "ran", "see": "saw seen",
    "seek": "sought", "sell": "sold", "send": "sent", "set": "", "shoot": "shot",
    "shut": "", "sink": "sank sunk", "sleep": "slept", "spend": "spent", "stand": "stood",
    "steal": "stole stolen", "strike": "struck stricken", "swear": "swore sworn",
    "take": "took taken", "teach": "taught", "tell": "told", "think": "thought",
    "throw": "threw thrown", "withdraw": "withdrew withdrawn", "withhold": "withheld",
    "write": "wrote written", "overstay": "", "bear": "bore borne", "tear": "tore torn",
    "undergo": "underwent undergone", "mean": "meant", "win": "won", "wear": "wore worn",
}
_VOWELS = "aeiou"


def inflections(base: str) -> list[str]:
    """A word's inflected forms, as "word+" matches them: plural or third person, past,
    participles, -ing (over-generating is harmless: "selled" never occurs)."""
    forms = [base]
    if base.endswith(("s", "x", "z", "ch", "sh")):
        forms.append(base + "es")
    elif base.endswith("y") and len(base) > 1 and base[-2] not in _VOWELS:
        forms.append(base[:-1] + "ies")
    else:
        forms.append(base + "s")
    if base.endswith("ee"):
        forms += [base + "d", base + "ing"]
    elif base.endswith("e"):
        forms += [base + "d", base[:-1] + "ing"]
    elif base.endswith("y") and len(base) > 1 and base[-2] not in _VOWELS:
        forms += [base[:-1] + "ied", base + "ing"]
    else:
        forms += [base + "ed", base + "ing"]
        if (len(base) >= 3 and base[-1] not in _VOWELS + "wxy" and base[-2] in _VOWELS
                and base[-3] not in _VOWELS):  # "rob": robbed, robbing
            forms += [base + base[-1] + "ed", base + base[-1] + "ing"]
    forms += _IRREGULAR.get(base, "").split()
    return list(dict.fromkeys(forms))


def expand(token: str, classes: Classes | None) -> str:
    """A token with its "@class" and "word+" alternatives spelt out. Without ``classes``
    (checking syntax only), a class stands for one placeholder word."""
    alternatives = []
    for alternative in token.split("|"):
        if found := _CLASS.fullmatch(alternative):
            if classes is None:
                alternatives.append("x" + found.group(1))
            elif found.group(1) in classes:
                alternatives += class_words(classes[found.group(1)])
            else:
                raise ValueError(f"unknown word class @{found.group(1)} in {token!r}")
            continue
        words = [inflections(w[:-1]) if len(w) > 1 and w.endswith("+") else [w]
                 for w in alternative.split("-")]
        alternatives += ["-".join(combination) for combination in itertools.product(*words)]
    return "|".join(dict.fromkeys(alternatives))


def class_words(words: list[str]) -> list[str]:
    """A word class's words with their "word+" forms spelt out."""
    return [form for word in words
            for form in (inflections(word[:-1]) if word.endswith("+") else [word])]


def class_names(pattern: str) -> set[str]:
    """The word classes a pattern refers to."""
    return set(_CLASS.findall(pattern))


# ---------------------------------------------------------------- compiling


def word_regex(word: str) -> str:
    if word == "#":
        return _NUMBER
    stem = word.endswith("*")
    body = re.escape(word.rstrip("*").replace("\u2019", "'"))
    return body + (r"\w*" if stem else "")


def token_regexes(token: str) -> list[tuple[str, tuple[str, str] | None]]:
    """For each alternative of a token: its regex and the literal its first word needs, as
    (literal, kind); kind is "word", "stem" or "chars" (not a plain word: looked for as
    characters). None: nothing to look for (a number)."""
    alternatives = token.split("|")
    if any(not a or a.startswith("-") or a.endswith("-") for a in alternatives):
        raise ValueError(f"empty word in {token!r}")
    found = []
    for alternative in alternatives:
        words = alternative.split("-")
        first = words[0].replace("\u2019", "'").lower()
        literal = first.rstrip("*")
        kind = ("chars" if not TOKENS.fullmatch(literal) else
                "stem" if first.endswith("*") else "word")
        need = None if first == "#" or not literal else (literal, kind)
        found.append((JOIN.join(map(word_regex, words)), need))
    return found


def _either(regexes: list[str]) -> str:
    return regexes[0] if len(regexes) == 1 else "(?:" + "|".join(regexes) + ")"


def compile_pattern(pattern: str, classes: Classes | None = None,
                    ) -> list[tuple[str, tuple[str, str] | None, list]]:
    """A pattern as regexes (run on lower-cased text), one per alternative of its first word:
    each regex, the literal it starts with, and the literals the rest needs (one of each
    inner list). Each regex starts with its literal, which the regex engine finds fast; the
    word boundary before it is checked by ``PatternSet``, as a look-behind would slow it."""
    parts = pattern.split()
    if not parts or _GAP.fullmatch(parts[0]) or _GAP.fullmatch(parts[-1]):
        raise ValueError(f"a pattern starts and ends with a word: {pattern!r}")
    if parts[0].endswith("?"):
        raise ValueError(f"a pattern cannot start with an optional word: {pattern!r}")
    rest, gap, needs = "", None, []
    for part in parts[1:]:
        if found := _GAP.fullmatch(part):
            if gap is not None:
                raise ValueError(f"two gaps in a row in {pattern!r}")
            gap = int(found.group(1))
            continue
        optional = part.endswith("?") and len(part) > 1
        if optional and gap is not None:
            raise ValueError(f"an optional word must follow a word directly: {pattern!r}")
        alternatives = token_regexes(expand(part.rstrip("?") if optional else part, classes))
        link = JOIN if gap is None else f"(?:{_SEP}{_SKIPPED}){{0,{gap}}}{_SEP}"
        body = link + _either([regex for regex, _ in alternatives])
        rest += f"(?:{body})?" if optional else body
        literals = [need for _, need in alternatives]
        if not optional and None not in literals:
            needs.append(literals)
        gap = None
    return [(regex + rest + r"(?!\w)", need, needs)
            for regex, need in token_regexes(expand(parts[0], classes))]


def check(patterns: list[str]) -> list[str]:
    """The patterns, if each compiles (word classes are checked where they are known)."""
    for pattern in patterns:
        compile_pattern(pattern)
    return patterns


# ---------------------------------------------------------------- the text


_SENTENCE_BREAK = re.compile(  # a line break, or . ! ? then space and a capital or digit
    r"\n+|(?<=[.!?])[\"'\u201d\u2019)\]]*[ \t]+(?=[\"\u201c\u2018'(\[]?[A-Z0-9])")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_LINE = re.compile(r"[^\n]+")


class Text:
    """An article's text, a same-length lower-cased copy to match on, its words, sentences,
    paragraphs and headlines (short Title Case lines, whose capitalised words are no names)."""

    def __init__(self, text: str):
        self.text = text
        lowered = text.lower()
        if len(lowered) != len(text):  # rare letters whose lower case is longer
            lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        self.lowered = lowered.replace("\u2019", "'")
        self.words = set(TOKENS.findall(self.lowered))
        self.runnable: dict[int, list[re.Pattern]] | None = None  # by PatternSet, see there
        self.named: list[re.Match] | None = None  # the gazetteer's names, see PreAnnotator
        self._sentences = _bounds(_SENTENCE_BREAK, text)
        self._paragraphs = _bounds(_PARAGRAPH_BREAK, text)
        self.headlines = [m.span() for m in _LINE.finditer(text) if _is_headline(m.group())]

    def sentence(self, position: int) -> tuple[int, int]:
        """(start, end) of the sentence holding ``position``."""
        return _holding(self._sentences, position)

    def paragraph(self, position: int) -> tuple[int, int]:
        """(start, end) of the paragraph (text between blank lines) holding ``position``."""
        return _holding(self._paragraphs, position)


def _bounds(breaks: re.Pattern, text: str) -> list[int]:
    bounds = [0]
    for found in breaks.finditer(text):
        bounds += [found.start(), found.end()]
    return bounds + [len(text)]


def _holding(bounds: list[int], position: int) -> tuple[int, int]:
    low, high = 0, len(bounds) // 2 - 1
    while low < high:  # bisect on starts (even indices)
        middle = (low + high + 1) // 2
        if bounds[2 * middle] <= position:
            low = middle
        else:
            high = middle - 1
    return bounds[2 * low], bounds[2 * low + 1]


def _is_headline(line: str) -> bool:
    """A short line in Title Case, with no sentence end: capitalised words there are no names."""
    words = re.findall(r"[^\W\d_][\w'\u2019\-]*", line)
    capitalised = sum(w[0].isupper() for w in words if len(w) > 3)
    long_words = sum(len(w) > 3 for w in words)
    return 2 <= long_words <= 16 and capitalised >= 0.8 * long_words and not re.search(
        r"[.!?][\"'\u201d\u2019]?$", line.strip())


# ---------------------------------------------------------------- matching


class _Unit:
    """One regex of a pattern (compiled when first needed) and the literals it needs."""

    __slots__ = ("source", "owner", "needs", "_regex")

    def __init__(self, source: str, owner: PatternSet, needs: tuple[frozenset[int], ...]):
        self.source, self.owner, self.needs = source, owner, needs
        self._regex: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        if self._regex is None:
            self._regex = re.compile(self.source)
        return self._regex


class Vocabulary:
    """Every literal the patterns of one annotator need; for a text, the regexes worth
    running: those whose literals the text has, found from its words by set operations."""

    def __init__(self, classes: Classes | None = None):
        self.classes = classes or {}
        self.ids: dict[tuple[str, str], int] = {}
        self.starting: dict[int | None, list[_Unit]] = defaultdict(list)  # by first literal

    def id(self, need: tuple[str, str]) -> int:
        return self.ids.setdefault(need, len(self.ids))

    @cached_property
    def _by_kind(self) -> tuple[dict[str, int], dict[str, int], dict[str, int], tuple[int, int]]:
        kinds: dict[str, dict[str, int]] = {"word": {}, "stem": {}, "chars": {}}
        for (literal, kind), number in self.ids.items():
            kinds[kind][literal] = number
        lengths = [len(stem) for stem in kinds["stem"]] or [1]
        return kinds["word"], kinds["stem"], kinds["chars"], (min(lengths), max(lengths))

    def present(self, doc: Text) -> set[int]:
        words, stems, chars, (shortest, longest) = self._by_kind
        found = {words[w] for w in doc.words & words.keys()}
        prefixes = {w[:n] for w in doc.words for n in range(shortest, min(len(w), longest) + 1)}
        found.update(stems[p] for p in prefixes & stems.keys())
        found.update(number for literal, number in chars.items() if literal in doc.lowered)
        return found

    def runnable(self, doc: Text) -> dict[int, list[re.Pattern]]:
        """For each PatternSet (by id), its regexes whose literals the text has."""
        present = self.present(doc)
        found: dict[int, list[re.Pattern]] = defaultdict(list)
        for first in [None, *present]:
            for unit in self.starting.get(first, ()):
                if all(not need.isdisjoint(present) for need in unit.needs):
                    found[id(unit.owner)].append(unit.regex)
        return found


class PatternSet:
    """Patterns, each regex run only when the text has the words it needs. All sets of one
    vocabulary must be built before the first text is matched."""

    def __init__(self, patterns: list[str], vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        for pattern in patterns:
            for regex, first, needs in compile_pattern(pattern, vocabulary.classes):
                unit = _Unit(regex, self, tuple(frozenset(map(vocabulary.id, need))
                                                for need in needs))
                vocabulary.starting[None if first is None else vocabulary.id(first)].append(unit)

    def _runnable(self, doc: Text) -> list[re.Pattern]:
        if doc.runnable is None:
            doc.runnable = self.vocabulary.runnable(doc)
        return doc.runnable.get(id(self), [])

    def finditer(self, doc: Text, start: int = 0, end: int | None = None) -> Iterator[re.Match]:
        """Matches that start at a word's start, leftmost first for each regex."""
        for regex in self._runnable(doc):
            yield from at_word_starts(regex, doc.lowered, start, end)

    def search(self, doc: Text, start: int, end: int) -> bool:
        return next(self.finditer(doc, start, end), None) is not None


def at_word_starts(regex: re.Pattern, text: str, start: int = 0, end: int | None = None):
    """The regex's matches that start a word (a look-behind in the regex would be slower)."""
    end = len(text) if end is None else end
    while found := regex.search(text, start, end):
        at = found.start()
        if not at or not (text[at - 1].isalnum() or text[at - 1] == "_"):
            yield found
            start = max(found.end(), at + 1)
        else:
            start = at + 1


def find(pattern: str, text: str, classes: Classes | None = None) -> list[str]:
    """What ``pattern`` matches in ``text``: for trying a cue on a sentence (pass the lexicon,
    ``load_cues().context.lexicon``, for patterns with word classes)."""
    doc = Text(text)
    return [text[slice(*m.span())] for m in PatternSet([pattern], Vocabulary(classes))
            .finditer(doc)]
