"""Confidence intervals for agreement, by a Poisson bootstrap over articles.

A bootstrap resample draws each article w times; with many articles w is close
to Poisson(1) (Hanley & MacGibbon 2006, "Creating non-parametric bootstrap
samples using Poisson frequencies"). So each article draws ``replicates``
weights once, every accumulator adds that article's contribution times its
weights, and all the resamples are built in the one streaming pass: memory is
replicates x values, never a copy of the data. An article is the unit even for
per-region items, so the regions of one article are resampled together. The
interval is the 2.5th to 97.5th percentile of the replicate coefficients.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable

import numpy as np

from workbench.quality.coefficients import Metric

Interval = tuple[float, float]


class Weights:
    """The current article's weights in each replicate; seeded, so reports are reproducible."""

    def __init__(self, replicates: int = 200, seed: int = 0):
        self.replicates = replicates
        self._rng = np.random.default_rng(seed)
        self.current = np.ones(replicates)

    def next_article(self) -> None:
        self.current = self._rng.poisson(1.0, self.replicates).astype(float)


def percentile_interval(values: np.ndarray) -> Interval | None:
    """The 95% percentile interval; None when most replicates leave it undefined."""
    defined = values[np.isfinite(values)]
    if defined.size < max(2, 0.9 * values.size):
        return None
    low, high = np.quantile(defined, [0.025, 0.975])
    return float(low), float(high)


class _Columns:
    """A replicates x values matrix that grows a column for each new value."""

    def __init__(self, replicates: int):
        self.index: dict[Hashable, int] = {}
        self.matrix = np.zeros((replicates, 8))

    def column(self, value: Hashable) -> int:
        if value not in self.index:
            if len(self.index) == self.matrix.shape[1]:
                self.matrix = np.hstack([self.matrix, np.zeros_like(self.matrix)])
            self.index[value] = len(self.index)
        return self.index[value]

    def add(self, value: Hashable, amounts: np.ndarray) -> None:
        column = self.column(value)  # first: it may grow the matrix
        self.matrix[:, column] += amounts

    def get(self, value: Hashable) -> np.ndarray:
        return self.matrix[:, self.index[value]]

    def used(self) -> np.ndarray:
        return self.matrix[:, :len(self.index)]


class AlphaReplicates:
    """Krippendorff's alpha in every replicate, for a metric with metric(v, v) == 0.

    Per item, alpha needs only the value totals (the coincidence matrix's margins)
    and the observed disagreement; the expected one comes from the totals.
    """

    def __init__(self, metric: Metric, weights: Weights):
        self.metric = metric
        self.weights = weights
        self.totals = _Columns(weights.replicates)
        self.observed = np.zeros(weights.replicates)

    def add_counts(self, counts: Counter) -> None:
        m = sum(counts.values())
        if m < 2:
            return
        w = self.weights.current
        disagreement = sum(n_c * n_k * self.metric(c, k) for c, n_c in counts.items()
                           for k, n_k in counts.items() if c != k) / (m - 1)
        self.observed += w * disagreement
        for value, n in counts.items():
            self.totals.add(value, w * n)

    def interval(self) -> Interval | None:
        values = list(self.totals.index)
        totals = self.totals.used()
        delta = np.array([[self.metric(a, b) for b in values] for a in values]).reshape(
            len(values), len(values))
        n = totals.sum(axis=1)
        expected = np.einsum("ri,ij,rj->r", totals, delta, totals)
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = np.where((expected > 0) & (n > 1),
                             1.0 - (n - 1) * self.observed / expected, np.nan)
        return percentile_interval(alpha)


class BinaryReplicates:
    """Per value of a choice field, the chosen / not chosen alpha in every replicate
    (as ``coefficients.BinaryAgreement``, whose sums this weights)."""

    def __init__(self, weights: Weights):
        self.weights = weights
        self.pairable = np.zeros(weights.replicates)
        self.ones = _Columns(weights.replicates)
        self.mixed = _Columns(weights.replicates)

    def add(self, m: int, chosen: Counter) -> None:
        if m < 2:
            return
        w = self.weights.current
        self.pairable += w * m
        for value, s in chosen.items():
            self.ones.add(value, w * s)
            self.mixed.add(value, w * 2 * s * (m - s) / (m - 1))

    def interval(self, value: Hashable) -> Interval | None:
        if value not in self.ones.index:
            return None
        n = self.pairable
        ones, mixed = self.ones.get(value), self.mixed.get(value)
        zeros = n - ones
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = np.where((n > 1) & (ones > 0) & (zeros > 0),
                             1.0 - (n - 1) * mixed / (2 * ones * zeros), np.nan)
        return percentile_interval(alpha)


class F1Replicates:
    """Pairwise span F1 (2 x matches / spans of both) in every replicate, per label."""

    def __init__(self, weights: Weights):
        self.weights = weights
        self.matched = _Columns(weights.replicates)
        self.total = _Columns(weights.replicates)

    def add(self, label: Hashable, matched: int, total: int) -> None:
        w = self.weights.current
        for key in (None, label):  # None: the whole field
            self.matched.add(key, w * matched)
            self.total.add(key, w * total)

    def interval(self, label: Hashable = None) -> Interval | None:
        if label not in self.total.index:
            return None
        matched, total = self.matched.get(label), self.total.get(label)
        with np.errstate(divide="ignore", invalid="ignore"):
            return percentile_interval(np.where(total > 0, 2 * matched / total, np.nan))
