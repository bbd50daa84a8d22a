"""Krippendorff's unitizing alpha (alpha_U) over character offsets.

Per continuum (one task's text) and category (label), as Krippendorff (1995,
2004) defines it and DKPro Statistics' ``KrippendorffAlphaUnitizingAgreement``
(which INCEpTION uses) computes it; the tests reproduce that implementation's
reference values. Each rater's units of a category, and the gaps between
them, partition the continuum. Observed disagreement sums, over rater pairs,
the squared differences of begin and end of overlapping units, and the squared
length of a unit that lies inside the other rater's gap; expected
disagreement considers every way the observed units could lie in the observed
gaps.

Across tasks, observed and expected disagreements are summed weighted by the
length of each text (rater sets differ from task to task, so the texts are not
joined into one continuum); for a single text this is exactly alpha_U. The
overall value pools all categories, as DKPro's does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Mapping, Sequence
from itertools import combinations
from typing import Any

Span = tuple[int, int]  # begin, end


def _merged(spans: Sequence[Span]) -> list[Span]:
    """A rater's units of one category, sorted, overlapping ones merged (alpha_U needs that)."""
    merged: list[list[int]] = []
    for begin, end in sorted(spans):
        if merged and begin < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    return [(b, e) for b, e in merged]


def _gaps(units: list[Span], begin: int, end: int) -> list[Span]:
    gaps, position = [], begin
    for b, e in units:
        if b > position:
            gaps.append((position, b))
        position = max(position, e)
    if position < end:
        gaps.append((position, end))
    return gaps


def _pair_distance(units_a: list[Span], gaps_a: list[Span], units_b: list[Span],
                   gaps_b: list[Span]) -> float:
    total = 0.0
    for b1, e1 in units_a:
        for b2, e2 in units_b:
            if b1 < e2 and b2 < e1:
                total += (b1 - b2) ** 2 + (e1 - e2) ** 2
        for gb, ge in gaps_b:
            if gb <= b1 and e1 <= ge:
                total += (e1 - b1) ** 2
    for b2, e2 in units_b:
        for gb, ge in gaps_a:
            if gb <= b2 and e2 <= ge:
                total += (e2 - b2) ** 2
    return total


def category_disagreement(begin: int, length: int, units: Mapping[Any, Collection[Span]]
                          ) -> tuple[float, float]:
    """(observed, expected) disagreement of one category on one continuum.

    ``units`` holds every rater of the continuum, with an empty list for a rater
    who marked no unit of this category.
    """
    raters = len(units)
    if raters < 2 or length <= 0:
        return 0.0, 0.0
    end = begin + length
    first, *others = units.values()
    for spans in others:
        if spans != first:
            break
    else:  # the common case: all alike
        return 0.0, _expected_alike(_clean(first, begin, end), raters, begin, end)
    clean = {r: _clean(spans, begin, end) for r, spans in units.items()}
    gaps = {r: _gaps(spans, begin, end) for r, spans in clean.items()}
    observed = sum(_pair_distance(clean[a], gaps[a], clean[b], gaps[b])
                   for a, b in combinations(list(clean), 2))
    observed = 2 * observed / (raters * (raters - 1) * length * length)
    lengths = [e - b for spans in clean.values() for b, e in spans]
    gap_lengths = sorted((e - b for spans in gaps.values() for b, e in spans), reverse=True)
    n = len(lengths)
    expected = 0.0
    for unit in lengths:
        expected += ((n - 1) * (2 * unit ** 3 - 3 * unit ** 2 + unit) / 3
                     + unit * unit * _places(unit, gap_lengths))
    denominator = raters * length * (raters * length - 1) - sum(u * (u - 1) for u in lengths)
    expected = expected * 2 / length / denominator if denominator else 0.0
    return observed, expected


def _places(unit: int, gaps: list[int]) -> int:
    """Where a unit of length ``unit`` fits inside the gaps (``gaps`` longest first)."""
    places = 0
    for gap in gaps:
        if gap < unit:
            break
        places += gap - unit + 1
    return places


def _clean(spans: Collection[Span], begin: int, end: int) -> list[Span]:
    """A rater's units, clipped to the continuum, sorted and merged (``_merged``)."""
    clipped = [(b if b > begin else begin, e if e < end else end) for b, e in spans
               if b < end and e > begin and e > b]
    return _merged(clipped) if len(clipped) > 1 else clipped


def _expected_alike(units: list[Span], raters: int, begin: int, end: int) -> float:
    """The expected disagreement when every rater marked the same ``units``: the general
    sums below, with each unit and each gap counted once times ``raters``."""
    length = end - begin
    lengths, gaps, position, paired = [], [], begin, 0
    for b, e in units:  # the units' lengths and the gaps' (``_gaps``), in one walk
        if b > position:
            gaps.append(b - position)
        if e > position:
            position = e
        lengths.append(e - b)
        paired += (e - b) * (e - b - 1)
    if position < end:
        gaps.append(end - position)
    gaps.sort(reverse=True)
    n = raters * len(lengths)
    total = 0.0
    for unit in lengths:
        total += ((n - 1) * (2 * unit ** 3 - 3 * unit ** 2 + unit) / 3
                  + unit * unit * raters * _places(unit, gaps))
    denominator = raters * length * (raters * length - 1) - raters * paired
    return raters * total * 2 / length / denominator if denominator else 0.0


def category_alpha(observed: float, expected: float) -> float | None:
    if expected == 0:
        return None
    return 1.0 - observed / expected


class UnitizingAlpha:
    """alpha_U accumulated over continua (task texts), per category and overall."""

    def __init__(self):
        self.observed: dict[Hashable, float] = defaultdict(float)
        self.expected: dict[Hashable, float] = defaultdict(float)

    def add(self, length: int, units: Mapping[Any, Sequence[tuple[int, int, Hashable]]],
            begin: int = 0) -> None:
        """One continuum; ``units`` maps every rater to their (begin, end, category) units."""
        by_category: dict[Hashable, dict[Hashable, list[Span]]] = defaultdict(
            lambda: {r: [] for r in units})  # every rater, empty where they marked none
        for rater, spans in units.items():
            for b, e, c in spans:
                by_category[c][rater].append((b, e))
        self.add_grouped(length, by_category, begin)

    def add_grouped(self, length: int,
                    by_category: Mapping[Any, Mapping[Any, Collection[Span]]],
                    begin: int = 0) -> None:
        """One continuum, its units already grouped: per category, every rater's spans."""
        for category, by_rater in by_category.items():
            self.add_category(length, category, by_rater, begin)

    def add_category(self, length: int, category: Hashable,
                     by_rater: Mapping[Any, Collection[Span]], begin: int = 0) -> None:
        """One category of one continuum: every rater's spans."""
        observed, expected = category_disagreement(begin, length, by_rater)
        self.observed[category] += length * observed
        self.expected[category] += length * expected

    def add_alike(self, length: int, category: Hashable, spans: Collection[Span], raters: int,
                  begin: int = 0) -> None:
        """One category of one continuum where all ``raters`` marked the same ``spans`` (as
        ``add_category`` with each of them, which would find them alike)."""
        expected = 0.0
        if raters >= 2 and length > 0:
            end = begin + length
            expected = _expected_alike(_clean(spans, begin, end), raters, begin, end)
        self.observed[category] += length * 0.0
        self.expected[category] += length * expected

    def value(self, category: Hashable | None = None) -> float | None:
        """alpha_U of one category, or of all categories pooled."""
        if category is not None:
            return category_alpha(self.observed.get(category, 0.0),
                                  self.expected.get(category, 0.0))
        return category_alpha(sum(self.observed.values()), sum(self.expected.values()))
