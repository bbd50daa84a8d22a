"""Unitizing alpha against DKPro Statistics' reference tests (Krippendorff 1995, 2004)."""

import pytest

from workbench.stats.unitizing import UnitizingAlpha, category_alpha, category_disagreement

# Krippendorff (2004: p. 254): continuum 150..450, two observers, categories c and k.
K2004 = {0: [(225, 295, "c"), (370, 400, "c"), (180, 240, "k"), (300, 350, "k")],
         1: [(220, 300, "c"), (355, 375, "c"), (400, 420, "c"), (180, 240, "k"),
             (300, 350, "k")]}


def _category(units, category):
    return {r: [(b, e) for b, e, c in spans if c == category] for r, spans in units.items()}


def test_krippendorff_2004_categories():
    observed, expected = category_disagreement(150, 300, _category(K2004, "c"))
    assert observed == pytest.approx(0.0144, abs=0.0001)
    assert expected == pytest.approx(0.0532, abs=0.0001)
    assert category_alpha(observed, expected) == pytest.approx(0.7286, abs=0.0001)
    observed, expected = category_disagreement(150, 300, _category(K2004, "k"))
    assert (observed, round(expected, 4)) == (0.0, 0.0490)
    assert category_alpha(observed, expected) == 1.0


def test_krippendorff_2004_overall():
    alpha = UnitizingAlpha()
    alpha.add(300, K2004, begin=150)
    assert alpha.value() == pytest.approx(0.8591, abs=0.0005)
    assert alpha.value("c") == pytest.approx(0.7286, abs=0.0001)


def _k1995(stretch: float):
    """Krippendorff (1995: p. 57), two raters, four categories, stretched."""
    s = lambda x: int(x * stretch)
    table = {
        "A": [(2, 8, 0), (14, 6, 0), (4, 4, 1), (15, 2, 1)],
        "B": [(0, 18, 0), (0, 2, 1), (2, 1, 1), (3, 1, 1), (4, 1, 1), (5, 1, 1), (6, 3, 1),
              (9, 1, 1)],
        "C": [(2, 6, 0), (10, 2, 0), (14, 4, 0), (20, 2, 0), (0, 2, 1), (4, 4, 1), (10, 4, 1),
              (16, 2, 1), (20, 2, 1)],
        "D": [(0, 2, 0), (2, 8, 0), (10, 4, 0), (14, 6, 0), (20, 4, 0), (0, 4, 1), (4, 4, 1),
              (8, 7, 1), (15, 2, 1), (17, 7, 1)],
    }
    return s(24), {category: {r: [(s(o), s(o) + s(n)) for o, n, who in units if who == r]
                              for r in (0, 1)} for category, units in table.items()}


@pytest.mark.parametrize("category, observed", [
    ("A", 0.03125), ("B", 2.26736), ("C", 0.02777), ("D", 0.38715)])
def test_krippendorff_1995_observed(category, observed):
    length, units = _k1995(1)
    assert category_disagreement(0, length, units[category])[0] == pytest.approx(
        observed, abs=0.00002)


@pytest.mark.parametrize("category, expected, alpha", [
    ("A", 0.06990, 0.553), ("B", 1.17731, -0.926), ("C", 0.08642, 0.679), ("D", 0.41445, 0.066)])
def test_krippendorff_1995_expected_and_alpha(category, expected, alpha):
    length, units = _k1995(1_200_000 / 24)
    o, e = category_disagreement(0, length, units[category])
    assert e == pytest.approx(expected, abs=0.005)
    assert category_alpha(o, e) == pytest.approx(alpha, abs=0.02)


def test_identical_unitizations_agree_perfectly_and_a_missing_unit_does_not():
    same = UnitizingAlpha()
    same.add(100, {"a": [(10, 20, "x"), (40, 60, "y")], "b": [(10, 20, "x"), (40, 60, "y")]})
    assert same.value() == 1.0
    missing = UnitizingAlpha()
    missing.add(100, {"a": [(10, 20, "x")], "b": []})
    assert missing.value() < 0.5


@pytest.mark.parametrize("units, raters", [
    ([(0, 5), (10, 12)], 3), ([(3, 4)], 2), ([], 4), ([(0, 40)], 2),
    ([(1, 2), (5, 9), (20, 30)], 5)])
def test_the_shortcut_for_raters_who_agree_gives_the_general_result(units, raters):
    """All raters alike takes a shortcut; the same units in another order take the general
    sums (their lists differ): both give the same expected disagreement."""
    alike = {r: list(units) for r in range(raters)}
    shuffled = {r: list(reversed(units)) if r % 2 else list(units) for r in range(raters)}
    if len(units) < 2:  # reversing changes nothing: make the lists differ another way
        shuffled = {r: list(units) + ([(0, 0)] if r == 0 else []) for r in range(raters)}
    fast, general = category_disagreement(0, 50, alike), category_disagreement(0, 50, shuffled)
    assert fast[0] == general[0] == 0.0
    assert fast[1] == pytest.approx(general[1])
