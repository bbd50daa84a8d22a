"""Fuzzed inputs: whatever the bytes, a clear error naming file, record and field; never a
traceback. And agreement's properties on generated data."""

import codecs
import json
import random

from builders import annotation as raw_annotation
from builders import choice, export_task, span_at, write_tasks
from click.testing import CliRunner
from helpers import offline_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from workbench.cli import cli
from workbench.errors import InputError
from workbench.ingest.articles import ingest, sha256_text
from workbench.quality.adjudicate import adjudicate
from workbench.quality.agreement import agreement_export
from workbench.quality.validate import validate_export

SUFFIXES = [".txt", ".md", ".jsonl", ".json", ".csv"]
FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check_ingest(path):
    report = ingest([path])
    for problem in report.problems:
        assert str(problem).startswith(str(path))
    for article in report.articles:
        assert article.text and article.sha256 == sha256_text(article.text)
    result = CliRunner().invoke(cli, ["ingest", str(path)])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output
    assert isinstance(result.exception, (SystemExit, type(None)))


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_ingest_survives_any_bytes(tmp_path, data, suffix):
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    _check_ingest(path)


@FUZZ
@given(text=st.text(max_size=500), suffix=st.sampled_from(SUFFIXES),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "latin-1",
                                 "cp1252", "shift_jis"]))
@example(text='"', suffix=".csv", encoding="utf-8")  # an unclosed quote in the header row
def test_ingest_survives_any_text_in_any_encoding(tmp_path, text, suffix, encoding):
    try:
        data = codecs.encode(text, encoding)
    except UnicodeEncodeError:
        return
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    _check_ingest(path)


JSON = st.recursive(st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(
    allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "data", "text", "annotations", "result", "value", "start", "end",
                         "labels", "choices", "from_name", "to_name", "type", "completed_by",
                         "was_cancelled", "from_id", "to_id", "email", "x"]), children,
        max_size=6), max_leaves=30)

ANNOTATOR = st.one_of(st.integers(0, 5), st.fixed_dictionaries(
    {"email": st.sampled_from(["a@x.org", "b@x.org", "c@x.org"])}))
TASKISH = st.fixed_dictionaries({"id": st.integers(0, 50), "data": st.fixed_dictionaries(
    {"text": st.text(max_size=60)}), "annotations": st.lists(st.fixed_dictionaries({
        "id": st.integers(0, 1000), "completed_by": ANNOTATOR,
        "was_cancelled": st.booleans(),
        "result": st.lists(st.one_of(JSON, st.fixed_dictionaries({
            "id": st.sampled_from(["r1", "r2"]),
            "from_name": st.sampled_from(["actors", "crime_mentions", "stance", "crime_types",
                                          "actor_stance", "other"]),
            "to_name": st.just("text"), "type": st.sampled_from(["labels", "choices", "relation"]),
            "value": st.fixed_dictionaries({}, optional={
                "start": st.integers(-3, 80), "end": st.integers(-3, 80),
                "text": st.text(max_size=10),
                "labels": st.lists(st.sampled_from(["victim", "homicide", "nope"]), max_size=2),
                "choices": st.lists(st.sampled_from(["critical", "no_crime", "homicide", "nope"]),
                                    max_size=3)})})), max_size=5)}), max_size=4)})


def _check_offline_chain(path, tmp_path):
    for step in (validate_export, agreement_export):
        try:
            step(path)
        except InputError as error:
            assert str(error).startswith(str(path))
    try:
        adjudicate(offline_settings(tmp_path), export=path)
    except InputError as error:
        assert str(error).startswith(str(path))
    for command in ("validate", "agreement", "adjudicate", "export"):
        result = CliRunner().invoke(cli, [command, "--export", str(path)],
                                    env={"WORKBENCH_EXPORTS": str(tmp_path / "cli")})
        assert "Traceback" not in result.output, (command, result.output)
        assert isinstance(result.exception, (SystemExit, type(None))), (command,
                                                                       result.exception)


@FUZZ
@given(value=JSON)
def test_any_json_shape_gives_findings_or_one_error(tmp_path, value):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(value))
    _check_offline_chain(path, tmp_path)


@FUZZ
@given(tasks=st.lists(TASKISH, max_size=4))
def test_task_like_exports_never_crash_and_name_the_field(tmp_path, tasks):
    path = write_tasks(tmp_path / "export.json", tasks)
    _check_offline_chain(path, tmp_path)
    for finding in validate_export(path).findings:
        if finding.rule == "malformed_task":
            assert finding.field and "does not fit the export format" in finding.message


@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_as_an_export(tmp_path, data):
    path = tmp_path / "export.json"
    path.write_bytes(data)
    _check_offline_chain(path, tmp_path)


# -- agreement properties ---------------------------------------------------------------

LABELS = ["victim", "perpetrator", "government"]
STANCES = ["critical", "neutral", "supportive"]


@st.composite
def studies(draw):
    """Tasks each rated by 2-4 of five annotators: stances and spans."""
    tasks = []
    for n in range(draw(st.integers(2, 8))):
        text = "x" * 60
        raters = draw(st.lists(st.sampled_from([f"r{i}@x.org" for i in range(5)]),
                               min_size=2, max_size=4, unique=True))
        annotations = []
        for k, rater in enumerate(raters):
            spans = draw(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 9),
                                            st.sampled_from(LABELS)), max_size=3))
            result = [choice("stance", draw(st.sampled_from(STANCES)))]
            result += [span_at(f"s{i}", "actors", label, text, s, s + w)
                       for i, (s, w, label) in enumerate(spans)]
            annotations.append(raw_annotation(n * 10 + k, rater, result))
        tasks.append(export_task(n + 1, text, annotations))
    return tasks


def _agreement(tmp_path, tasks, name="export.json"):
    return agreement_export(write_tasks(tmp_path / name, tasks))


@FUZZ
@given(tasks=studies(), seed=st.integers(0, 1000))
def test_permuting_items_or_renaming_annotators_changes_nothing(tmp_path, tasks, seed):
    original = _agreement(tmp_path, tasks).fields
    shuffled = json.loads(json.dumps(tasks))
    random.Random(seed).shuffle(shuffled)
    names = {f"r{i}@x.org": f"z{(i * 3 + seed) % 5}@y.org" for i in range(5)}
    for task in shuffled:
        random.Random(seed).shuffle(task["annotations"])
        for annotation in task["annotations"]:
            annotation["completed_by"]["email"] = names[annotation["completed_by"]["email"]]
    permuted = _agreement(tmp_path, shuffled, "permuted.json").fields
    for field in ("stance", "actors"):
        if field not in original:
            continue
        a, b = original[field], permuted[field]
        for key in ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa_mean",
                    "percent_agreement", "f1_exact", "f1_overlap", "unitizing_alpha"):
            x, y = getattr(a, key), getattr(b, key)
            assert (x is None and y is None) or abs(x - y) < 1e-9, (field, key, x, y)
        if a.krippendorff_alpha is not None:
            assert a.krippendorff_alpha <= 1.0 + 1e-9


@FUZZ
@given(tasks=studies())
def test_perfect_agreement_gives_one(tmp_path, tasks):
    for task in tasks:  # everyone copies the first annotator
        first = task["annotations"][0]["result"]
        for annotation in task["annotations"]:
            annotation["result"] = first
    fields = _agreement(tmp_path, tasks).fields
    stance = fields["stance"]
    assert stance.percent_agreement == 1.0
    assert stance.krippendorff_alpha in (None, 1.0)  # None: a single value, nothing to expect
    if "actors" in fields:
        actors = fields["actors"]
        assert actors.f1_exact in (None, 1.0) and actors.f1_overlap in (None, 1.0)
        assert actors.unitizing_alpha in (None, 1.0)
