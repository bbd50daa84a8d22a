"""Files generated from the schema and checked in: the labeling config and guidelines."""

from __future__ import annotations

from pathlib import Path

from workbench.errors import StaleFilesError
from workbench.schema import SCHEMA, Schema
from workbench.schema.guidelines import guidelines_html, guidelines_markdown
from workbench.schema.labelconfig import label_config
from workbench.store.atomic import write_text

CONFIG_FILE = "crime_news.xml"
REVIEW_CONFIG_FILE = "crime_news_review.xml"


def generated_files(directory: Path, schema: Schema = SCHEMA) -> dict[Path, str]:
    """Every generated file under ``directory`` with the content the schema gives."""
    return {
        directory / CONFIG_FILE: label_config(schema),
        directory / REVIEW_CONFIG_FILE: label_config(schema, review=True),
        directory / "guidelines.md": guidelines_markdown(schema),
        directory / "guidelines.html": guidelines_html(schema),
    }


def stale_files(directory: Path, schema: Schema = SCHEMA) -> list[Path]:
    """Generated files that are missing or differ from what the schema produces."""
    stale = []
    for path, content in generated_files(directory, schema).items():
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != content:
            stale.append(path)
    return stale


def check(directory: Path, schema: Schema = SCHEMA) -> None:
    """Raise ``StaleFilesError`` naming every stale file."""
    stale = stale_files(directory, schema)
    if stale:
        raise StaleFilesError(stale)


def write(directory: Path, schema: Schema = SCHEMA) -> list[Path]:
    """Regenerate the files that changed; return them."""
    stale = stale_files(directory, schema)
    files = generated_files(directory, schema)
    for path in stale:
        write_text(path, files[path])
    return stale
