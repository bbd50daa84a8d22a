"""workbench: news articles to a versioned gold dataset, through Label Studio.

The public API; everything else is private to the package.
"""

from workbench.articles import Article, FieldMap, IngestReport, ingest
from workbench.errors import (
    ConfigError, InputError, ServerError, ServerUnreachable, StaleFilesError, StudioError,
    WorkbenchError,
)
from workbench.guidelines import guidelines_html, guidelines_markdown
from workbench.labelconfig import label_config
from workbench.schema import SCHEMA, SCHEMA_VERSION, Schema
from workbench.settings import Settings

__all__ = [
    "SCHEMA", "SCHEMA_VERSION", "Article", "ConfigError", "FieldMap", "IngestReport",
    "InputError", "Schema", "ServerError", "ServerUnreachable", "Settings", "StaleFilesError",
    "StudioError", "WorkbenchError", "guidelines_html", "guidelines_markdown", "ingest",
    "label_config",
]
