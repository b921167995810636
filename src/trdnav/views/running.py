"""Running a compiled view on DuckDB over resource dicts or NDJSON files and folders."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from trdnav.views.compiler import ViewCompiler
from trdnav.views.duckdb_sql import MACROS
from trdnav.views.errors import ViewError
from trdnav.views.spark_session import session

ENGINES = ("duckdb", "spark")
NDJSON = ("*.ndjson", "*.ndjson.gz")


def _engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ViewError("engine", f"{engine!r} is not available here; expected one of {', '.join(ENGINES)}")


def sql(view: Mapping[str, Any], engine: str = "duckdb") -> str:
    """The SQL the view compiles to (over a table ``resources(r JSON)``; on Spark, ``r VARIANT``)."""
    _engine(engine)
    return ViewCompiler(view, engine).query()


def _files(paths: Sequence[str | Path]) -> list[str]:
    found: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found += sorted(str(p) for pattern in NDJSON for p in path.glob(pattern))
        elif path.is_file():
            found.append(str(path))
        else:
            raise ViewError("resources", f"{path}: no such file or folder (expected NDJSON files or folders)")
    if not found:
        raise ViewError("resources", "no NDJSON files in the folders given")
    return found


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the FHIRPath helper macros."""
    connection = duckdb.connect()
    for macro in MACROS:
        connection.execute(macro)
    return connection


def load(connection: duckdb.DuckDBPyConnection, resources: Sequence[Any] | str | Path) -> None:
    """The table ``resources(r JSON)``: from resource dicts, or from NDJSON files and folders."""
    if isinstance(resources, (str, Path)):
        resources = [resources]
    if resources and all(isinstance(r, (str, Path)) for r in resources):
        files = _files(resources)
        connection.execute(
            "CREATE OR REPLACE TABLE resources AS SELECT json AS r FROM read_ndjson_objects(?)", [files]
        )
        return
    if not all(isinstance(r, Mapping) for r in resources):
        raise ViewError("resources", "expected FHIR resources (JSON objects) or paths to NDJSON files")
    connection.execute("CREATE OR REPLACE TABLE resources (r JSON)")
    if resources:
        connection.executemany("INSERT INTO resources VALUES (?)", [[json.dumps(r)] for r in resources])


def run(
    view: Mapping[str, Any], resources: Sequence[Any] | str | Path, engine: str = "duckdb"
) -> list[dict[str, Any]]:
    """The view's rows over the resources: column name → JSON value (collections as lists)."""
    _engine(engine)
    query = ViewCompiler(view, engine).query()
    if engine == "spark":
        return _run_spark(query, resources)
    connection = connect()
    try:
        load(connection, resources)
        try:
            cursor = connection.execute(query)
        except duckdb.Error as error:
            raise ViewError("view", f"the view cannot be run on these resources: {error}") from None
        names = [d[0] for d in cursor.description or []]
        return [
            {
                name: (json.loads(value) if value is not None else None)
                for name, value in zip(names, row, strict=True)
            }
            for row in cursor.fetchall()
        ]
    finally:
        connection.close()


FORMATS = {"ndjson": "FORMAT JSON", "csv": "FORMAT CSV, HEADER", "parquet": "FORMAT PARQUET"}


def write(
    view: Mapping[str, Any],
    resources: Sequence[Any] | str | Path,
    output: Path,
    file_format: str,
    engine: str = "duckdb",
) -> int:
    """Write the view's rows to ``output`` (NDJSON, CSV or Parquet); returns how many rows."""
    _engine(engine)
    if file_format not in FORMATS:
        raise ViewError("format", f"{file_format!r}; expected one of {', '.join(FORMATS)}")
    query = ViewCompiler(view).query()
    connection = connect()
    try:
        load(connection, resources)
        try:
            count = connection.execute(f"SELECT count(*) FROM ({query})").fetchone()
            connection.execute(f"COPY ({query}) TO {_quoted(str(output))} ({FORMATS[file_format]})")
        except duckdb.Error as error:
            raise ViewError("view", f"the view cannot be run on these resources: {error}") from None
        return int(count[0]) if count else 0
    finally:
        connection.close()


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _spark_table(resources: Sequence[Any] | str | Path) -> Any:
    """The resources as a Spark temporary view ``resources(r VARIANT)``."""
    spark = session()
    if isinstance(resources, (str, Path)):
        resources = [resources]
    if resources and all(isinstance(r, (str, Path)) for r in resources):
        lines = spark.read.text(_files(resources))  # gzip is read as such by its ending
    elif all(isinstance(r, Mapping) for r in resources):
        lines = spark.createDataFrame([(json.dumps(r),) for r in resources] or [("{}",)], "value string")
        if not resources:
            lines = lines.limit(0)
    else:
        raise ViewError("resources", "expected FHIR resources (JSON objects) or paths to NDJSON files")
    table = lines.where("trim(value) <> ''").selectExpr("parse_json(value) AS r")
    table.createOrReplaceTempView("resources")
    return spark


def _run_spark(query: str, resources: Sequence[Any] | str | Path) -> list[dict[str, Any]]:
    spark = _spark_table(resources)
    try:
        found = spark.sql(query).collect()
    except Exception as error:  # pyspark's errors share no base class
        message = str(error).splitlines()[0][:400]
        raise ViewError("view", f"the view cannot be run on these resources: {message}") from None
    return [{k: (json.loads(v) if v is not None else None) for k, v in row.asDict().items()} for row in found]
