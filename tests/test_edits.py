"""An annotation someone other than its author changed last never votes as its author's:
the author's own version from an earlier pull counts instead, or it is set aside, and the
article goes to review when its gold depended on it."""

from __future__ import annotations

import json
import time
from pathlib import Path

from builders import annotation, choice, export_task, write_tasks
from click.testing import CliRunner
from helpers import offline_settings

from workbench import load_gold
from workbench.cli import cli
from workbench.gold.write import write_gold
from workbench.quality.adjudicate import adjudicate
from workbench.quality.own_versions import CACHE
from workbench.quality.validate import validate_export
from workbench.settings import Settings
from workbench.store.rawpulls import keep, new_pull_path, partial_path, raw_dir, sha256_file

TEXT = "Police freed forty victims of human trafficking from a compound in Sihanoukville."
PEOPLE = {"ana@example.org": 2, "ben@example.org": 3, "cy@example.org": 4}
EARLY, LATE = "2026-12-01T10:00:00.000000Z", "2026-12-02T09:30:00.000000Z"


def vote(aid: int, who: str, stance: str, *, by: str | None = None, at: str = EARLY) -> dict:
    """``who``'s annotation; ``by``: someone else changed it last, at ``at``."""
    return annotation(aid, who, [choice("crime_types", "human_trafficking"),
                                 choice("stance", stance)], user=PEOPLE[who],
                      updated_by=PEOPLE[by or who], updated_at=at)


def article(stances: dict[str, str], edited: dict[str, tuple[str, str]] | None = None,
            tid: int = 1) -> dict:
    """One task; ``edited``: author -> (editor, the stance the editor left)."""
    votes = []
    for k, (who, stance) in enumerate(stances.items()):
        editor, changed = (edited or {}).get(who, (None, stance))
        votes.append(vote(tid * 10 + k, who, changed, by=editor,
                          at=LATE if editor else EARLY))
    return export_task(tid, TEXT, votes, data={"article_id": f"a{tid}"})


def store_pull(settings: Settings, tasks: list[dict]) -> Path:
    """A raw pull, as ``workbench pull`` keeps it (checksummed, read-only)."""
    path = new_pull_path(settings, 1, settings.project)
    partial = partial_path(path)
    partial.parent.mkdir(parents=True, exist_ok=True)
    write_tasks(partial, tasks)
    keep(partial, path, sha256_file(partial))
    time.sleep(0.001)  # the next pull's name sorts after this one
    return path


STANCES = {"ana@example.org": "critical", "ben@example.org": "critical",
           "cy@example.org": "neutral"}
BEN_EDITS_ANA = {"ana@example.org": ("ben@example.org", "neutral")}  # now 2 of 3 neutral


def _stance(settings: Settings) -> tuple[str | None, list[str]]:
    (record,) = load_gold(settings.exports / "gold", records=True)
    return record.stance, record.provenance.stance.annotators


def test_the_authors_own_version_from_an_earlier_pull_counts(tmp_path):
    settings = offline_settings(tmp_path)
    store_pull(settings, [article(STANCES)])
    latest = store_pull(settings, [article(STANCES, BEN_EDITS_ANA)])
    report = write_gold(settings)
    assert _stance(settings) == ("critical", ["annotator-1", "annotator-2"])  # ana's, ben's
    assert report.reckoning is not None and report.reckoning.annotations_used == 3
    # validate, on the pull as it is, names the edit: who, whose, which article
    (finding,) = [f for f in validate_export(latest).findings]
    assert (finding.rule, finding.annotator, finding.article_id) == (
        "edited_by_other", "ana@example.org", "a1")
    assert finding.message.startswith("ben@example.org changed it last")
    # what was found is remembered: the next run reads no earlier pull
    (cached,) = [json.loads(line) for line in (raw_dir(settings) / CACHE).open()]
    assert cached["annotation_id"] == 10 and cached["pull"] < latest.name
    assert cached["annotation"]["updated_by"] == PEOPLE["ana@example.org"]


def test_the_report_and_the_log_say_whose_version_counts(tmp_path):
    settings = offline_settings(tmp_path)
    store_pull(settings, [article(STANCES)])
    store_pull(settings, [article(STANCES, BEN_EDITS_ANA)])
    report = adjudicate(settings)
    assert report.counts == {"agreed": 1}
    line = json.loads((settings.exports / "decisions.jsonl").read_text().splitlines()[-1])
    assert line["decision"]["stance"] == "critical"
    assert line["decision"]["set_aside"] == []


def test_without_an_earlier_version_it_is_set_aside_and_the_article_goes_to_review(tmp_path):
    """Counted, ben's edit would have made the stance neutral: a person decides."""
    settings = offline_settings(tmp_path)
    store_pull(settings, [article(STANCES, BEN_EDITS_ANA)])
    report = adjudicate(settings)
    assert report.counts == {"disputed": 1}
    (decision,) = report.disputed
    (point,) = [d for d in decision.disagreements if d.field == "annotations"]
    assert point.votes == {"set aside": ["ana@example.org"],
                           "counted": ["ben@example.org", "cy@example.org"]}
    (aside,) = decision.set_aside
    assert (aside.annotator, aside.reason, aside.part) == (
        "ana@example.org", "edited_by_other", "the whole annotation")
    assert report.reckoning.annotations_set_aside == {"edited_by_other": 1}


def test_an_edit_the_gold_does_not_depend_on_is_set_aside_quietly(tmp_path):
    """ben changes ana's critical to critical-with-something-else: without it, ben and cy
    still agree; with it, the same gold. No review needed."""
    settings = offline_settings(tmp_path)
    agreed = dict.fromkeys(PEOPLE, "critical")
    store_pull(settings, [article(agreed, {"ana@example.org": ("ben@example.org",
                                                               "critical")})])
    report = adjudicate(settings)
    assert report.counts == {"agreed": 1}


def test_a_users_own_file_has_no_earlier_pulls(tmp_path):
    """--export FILE: nothing to restore from, so the edit is set aside."""
    settings = offline_settings(tmp_path)
    store_pull(settings, [article(STANCES)])
    export = write_tasks(tmp_path / "export.json", [article(STANCES, BEN_EDITS_ANA)])
    report = adjudicate(settings, export=export)
    assert report.counts == {"disputed": 1}


def test_validate_and_adjudicate_name_the_edit_on_the_command_line(tmp_path):
    settings = offline_settings(tmp_path)
    export = write_tasks(tmp_path / "export.json", [article(STANCES, BEN_EDITS_ANA)])
    env = {"WORKBENCH_HOME": str(settings.home), "WORKBENCH_EXPORTS": str(settings.exports)}
    result = CliRunner().invoke(cli, ["validate", "--export", str(export)], env=env)
    assert result.exit_code == 1
    assert ("ERROR   edited_by_other: task 1 (article a1), annotation 10 by ana@example.org: "
            "ben@example.org changed it last, so it is not ana@example.org's vote; no earlier "
            "version of theirs is in the pulls kept: set aside") in result.output
    result = CliRunner().invoke(cli, ["adjudicate", "--export", str(export)], env=env)
    assert "1 set aside (1 edited_by_other)" in result.output
    assert "annotations: an annotation its author did not change last" in result.output


def test_restored_the_same_in_the_second_process(tmp_path):
    """The reading process restores too (its measures see the author's own version)."""
    from workbench.quality.chain import run_chain
    from workbench.quality.own_versions import OwnVersions
    from workbench.report.collect import Counts
    from workbench.store.rawpulls import latest_pull

    settings = offline_settings(tmp_path)
    store_pull(settings, [article(STANCES)])
    store_pull(settings, [article(STANCES, BEN_EDITS_ANA)])
    source = latest_pull(settings)
    assert source is not None
    found = []
    for apart in (False, True):
        counts, gold = Counts(3, []), Gold()
        run_chain(source, gold.add, measures=[counts], second_process=apart,
                  own_versions=OwnVersions.for_source(settings, source))
        found.append((gold.stances, dict(counts.distributions["stance"])))
    # ana's critical counts, in the decision and in the measures: critical twice, neutral once
    assert found[0] == found[1] == (["critical"], {"critical": 2, "neutral": 1})


class Gold:
    def __init__(self):
        self.stances: list[str | None] = []

    def add(self, checked) -> None:
        self.stances.append(checked.decision.stance)


def test_feedback_tells_the_author_and_the_editor(tmp_path):
    from workbench.quality.feedback import write_feedback

    settings = offline_settings(tmp_path)
    store_pull(settings, [article(STANCES)])
    store_pull(settings, [article(STANCES, BEN_EDITS_ANA)])
    pages = {p.stem: p.read_text() for p in write_feedback(settings)}
    assert set(pages) == {"ana@example.org", "ben@example.org"}
    assert "ben@example.org changed your annotation last" in pages["ana@example.org"]
    assert "your own earlier version, from " in pages["ana@example.org"]
    assert "You changed ana@example.org&#x27;s annotation" in pages["ben@example.org"]


def test_the_report_lists_each_edit_and_what_counts_instead(tmp_path):
    from workbench.report.page import write_report

    settings = offline_settings(tmp_path)
    first = store_pull(settings, [article(STANCES)])
    store_pull(settings, [article(STANCES, BEN_EDITS_ANA, tid=1), article(STANCES, tid=2)])
    page = write_report(settings).read_text()
    section = page.split("<h2>Independence</h2>")[1].split("<h2>")[0]
    assert (f"<td>a1</td><td>ana@example.org</td><td>ben@example.org</td><td>{LATE}</td>"
            f"<td>the author&#x27;s own version, from {first.name}, counts instead</td>"
            ) in section
    assert "Identical annotations beyond the suggestions" in section


def test_sync_names_each_edit_once(tmp_path):
    """What sync reports is kept, and not reported again by the next sync."""
    from workbench.quality.independence import EditNotice
    from workbench.sync import _once

    settings = offline_settings(tmp_path)
    edit = EditNotice(article_id="a1", task_id=1, annotation_id=10, author="ana@example.org",
                editor="ben@example.org", editor_id=3, changed_at=LATE, restored_from=None)
    assert _once(settings, [edit], []) == ([edit], [])
    assert _once(settings, [edit], []) == ([], [])
    again = EditNotice(**{**edit.__dict__, "changed_at": "2026-12-03T08:00:00Z"})  # edited again
    assert _once(settings, [edit, again], []) == ([again], [])


def test_review_tasks_and_the_review_project_name_who_decides(tmp_path):
    from workbench.quality.review_tasks import ReviewStage
    from workbench.studio.review_project import review_project_settings

    settings = offline_settings(tmp_path).model_copy(update={
        "adjudicators": ["dee@example.org"]})
    store_pull(settings, [article(STANCES, BEN_EDITS_ANA)])  # disputed: see above
    with ReviewStage(settings) as stage:
        from workbench.quality.chain import run_chain
        from workbench.store.rawpulls import latest_pull

        source = latest_pull(settings)
        assert source is not None
        run_chain(source, stage.add)
        ((_, _, build),) = stage.items()
        dispute = build()["data"]["dispute"]
    assert "<b>Decides here:</b> dee@example.org. A submission by anyone else" in dispute
    instructions = review_project_settings(settings)["expert_instruction"]
    assert "Who decides here: dee@example.org." in instructions
    nobody = review_project_settings(offline_settings(tmp_path / "x"))["expert_instruction"]
    assert "Nobody is named adjudicator yet" in nobody


def _marked(stances: dict[str, str], marker: str, *, changed_to: str | None = None) -> dict:
    """cy's annotation marked ground truth by ``marker`` (a PATCH in Label Studio, which
    makes them its last editor), its stance left or changed to ``changed_to``."""
    task = article(stances)
    cy = task["annotations"][2]
    cy.update(ground_truth=True, updated_by=PEOPLE[marker], updated_at=LATE)
    if changed_to is not None:
        cy["result"][1]["value"]["choices"] = [changed_to]
    return task


def test_ground_truth_marked_by_a_reviewer_still_wins(tmp_path):
    """Label Studio's ground-truth star is a PATCH by whoever clicks it: with no earlier pull
    to compare, the annotation counts as marked, and validate says so."""
    settings = offline_settings(tmp_path)
    latest = store_pull(settings, [_marked(STANCES, "ana@example.org")])
    report = adjudicate(settings)
    assert report.counts == {"ground_truth": 1}
    (finding,) = validate_export(latest).findings
    assert (finding.rule, finding.severity) == ("ground_truth_marked_by_other", "info")


def test_saved_without_a_change_is_the_authors_and_not_told(tmp_path):
    """With cy's own version pulled before, the star changed nothing: cy's vote, no notice."""
    from workbench.quality.feedback import write_feedback
    from workbench.report.collect import collect
    from workbench.report.page import write_report
    from workbench.sync import _once

    settings = offline_settings(tmp_path)
    store_pull(settings, [article(STANCES)])
    store_pull(settings, [_marked(STANCES, "ana@example.org")])
    assert adjudicate(settings).counts == {"ground_truth": 1}
    page = write_report(settings).read_text()
    assert "nothing was changed: it counts as the author&#x27;s" in page
    assert write_feedback(settings) == []
    assert _once(settings, collect(settings).edits, []) == ([], [])


def test_content_changed_under_the_star_is_the_authors_earlier_version(tmp_path):
    settings = offline_settings(tmp_path)
    store_pull(settings, [article(STANCES)])
    store_pull(settings, [_marked(STANCES, "ana@example.org", changed_to="supportive")])
    assert adjudicate(settings).counts == {"ground_truth": 1}
    line = json.loads((settings.exports / "decisions.jsonl").read_text().splitlines()[-1])
    assert line["decision"]["stance"] == "neutral"  # cy's own, kept ground truth
