import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench import FieldMap, ingest
from workbench.cli import cli
from workbench.ingest.articles import parse_date, sha256_text

SEED_TITLES = {
    "000_9319521ce0b1dd67.txt": "Interior Minister Urges Crackdown on Sihanoukville Crime",
    "001_1e5c004b951af76f.txt": "Sar Kheng Warns Provinces Against Covering Up Human Trafficking",
    "002_e4743842b94427b7.txt":
        "Cambodia\u2019s Government Faces Mounting Pressure to End Kidnappings, Torture",
    "003_9963555c005b6f19.txt": None,  # opens with a sentence, not a headline
    "004_32f56d862c603290.txt": "Speed Up Human Trafficking Fight: Sar Kheng",
}


def test_seeds_give_five_articles_with_their_titles(seeds_dir):
    report = ingest([seeds_dir])
    assert report.problems == [] and report.duplicates == []
    titles = {Path(a.origin.path).name: a.title for a in report.articles}
    assert titles == SEED_TITLES


def test_no_line_of_a_seed_is_lost_except_furniture_kept_in_metadata(seeds_dir):
    for article in ingest([seeds_dir]).articles:
        original = Path(article.origin.path).read_text(encoding="utf-8").split("\n")
        kept = set(article.text.split("\n"))
        removed = {f.line: f.text for f in article.furniture}
        for number, line in enumerate(original, start=1):
            if not line.strip():
                continue
            if number in removed:
                assert removed[number] == line
            else:
                assert line.rstrip() in kept, f"{article.origin.path}:{number} lost"


def test_seed_furniture_is_removed_and_stated_facts_kept(seeds_dir):
    articles = {Path(a.origin.path).name[:3]: a for a in ingest([seeds_dir]).articles}
    kinds = {key: [f.kind for f in a.furniture] for key, a in articles.items()}
    assert kinds == {
        "000": ["read_time", "copyright"],
        "001": ["read_time", "shortcode", "copyright"],
        "002": ["breadcrumb", "dateline", "dateline", "comment_form", "comment_form"],
        "003": [],
        "004": ["related"],
    }
    for article in articles.values():
        for phrase in ("min read", "responsivevoice", "No part of this article", "Leave a Reply",
                       "Related Articles", "Posted on"):
            assert phrase not in article.text
    # Stated: the footer names the publisher, the page its date. A caption's date is not one.
    assert [articles[k].source for k in sorted(articles)] == ["VOD", "VOD", None, None, None]
    assert [articles[k].published for k in sorted(articles)] == [
        None, None, date(2022, 3, 11), None, None]
    assert all(a.url is None for a in articles.values())


def test_ids_and_hashes_are_stable_and_hash_the_pushed_text(seeds_dir):
    first, second = ingest([seeds_dir]).articles, ingest([seeds_dir]).articles
    assert [a.article_id for a in first] == [a.article_id for a in second]
    assert len({a.article_id for a in first}) == 5
    for article in first:
        assert article.sha256 == sha256_text(article.text)


def test_same_text_twice_is_kept_once(tmp_path, seeds_dir):
    seed = next(seeds_dir.glob("000_*.txt"))
    (tmp_path / "copy.txt").write_bytes(seed.read_bytes().replace(b"\n", b"\r\n"))
    report = ingest([seeds_dir, tmp_path])
    assert len(report.articles) == 5
    (duplicate,) = report.duplicates
    assert duplicate.origin.path == str(tmp_path / "copy.txt")
    assert duplicate.reason == "same_text"


def test_jsonl_records_map_fields_and_report_bad_ones(ingest_fixtures):
    report = ingest([ingest_fixtures / "articles.jsonl"])
    by_id = {a.article_id: a for a in report.articles}
    assert list(by_id) == ["pp-001", "17", "pp-007"]
    first = by_id["pp-001"]
    assert (first.title, first.url, first.source, first.published) == (
        "Police raid scam compound in Sihanoukville", "https://example.org/news/pp-001",
        "Example Post", date(2022, 9, 23))
    assert first.extra == {"language": "en"}
    assert first.origin.record == "line 1"
    assert by_id["17"].published == date(2023, 3, 3)
    assert by_id["17"].text.endswith("Chinese national.")
    assert by_id["pp-007"].published is None
    assert [(d.origin.record, d.kept) for d in report.duplicates] == [("line 3", "pp-001")]
    assert [str(p) for p in report.problems] == [
        f"{ingest_fixtures}/articles.jsonl, line 4, field 'text': missing",
        f"{ingest_fixtures}/articles.jsonl, line 5: not valid JSON (Expecting value at column 1)",
        f"{ingest_fixtures}/articles.jsonl, line 6, field 'text': expected a string, got a number",
        f"{ingest_fixtures}/articles.jsonl, line 7, field 'published': not a date: "
        "'last Tuesday'; published left empty",
        f"{ingest_fixtures}/articles.jsonl, line 8, field 'id': expected a string or integer "
        "id, got an array",
        f"{ingest_fixtures}/articles.jsonl, line 9: expected an object with a text field, "
        "got an array",
    ]
    assert [p.severity for p in report.problems].count("warning") == 1


def test_csv_with_configured_columns(ingest_fixtures):
    fields = FieldMap(id=("article_id",), text=("body",), title=("headline",), url=("link",))
    report = ingest([ingest_fixtures / "articles.csv"], fields=fields)
    assert [(a.article_id, a.title, a.url, a.published) for a in report.articles] == [
        ("c-1", "Casino fire kills workers", "https://example.org/c-1", date(2022, 12, 29)),
        ("c-2", None, None, None),
    ]
    assert "Rescuers searched" in report.articles[0].text
    assert [str(p) for p in report.problems] == [
        f"{ingest_fixtures}/articles.csv, row 3, field 'body': empty text"]


def test_crlf_is_normalised_before_hashing(ingest_fixtures):
    (article,) = ingest([ingest_fixtures / "crlf.txt"]).articles
    assert "\r" not in article.text
    assert article.title == "Kidnappers Arrested in Phnom Penh"


@pytest.mark.parametrize("name, message", [
    ("empty.txt", "empty file"),
    ("blank.md", "empty file"),
    ("binary.txt", "binary file (contains NUL bytes), not text"),
    ("latin1.txt", "not UTF-8 text (byte 0xe9 at offset 3); save it as UTF-8"),
    ("furniture_only.txt", "no article text left once page furniture is removed"),
    ("broken.csv", "not valid CSV in row 1: unexpected end of data"),
])
def test_bad_files_are_reported_with_file_and_reason(ingest_fixtures, name, message):
    report = ingest([ingest_fixtures / name])
    assert report.articles == []
    assert [str(p) for p in report.problems] == [f"{ingest_fixtures / name}: {message}"]


def test_oversized_file_is_rejected_and_others_go_through(tmp_path, seeds_dir):
    big = tmp_path / "big.txt"
    big.write_text("Police said. " * 500)
    report = ingest([big, seeds_dir], max_bytes=5000)
    assert len(report.articles) == 5
    assert [str(p) for p in report.problems] == [
        f"{big}: file is 6,500 bytes, over the 5,000-byte limit"]


def test_utf16_with_bom_is_read(ingest_fixtures):
    (article,) = ingest([ingest_fixtures / "utf16.txt"]).articles
    assert article.text.startswith("Deported migrants")


@pytest.mark.parametrize("text, expected", [
    ("2022-03-11", date(2022, 3, 11)),
    ("2022-03-11T08:46:00Z", date(2022, 3, 11)),
    ("2022/3/11", date(2022, 3, 11)),
    ("March 11, 2022, 08:46h.", date(2022, 3, 11)),
    ("11 March 2022", date(2022, 3, 11)),
    ("Sept. 3, 2021", date(2021, 9, 3)),
])
def test_parse_date_accepts_stated_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["March 23", "last Tuesday", "2022-02-30", "", "13/14/2022"])
def test_parse_date_never_guesses(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_cli_json_lists_the_seeds_with_titles():
    result = CliRunner().invoke(cli, ["ingest", "seeds/", "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["title"] for r in records] == list(SEED_TITLES.values())
    assert {"article_id", "sha256", "source", "published", "url", "furniture"} <= set(records[0])
    assert result.stderr.startswith("5 articles from 5 files: 0 duplicates, 0 rejected")


def test_cli_exit_codes(ingest_fixtures):
    runner = CliRunner()
    mixed = runner.invoke(cli, ["ingest", str(ingest_fixtures)])
    assert mixed.exit_code == 0
    assert f"rejected: {ingest_fixtures}/empty.txt: empty file" in mixed.output
    assert runner.invoke(cli, ["ingest", str(ingest_fixtures), "--strict"]).exit_code == 1
    nothing = runner.invoke(cli, ["ingest", str(ingest_fixtures / "empty.txt")])
    assert nothing.exit_code == 1
    assert nothing.output.endswith("Error: no usable article was read\n")
    missing = runner.invoke(cli, ["ingest", "no/such/dir"])
    assert "rejected: no/such/dir: no such file or directory" in missing.output
    assert missing.exit_code == 1


def test_cli_field_options(ingest_fixtures):
    result = CliRunner().invoke(cli, [
        "ingest", str(ingest_fixtures / "articles.csv"), "--json", "--id-field", "article_id",
        "--text-field", "body", "--title-field", "headline"])
    assert [r["article_id"] for r in json.loads(result.stdout)] == ["c-1", "c-2"]


def test_every_path_not_read_says_why(tmp_path):
    (tmp_path / ".drafts").mkdir()
    (tmp_path / ".drafts" / "x.txt").write_text("Police raided a compound.\n")
    (tmp_path / ".notes.txt").write_text("Police raided a compound.\n")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "kept.txt").write_text("Police raided a compound.\n")
    report = ingest([tmp_path])
    assert [a.origin.path for a in report.articles] == [str(tmp_path / "kept.txt")]
    assert {(Path(s.path).name, s.reason.split(" (")[0]) for s in report.skipped} == {
        (".drafts", "hidden"), (".notes.txt", "hidden"), ("gone.txt", "a broken link"),
        ("photo.jpg", "not .csv, .json, .jsonl, .md, .txt")}
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path)])
    assert f"skipped: {tmp_path / 'gone.txt'}: a broken link (to " in result.output


def test_a_json_object_wrapping_a_list_says_what_the_file_holds(tmp_path):
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"articles": [{"text": "a"}, {"text": "b"}], "source": "x"}))
    (problem,) = ingest([path]).problems
    assert problem.message == ("expected an array of articles or one article object; the "
                               "file holds an object with keys 'articles' (an array of 2 "
                               "objects), 'source'")


@pytest.mark.parametrize("suffix", [".txt", ".md"])
@pytest.mark.parametrize("first_line, title", [
    ("Police Free 40 Workers From Scam Compound", "Police Free 40 Workers From Scam Compound"),
    ('Minister: "We Will Not Tolerate Trafficking"',
     'Minister: "We Will Not Tolerate Trafficking"'),
    ("Is the Crackdown Working?", "Is the Crackdown Working?"),
    ("# Police Free 40 Workers", "Police Free 40 Workers"),
    ("Police freed 40 workers on Tuesday, officials said.", None),
])
def test_txt_and_md_titles_follow_one_rule(tmp_path, suffix, first_line, title):
    path = tmp_path / f"article{suffix}"
    path.write_text(f"{first_line}\n\nPolice in Sihanoukville freed forty workers.\n")
    (article,) = ingest([path]).articles
    assert article.title == title
