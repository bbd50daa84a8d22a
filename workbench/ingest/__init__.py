"""Files to articles: readers for text, JSON Lines, JSON and CSV; page furniture;
and the rule-based pre-annotator that suggests labels for them."""

from workbench.ingest.articles import Article, FieldMap, IngestReport, ingest

__all__ = ["Article", "FieldMap", "IngestReport", "ingest"]
