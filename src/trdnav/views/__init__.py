"""SQL on FHIR v2 views: ViewDefinitions compiled to SQL and run on DuckDB.

- `run(view, resources, engine="duckdb") -> list[dict]`: the view's rows (column name → JSON value;
  collection columns as lists) over a list of resource dicts or paths to NDJSON files or folders.
- `sql(view, engine="duckdb") -> str`: the query the view compiles to.
- `ViewError`: an invalid or unsupported view, naming the place and the expression.
"""

from __future__ import annotations

from trdnav.views.errors import ViewError
from trdnav.views.running import ENGINES, run, sql

__all__ = ["ENGINES", "ViewError", "run", "sql"]
