"""The Poisson bootstrap: with unit weights it is the plain coefficient; its intervals
match a classical resampling bootstrap built with the plain accumulators."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from builders import write_export

from workbench.lsformat.stream import read_tasks
from workbench.quality.agreement import AgreementMeter, agreement_export
from workbench.stats.bootstrap import AlphaReplicates, BinaryReplicates, F1Replicates, Weights
from workbench.stats.coefficients import Alpha, BinaryAgreement, masi, nominal


def _items(seed: int, count: int) -> list[Counter]:
    rng = random.Random(seed)
    values = ["a", "b", "c"]
    items = []
    for _ in range(count):
        truth = rng.choice(values)
        items.append(Counter(truth if rng.random() < 0.7 else rng.choice(values)
                             for _ in range(rng.choice([2, 3, 3]))))
    return items


class _Unit(Weights):
    """Every replicate weighs every item once: the plain, unresampled data."""

    def draw(self, articles: int) -> np.ndarray:
        return np.ones((articles, self.replicates))


@pytest.mark.parametrize("metric", [nominal, masi])
def test_unit_weights_give_the_plain_alpha(metric):
    items = _items(1, 60)
    if metric is masi:
        items = [Counter({frozenset(v): n for v, n in item.items()}) for item in items]
    weights, plain = _Unit(4), Alpha(metric)
    replicates = AlphaReplicates(metric, weights)
    for item in items:
        weights.next_article()
        replicates.add_counts(item)
        plain.add_counts(item)
    low, high = replicates.interval()
    assert low == pytest.approx(plain.value()) and high == pytest.approx(plain.value())


def test_unit_weights_give_the_plain_binary_alpha_and_f1():
    weights, plain = _Unit(3), BinaryAgreement()
    binary, f1 = BinaryReplicates(weights), F1Replicates(weights)
    for item in _items(2, 50):
        weights.next_article()
        m = sum(item.values())
        chosen = Counter({v: n for v, n in item.items() if v != "c"})
        binary.add(m, chosen)
        plain.add(m, chosen)
        f1.add("x", item["a"], m)
    assert binary.interval("a")[0] == pytest.approx(plain.alpha("a"))
    assert binary.interval("b")[1] == pytest.approx(plain.alpha("b"))
    assert binary.interval("c") is None
    total_a = sum(i["a"] for i in _items(2, 50))
    total = sum(sum(i.values()) for i in _items(2, 50))
    assert f1.interval()[0] == pytest.approx(2 * total_a / total)
    assert f1.interval("x") == f1.interval()


def test_poisson_intervals_match_a_classical_bootstrap():
    items = _items(3, 300)
    weights = Weights(1000, seed=7)
    poisson = AlphaReplicates(nominal, weights)
    for item in items:
        weights.next_article()
        poisson.add_counts(item)

    rng = random.Random(11)
    classical = []
    for _ in range(1000):
        alpha = Alpha()
        for _ in items:
            alpha.add_counts(rng.choice(items))
        classical.append(alpha.value())
    low, high = np.quantile(classical, [0.025, 0.975])
    ours = poisson.interval()
    point = Alpha()
    for item in items:
        point.add_counts(item)
    assert ours[0] < point.value() < ours[1]
    assert ours[0] == pytest.approx(low, abs=0.02) and ours[1] == pytest.approx(high, abs=0.02)


def test_meter_intervals_cover_the_export_values(tmp_path):
    path = write_export(tmp_path / "export.json", 300)
    meter = AgreementMeter(replicates=300)
    for task in read_tasks(path):
        meter.add(task)
    intervals, report = meter.intervals(), agreement_export(path)
    assert set(intervals) == set(report.fields)
    for name, field in report.fields.items():
        point = field.f1_exact if field.kind == "spans" else field.krippendorff_alpha
        interval = intervals[name][None]
        if point is not None and interval is not None:
            assert interval[0] - 1e-9 <= point <= interval[1] + 1e-9, name
    # Reproducible: the same seed gives the same intervals.
    again = AgreementMeter(replicates=300)
    for task in read_tasks(path):
        again.add(task)
    assert again.intervals() == intervals
