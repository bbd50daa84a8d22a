"""A transparent rule-based pre-annotator: suggestions, not truth.

The rules are data in ``ingest/cues/`` (checked by ``cuefiles``, written in the pattern
language of ``patterns``); every suggestion names the rule that made it. How evidence,
context and thresholds combine: docs/architecture.md, "The pre-annotator".
"""


from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from workbench.ingest.articles import Article
from workbench.ingest.bodies import find_bodies, inside
from workbench.ingest.cuefiles import Cues, Resolver, load_cues, model_version
from workbench.ingest.patterns import (
    JOIN,
    TOKENS,
    PatternSet,
    Text,
    Vocabulary,
    at_word_starts,
    class_words,
    token_regexes,
    word_regex,
)
from workbench.schema import ACTORS, CRIME_MENTIONS, CRIME_TYPES, SCHEMA, TEXT, Schema

__all__ = ["Evidence", "PreAnnotator"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One rule firing on one stretch of text."""

    start: int
    end: int
    label: str
    rule: str
    score: float
    words: str
    mention: bool = True
    note: str = ""  # why the weight was lowered, if it was

    def explain(self) -> str:
        words = f": {self.words!r}" if self.words else ""
        return f"rule {self.rule}{words}" + (f" ({self.note})" if self.note else "")


# ---------------------------------------------------------------- the pre-annotator


class PreAnnotator:
    """Turns an article's text into one Label Studio prediction."""

    def __init__(self, cues: Cues | None = None, schema: Schema = SCHEMA):
        self.cues = cues or load_cues()
        self.schema = schema
        self.model_version = model_version(self.cues, schema)
        self.thresholds = self.cues.context.thresholds
        # All patterns are compiled now: an article's vocabulary lookup must know them all.
        self._vocabulary = Vocabulary(self.cues.context.lexicon)

        def patterns(found: list[str]) -> PatternSet:
            return PatternSet(found, self._vocabulary)

        def optional(found: list[str]) -> PatternSet | None:  # None: nothing to look for
            return patterns(found) if found else None

        self._crime_rules = [(crime, rule, patterns(rule.match), optional(rule.unless),
                              [patterns([n]) for n in rule.needs])
                             for crime, rules in self.cues.crimes.rules.items() for rule in rules]
        self._actor_rules = [(role, rule, patterns(rule.match))
                             for role, rules in self.cues.actors.rules.items() for rule in rules
                             if rule.weight >= self.thresholds.span]
        self._families = {rule.id: rule.family for rules in self.cues.crimes.rules.values()
                          for rule in rules if rule.family}
        self._resolvers = [(r, patterns([r.trigger])) for r in self.cues.context.resolvers]
        self._modality = [(name, m, patterns(m.match))
                          for name, m in self.cues.context.modality.items()]

    # -- compiled cues that need no vocabulary (built on first use)

    @cached_property
    def _gazetteer(self) -> tuple[re.Pattern, dict[str, str]]:
        roles = {_key(e.name): e.role for e in self.cues.actors.gazetteer}
        names = sorted((e.name for e in self.cues.actors.gazetteer), key=len, reverse=True)
        words = [JOIN.join(re.escape(w.lower().replace("\u2019", "'"))
                            for w in re.split(r"[ \-]+", name)) for name in names]
        return re.compile(r"(?:" + "|".join(words) + r")(?!\w)"), roles

    def _named(self, doc: Text) -> list[re.Match]:
        """The gazetteer's names in the text (found once per text)."""
        if doc.named is None:
            doc.named = list(at_word_starts(self._gazetteer[0], doc.lowered))
        return doc.named

    @cached_property
    def _titles(self) -> list[tuple[str, re.Pattern]]:
        """A title, then one to three capitalised words that are not function words."""
        word = r"(?!(?:The|A|An|He|She|It|They|We|In|On|At|But|And)\b)[A-Z][\w'\u2019\-]+"
        name = rf"{word}(?: {word}){{0,2}}"
        found = []
        for role, titles in self.cues.actors.titles.items():
            # Short words may be abbreviated with a dot: "Lt. Col.", "Brig. Gen."
            alternatives = "|".join(" ".join(re.escape(w) + (r"\.?" if len(w) <= 4 else "")
                                             for w in t.split())
                                    for t in sorted(titles, key=len, reverse=True))
            found.append((role, re.compile(rf"(?<![\w.])(?:{alternatives}) {name}")))
        return found

    @cached_property
    def _lexicon(self) -> list[tuple[str, re.Pattern]]:
        return [(name, re.compile("|".join(word_regex(w) for w in class_words(words))))
                for name, words in self.cues.context.lexicon.items()]

    @cached_property
    def _trigger_words(self) -> re.Pattern:
        firsts = [r.trigger.split()[0] for r in self.cues.context.resolvers]
        return re.compile("|".join(regex for t in firsts for regex, _ in token_regexes(t)))

    # -- the entry point

    def predict(self, text: str) -> dict:
        """A prediction dict as Label Studio imports it (offsets in code points, as the UI's)."""
        doc = Text(text)
        bodies, masks = self._bodies(doc)
        crimes = self._crime_evidence(doc, masks)
        types = self._decide(crimes)
        chosen = [c.id for c in self.schema.crime_types
                  if c.id in types and types[c.id][0] >= self.thresholds.crime_type]
        actors = self._spans(self._actor_evidence(doc) + bodies, exclusive=True)
        mentions = self._spans([e for e in crimes if e.label in chosen and e.mention])
        regions = [(ACTORS, group) for group in actors] + [
            (CRIME_MENTIONS, group) for group in mentions]
        result = [_region(f"r{n}", control, group, text)
                  for n, (control, group) in enumerate(regions)]
        if chosen:
            score = statistics.fmean(types[c][0] for c in chosen)
            result.append({
                "id": "doc-crime-types", "from_name": CRIME_TYPES, "to_name": TEXT,
                "type": "choices", "origin": "prediction", "score": _round(score),
                "meta": {"text": [_explain_type(c, *types[c]) for c in chosen]},
                "value": {"choices": chosen}})
        else:  # how sure it is that no type applies
            score = 1 - max((s for s, _ in types.values()), default=0.0)
        return {"model_version": self.model_version, "score": _round(score), "result": result}

    def prediction(self, article: Article) -> dict:
        """``predict`` on the article's text (what push asks of its suggestions)."""
        return self.predict(article.text)

    def evidence(self, text: str) -> dict[str, tuple[float, list[Evidence]]]:
        """Every crime type with any evidence: its combined score and evidence, strongest
        first (what ``predict`` decides on, for inspecting the rules)."""
        doc = Text(text)
        return self._decide(self._crime_evidence(doc, self._bodies(doc)[1]))

    # -- evidence

    def _crime_evidence(self, doc: Text, masks: list[tuple[int, int]]) -> list[Evidence]:
        """Every crime rule and resolver firing outside the names of bodies, weighed in context."""
        found: list[Evidence] = []
        modality = self._sentence_modality(doc, masks)
        for crime, rule, patterns, unless, needs in self._crime_rules:
            for match in patterns.finditer(doc):
                start, end = match.span()
                if inside(start, end, masks):
                    continue
                sentence = doc.sentence(start)
                if unless and any(u.start() < end and start < u.end()
                                  for u in unless.finditer(doc, *sentence)):
                    continue
                where = sentence if rule.scope == "sentence" else doc.paragraph(start)
                if needs and not all(n.search(doc, *where) for n in needs):
                    continue
                found.append(self._weigh(doc, modality, start, end, crime, rule.id,
                                         rule.weight, rule.mention))
        for resolver, trigger in self._resolvers:
            found += self._resolve(doc, modality, resolver, trigger, masks)
        return _strongest_per_place(found)

    def _weigh(self, doc, modality, start, end, label, rule, weight, mention=True) -> Evidence:
        """Evidence with its weight lowered by the strongest modality cue around it (a cue
        inside the evidence itself does not count: "threatened to report them" is a threat)."""
        sentence = doc.sentence(start)
        multiplier, note = 1.0, ""
        for at, until, name, factor, scope, window, spare in modality.get(sentence[0], ()):
            if at < end and start < until or factor >= multiplier or label in spare:
                continue
            if scope == "before" and (until > start or len(
                    TOKENS.findall(doc.lowered, until, start)) > window):
                continue
            multiplier, note = factor, f"{name}: {doc.text[at:until]!r}, x{factor}"
        return Evidence(start, end, label, rule, weight * multiplier, doc.text[start:end],
                        mention, note)

    def _sentence_modality(self, doc: Text, masks) -> dict[int, list[tuple]]:
        """The modality cues of each sentence (by its start): where, which, how strong. Cues
        inside names do not count ("Sessions Court" is no training session)."""
        found: dict[int, list[tuple]] = defaultdict(list)
        for name, cue, patterns in self._modality:
            for match in patterns.finditer(doc):
                if inside(*match.span(), masks):
                    continue
                found[doc.sentence(match.start())[0]].append(
                    (*match.span(), name, cue.multiplier, cue.scope, cue.window,
                     frozenset(cue.spare)))
        return found

    def _resolve(self, doc, modality, resolver: Resolver, trigger: PatternSet,
                 masks) -> list[Evidence]:
        found = []
        for match in trigger.finditer(doc):
            start, end = match.span()
            if inside(start, end, masks):
                continue
            s0, s1 = doc.sentence(start)
            tokens = [(t.start() + s0, t.end() + s0, t.group())
                      for t in TOKENS.finditer(doc.lowered[s0:s1])]
            first = next(i for i, t in enumerate(tokens) if t[1] > start)
            last = max(i for i, t in enumerate(tokens) if t[0] < end)
            objects = self._objects(tokens, first, last, resolver)
            if objects:
                classes, o0, o1 = objects
                crimes = dict.fromkeys(c for cls in classes for c in resolver.objects[cls])
                a, b = min(start, o0), max(end, o1)
                found += [self._weigh(doc, modality, a, b, crime,
                                      f"{resolver.id}+{'+'.join(classes)}", resolver.weight)
                          for crime in crimes]
            elif resolver.default:
                found.append(self._weigh(doc, modality, start, end, resolver.default.crime,
                                         f"{resolver.id} (object not stated)",
                                         resolver.default.weight))
        return found

    def _objects(self, tokens, first: int, last: int, resolver: Resolver):
        """The object classes a trigger is about and where they are, or None."""
        wanted = set(resolver.objects)
        chain: list[str] = []
        chain_start = None
        for i in range(first - 1, -1, -1):  # words modifying it: "drug and human trafficking"
            word = tokens[i][2]
            classes = self._classes(word, wanted)
            if not classes and word not in ("and", "or"):
                break
            if classes:
                chain, chain_start = classes + chain, tokens[i][0]
        if chain:
            return list(dict.fromkeys(chain)), chain_start, tokens[last][1]
        after = range(last + 1, min(len(tokens), last + 1 + resolver.after))
        before = range(first - 1, max(-1, first - 1 - resolver.before), -1)
        for window in (after, before):
            for j in window:
                word = tokens[j][2]
                if classes := self._classes(word, wanted):
                    return classes, min(tokens[j][0], tokens[first][0]), max(
                        tokens[j][1], tokens[last][1])
                if word in ("and", "or", "but", "while") or self._trigger_words.fullmatch(word):
                    break
        return None

    def _classes(self, word: str, wanted: set[str]) -> list[str]:
        return [name for name, regex in self._lexicon if name in wanted and regex.fullmatch(word)]

    def _actor_evidence(self, doc: Text) -> list[Evidence]:
        found = []
        text = doc.text
        roles = self._gazetteer[1]
        weight = self.cues.actors.gazetteer_weight
        for match in self._named(doc):
            found.append(Evidence(*match.span(), roles[_key(match.group())], "gazetteer",
                                  weight, text[slice(*match.span())]))
        for role, title in self._titles:
            for match in title.finditer(text):
                if inside(*match.span(), doc.headlines):
                    continue
                found.append(Evidence(*match.span(), role, f"title.{role}",
                                      self.cues.actors.title_weight, match.group()))
        for role, rule, patterns in self._actor_rules:
            found += [Evidence(*m.span(), role, rule.id, rule.weight, text[slice(*m.span())])
                      for m in patterns.finditer(doc)]
        return found

    def _bodies(self, doc: Text) -> tuple[list[Evidence], list[tuple[int, int]]]:
        """Names of bodies as actor evidence, and the ranges where crime words are part of a
        name rather than a mention of a crime (``ingest.bodies``)."""
        orgs = self.cues.context.organisations
        found, masks = find_bodies(doc, orgs, [m.span() for m in self._named(doc)])
        return [Evidence(b.start, b.end, b.role, f"organisation.{b.kind}",
                         self.cues.actors.gazetteer_weight if b.gazetteer else orgs.weight,
                         doc.text[b.start:b.end]) for b in found], masks

    # -- decisions

    def _decide(self, evidence: list[Evidence]) -> dict[str, tuple[float, list[Evidence]]]:
        """Each crime type's combined score and its evidence, strongest first."""
        by_type: dict[str, dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
        for e in evidence:  # the rules of one family are one indicator
            by_type[e.label][self._families.get(e.rule, e.rule)].append(e)
        decided = {}
        for crime, rules in by_type.items():
            remaining, used = 1.0, []
            for found in rules.values():
                found.sort(key=lambda e: -e.score)
                for k, e in enumerate(found[:self.thresholds.max_repeats]):
                    remaining *= 1 - e.score * (1 if k == 0 else self.thresholds.repeat_discount)
                used.append(found[0])
            decided[crime] = (1 - remaining, sorted(used, key=lambda e: -e.score))
        return self._supported(decided)

    def _supported(self, decided: dict[str, tuple[float, list[Evidence]]]):
        """Add the support of suggested types to the types they are evidence for."""
        threshold = self.thresholds.crime_type
        for support in self.cues.context.support:
            own = decided.get(support.crime, (0.0, []))
            by = [c for c in support.by if decided.get(c, (0.0,))[0] >= threshold]
            if by and own[0] >= support.own:
                extra = Evidence(0, 0, support.crime, f"support by {'+'.join(by)}",
                                 support.weight, "", mention=False)
                decided[support.crime] = (1 - (1 - own[0]) * (1 - support.weight),
                                          [*own[1], extra])
        return decided

    def _spans(self, evidence: list[Evidence], exclusive: bool = False) -> list[list[Evidence]]:
        """Spans to suggest: strong enough; where two overlap, the stronger (then longer) one
        (for actors, whatever their labels: ``exclusive``); adjacent ones with one label
        merged ("Interior Minister" + "Sar Kheng"); a phrase already suggested is not again."""
        strong = [e for e in evidence if e.score >= self.thresholds.span]
        kept = _strongest_per_place(strong, any_label=exclusive)
        merged: list[list[Evidence]] = []
        for e in kept:
            last = merged[-1] if merged else None
            if last and last[-1].label == e.label and 0 <= e.start - last[-1].end <= 1:
                last.append(e)
            else:
                merged.append([e])
        seen: dict[tuple[str, str], int] = defaultdict(int)
        spans = []
        for group in merged:
            keys = [(e.label, _key(e.words)) for e in group]
            if all(seen[k] >= self.thresholds.spans_per_phrase for k in keys):
                continue
            for k in keys:
                seen[k] += 1
            spans.append(group)
        return spans


def _strongest_per_place(evidence: list[Evidence], any_label: bool = False) -> list[Evidence]:
    """Overlapping evidence for one label (or any, with ``any_label``) counts once: the
    strongest, then longest, stays."""
    kept: list[Evidence] = []
    for e in sorted(evidence, key=lambda e: (-e.score, e.start - e.end, e.start)):
        if not any((any_label or k.label == e.label) and k.start < e.end and e.start < k.end
                   for k in kept):
            kept.append(e)
    return sorted(kept, key=lambda e: (e.start, e.label))


def _key(words: str) -> str:
    return " ".join(re.findall(r"\w+", words.lower().replace("\u2019", "'")))


def _round(score: float) -> float:
    return round(min(1.0, max(0.0, score)), 3)


def _region(region_id: str, control: str, group: list[Evidence], text: str) -> dict:
    start, end = group[0].start, group[-1].end
    return {"id": region_id, "from_name": control, "to_name": TEXT, "type": "labels",
            "origin": "prediction", "score": _round(max(e.score for e in group)),
            "meta": {"text": [e.explain() for e in group]},
            "value": {"start": start, "end": end, "text": text[start:end],
                      "labels": [group[0].label]}}


def _explain_type(crime: str, score: float, evidence: list[Evidence]) -> str:
    return f"{crime} {score:.2f}: " + "; ".join(
        f"{e.explain()} {e.score:.2f}" for e in evidence[:6])
