"""Confidence intervals for agreement, by a Poisson bootstrap over articles.

Each article draws its weight in every replicate (Poisson(1), seeded, in article order;
Hanley & MacGibbon 2006), and each accumulator adds the article's contribution times its
weights, so all resamples are built in the one streaming pass. The notes of ``BLOCK``
articles are multiplied in at once, one matrix product for every accumulator. The interval
is the 2.5th to 97.5th percentile of the replicates.
"""


from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np

from workbench.stats.coefficients import Metric

Interval = tuple[float, float]
BLOCK = 1024  # articles whose weights are drawn, and multiplied in, at once


def _poisson_table(bits: int = 16) -> np.ndarray:
    """Poisson(1)'s inverse distribution function at the middle of each of 2^bits steps."""
    k = np.arange(32)
    cdf = np.cumsum(np.exp(-1.0) / np.cumprod(np.maximum(k, 1)))
    steps = (np.arange(1 << bits) + 0.5) / (1 << bits)
    return np.searchsorted(cdf, steps, side="right").astype(float)


_POISSON = _poisson_table()


class Weights:
    """Every article's weights in each replicate (seeded, so reports are reproducible), and
    the replicates' sums, as columns of ``sums``.

    An accumulator notes what the current article adds to a sum (``add``), or, for a
    contribution that recurs (the same ratings on another item), the number of its plan
    (``planned``): one note for all the sums it touches."""

    PLANS = 100_000  # distinct contributions remembered; past that, noted sum by sum

    def __init__(self, replicates: int = 200, seed: int = 0):
        self.replicates = replicates
        self._rng = np.random.default_rng(seed)
        self._sums = np.zeros((replicates, 64))
        self._columns = 0
        self._block: np.ndarray | None = None  # the current block's weights
        self._article = -1  # the current article's row in the block
        # The notes since the last product (unboxed, in C arrays): row, column, amount;
        # and row, plan.
        self._rows, self._cols, self._amounts = array("l"), array("l"), array("d")
        self._plan_rows, self._plan_notes = array("l"), array("l")
        self._plans: dict[Hashable, int] = {}  # key -> plan
        self._plan_columns: list[int] = []  # the plans' columns and amounts, one after the
        self._plan_amounts: list[float] = []  # other; each plan's first one and how many:
        self._plan_first: list[int] = []
        self._plan_length: list[int] = []

    def draw(self, articles: int) -> np.ndarray:
        """The weights of the next ``articles`` articles, articles x replicates: Poisson(1),
        by its inverse distribution function at 16-bit uniform draws (each probability
        within 2^-16 of Poisson's; several times faster than drawing Poisson itself)."""
        return _POISSON[self._rng.integers(0, 1 << 16, (articles, self.replicates),
                                           dtype=np.uint16)]

    def next_article(self) -> None:
        """The next article begins: what is added from now on is its contribution."""
        if self._block is None or self._article + 1 == len(self._block):
            self._multiply()
            self._block, self._article = self.draw(BLOCK), 0
        else:
            self._article += 1

    def column(self) -> int:
        """A new sum, kept in every replicate."""
        self._columns += 1
        return self._columns - 1

    def add(self, column: int, amount: float) -> None:
        """The current article adds ``amount`` to the sum ``column``."""
        self._rows.append(self._article)
        self._cols.append(column)
        self._amounts.append(amount)

    def planned(self, key: Hashable, contribution: Callable[[], list[tuple[int, float]]]
                ) -> None:
        """The current article adds the contribution ``key`` names: (column, amount) pairs,
        from ``contribution()`` the first time the key comes."""
        plan = self._plans.get(key)
        if plan is None:
            pairs = contribution()
            if len(self._plans) >= self.PLANS:  # too many to remember: note them one by one
                for column, amount in pairs:
                    self.add(column, amount)
                return
            plan = self._plans[key] = len(self._plan_first)
            self._plan_first.append(len(self._plan_columns))
            self._plan_length.append(len(pairs))
            for column, amount in pairs:
                self._plan_columns.append(column)
                self._plan_amounts.append(amount)
        self._plan_rows.append(self._article)
        self._plan_notes.append(plan)

    def sums(self, columns: list[int]) -> np.ndarray:
        """Those sums in every replicate, replicates x len(columns)."""
        self._multiply()
        return self._sums[:, columns]

    def _multiply(self) -> None:
        """The notes, times their articles' weights, into the sums."""
        if self._columns > self._sums.shape[1]:
            grown = np.zeros((self.replicates, max(self._columns, 2 * self._sums.shape[1])))
            grown[:, :self._sums.shape[1]] = self._sums
            self._sums = grown
        if not self._rows and not self._plan_rows:
            return
        assert self._block is not None  # notes are made only after next_article()
        rows, columns, amounts = self._expanded()
        articles = self._article + 1
        noted = np.bincount(rows * self._columns + columns, weights=amounts,
                            minlength=articles * self._columns)
        # einsum, not @: BLAS would compute it on every core and then keep them spinning,
        # which costs the pass, running beside it (quality/second_process.py), more than this saves.
        self._sums[:, :self._columns] += np.einsum(
            "ar,ac->rc", self._block[:articles], noted.reshape(articles, self._columns),
            optimize=False)
        self._rows, self._cols, self._amounts = array("l"), array("l"), array("d")
        self._plan_rows, self._plan_notes = array("l"), array("l")

    def _expanded(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every note as row, column, amount: the planned ones spelt out."""
        notes = np.frombuffer(self._plan_notes, dtype=np.int_)
        lengths = np.array(self._plan_length, dtype=np.int_)[notes]
        # Each note's pairs: the plan's first pair, and the next ones, in order.
        within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        pairs = np.repeat(np.array(self._plan_first, dtype=np.int_)[notes], lengths) + within
        return (np.concatenate([np.frombuffer(self._rows, dtype=np.int_),
                                np.repeat(np.frombuffer(self._plan_rows, dtype=np.int_),
                                          lengths)]),
                np.concatenate([np.frombuffer(self._cols, dtype=np.int_),
                                np.array(self._plan_columns, dtype=np.int_)[pairs]]),
                np.concatenate([np.frombuffer(self._amounts),
                                np.array(self._plan_amounts)[pairs]]))


def percentile_interval(values: np.ndarray) -> Interval | None:
    """The 95% percentile interval; None when most replicates leave it undefined."""
    defined = values[np.isfinite(values)]
    if defined.size < max(2, 0.9 * values.size):
        return None
    low, high = np.quantile(defined, [0.025, 0.975])
    return float(low), float(high)


class _Columns:
    """A sum per value (a column of ``Weights``), made when the value first comes."""

    def __init__(self, weights: Weights):
        self.weights = weights
        self.index: dict[Hashable, int] = {}

    def column(self, value: Hashable) -> int:
        column = self.index.get(value)
        if column is None:
            column = self.index[value] = self.weights.column()
        return column

    def get(self, value: Hashable) -> np.ndarray:
        return self.weights.sums([self.index[value]])[:, 0]

    def used(self) -> np.ndarray:
        return self.weights.sums(list(self.index.values()))


class AlphaReplicates:
    """Krippendorff's alpha in every replicate, for a metric with metric(v, v) == 0.

    Per item, alpha needs only the value totals (the coincidence matrix's margins)
    and the observed disagreement; the expected one comes from the totals.
    """

    def __init__(self, metric: Metric, weights: Weights):
        self.metric = metric
        self.weights = weights
        self.totals = _Columns(weights)
        self.observed = weights.column()

    def add_counts(self, counts: Mapping[Any, int]) -> None:
        m = sum(counts.values())
        if m >= 2:
            self.weights.planned((id(self), *counts.items()), lambda: self._contribution(
                counts, m))

    def _contribution(self, counts: Mapping[Any, int], m: int) -> list[tuple[int, float]]:
        pairs: list[tuple[int, float]] = []
        if len(counts) > 1:  # one value alone disagrees with nothing
            metric = self.metric
            disagreement = sum(n_c * n_k * metric(c, k) for c, n_c in counts.items()
                               for k, n_k in counts.items() if c != k) / (m - 1)
            if disagreement:
                pairs.append((self.observed, disagreement))
        return pairs + [(self.totals.column(value), n) for value, n in counts.items()]

    def interval(self) -> Interval | None:
        values = list(self.totals.index)
        totals = self.totals.used()
        observed = self.weights.sums([self.observed])[:, 0]
        delta = np.array([[self.metric(a, b) for b in values] for a in values]).reshape(
            len(values), len(values))
        n = totals.sum(axis=1)
        expected = np.einsum("ri,ij,rj->r", totals, delta, totals)
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = np.where((expected > 0) & (n > 1),
                             1.0 - (n - 1) * observed / expected, np.nan)
        return percentile_interval(alpha)


class BinaryReplicates:
    """Per value of a choice field, the chosen / not chosen alpha in every replicate
    (as ``coefficients.BinaryAgreement``, whose sums this weights)."""

    def __init__(self, weights: Weights):
        self.weights = weights
        self.pairable = weights.column()
        self.ones = _Columns(weights)
        self.mixed = _Columns(weights)

    def add(self, m: int, chosen: Mapping[Any, int]) -> None:
        if m >= 2:
            self.weights.planned((id(self), m, *chosen.items()),
                                 lambda: self._contribution(m, chosen))

    def _contribution(self, m: int, chosen: Mapping[Any, int]) -> list[tuple[int, float]]:
        pairs: list[tuple[int, float]] = [(self.pairable, m)]
        for value, s in chosen.items():
            pairs.append((self.ones.column(value), s))
            pairs.append((self.mixed.column(value), 2 * s * (m - s) / (m - 1)))
        return pairs

    def interval(self, value: Hashable) -> Interval | None:
        if value not in self.ones.index:
            return None
        n = self.weights.sums([self.pairable])[:, 0]
        ones, mixed = self.ones.get(value), self.mixed.get(value)
        zeros = n - ones
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = np.where((n > 1) & (ones > 0) & (zeros > 0),
                             1.0 - (n - 1) * mixed / (2 * ones * zeros), np.nan)
        return percentile_interval(alpha)


class F1Replicates:
    """Pairwise span F1 (2 x matches / spans of both) in every replicate, per label; the
    whole field's (label None) from the labels' sums (whole numbers: they add up exactly)."""

    def __init__(self, weights: Weights):
        self.weights = weights
        self.matched = _Columns(weights)
        self.total = _Columns(weights)

    def add(self, label: Hashable, matched: int, total: int) -> None:
        """An article's matches and spans of ``label``, over every pair of its raters."""
        self.weights.planned((id(self), label, matched, total), lambda: [
            (self.matched.column(label), matched), (self.total.column(label), total)])

    def interval(self, label: Hashable = None) -> Interval | None:
        if label is None:
            if not self.total.index:
                return None
            matched = self.matched.used().sum(axis=1)
            total = self.total.used().sum(axis=1)
        elif label not in self.total.index:
            return None
        else:
            matched, total = self.matched.get(label), self.total.get(label)
        with np.errstate(divide="ignore", invalid="ignore"):
            return percentile_interval(np.where(total > 0, 2 * matched / total, np.nan))
