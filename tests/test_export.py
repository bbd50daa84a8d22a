"""The gold export: files, determinism, versions, the card, the loader, downstream readers."""

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from builders import (
    actor,
    annotation,
    choice,
    export_task,
    relation,
    span,
    write_export,
    write_tasks,
)
from click.testing import CliRunner

from workbench import ingest, load_gold
from workbench.cli import cli
from workbench.errors import InputError
from workbench.gold.card import dataset_card, suggestions_section
from workbench.gold.diff import diff_versions
from workbench.gold.format import GoldRecord
from workbench.gold.write import write_gold
from workbench.quality.agreement import AgreementReport
from workbench.quality.inference import InferenceReport
from workbench.quality.suggestions import (
    CONTROL,
    SUGGESTED,
    GroupFigures,
    SuggestionReport,
    TypeFigures,
    _warning,
)
from workbench.settings import Settings


def files(folder: Path) -> list[str]:
    """Every file of a version, by its path inside it."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
PEOPLE = ("ana@example.org", "ben@example.org", "cy@example.org")


def _annotation(n, who, text, stance="critical", crimes=("human_trafficking",)):
    """The crime types and stance, the mention of human trafficking and, where the article
    names the police, the police as an actor who supports, responding to it."""
    result = [choice("crime_types", *crimes), choice("stance", stance),
              span("m", "crime_mentions", "human_trafficking", text, "human trafficking")]
    if "police" in text:
        result += [*actor("p", text, "police", "law_enforcement", stance="supports"),
                   relation("p", "m")]
    return annotation(n, who, result, user=n % 10, updated_at="2026-11-20T10:00:00Z")


def write_pull(path: Path, articles, disputed: int | None = None) -> Path:
    """Every article annotated by three people who agree, but article ``disputed``."""
    tasks = []
    for i, article in enumerate(articles):
        stances = ("critical", "neutral", "mixed") if i == disputed else ("critical",) * 3
        data = {"article_id": article.article_id, "sha256": article.sha256,
                "title": article.title, "source": article.source,
                "published": article.published.isoformat() if article.published else None,
                "url": article.url}
        tasks.append(export_task(i + 1, article.text, [
            _annotation(i * 10 + k, who, article.text, stance)
            for k, (who, stance) in enumerate(zip(PEOPLE, stances, strict=True))], data=data))
    return write_tasks(path, tasks)


@pytest.fixture
def seed_articles(seeds_dir):
    return [a for a in ingest([seeds_dir]).articles if "human trafficking" in a.text]


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", exports=tmp_path / "exports", _env_file=None)


def test_export_writes_every_file_and_the_gold_is_right(settings, seed_articles, tmp_path):
    export = write_pull(tmp_path / "pull.json", seed_articles, disputed=0)
    report = write_gold(settings, export=export)
    assert report.version == "1.0.1" and report.articles == len(seed_articles) - 1
    folder = settings.exports / "gold" / "1.0.1"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert files(folder) == sorted([*manifest["files"], "manifest.json"])
    assert {"gold/train.parquet", "spans/train.parquet", "croissant.json", "gold.jsonl",
            "README.md"} <= set(files(folder))
    assert (settings.exports / "gold" / "LATEST").read_text() == "1.0.1\n"
    records = [GoldRecord.model_validate_json(line)
               for line in (folder / "gold.jsonl").read_text().splitlines()]
    assert [r.article_id for r in records] == sorted(r.article_id for r in records)
    for record in records:
        assert record.crime_types == ["human_trafficking"] and record.stance == "critical"
        for part in [*record.actors, *record.crime_mentions]:
            assert record.text[part.start:part.end] == part.text
        assert record.provenance.stance.method == "unanimous"
        assert record.provenance.stance.annotators == ["annotator-1", "annotator-2",
                                                       "annotator-3"]
    assert any(r.relations for r in records)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [p["article_id"] for p in manifest["pending"]] == [seed_articles[0].article_id]
    assert manifest["pulls"][0]["file"] == "pull.json"


def test_no_email_reaches_the_gold_files(settings, seed_articles, tmp_path):
    write_gold(settings, export=write_pull(tmp_path / "pull.json", seed_articles))
    folder = settings.exports / "gold" / "1.0.1"
    for name in files(folder):
        content = (folder / name).read_bytes()
        assert b"@example.org" not in content, name
    mapping = json.loads((settings.exports / "raw" / "pseudonyms.json").read_text())
    assert mapping == {"ana@example.org": "annotator-1", "ben@example.org": "annotator-2",
                       "cy@example.org": "annotator-3"}


def test_rebuilding_from_the_same_pull_is_byte_identical(settings, seed_articles, tmp_path):
    export = write_pull(tmp_path / "pull.json", seed_articles)
    write_gold(settings, export=export)
    write_gold(settings, export=export, out=tmp_path / "rebuild", version="1.0.1")
    assert files(tmp_path / "rebuild" / "1.0.1") == files(settings.exports / "gold" / "1.0.1")
    for name in files(settings.exports / "gold" / "1.0.1"):
        original = (settings.exports / "gold" / "1.0.1" / name).read_bytes()
        assert (tmp_path / "rebuild" / "1.0.1" / name).read_bytes() == original, name


def test_the_manifest_and_the_card_count_what_the_files_hold(settings, seed_articles, tmp_path):
    write_gold(settings, export=write_pull(tmp_path / "pull.json", seed_articles))
    folder = settings.exports / "gold" / "1.0.1"
    manifest = json.loads((folder / "manifest.json").read_text())
    gold = pd.read_parquet(folder / "gold")
    for name, entry in manifest["files"].items():
        from workbench.store.rawpulls import sha256_file

        assert sha256_file(folder / name) == entry["sha256"]
        if name.endswith(".parquet"):
            assert pq.ParquetFile(folder / name).metadata.num_rows == entry["rows"]
    assert manifest["counts"]["articles"] == len(gold)
    card = (folder / "README.md").read_text()
    header = card.split("---")[1]
    for split in ("train", "validation", "test"):
        expected = int((gold["split"] == split).sum())
        assert f"| {split} | {expected} |" in card
        assert (f"path: gold/{split}.parquet" in header) == (expected > 0)
    row = re.search(r"\| `human_trafficking` \| [^|]+ \| [^|]+ \| (\d+) \|", card)
    assert int(row.group(1)) == sum("human_trafficking" in c for c in gold["crime_types"])
    actors = re.search(r"\| `law_enforcement` \| [^|]+ \| (\d+) \|", card)
    assert int(actors.group(1)) == sum(len(a) for a in gold["actors"])
    assert "Span offsets index the Python string (Unicode code points)" in card
    assert card.startswith("---\npretty_name:") and "license: other" in header


def test_load_gold_round_trip_and_plain_readers(settings, seed_articles, tmp_path):
    write_gold(settings, export=write_pull(tmp_path / "pull.json", seed_articles))
    root = settings.exports / "gold"
    frame = load_gold(root)
    records = load_gold(root, records=True)
    assert list(frame["article_id"]) == [r.article_id for r in records]
    assert frame.iloc[0]["crime_types"].tolist() == records[0].crime_types
    train = load_gold(root, version="1.0.1", split="train")
    assert set(train["split"]) <= {"train"}
    assert len(train) == sum(r.split == "train" for r in records)
    # Without the workbench: pandas/pyarrow, and the datasets library's parquet loader.
    plain = pd.read_parquet(root / "1.0.1" / "gold")
    assert sorted(plain["article_id"]) == frame["article_id"].tolist()
    import datasets  # a test extra
    loaded = datasets.load_dataset("parquet", data_files=str(root / "1.0.1" / "gold" / "*"),
                                   cache_dir=str(tmp_path / "hf-cache"))["train"]
    assert loaded.num_rows == len(frame)
    assert loaded[0]["actors"][0]["role"] == records[0].actors[0].role


def test_the_loader_refuses_a_changed_file(settings, seed_articles, tmp_path):
    write_gold(settings, export=write_pull(tmp_path / "pull.json", seed_articles))
    gold = settings.exports / "gold" / "1.0.1" / "gold" / "train.parquet"
    gold.write_bytes(gold.read_bytes() + b"x")
    with pytest.raises(InputError, match="does not match the sha256 in its manifest"):
        load_gold(settings.exports / "gold")


def test_versions_splits_and_diff(settings, seed_articles, tmp_path):
    first = write_pull(tmp_path / "one.json", seed_articles[:-1])
    assert write_gold(settings, export=first).version == "1.0.1"
    again = write_gold(settings, export=first)
    assert again.unchanged and again.version is None
    assert sorted(p.name for p in (settings.exports / "gold").iterdir()) == ["1.0.1", "LATEST"]
    second = write_pull(tmp_path / "two.json", seed_articles)
    assert write_gold(settings, export=second).version == "1.0.2"
    assert load_gold(settings.exports / "gold").shape[0] == len(seed_articles)
    old = {r.article_id: r.split for r in load_gold(settings.exports / "gold", version="1.0.1",
                                                    records=True)}
    new = {r.article_id: r.split for r in load_gold(settings.exports / "gold", records=True)}
    assert all(new[a] == split for a, split in old.items())  # splits are stable
    diff = diff_versions(settings.exports / "gold", "1.0.1", "1.0.2")
    assert diff.added == [seed_articles[-1].article_id] and diff.removed == []
    result = CliRunner().invoke(cli, ["diff", "1.0.1", "--root", str(settings.exports / "gold")])
    assert result.output.startswith("1.0.1 -> 1.0.2: 1 article added, 0 removed, 0 changed")


def test_an_interrupted_export_leaves_no_half_version(settings, seed_articles, tmp_path,
                                                      monkeypatch):
    from workbench.gold import write as write_module

    write_gold(settings, export=write_pull(tmp_path / "one.json", seed_articles[:-1]))

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write_module, "write_manifest", disk_full)
    with pytest.raises(OSError):
        write_gold(settings, export=write_pull(tmp_path / "two.json", seed_articles))
    root = settings.exports / "gold"
    assert sorted(p.name for p in root.iterdir()) == ["1.0.1", "LATEST"]
    assert (root / "LATEST").read_text() == "1.0.1\n"
    assert load_gold(root).shape[0] == len(seed_articles) - 1


def test_without_text(settings, seed_articles, tmp_path):
    write_gold(settings, export=write_pull(tmp_path / "pull.json", seed_articles),
                with_text=False)
    records = load_gold(settings.exports / "gold", records=True)
    assert all(r.text is None and r.sha256 for r in records)
    assert all(a.text is None for r in records for a in r.actors)
    card = (settings.exports / "gold" / "1.0.1" / "README.md").read_text()
    assert "This version carries no article text" in card


def test_export_cli_names_the_version(tmp_path, seed_articles, monkeypatch):
    monkeypatch.chdir(tmp_path)
    export = write_pull(tmp_path / "pull.json", seed_articles)
    result = CliRunner().invoke(cli, ["export", "--export", str(export)],
                                env={"WORKBENCH_HOME": str(tmp_path / "home")})
    assert result.exit_code == 0, result.output
    assert result.output == (f"Read {len(seed_articles)} tasks: {len(seed_articles)} decided, "
                             f"0 set aside\nRead {3 * len(seed_articles)} annotations: "
                             f"{3 * len(seed_articles)} used, 0 set aside\n"
                             f"Wrote gold version 1.0.1: {len(seed_articles)} articles in "
                             f"exports/gold/1.0.1\n")
    again = CliRunner().invoke(cli, ["export", "--export", str(export)],
                               env={"WORKBENCH_HOME": str(tmp_path / "home")})
    assert again.output.splitlines()[2].startswith("Gold unchanged since version 1.0.1")
    shutil.rmtree(tmp_path / "exports")


def test_versions_written_with_a_dev_split_still_load(settings, seed_articles, tmp_path):
    """Gold written before workbench 0.2 named the validation split "dev"."""
    write_gold(settings, export=write_pull(tmp_path / "pull.json", seed_articles * 1))
    folder = settings.exports / "gold" / "1.0.1"
    records = [json.loads(line) for line in (folder / "gold.jsonl").read_text().splitlines()]
    records[0]["split"] = "dev"  # as an old version would have it
    (folder / "gold.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    split_file = next(p for p in (folder / "gold").glob("*.parquet")
                      if records[0]["article_id"] in pq.read_table(p)["article_id"].to_pylist())
    table = pq.read_table(split_file).to_pandas()
    table.loc[table["article_id"] == records[0]["article_id"], "split"] = "dev"
    table.to_parquet(split_file)
    old = load_gold(settings.exports / "gold", verify=False)
    assert old.set_index("article_id").loc[records[0]["article_id"], "split"] == "validation"
    assert load_gold(settings.exports / "gold", split="dev", verify=False)[
        "article_id"].tolist() == load_gold(settings.exports / "gold", split="validation",
                                            verify=False)["article_id"].tolist()
    (first,) = [r for r in load_gold(settings.exports / "gold", records=True, verify=False)
                if r.article_id == records[0]["article_id"]]
    assert first.split == "validation"


# -- what the card says, as a reader reads it --------------------------------------------------

@pytest.fixture(scope="module")
def suggested_pull(tmp_path_factory) -> Path:
    """A synthetic pull: suggestions on every task but every tenth, the control share."""
    return write_export(tmp_path_factory.mktemp("suggested") / "export.json", 40)


def _preannotations(pull: Path, folder: Path) -> str:
    """The card's pre-annotation section, for the gold made of ``pull``."""
    report = write_gold(Settings(home=folder / "home", exports=folder / "exports",
                                 _env_file=None), export=pull)
    assert report.path is not None
    return (report.path / "README.md").read_text().split("## Pre-annotations")[1].split(
        "\n## ")[0]


def test_without_control_articles_the_card_points_to_no_comparison(suggested_pull, tmp_path):
    tasks = json.loads(suggested_pull.read_text())
    uncontrolled = write_tasks(tmp_path / "uncontrolled.json", [
        t for t in tasks if t["meta"]["suggestions"] != "control"])
    section = _preannotations(uncontrolled, tmp_path / "uncontrolled")
    assert "Agreement mostly reflects accepted suggestions" in section  # warned all the same
    assert "compare with the articles" not in section.lower()
    assert "there is nothing to compare the figures with suggestions to" in section
    assert ("No articles shown without suggestions have enough annotations to compare "
            "with.") in section
    controlled = _preannotations(suggested_pull, tmp_path / "controlled")
    assert "Compare with the articles shown without suggestions." in controlled
    assert "nothing to compare" not in controlled and "No articles shown" not in controlled


def test_a_share_in_the_card_reads_as_all_or_nothing_only_when_it_is():
    group = GroupFigures(tasks=40, annotations=120, crime_types_alpha=0.9996,
                         stance_alpha=0.0004, span_f1=0.5)
    report = SuggestionReport(
        groups={SUGGESTED: group, CONTROL: group}, kept_share=446 / 447,
        agreed_from_suggestions=0.9996, per_type={
            "human_trafficking": TypeFigures(suggested=3, gold=3, correct=3, precision=0.9996,
                                             recall=0.0004, kept=0.002),
            "forced_labour": TypeFigures(suggested=2, gold=2, correct=2, precision=1.0,
                                         recall=1.0, kept=1.0)})
    report.warning = _warning(report)
    assert report.warning is not None
    text = "\n".join(suggestions_section(report))
    assert "annotators kept 99.8%; of what they agree on, >99.9% had been suggested" in text
    assert "annotators kept 99.8% of what was suggested, and >99.9% of what" in text
    assert "| 0.9996 | 0.0004 | 0.2% |" in text and "| 1.000 | 1.000 | 100% |" in text
    assert "| 0.9996 | 0.0004 | 0.500 |" in text  # alphas too
    exact = {"| 1.000 | 1.000 | 100% |"}  # forced_labour's: exact, so it may read so
    shown = "\n".join(line for line in text.splitlines() if not any(e in line for e in exact))
    assert not re.search(r"(?<![\d.])(100|0)%|(?<![\d.])[01]\.000\b", shown), shown


def _card(n: int) -> str:
    """A card where every count is ``n``."""
    counts = {"articles": n, "splits": {"train": n}, "rows": {"gold": {"train": n}},
              **{key: {} for key in ("crime_types", "stance", "actor_roles", "actor_stances",
                                     "crime_mentions", "relation_types")}}
    return dataset_card(version="1.0.0", counts=counts, agreement=AgreementReport(tasks=n),
                        decisions={"agreed": n}, pending=n, with_text=True, settings={},
                        suggestions=SuggestionReport(), uncertain=n,
                        inference=InferenceReport(aggregate="auto", threshold=0.9))


def test_every_count_in_the_card_agrees_with_its_noun():
    one, two = _card(1), _card(2)
    assert "\n1 news article about crime" in one and "\n2 news articles about crime" in two
    assert "pull (1 task), before" in one and "pull (2 tasks), before" in two
    assert "1 article is not in this version yet" in one and "lists it." in one
    assert "2 articles are not in this version yet" in two and "lists them." in two
    assert "instead of gold: 1 article so far" in one and "gold: 2 articles so far" in two
    assert "article(s)" not in one + two
    plural_after_one = r"(?<![\d.,])1 (?!is\b|was\b|has\b|news\b)\w+s\b"
    assert not re.findall(plural_after_one, one), re.findall(f".{{30}}{plural_after_one}", one)
