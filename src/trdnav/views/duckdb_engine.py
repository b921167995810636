"""Running a compiled view on DuckDB: resources as JSON values in a `resources` table."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from trdnav.views.compiler import CompiledView
from trdnav.views.errors import ViewError
from trdnav.views.sources import Sources, resource_files

RUNTIME_MARKER = "a single value was expected"


def connect(memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    if memory_limit:
        connection.execute("SET memory_limit = ?", [memory_limit])
    return connection


def load(connection: duckdb.DuckDBPyConnection, sources: Sources, table: str = "resources") -> None:
    """Create `table(resource_type, resource)` from resource dicts and NDJSON files or folders."""
    dicts, files = resource_files(sources)
    parts: list[str] = []
    with tempfile.TemporaryDirectory(prefix="trdnav-views-") as folder:
        if dicts:
            written = Path(folder) / "resources.ndjson"
            with written.open("w", encoding="utf-8") as out:
                for resource in dicts:
                    out.write(json.dumps(resource, separators=(",", ":")) + "\n")
            files = [*files, written]
        if files:
            listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
            parts.append(f"SELECT json AS resource FROM read_ndjson_objects([{listing}])")
        select = " UNION ALL ".join(parts) if parts else "SELECT NULL::JSON AS resource WHERE FALSE"
        try:
            connection.execute(
                f"CREATE OR REPLACE TABLE {table} AS SELECT json_extract_string(resource, '$.resourceType') "
                f"AS resource_type, resource FROM ({select})"
            )
        except duckdb.Error as error:
            raise ViewError(f"cannot read the resources: {error}") from None


def _value(kind: str, value: Any) -> Any:
    if value is None:
        return [] if kind == "list" else None
    if kind in ("json", "list"):
        return json.loads(value)
    return value


def fetch(connection: duckdb.DuckDBPyConnection, compiled: CompiledView) -> list[dict[str, Any]]:
    try:
        rows = connection.execute(compiled.sql).fetchall()
    except duckdb.Error as error:
        raise ViewError(f"the view failed on the data: {_message(error)}") from None
    names = compiled.columns
    return [
        {name: _value(kind, value) for (name, kind), value in zip(names, row, strict=True)} for row in rows
    ]


def _message(error: Exception) -> str:
    text = str(error)
    return text.split("Invalid Input Error: ", 1)[-1].strip()


def run(compiled: CompiledView, sources: Sources) -> list[dict[str, Any]]:
    connection = connect()
    try:
        load(connection, sources)
        return fetch(connection, compiled)
    finally:
        connection.close()
