import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from workbench import SCHEMA, Schema, label_config
from workbench.cli import cli
from workbench.schema import ICCS_SECTIONS, NO_CRIME, generated

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def config() -> ET.Element:
    return ET.fromstring(label_config())


def _control(config: ET.Element, tag: str, name: str) -> ET.Element:
    found = [e for e in config.iter(tag) if e.get("name") == name]
    assert len(found) == 1, f"{tag} {name}: {len(found)} controls"
    return found[0]


@pytest.mark.parametrize("tag, name, values", [
    ("Choices", "crime_types", [c.id for c in SCHEMA.crime_types]),
    ("Choices", "stance", [v.id for v in SCHEMA.stances]),
    ("Labels", "actors", [v.id for v in SCHEMA.actor_roles]),
    ("Labels", "crime_mentions", [c.id for c in SCHEMA.crime_types if c.id != NO_CRIME]),
    ("Choices", "actor_stance", [v.id for v in SCHEMA.actor_stances]),
])
def test_every_value_appears_once_with_its_id_as_stored_value(config, tag, name, values):
    control = _control(config, tag, name)
    assert control.get("toName") == "text"
    stored = [child.get("value") for child in control]
    assert stored == values
    assert not any(child.get("alias") for child in control)  # alias would replace the id


def test_relations_carry_the_relation_ids(config):
    relations = list(config.iter("Relation"))
    assert [r.get("value") for r in relations] == [v.id for v in SCHEMA.relation_types]


def test_text_object_reads_task_field_text(config):
    (text,) = config.iter("Text")
    assert (text.get("name"), text.get("value")) == ("text", "$text")


def test_required_fields_are_marked(config):
    for name in ("crime_types", "stance"):
        control = _control(config, "Choices", name)
        assert control.get("required") == "true" and control.get("requiredMessage")
    assert _control(config, "Choices", "crime_types").get("choice") == "multiple"
    assert _control(config, "Choices", "stance").get("choice") == "single-radio"


def test_actor_stance_shows_only_on_a_selected_actor_span(config):
    parents = {child: parent for parent in config.iter() for child in parent}
    stance = _control(config, "Choices", "actor_stance")
    assert stance.get("perRegion") == "true"
    view = parents[stance]
    assert (view.get("visibleWhen"), view.get("whenTagName")) == ("region-selected", "actors")


def test_hotkeys_are_unique_and_cover_the_actor_roles(config):
    hotkeys = [e.get("hotkey") for e in config.iter() if e.get("hotkey")]
    assert len(hotkeys) == len(set(hotkeys))
    assert all(label.get("hotkey") for label in _control(config, "Labels", "actors"))


def test_every_crime_type_has_an_iccs_section_but_no_crime():
    for crime in SCHEMA.crime_types:
        assert (crime.iccs in ICCS_SECTIONS) if crime.id != NO_CRIME else crime.iccs is None


def test_schema_rejects_duplicate_ids():
    data = SCHEMA.model_dump()
    data["stances"] = data["stances"] + data["stances"][:1]
    with pytest.raises(ValidationError, match="duplicate ids"):
        Schema(**data)


def test_guidelines_name_every_value():
    markdown = (ROOT / "label_configs" / "guidelines.md").read_text()
    html = (ROOT / "label_configs" / "guidelines.html").read_text()
    for spec in SCHEMA.fields:
        for value in spec.values:
            assert f"`{value.id}`" in markdown
            assert f"<code>{value.id}</code>" in html


def test_checked_in_files_are_current():
    assert generated.stale_files(ROOT / "label_configs") == []


def test_check_names_the_stale_file_and_write_fixes_it(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["schema", "--write", "--dir", str(tmp_path)]).exit_code == 0
    (tmp_path / "crime_news.xml").write_text("<View/>")
    result = runner.invoke(cli, ["schema", "--check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (f"Error: generated files are out of date: {tmp_path}/crime_news.xml "
                             "(run: workbench schema --write)\n")
    assert runner.invoke(cli, ["schema", "--write", "--dir", str(tmp_path)]).exit_code == 0
    assert runner.invoke(cli, ["schema", "--check", "--dir", str(tmp_path)]).exit_code == 0


def test_schema_json_lists_the_values():
    result = CliRunner().invoke(cli, ["schema", "--json"])
    data = json.loads(result.stdout)
    assert data["version"] == SCHEMA.version
    assert [c["id"] for c in data["crime_types"]] == [c.id for c in SCHEMA.crime_types]
