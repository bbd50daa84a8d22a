"""The rule-based pre-annotator: what it suggests, how it explains itself, how well it does on the
development set, and that its cue files are checked and versioned."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from workbench.ingest import cuefiles, ingest
from workbench.ingest.cuefiles import CUE_FILES, METHOD, load_cues, model_version
from workbench.ingest.patterns import find, inflections
from workbench.ingest.preannotate import PreAnnotator
from workbench.schema import ACTORS, CRIME_MENTIONS, CRIME_TYPES, NO_CRIME, SCHEMA, TEXT

DEVSET = Path(__file__).parent / "fixtures" / "devset" / "devset.jsonl"
CUES = Path(__file__).resolve().parents[1] / "workbench" / "ingest" / "cues"
RESULT_KEYS = {"id", "from_name", "to_name", "type", "value", "score", "meta", "origin"}


@pytest.fixture(scope="module")
def annotator() -> PreAnnotator:
    return PreAnnotator()


@pytest.fixture(scope="module")
def devset() -> list[dict]:
    return [json.loads(line) for line in DEVSET.read_text("utf-8").splitlines() if line]


@pytest.fixture
def cue_copy(tmp_path) -> Path:
    """A copy of the package's cue files, to edit."""
    folder = tmp_path / "cues"
    shutil.copytree(CUES, folder)
    return folder


def suggested(prediction: dict) -> set[str]:
    return {c for r in prediction["result"] if r["from_name"] == CRIME_TYPES
            for c in r["value"]["choices"]}


def spans(prediction: dict, control: str) -> list[tuple[str, str]]:
    return [(r["value"]["text"], r["value"]["labels"][0]) for r in prediction["result"]
            if r["from_name"] == control]


def _edit(folder: Path, name: str, change) -> None:
    data = json.loads((folder / name).read_text("utf-8"))
    change(data)
    (folder / name).write_text(json.dumps(data), "utf-8")


# ---------------------------------------------------------------- how well


def test_devset_micro_precision_and_recall_stay_above_the_floor(annotator, devset):
    """Measured when written: precision 1.00, recall 0.99 (221 of 224 labels) over 119 articles,
    which the rules were developed on (the floor is lower, so that a more general rule may cost a
    little here). On 30 held-out articles nobody read: precision 0.93, recall 0.85."""
    tp = fp = fn = 0
    for article in devset:
        found, gold = suggested(annotator.predict(article["text"])), set(article["crime_types"])
        gold.discard(NO_CRIME)
        tp, fp, fn = tp + len(found & gold), fp + len(found - gold), fn + len(gold - found)
    assert tp / (tp + fp) >= 0.95
    assert tp / (tp + fn) >= 0.93


def test_no_crime_articles_of_the_devset_get_no_crime_type(annotator, devset):
    for article in devset:
        if article["crime_types"] == [NO_CRIME]:
            assert suggested(annotator.predict(article["text"])) == set(), article["id"]


def test_an_article_without_crime_gets_no_crime_type(annotator):
    text = ("Rice farmers in Battambang expect a larger harvest this year after steady rains, the "
            "provincial agriculture department said on Monday. Prices at local mills have held at "
            "about 1,000 riel a kilogram, and exporters say demand from Europe is growing.")
    prediction = annotator.predict(text)
    assert suggested(prediction) == set()
    assert not any(r["from_name"] == CRIME_MENTIONS for r in prediction["result"])
    assert prediction["score"] == 1.0  # nothing crime-like was found at all


def test_no_crime_is_never_suggested(annotator, devset):
    """An empty crime_types suggestion leaves no_crime to the annotator (see the module doc)."""
    assert all(NO_CRIME not in suggested(annotator.predict(a["text"])) for a in devset)


def test_suggestions_are_restrained_on_the_seeds(annotator, seeds_dir):
    """The earlier cue list suggested 41-57 spans per seed; the annotators mostly accepted them."""
    counts = [len([r for r in annotator.predict(a.text)["result"] if r["type"] == "labels"])
              for a in ingest([seeds_dir]).articles]
    assert statistics.fmean(counts) <= 30 and max(counts) <= 40


# ---------------------------------------------------------------- context rules

CASES = [  # text, crime types that must be suggested, crime types that must not
    ("Police seized heroin and arrested two men for drug trafficking near the border.",
     {"drug_offence"}, {"human_trafficking"}),
    ("Customs found pangolin scales in a container, the second case of wildlife trafficking "
     "at the port this year.", {"other_crime"}, {"human_trafficking"}),
    ("Fuel smuggling along the coast has increased, the navy said.",
     {"other_crime"}, {"immigration_violation"}),
    ("Three men were charged with smuggling migrants across the border by boat.",
     {"immigration_violation"}, {"other_crime"}),
    ("The gang was convicted of the trafficking of young women to Malaysia.",
     {"human_trafficking"}, set()),
    ("He was wanted abroad for drug and human trafficking.",
     {"drug_offence", "human_trafficking"}, set()),
    ("He told the court he sold a kidney to a broker for $3,000.",
     {"organ_blood_harvesting"}, set()),
    ("Police said the fire at the market was arson and arrested a rival trader.",
     {"other_crime"}, set()),
    ("The Anti-Corruption Unit opened an inquiry into the port authority's accounts.",
     set(), {"corruption_collusion"}),
    ("The National Committee for Counter Trafficking handed out leaflets at the festival.",
     set(), {"human_trafficking"}),
    ("Banks must register with the Anti-Money Laundering Council, the regulator said.",
     set(), {"money_laundering"}),
    ("Police said there was no evidence of organ trafficking at the compound.",
     set(), {"organ_blood_harvesting"}),
    ("Managers threatened to remove their organs if they tried to escape.",
     set(), {"organ_blood_harvesting"}),
    ("The workshop taught border officers the indicators of forced labour.",
     set(), {"forced_labour"}),
    # indirect wording: a person sold without "sold", indicators that add up, or don't
    ("The broker had passed the men on to the boat owner for 20,000 baht a head.",
     {"human_trafficking"}, set()),
    ("The workers said the company kept their passports and deducted fees from their wages "
     "every month.", {"forced_labour"}, set()),
    ("The workers said the company kept their passports. Later the owner held on to their work "
     "permits as well.", set(), {"forced_labour"}),  # one indicator said twice
    ("Most of them had remained in the country long after their passes ran out.",
     {"immigration_violation"}, set()),
    ("Callers who said they were police told pensioners to move their savings into a safe "
     "account because their bank accounts had been used in a drug case.",
     {"online_scam_fraud"}, {"drug_offence"}),  # the scam's pretext is no drug case
    ("In the new film, a young accountant answers an online job advertisement and is told to "
     "talk strangers into fake investments.", set(), {"online_scam_fraud"}),
    ("The ministry reminded employers that workers must keep their own passports and that "
     "recruitment fees may not be charged to workers.", set(), {"forced_labour"}),
]


@pytest.mark.parametrize(("text", "wanted", "unwanted"), CASES, ids=[c[0][:40] for c in CASES])
def test_context_decides_the_crime_type(annotator, text, wanted, unwanted):
    found = suggested(annotator.predict(text))
    assert wanted <= found and not unwanted & found, found


@pytest.mark.parametrize(("text", "name", "roles"), [
    ("The Anti-Corruption Unit opened an inquiry.", "Anti-Corruption Unit",
     {"government", "law_enforcement"}),
    ("Officers from the anti-human trafficking police rescued 40 workers.",
     "anti-human trafficking police", {"law_enforcement"}),
    ("A church-based anti-gambling group sent the statement to police.",
     "anti-gambling group", {"civil_society"}),
    ("The Anti-Money Laundering Council obtained a freeze order.",
     "Anti-Money Laundering Council", {"government"}),
])
def test_a_crime_word_in_a_body_name_is_an_actor_not_a_crime(annotator, text, name, roles):
    prediction = annotator.predict(text)
    assert any(t == name and label in roles for t, label in spans(prediction, ACTORS))
    assert not spans(prediction, CRIME_MENTIONS)


def test_a_generic_victim_or_officer_is_no_actor_span(annotator):
    prediction = annotator.predict("The victim told officers that two suspects took her bag. "
                                   "Officers said the victims of trafficking were safe.")
    texts = {t.lower() for t, _ in spans(prediction, ACTORS)}
    assert not texts & {"victim", "victims", "officers", "suspects"}
    assert "victims of trafficking" in texts  # a specific phrase is


# ---------------------------------------------------------------- explanations and shape


def test_every_suggestion_explains_itself_with_a_score(annotator, devset, seeds_dir):
    texts = [a["text"] for a in devset] + [a.text for a in ingest([seeds_dir]).articles]
    for text in texts:
        prediction = annotator.predict(text)
        assert isinstance(prediction["score"], float) and 0 <= prediction["score"] <= 1
        assert prediction["model_version"] == annotator.model_version
        types = suggested(prediction)
        for item in prediction["result"]:
            assert set(item) <= RESULT_KEYS and item["to_name"] == TEXT
            assert 0 <= item["score"] <= 1 and item["origin"] == "prediction"
            notes = item["meta"]["text"]
            assert notes and all(isinstance(n, str) and n for n in notes)
            if item["type"] == "labels":
                value = item["value"]
                assert item["from_name"] in (ACTORS, CRIME_MENTIONS)
                assert text[value["start"]:value["end"]] == value["text"] != ""
                assert all(n.startswith("rule ") for n in notes)
                if item["from_name"] == CRIME_MENTIONS:  # the validator's rule holds
                    assert value["labels"][0] in types
            else:
                assert item["from_name"] == CRIME_TYPES and item["type"] == "choices"
                assert [n.split()[0] for n in notes] == item["value"]["choices"]
                assert all(re.match(r"\S+ [01]\.\d\d: rule ", n) for n in notes)


def test_the_prediction_score_is_the_mean_of_the_suggested_types(annotator):
    prediction = annotator.predict("Police arrested three men for kidnapping and extortion.")
    (item,) = [r for r in prediction["result"] if r["from_name"] == CRIME_TYPES]
    scores = [float(n.split()[1].rstrip(":")) for n in item["meta"]["text"]]
    assert item["value"]["choices"] == ["kidnapping_detention", "robbery_theft_extortion"]
    assert prediction["score"] == pytest.approx(statistics.fmean(scores), abs=0.01)


def test_adjacent_spans_with_one_label_merge(annotator):
    prediction = annotator.predict("Interior Minister Sar Kheng spoke on Friday.")
    assert spans(prediction, ACTORS) == [("Interior Minister Sar Kheng", "government")]
    (item,) = [r for r in prediction["result"] if r["from_name"] == ACTORS]
    assert len(item["meta"]["text"]) == 2  # both rules are named


def test_predicting_stays_cheap(annotator, seeds_dir):
    texts = [a.text for a in ingest([seeds_dir]).articles]  # 3-4.5 KB each
    for text in texts:
        annotator.predict(text)  # regexes compile on first use
    timings = []
    for text in texts:
        started = time.perf_counter()
        annotator.predict(text)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.05  # measured: ~6 ms on 2 busy cores


# ---------------------------------------------------------------- the cue files


def test_every_crime_type_has_rules():
    cues = load_cues()
    assert set(cues.crimes.rules) == {c.id for c in SCHEMA.mention_types}
    assert all(cues.crimes.rules.values())


def test_an_id_the_schema_does_not_have_is_refused(cue_copy):
    _edit(cue_copy, "crimes.json", lambda d: d["rules"].update(
        piracy=[{"id": "pi.piracy", "weight": 0.8, "match": ["piracy"]}]))
    with pytest.raises(ValidationError, match="piracy"):
        load_cues(cue_copy)


def test_a_crime_type_without_rules_is_refused(cue_copy):
    _edit(cue_copy, "crimes.json", lambda d: d["rules"].update(other_crime=[]))
    with pytest.raises(ValidationError, match="other_crime"):
        load_cues(cue_copy)


@pytest.mark.parametrize("pattern", ["~2 women", "women ~2", "traffick* ~2 ~3 women",
                                     "optional? first", "women ~2 young? girls", "a||b"])
def test_a_malformed_pattern_is_refused(cue_copy, pattern):
    _edit(cue_copy, "crimes.json",
          lambda d: d["rules"]["other_crime"][0].update(match=[pattern]))
    with pytest.raises(ValidationError):
        load_cues(cue_copy)


def test_an_unknown_word_class_is_refused(cue_copy):
    _edit(cue_copy, "crimes.json",
          lambda d: d["rules"]["other_crime"][0].update(match=["@nosuchclass ~2 fire"]))
    with pytest.raises(ValidationError, match="nosuchclass"):
        load_cues(cue_copy)


def test_a_rule_family_belongs_to_one_crime_type(cue_copy):
    def change(d):
        d["rules"]["other_crime"][0]["family"] = "shared"
        d["rules"]["homicide"][0]["family"] = "shared"
    _edit(cue_copy, "crimes.json", change)
    with pytest.raises(ValidationError, match="shared"):
        load_cues(cue_copy)


def test_model_version_changes_with_the_engine_version(monkeypatch):
    cues = load_cues()
    version = model_version(cues)
    monkeypatch.setattr(cuefiles, "ENGINE_VERSION", cuefiles.ENGINE_VERSION + "-next")
    assert model_version(cues) != version


def test_model_version_names_the_cues_and_changes_with_them(cue_copy):
    version = PreAnnotator().model_version
    assert re.fullmatch(rf"{METHOD}/[0-9a-f]{{12}}/schema-{SCHEMA.version}", version)
    assert PreAnnotator(load_cues(cue_copy)).model_version == version  # same bytes
    assert model_version(load_cues(cue_copy)) == version
    _edit(cue_copy, "context.json", lambda d: d["thresholds"].update(crime_type=0.7))
    assert PreAnnotator(load_cues(cue_copy)).model_version != version
    assert set(CUE_FILES) == {p.name for p in CUES.glob("*.json")}  # every file is hashed


# ---------------------------------------------------------------- the pattern language


@pytest.mark.parametrize(("pattern", "text", "found"), [
    ("kidnap*", "Kidnappers, a kidnapping and a kidnap.", ["Kidnappers", "kidnapping", "kidnap"]),
    ("scam*", "Not a roscam: a scam.", ["scam"]),  # whole words only
    ("forced|made ~2 to work", "made them to work, forced to work", ["made them to work",
                                                                    "forced to work"]),
    ("traffick* ~4 women", "trafficking of up to 40 women", ["trafficking of up to 40 women"]),
    ("traffick* ~4 women", "trafficking. Some women", []),  # not across a sentence end
    ("pig-butcher*", "pig butchering and pig-butchering", ["pig butchering", "pig-butchering"]),
    ("illegal online? gambling", "illegal gambling, illegal online gambling",
     ["illegal gambling", "illegal online gambling"]),
    ("# hours ~1 a|per day", "up to 18 hours a day", ["18 hours a day"]),
    ("drug", "a drugstore, not a drug-free zone", ["drug"]),
    ("o'smach", "O\u2019Smach Resort", ["O\u2019Smach"]),
    ("sell+ ~2 as ~2 bride*", "She was sold as a bride; he sells girls as brides.",
     ["sold as a bride", "sells girls as brides"]),
    ("work+ off", "to work off a debt, working off what he worked off", ["work off",
                                                                         "working off",
                                                                         "worked off"]),
    ("@documents ~3 kept", "Their passports were kept, and his seaman's book was kept too.",
     ["passports were kept", "seaman's book was kept"]),
])
def test_pattern_language(pattern, text, found):
    assert sorted(find(pattern, text, load_cues().context.lexicon)) == sorted(found)


@pytest.mark.parametrize(("word", "forms"), [
    ("sell", {"sell", "sells", "selling", "sold"}), ("rob", {"robs", "robbed", "robbing"}),
    ("carry", {"carries", "carried", "carrying"}), ("seize", {"seizes", "seized", "seizing"}),
    ("take", {"takes", "took", "taken", "taking"}), ("pass", {"passes", "passed", "passing"}),
])
def test_inflections(word, forms):
    assert forms <= set(inflections(word))


def test_needs_can_look_in_the_paragraph(cue_copy):
    rule = {"id": "oc.test", "weight": 0.9, "match": ["bonfire"], "needs": ["petrol"]}
    text = "They lit a bonfire. Someone had brought petrol.\n\nAnother paragraph."
    _edit(cue_copy, "crimes.json", lambda d: d["rules"]["other_crime"].append(dict(rule)))
    assert "other_crime" not in suggested(PreAnnotator(load_cues(cue_copy)).predict(text))
    _edit(cue_copy, "crimes.json",
          lambda d: d["rules"]["other_crime"][-1].update(scope="paragraph"))
    assert "other_crime" in suggested(PreAnnotator(load_cues(cue_copy)).predict(text))


# ---------------------------------------------------------------- in Label Studio


def test_predictions_import_into_label_studio_with_scores_and_notes(settings, studio, seeds_dir,
                                                                    ls_client):
    """Label Studio 1.23 keeps the prediction as sent: its score (the Data Manager's
    "prediction score"), and each region's score and note."""
    from workbench.studio.push import push

    report = push([seeds_dir], settings=settings, studio=studio)
    annotator = PreAnnotator()
    articles = {a.article_id: a for a in ingest([seeds_dir]).articles}
    tasks = list(ls_client.tasks.list(project=report.project_id, fields="all"))
    assert len(tasks) == len(articles)
    for task in tasks:
        (prediction,) = task.predictions
        sent = annotator.predict(articles[task.data["article_id"]].text)
        assert prediction.model_version == annotator.model_version
        assert prediction.score == pytest.approx(sent["score"])
        assert prediction.result == sent["result"]
