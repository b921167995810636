"""SQL on FHIR v2 ViewDefinitions compiled to DuckDB SQL and Spark SQL.

`run(view, resources, engine="duckdb")` gives the view's rows as dicts (column name to JSON
value; collection columns as lists); `sql(view, engine)` gives the query; anything invalid or
outside the supported subset raises `ViewError`, naming the view path and the expression.
"""

from __future__ import annotations

from typing import Any

from trdnav.views.compiler import CompiledView, compile_view
from trdnav.views.errors import ViewError
from trdnav.views.sources import Sources

ENGINES = ("duckdb", "spark")


def sql(view: Any, engine: str = "duckdb") -> str:
    """The SQL query for `view` on `engine`; it reads `resources(resource_type, resource)`."""
    return compile_view(view, engine).sql


def run(view: Any, resources: Sources, engine: str = "duckdb") -> list[dict[str, Any]]:
    """The rows of `view` over `resources` (dicts, NDJSON files or folders) on `engine`."""
    compiled = compile_view(view, engine)
    if engine == "spark":
        from trdnav.views import spark_engine

        return spark_engine.run(compiled, resources)
    from trdnav.views import duckdb_engine

    return duckdb_engine.run(compiled, resources)


__all__ = ["ENGINES", "CompiledView", "ViewError", "compile_view", "run", "sql"]
