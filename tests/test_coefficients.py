"""Agreement coefficients against published worked examples (DESIGN.md section 6)."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.stats.coefficients import (
    Alpha,
    BinaryAgreement,
    Fleiss,
    PairwiseCohen,
    PercentAgreement,
    cohen_kappa,
    interval,
    masi,
    nominal,
    ratio,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders x 12 units.
KRIPPENDORFF_2011 = """\
1 2 3 3 2 1 4 1 2 . . .
1 2 3 3 2 2 4 1 2 5 . 3
. 3 3 3 2 3 4 2 2 5 1 .
1 2 3 3 2 4 4 1 2 5 1 ."""


def _units(table: str) -> list[list[int]]:
    rows = [[None if x == "." else int(x) for x in line.split()] for line in table.splitlines()]
    return [[row[i] for row in rows if row[i] is not None] for i in range(len(rows[0]))]


@pytest.mark.parametrize("metric, expected", [
    (nominal, 0.743), ("ordinal", 0.815), (interval, 0.849), (ratio, 0.797)])
def test_krippendorff_2011_reference(metric, expected):
    alpha = Alpha(metric)
    for unit in _units(KRIPPENDORFF_2011):
        alpha.add(unit)
    assert alpha.value() == pytest.approx(expected, abs=0.0005)
    assert alpha.items == 11  # the unit with one value drops out


def test_fleiss_1971_reference():
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
             [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
             [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    fleiss = Fleiss()
    for row in table:
        fleiss.add([category for category, n in enumerate(row) for _ in range(n)])
    assert fleiss.value() == pytest.approx(0.210, abs=0.0005)


def test_fleiss_is_undefined_when_rater_counts_differ():
    fleiss = Fleiss()
    fleiss.add(["a", "a", "b"])
    fleiss.add(["a", "b"])
    assert fleiss.value() is None


def test_cohen_reference_table():
    pairs = ([("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10
             + [("no", "no")] * 15)
    assert cohen_kappa(pairs) == pytest.approx(0.40, abs=0.0005)


def test_pairwise_cohen_matrix_and_mean():
    pairwise = PairwiseCohen()
    for a, b, c in [("x", "x", "x"), ("y", "y", "x"), ("x", "x", "y"), ("y", "y", "y")]:
        pairwise.add({"ana": a, "ben": b, "cy": c})
    matrix = pairwise.matrix()
    assert matrix["ana"]["ben"] == 1.0 and matrix["ben"]["ana"] == 1.0
    assert matrix["ana"]["cy"] == pytest.approx(0.0)
    assert pairwise.mean() == pytest.approx(1 / 3)


def test_masi_distance_values():
    a, b = frozenset("ab"), frozenset("abc")
    assert masi(a, a) == 0.0
    assert masi(a, b) == pytest.approx(1 - (2 / 3) * (2 / 3))
    assert masi(frozenset("ab"), frozenset("bc")) == pytest.approx(1 - (1 / 3) * (1 / 3))
    assert masi(frozenset("a"), frozenset("b")) == 1.0


def test_binary_agreement_equals_alpha_on_chosen_not_chosen():
    items = [["x", "y"], ["x", "x", "y"], ["y", "y"], ["x", "y", "y", "y"], ["x", "x"]]
    binary = BinaryAgreement()
    for item in items:
        binary.add(len(item), Counter(v for v in item if v == "x"))
    reference = Alpha()
    for item in items:
        reference.add([v == "x" for v in item])
    assert binary.alpha("x") == pytest.approx(reference.value())


ratings = st.lists(st.lists(st.sampled_from("abc"), min_size=2, max_size=5), min_size=2,
                   max_size=30)


@settings(max_examples=200)
@given(ratings)
def test_alpha_is_at_most_one_and_order_free(items):
    alpha, shuffled = Alpha(), Alpha()
    for item in items:
        alpha.add(item)
    for item in reversed(items):
        shuffled.add(list(reversed(item)))
    value = alpha.value()
    if value is None:
        assert shuffled.value() is None
        return
    assert value <= 1.0 + 1e-9  # alpha has no fixed lower bound on small samples
    assert shuffled.value() == pytest.approx(value)


@given(st.lists(st.sampled_from("abc"), min_size=2, max_size=20))
def test_perfect_agreement_gives_one(values):
    alpha, percent = Alpha(), PercentAgreement()
    for value in values:
        alpha.add([value, value, value])
        percent.add([value, value, value])
    assert percent.value() == 1.0
    assert alpha.value() in (None, 1.0)  # None when only one value ever occurs
    if len(set(values)) > 1:
        assert alpha.value() == 1.0


def test_binomial_tail_against_sums_of_the_distribution():
    from math import comb

    from workbench.stats.coefficients import binomial_tail

    def tail(k: int, n: int, p: float) -> float:
        return sum(comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k, n + 1))

    assert binomial_tail(3, 10, 0.1) == pytest.approx(0.0701908, abs=1e-7)  # 1 - P(X <= 2)
    assert binomial_tail(10, 10, 0.5) == pytest.approx(1 / 1024)
    for k, n, p in [(1, 1, 0.3), (5, 40, 0.05), (30, 200, 0.1), (0, 5, 0.5)]:
        assert binomial_tail(k, n, p) == pytest.approx(tail(k, n, p), rel=1e-9)
    assert binomial_tail(4, 3, 0.5) == 0.0 and binomial_tail(2, 9, 0.0) == 0.0
