"""Anchoring, in full: what annotators take from the suggestions, measured on the control
share (the label distributions with and without suggestions, and their shift) and against
gold (wrong suggestions kept, right ones dropped), in the card and the report."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import annotation, choice, export_task, write_tasks
from helpers import offline_settings

from workbench.gold.write import write_gold
from workbench.quality.suggestions import (
    GOLD_NOTE,
    MIN_ANNOTATIONS,
    STANCE_NOTE,
    SuggestionReport,
)
from workbench.records.wording import points, share_of
from workbench.report.collect import collect
from workbench.report.page import render

TEXT = "Police freed workers held in a gambling compound; human trafficking charges followed."
HT, IG, FL, KD = ("human_trafficking", "illegal_gambling", "forced_labour",
                  "kidnapping_detention")
SUGGESTED_ARTICLES, CONTROL_ARTICLES = 10, 8


def _suggested(i: int) -> tuple[list[str], list[tuple[list[str], str]]]:
    """Suggested article ``i``: the suggestion (human trafficking, right everywhere; illegal
    gambling, wrong everywhere; forced labour on the first five, right on the first two), and
    ana's, ben's and cy's crime types and stance. Ana keeps the wrong gambling on the first
    six; cy drops human trafficking on the first three (choosing kidnapping instead), and
    forced labour wherever it was suggested."""
    suggestion = [HT, IG] + ([FL] if i < 5 else [])
    ana = [HT] + ([IG] if i < 6 else []) + ([FL] if i < 2 else [])
    ben = [HT] + ([FL] if i < 2 else [])
    cy = [KD] if i < 3 else [HT]
    return suggestion, [(ana, "critical"), (ben, "critical"), (cy, "neutral")]


def _control(i: int) -> list[tuple[list[str], str]]:
    """Control article ``i``: everyone chooses human trafficking, ana gambling as well on the
    first; the first four critical, critical, neutral, the others neutral, neutral, critical."""
    stances = ("critical", "critical", "neutral") if i < 4 else ("neutral", "neutral",
                                                                 "critical")
    return [([HT, IG] if (i, k) == (0, 0) else [HT], stance) for k, stance in enumerate(stances)]


def _task(n: int, votes, suggestion: list[str] | None) -> dict:
    made = [annotation(n * 10 + k, who, [choice("crime_types", *crimes), choice("stance", st)],
                       user=k + 2, updated_at="2026-12-01T10:00:00Z")
            for k, (who, (crimes, st)) in enumerate(zip(
                ("ana@example.org", "ben@example.org", "cy@example.org"), votes, strict=True))]
    shown = {"predictions": [{"model_version": "rules", "result": [
        choice("crime_types", *suggestion)]}], "meta": {"suggestions": "rules"}} \
        if suggestion is not None else {"meta": {"suggestions": "control"}}
    return export_task(n + 1, TEXT, made, data={"article_id": f"a{n}"}, **shown)


def _pull(path: Path, suggested=range(SUGGESTED_ARTICLES), control=range(CONTROL_ARTICLES)
          ) -> Path:
    tasks = [_task(i, votes, suggestion)
             for i in suggested for suggestion, votes in [_suggested(i)]]
    tasks += [_task(100 + i, _control(i), None) for i in control]
    return write_tasks(path, tasks)


def _card(pull: Path, folder: Path) -> str:
    """The card's 'What annotators took', for the gold made of ``pull``."""
    report = write_gold(offline_settings(folder), export=pull)
    assert report.path is not None
    card = (report.path / "README.md").read_text()
    return card.split("### What annotators took")[1].split("\n## ")[0]


def _page(pull: Path, folder: Path) -> tuple[str, SuggestionReport]:
    """The report's 'What annotators took' (HTML), and the report's figures."""
    data = collect(offline_settings(folder), export=pull, replicates=20)
    page = render(data)
    return page.split("<h3>What annotators took</h3>")[1].split("<h2>")[0], data.suggestions


@pytest.fixture(scope="module")
def anchored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("anchored")
    pull = _pull(folder / "export.json")
    return _card(pull, folder / "card"), *_page(pull, folder / "report")


def test_the_distribution_shifts_toward_the_suggestions(anchored):
    _, _, report = anchored
    assert MIN_ANNOTATIONS == 20  # 30 annotations with suggestions and 24 without: enough
    assert report.answered["crime_types"] == {"with suggestions": 30, "without suggestions": 24}
    crimes = report.distribution["crime_types"]
    # Gambling: ana on the first 6 of 10 suggested articles; ana on 1 of 8 control articles.
    gambling = crimes[IG]
    assert (gambling.suggested.n, gambling.suggested.of) == (6, 30)
    assert (gambling.control.n, gambling.control.of) == (1, 24)
    assert gambling.points == pytest.approx(100 * (6 / 30 - 1 / 24))  # +15.8
    # Human trafficking: dropped by cy on 3 suggested articles; chosen by all without.
    assert crimes[HT].points == pytest.approx(100 * (27 / 30 - 24 / 24))  # -10.0
    assert crimes[FL].points == pytest.approx(100 * 4 / 30)  # ana and ben on 2 articles
    assert crimes[KD].points == pytest.approx(100 * 3 / 30)  # cy, in place of trafficking
    assert list(crimes) == [HT, FL, KD, IG]  # the schema's order
    stance = report.distribution["stance"]
    # With: critical, critical, neutral x 10; without: 4 x (c, c, n) and 4 x (n, n, c).
    assert stance["critical"].points == pytest.approx(100 * (20 / 30 - 12 / 24))  # +16.7
    assert stance["neutral"].points == pytest.approx(100 * (10 / 30 - 12 / 24))  # -16.7


def test_wrong_suggestions_kept_and_right_ones_dropped(anchored):
    _, _, report = anchored
    types = report.per_type
    # Gambling was never in gold (ana alone kept it): kept 6 times in 10 articles x 3.
    assert types[IG].wrong_kept.model_dump() == {"n": 6, "of": 30}
    assert types[IG].right_dropped.model_dump() == {"n": 0, "of": 0}
    # Trafficking always in gold: cy dropped it on 3 of 10 articles.
    assert types[HT].right_dropped.model_dump() == {"n": 3, "of": 30}
    assert types[HT].wrong_kept.model_dump() == {"n": 0, "of": 0}
    # Forced labour: right on 2 articles (cy dropped it on both), wrong on 3 (nobody kept it).
    assert types[FL].right_dropped.model_dump() == {"n": 2, "of": 6}
    assert types[FL].wrong_kept.model_dump() == {"n": 0, "of": 9}
    assert types[FL].right_dropped.share is None  # 6 annotations: too few to say
    assert report.wrong_kept.model_dump() == {"n": 6 + 0, "of": 30 + 9}
    assert report.right_dropped.model_dump() == {"n": 3 + 2, "of": 30 + 6}
    # Annotators shown the wrong gambling kept it more often than those without chose it.
    assert types[IG].wrong_kept.share > report.distribution["crime_types"][IG].control.n / 24


def test_the_card_and_the_report_give_each_figure_with_its_counts(anchored):
    card, page, _ = anchored
    card_rows = {
        "| crime type | `human_trafficking` | 90% (27 of 30) | all of 24 | -10.0 pp |",
        "| crime type | `forced_labour` | 13% (4 of 30) | none of 24 | +13.3 pp |",
        "| crime type | `kidnapping_detention` | 10% (3 of 30) | none of 24 | +10.0 pp |",
        "| crime type | `illegal_gambling` | 20% (6 of 30) | 4% (1 of 24) | +15.8 pp |",
        "| stance | `critical` | 67% (20 of 30) | 50% (12 of 24) | +16.7 pp |",
        "| stance | `neutral` | 33% (10 of 30) | 50% (12 of 24) | -16.7 pp |",
    }
    assert card_rows <= set(card.splitlines()), card
    assert ("<td>crime type</td><td>illegal_gambling</td><td>20% (6 of 30)</td>"
            "<td>4% (1 of 24)</td><td>+15.8 pp</td>") in page
    assert ("<td>stance</td><td>neutral</td><td>33% (10 of 30)</td><td>50% (12 of 24)</td>"
            "<td>-16.7 pp</td>") in page
    assert "<td>all of 24</td><td>-10.0 pp</td>" in page
    overall = ("Of 39 annotations shown a wrong suggested crime type (not in gold), 6 kept it "
               "(15%); of 36 annotations shown a right one (in gold), 5 dropped it (14%).")
    for text in (card, page):
        assert overall in text
        assert STANCE_NOTE in text and GOLD_NOTE in text
        assert "100%" not in text and "| 0%" not in text and ">0%" not in text


def test_the_per_type_table_gives_wrong_kept_and_right_dropped(tmp_path):
    pull = _pull(tmp_path / "export.json")
    report = write_gold(offline_settings(tmp_path), export=pull)
    assert report.path is not None
    card = (report.path / "README.md").read_text()
    assert "| `illegal_gambling` | 10 | 0 | 0.000 | - | 20% | 20% (6 of 30) | — |" in card
    assert "| `forced_labour` | 5 | 2 | 0.400 | 1.000 | 27% | too few: 0 of 9 | too few: 2 of 6 |" \
        in card
    assert "| `human_trafficking` | 10 | 10 | 1.000 | 1.000 | 90% | — | 10% (3 of 30) |" in card
    page = render(collect(offline_settings(tmp_path / "r"), export=pull, replicates=20))
    row = page.split("<td>forced_labour</td>")[1].split("</tr>")[0]
    assert "<td>too few: 0 of 9</td><td>too few: 2 of 6</td>" in row


def test_without_control_articles_annotated_it_says_there_is_nothing_to_compare(tmp_path):
    pull = _pull(tmp_path / "export.json", control=())
    card, (page, report) = _card(pull, tmp_path / "c"), _page(pull, tmp_path / "p")
    assert report.distribution["crime_types"][HT].points is None
    for text in (card, page):
        assert ("No annotation of an article shown without suggestions gives a crime type: "
                "there is no crime type distribution to compare with.") in text
        assert "there is no stance distribution to compare with." in text
        assert " pp" not in text  # no shift at all
    assert "| with suggestions |" not in card and "<table>" not in page
    # Gambling still wrong, kept as before: the control share plays no part in it.
    assert ("Of 39 annotations shown a wrong suggested crime type (not in gold), 6 kept it "
            "(15%)") in card


def test_too_few_annotations_in_a_group_give_the_counts_and_no_share(tmp_path):
    pull = _pull(tmp_path / "export.json", suggested=range(4), control=range(4))
    card, (page, report) = _card(pull, tmp_path / "c"), _page(pull, tmp_path / "p")
    # 4 articles x 3 annotators in each group, fewer than 20.
    assert report.distribution["stance"]["critical"].points is None
    too_few = ("Too few annotations to say how the crime type distribution shifted: 12 with "
               "suggestions and 12 without; each group needs 20.")
    # Wrong: gambling kept by ana on 4 articles (of 12), forced labour by nobody on 2 (of 6);
    # right: trafficking dropped by cy on 3 (of 12), forced labour on 2 (of 6).
    taken = ("Of 18 annotations shown a wrong suggested crime type (not in gold), 4 kept it: "
             "too few to give a share (it takes 20); of 18 annotations shown a right one (in "
             "gold), 5 dropped it: too few to give a share (it takes 20).")
    for text in (card, page):
        assert too_few in text and taken in text
        assert "how the stance distribution shifted: 12 with suggestions and 12 without" in text
        assert "%" not in text.split("A share needs")[1]  # not one share on so few


def test_with_no_suggested_article_in_gold_it_says_so(tmp_path):
    pull = _pull(tmp_path / "export.json", suggested=())
    card = _card(pull, tmp_path / "c")
    assert ("No annotation of a gold article was shown a wrong suggested crime type (not in "
            "gold); no annotation of a gold article was shown a right one (in gold).") in card
    assert "Too few annotations to say how the crime type distribution shifted: 0 with " \
           "suggestions and 24 without" in card


def test_shares_and_shifts_read_as_what_they_rest_on():
    assert [share_of(*args) for args in ((6, 30, 20), (0, 30, 20), (30, 30, 20), (2, 6, 20),
                                         (0, 0, 20), (446, 447))] == [
        "20% (6 of 30)", "none of 30", "all of 30", "too few: 2 of 6", "—", "99.8% (446 of 447)"]
    assert [points(v) for v in (15.83, -10, 0, 0.04, -0.04)] == [
        "+15.8 pp", "-10.0 pp", "0 pp", "+<0.1 pp", "-<0.1 pp"]
