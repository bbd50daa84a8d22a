"""Agreement coefficients, accumulated item by item so that memory stays flat.

Each accumulator takes one item (the values its raters gave) at a time, or
``times`` items alike at once, and gives its coefficient at the end; ``None``
where a coefficient is undefined (no pairable item, or no variation to be
expected). References:

- Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Alpha
  from the coincidence matrix; nominal, ordinal, interval and ratio metrics.
  Items with fewer than two values drop out.
- Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
- Cohen, J. (1960). A coefficient of agreement for nominal scales.
- Passonneau, R. (2006). Measuring agreement on set-valued items (MASI).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from itertools import combinations
from typing import Any

# A difference function of two values; Any, not Hashable: each metric takes its own kind
# (numbers, frozensets), and the values a field holds are of one kind.
Metric = Callable[[Any, Any], float]


def nominal(a: Hashable, b: Hashable) -> float:
    return 0.0 if a == b else 1.0


def interval(a: float, b: float) -> float:
    return (a - b) ** 2


def ratio(a: float, b: float) -> float:
    return 0.0 if a == b else ((a - b) / (a + b)) ** 2


def masi(a: frozenset, b: frozenset) -> float:
    """MASI distance: 1 - Jaccard x monotonicity (1 same, 2/3 subset, 1/3 overlap, 0 none)."""
    if a == b:
        return 0.0
    union = len(a | b)
    common = len(a & b)
    if not common:
        return 1.0
    monotonicity = 2 / 3 if (a <= b or b <= a) else 1 / 3
    return 1.0 - (common / union) * monotonicity


class Alpha:
    """Krippendorff's alpha from the coincidence matrix, for any difference function.

    ``metric`` is ``nominal``, ``interval``, ``ratio``, ``masi`` (on frozensets),
    a function of two values, or the string ``"ordinal"``.
    """

    def __init__(self, metric: Metric | str = nominal):
        self.metric = metric
        self.coincidences: dict[tuple, float] = defaultdict(float)
        self.items = 0

    def add(self, values: Iterable[Hashable]) -> None:
        """One item: the values its raters gave (missing ones left out)."""
        self.add_counts(Counter(values))

    def add_counts(self, counts: Mapping[Any, int], times: int = 1) -> None:
        """One item (or ``times`` alike), as how many raters gave each value."""
        m = sum(counts.values())
        if m < 2:
            return
        self.items += times
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                if pairs:
                    self.coincidences[c, k] += times * pairs / (m - 1)

    def value(self) -> float | None:
        found = self.disagreements()
        if found is None or found[1] == 0:
            return None
        observed, expected = found
        return 1.0 - observed / expected

    def disagreements(self) -> tuple[float, float] | None:
        """(observed, expected) disagreement, D_o and D_e, per pairable value: alpha is
        1 - D_o / D_e. None when no item has two values."""
        totals = self.totals()
        n = sum(totals.values())
        if n <= 1:
            return None
        delta = self._delta(totals)
        observed = sum(count * delta(c, k) for (c, k), count in self.coincidences.items())
        expected = sum(totals[c] * totals[k] * delta(c, k) for c in totals for k in totals)
        return observed / n, expected / (n * (n - 1))

    def totals(self) -> dict[Any, float]:
        """How often each value was given, over the pairable items."""
        totals: dict[Any, float] = defaultdict(float)
        for (c, _), count in self.coincidences.items():
            totals[c] += count
        return dict(totals)

    def _delta(self, totals: dict[Any, float]) -> Metric:
        if self.metric != "ordinal":
            return self.metric  # type: ignore[return-value]
        ranks = sorted(totals)
        position = {value: i for i, value in enumerate(ranks)}
        cumulative = [0.0]
        for value in ranks:
            cumulative.append(cumulative[-1] + totals[value])

        def ordinal(a: Hashable, b: Hashable) -> float:
            low, high = sorted((position[a], position[b]))
            between = cumulative[high + 1] - cumulative[low]
            return (between - (totals[a] + totals[b]) / 2) ** 2

        return ordinal


class Fleiss:
    """Fleiss' kappa; None unless every item has the same number of raters."""

    def __init__(self):
        self.items = 0
        self.agreement = 0.0
        self.totals: Counter = Counter()
        self.rater_counts: set[int] = set()

    def add(self, values: Iterable[Hashable]) -> None:
        self.add_counts(Counter(values))

    def add_counts(self, counts: Mapping[Any, int], times: int = 1) -> None:
        m = sum(counts.values())
        if m < 2:
            return
        self.items += times
        self.rater_counts.add(m)
        self.agreement += times * (sum(n * n for n in counts.values()) - m) / (m * (m - 1))
        totals = self.totals
        for value, n in counts.items():
            totals[value] += times * n

    def value(self) -> float | None:
        if self.items == 0 or len(self.rater_counts) != 1:
            return None
        total = sum(self.totals.values())
        observed = self.agreement / self.items
        expected = sum((n / total) ** 2 for n in self.totals.values())
        return None if expected == 1 else (observed - expected) / (1 - expected)


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters from their (a, b) ratings of the same items."""
    return _kappa(Counter(pairs))


def _kappa(table: Counter) -> float | None:
    n = sum(table.values())
    if n == 0:
        return None
    rows: Counter = Counter()
    columns: Counter = Counter()
    for (a, b), count in table.items():
        rows[a] += count
        columns[b] += count
    observed = sum(count for (a, b), count in table.items() if a == b) / n
    expected = sum(rows[v] * columns[v] for v in rows) / (n * n)
    return None if expected == 1 else (observed - expected) / (1 - expected)


class PairwiseCohen:
    """Cohen's kappa for every pair of raters over the items both rated (the tables hold
    the pairs in the order they first came)."""

    def __init__(self):
        self._tables: dict[tuple[str, str], Counter] = defaultdict(Counter)

    def add(self, ratings: dict[str, Hashable], times: int = 1) -> None:
        for a, b in combinations(sorted(ratings), 2):
            self._tables[a, b][ratings[a], ratings[b]] += times

    def matrix(self) -> dict[str, dict[str, float | None]]:
        result: dict[str, dict[str, float | None]] = defaultdict(dict)
        for (a, b), table in sorted(self._tables.items()):
            result[a][b] = result[b][a] = _kappa(table)
        return dict(result)

    def mean(self) -> float | None:
        defined = [k for k in map(_kappa, self._tables.values()) if k is not None]
        return sum(defined) / len(defined) if defined else None


class BinaryAgreement:
    """Per value of a multi-choice field: alpha and percent agreement of chosen / not chosen.

    Only the values chosen in an item are touched; an item where nobody chose a
    value agrees on it perfectly, which the totals account for.
    """

    def __init__(self):
        self.items = 0
        self.pairable = 0.0  # sum over items of their rater count m
        self.same: dict[Hashable, float] = defaultdict(float)  # o_11 by value
        self.mixed: dict[Hashable, float] = defaultdict(float)  # o_01 + o_10 by value
        self.disagreeing: dict[Hashable, float] = defaultdict(float)  # share of unequal pairs

    def add(self, m: int, chosen: Mapping[Any, int], times: int = 1) -> None:
        """An item (or ``times`` alike) with ``m`` raters, of whom ``chosen[v]`` chose
        value v."""
        if m < 2:
            return
        self.items += times
        self.pairable += times * m
        for value, s in chosen.items():
            self.same[value] += times * s * (s - 1) / (m - 1)
            self.mixed[value] += times * 2 * s * (m - s) / (m - 1)
            self.disagreeing[value] += times * 2 * s * (m - s) / (m * (m - 1))

    def alpha(self, value: Hashable) -> float | None:
        n = self.pairable
        mixed = self.mixed.get(value, 0.0)
        ones = self.same.get(value, 0.0) + mixed / 2
        zeros = n - ones
        if n <= 1 or ones == 0 or zeros == 0:
            return None
        return 1.0 - (n - 1) * mixed / (2 * ones * zeros)

    def percent(self, value: Hashable) -> float | None:
        if not self.items:
            return None
        return 1.0 - self.disagreeing.get(value, 0.0) / self.items


class PercentAgreement:
    """The share of agreeing rater pairs in an item, averaged over items."""

    def __init__(self):
        self.items = 0
        self.total = 0.0

    def add(self, values: Iterable[Hashable]) -> None:
        self.add_counts(Counter(values))

    def add_counts(self, counts: Mapping[Any, int], times: int = 1) -> None:
        m = sum(counts.values())
        if m < 2:
            return
        self.items += times
        self.total += times * sum(n * (n - 1) for n in counts.values()) / (m * (m - 1))

    def value(self) -> float | None:
        return self.total / self.items if self.items else None


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): how likely ``k`` or more successes are by chance."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p
             + (n - i) * log_q for i in range(k, n + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))
