"""workbench: news articles to a versioned gold dataset, through Label Studio.

The public API; everything else is private to the package. Nothing here
talks to a network or needs an extra: downstream projects need only
``load_gold`` (and the ``GoldRecord`` model it can return).
"""

from workbench.errors import (
    AuthError,
    ConfigError,
    InputError,
    IntegrityError,
    LockedError,
    MissingExtra,
    ServerError,
    ServerUnreachable,
    StaleFilesError,
    StudioError,
    WorkbenchError,
)
from workbench.gold.format import GoldRecord
from workbench.ingest import Article, FieldMap, IngestReport, ingest
from workbench.schema import SCHEMA, SCHEMA_VERSION, Schema
from workbench.schema.guidelines import guidelines_html, guidelines_markdown
from workbench.schema.labelconfig import label_config
from workbench.settings import Settings

__all__ = [
    "SCHEMA", "SCHEMA_VERSION", "Article", "AuthError", "ConfigError", "FieldMap", "GoldRecord",
    "IngestReport", "InputError", "IntegrityError", "LockedError", "MissingExtra", "Schema",
    "ServerError", "ServerUnreachable", "Settings", "StaleFilesError", "StudioError",
    "WorkbenchError", "diff_versions", "guidelines_html", "guidelines_markdown", "ingest",
    "label_config", "load_gold",
]


def __getattr__(name: str):
    """``load_gold`` and ``diff_versions`` on first use: they bring pandas and pyarrow, which
    the commands that never touch a gold version should not pay for at start."""
    if name == "load_gold":
        from workbench.gold.load import load_gold

        return load_gold
    if name == "diff_versions":
        from workbench.gold.diff import diff_versions

        return diff_versions
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
