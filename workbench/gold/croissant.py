"""A gold version's Croissant metadata (``croissant.json``, MLCommons' format for datasets,
which Hugging Face, Kaggle and OpenML read): the files with their sha256, each flat table as a
record set with its fields and types, and the splits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from workbench.gold.format import SPLITS
from workbench.schema import SCHEMA_VERSION
from workbench.store.atomic import write_text

NAME = "croissant.json"
RECORD_SETS = {  # the flat tables; the nested gold table is read with load_gold or datasets
    "documents": "One row per article: metadata, crime types, stance and how it was decided.",
    "spans": "One row per actor or crime mention span, with its offsets into the text.",
    "relations": "One row per relation from an actor to a crime mention.",
}
# Croissant 1.0's JSON-LD context, as its specification gives it.
CONTEXT: dict[str, Any] = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs",
    "column": "cr:column", "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract",
    "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet", "format": "cr:format", "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath", "key": "cr:key",
    "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex",
    "repeated": "cr:repeated", "replace": "cr:replace", "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source",
    "subField": "cr:subField", "transform": "cr:transform",
}
_TYPES = {pa.string(): "sc:Text", pa.int64(): "sc:Integer", pa.float64(): "sc:Float",
          pa.date32(): "sc:Date", pa.bool_(): "sc:Boolean"}
PARQUET = "application/x-parquet"


def write_croissant(folder: Path, *, version: str, files: dict[str, dict[str, Any]],
                    articles: int, with_text: bool, published: str | None) -> None:
    """``croissant.json`` for the version in ``folder`` (its data files already written);
    ``published``: the day of the pull it was made from."""
    distribution: list[dict[str, Any]] = [
        {"@type": "cr:FileObject", "@id": name, "name": name, "contentUrl": name,
         "encodingFormat": PARQUET, "sha256": files[name]["sha256"],
         "contentSize": f"{files[name]['bytes']} B"}
        for name in files if name.endswith(".parquet")]
    record_sets = [_splits()]
    for table, description in RECORD_SETS.items():
        parquet = sorted(folder.glob(f"{table}/*.parquet"))
        if not parquet:
            continue
        distribution.append({"@type": "cr:FileSet", "@id": f"{table}-files",
                             "name": f"{table}-files", "encodingFormat": PARQUET,
                             "includes": f"{table}/*.parquet"})
        record_sets.append(_record_set(table, description, pq.read_schema(parquet[0])))
    metadata = {
        "@context": CONTEXT, "@type": "sc:Dataset", "name": "crime-news-gold",
        "conformsTo": "http://mlcommons.org/croissant/1.0", "version": version,
        "description": (
            f"{articles} news articles about crime labeled with the crime types they report, "
            f"their stance toward the authorities' response, the actors they name and the "
            f"crimes they mention, each label with how it was decided (workbench schema "
            f"{SCHEMA_VERSION})." + ("" if with_text else " This version holds no article "
                                     "text: re-hydrate it from your own copies by sha256.")),
        "license": "The article texts are their publishers' copyright; see README.md.",
        "citeAs": (f"@misc{{crime_news_gold_{version.replace('.', '_')}, title={{Crime news "
                   f"gold dataset, version {version}}}, note={{Made with workbench}}}}"),
        "inLanguage": "en", "keywords": ["crime", "human trafficking", "stance", "news"],
        **({"datePublished": published} if published else {}),
        "distribution": distribution, "recordSet": record_sets,
    }
    write_text(folder / NAME, json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")


def _splits() -> dict[str, Any]:
    """The splits, as Croissant names them: a record set of type cr:Split."""
    return {"@type": "cr:RecordSet", "@id": "splits", "name": "splits", "dataType": "cr:Split",
            "key": {"@id": "splits/name"},
            "field": [{"@type": "cr:Field", "@id": "splits/name", "name": "splits/name",
                       "dataType": "sc:Text"}],
            "data": [{"splits/name": split} for split in SPLITS]}


def _record_set(table: str, description: str, schema: pa.Schema) -> dict[str, Any]:
    fields = []
    for column in schema:
        repeated = pa.types.is_list(column.type)
        kind = _TYPES[column.type.value_type if repeated else column.type]
        field: dict[str, Any] = {
            "@type": "cr:Field", "@id": f"{table}/{column.name}", "name": f"{table}/{column.name}",
            "dataType": kind, "source": {"fileSet": {"@id": f"{table}-files"},
                                         "extract": {"column": column.name}}}
        if repeated:
            field["repeated"] = True
        if column.name == "split":
            field["references"] = {"field": {"@id": "splits/name"}}
        fields.append(field)
    return {"@type": "cr:RecordSet", "@id": table, "name": table, "description": description,
            "field": fields}
