"""workbench: news articles to a versioned gold dataset, through Label Studio.

The public API; everything else is private to the package. Downstream projects
need only ``load_gold`` (and the ``GoldRecord`` model it can return).
"""

from workbench.articles import Article, FieldMap, IngestReport, ingest
from workbench.errors import (
    ConfigError,
    InputError,
    ServerError,
    ServerUnreachable,
    StaleFilesError,
    StudioError,
    WorkbenchError,
)
from workbench.goldformat import GoldRecord
from workbench.guidelines import guidelines_html, guidelines_markdown
from workbench.labelconfig import label_config
from workbench.schema import SCHEMA, SCHEMA_VERSION, Schema
from workbench.settings import Settings

__all__ = [
    "SCHEMA", "SCHEMA_VERSION", "Article", "ConfigError", "FieldMap", "GoldRecord",
    "IngestReport", "InputError", "Schema", "ServerError", "ServerUnreachable", "Settings",
    "StaleFilesError", "StudioError", "WorkbenchError", "diff_versions", "guidelines_html",
    "guidelines_markdown", "ingest", "label_config", "load_gold",
]


def __getattr__(name: str):
    """``load_gold`` and ``diff_versions`` on first use: they bring pandas and pyarrow, which
    the commands that never touch a gold version should not pay for at start."""
    if name in ("load_gold", "diff_versions"):
        from workbench import dataset

        return getattr(dataset, name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
