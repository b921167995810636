"""Running a compiled view on Spark: resources as VARIANT values in a `resources` temporary view.

NDJSON files (gzip too) are read as text lines and parsed with `parse_json`; resource dicts are
passed as a table of JSON strings.
"""

from __future__ import annotations

import json
from typing import Any

from trdnav.views.compiler import CompiledView
from trdnav.views.errors import ViewError
from trdnav.views.sources import Sources, resource_files
from trdnav.views.spark_session import spark_session


def load(sources: Sources, table: str = "resources") -> Any:
    """Register `table(resource_type, resource)` from resource dicts and NDJSON files or folders."""
    spark = spark_session()
    dicts, files = resource_files(sources)
    frames = []
    if dicts:
        lines = [(json.dumps(resource, separators=(",", ":")),) for resource in dicts]
        frames.append(spark.createDataFrame(lines, "value string"))
    if files:
        frames.append(spark.read.text([str(path) for path in files]))
    if not frames:
        frames.append(spark.createDataFrame([], "value string"))
    text = frames[0]
    for frame in frames[1:]:
        text = text.unionByName(frame)
    text.createOrReplaceTempView(f"{table}_text")
    frame = spark.sql(
        "SELECT variant_get(resource, '$.resourceType', 'string') AS resource_type, resource "
        f"FROM (SELECT parse_json(value) AS resource FROM {table}_text WHERE trim(value) <> '')"
    )
    frame.createOrReplaceTempView(table)
    return frame


def _value(kind: str, value: Any) -> Any:
    if value is None:
        return [] if kind == "list" else None
    if kind in ("json", "list"):
        return json.loads(value)
    return value


def fetch(compiled: CompiledView) -> list[dict[str, Any]]:
    spark = spark_session()
    try:
        rows = spark.sql(compiled.sql).collect()
    except Exception as error:  # Spark raises its own exception classes (pyspark.errors)
        raise ViewError(f"the view failed on the data: {_message(error)}") from None
    return [{name: _value(kind, row[i]) for i, (name, kind) in enumerate(compiled.columns)} for row in rows]


def _message(error: Exception) -> str:
    text = str(error)
    if "[USER_RAISED_EXCEPTION]" in text:
        text = text.split("[USER_RAISED_EXCEPTION]", 1)[1].split("SQLSTATE")[0]
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def run(compiled: CompiledView, sources: Sources) -> list[dict[str, Any]]:
    load(sources)
    return fetch(compiled)
