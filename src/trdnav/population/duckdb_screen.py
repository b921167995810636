"""The population screen on DuckDB (embedded): the export's lines loaded once, the screening
views and steps as tables, the result written as Parquet and CSV.

`memory_limit` bounds DuckDB's memory; what does not fit spills to a temporary folder.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from trdnav.population.bulk_input import BadLine, InputError, bad_lines
from trdnav.population.record_sql import Step
from trdnav.population.screening_views import compiled_views


def _listing(files: list[str]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"


class DuckDBScreen:
    engine = "duckdb"

    def __init__(self, memory_limit: str | None = None, threads: int | None = None) -> None:
        self.spill = tempfile.TemporaryDirectory(prefix="trdnav-screen-")
        self.connection = duckdb.connect(":memory:")
        self.connection.execute("SET temp_directory = ?", [self.spill.name])
        self.connection.execute("SET preserve_insertion_order = false")
        if memory_limit:
            self.connection.execute("SET memory_limit = ?", [memory_limit])
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")

    def close(self) -> None:
        self.connection.close()
        self.spill.cleanup()

    def load(self, files: list[str]) -> tuple[int, list[BadLine], int]:
        """Read every line once; (lines read, the first bad lines named, how many are bad)."""
        try:
            self.connection.execute(
                "CREATE TABLE loaded AS SELECT k[1] AS resource_type, k[2] AS resource_key, json AS resource "
                "FROM (SELECT json, json_extract_string(json, ['$.resourceType', '$.id']) AS k "
                f"FROM read_ndjson_objects({_listing(files)}, ignore_errors = true))"
            )
        except duckdb.Error as error:
            raise InputError(f"cannot read the export: {str(error).splitlines()[0]}") from None
        total, bad = self.connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE resource_type IS NULL OR resource_key IS NULL "
            "OR resource_key = '') FROM loaded"
        ).fetchone() or (0, 0)
        named = [line for _, line in zip(range(5), bad_lines(files), strict=False)] if bad else []
        self.connection.execute(
            "CREATE VIEW resources AS SELECT resource_type, resource FROM loaded "
            "WHERE resource_type IS NOT NULL AND resource_key IS NOT NULL AND resource_key <> ''"
        )
        return int(total), named, int(bad)

    def run(self, steps: list[Step], progress: Callable[[str], None]) -> None:
        for name, compiled in compiled_views(self.engine).items():
            progress(f"view {name}")
            self.connection.execute(f"CREATE TEMP TABLE {name} AS {compiled.sql}")
        self.connection.execute("DROP VIEW resources")
        self.connection.execute("DROP TABLE loaded")  # the JSON is no longer needed: free it
        for name, select in steps:
            progress(name)
            self.connection.execute(f"CREATE TEMP TABLE {name} AS {select}")

    def write(self, out: str, csv_select: str) -> None:
        folder = Path(out)
        self.connection.execute(f"COPY screening TO '{folder / 'screening.parquet'}' (FORMAT parquet)")
        self.connection.execute(
            f"COPY (SELECT {csv_select} FROM screening) TO '{folder / 'screening.csv'}' (FORMAT csv, HEADER)"
        )

    def query(self, select: str) -> list[tuple[Any, ...]]:
        return self.connection.execute(select).fetchall()
