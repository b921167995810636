"""`trdnav views run|sql|conformance`: SQL on FHIR v2 ViewDefinitions from the command line.

- `run VIEW.json --input PATH... [--format ndjson|csv|parquet] [--output FILE]`: the view's rows
  over NDJSON files or folders (bulk exports, .ndjson.gz too); without --output, NDJSON or CSV
  goes to standard output.
- `sql VIEW.json`: the query the view compiles to.
- `conformance [--suite DIR] [--report FILE]`: the official test suite, with its report JSON.
A bad view or input exits 2 with a line naming the place, never a traceback.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from trdnav.commands import fail
from trdnav.views import ViewError, run, sql
from trdnav.views.conformance import outcomes, report
from trdnav.views.running import write

views_app = typer.Typer(
    help="SQL on FHIR v2 views: run, show the SQL, run the conformance suite.", no_args_is_help=True
)
DEFAULT_SUITE = Path("../shared/data/sql-on-fhir-v2/tests")
Engine = Annotated[str, typer.Option("--engine", help="duckdb (embedded) or spark (TRDNAV_SPARK_MASTER).")]


def _view(path: Path) -> dict[str, Any]:
    try:
        view = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise fail([f"VIEW: cannot read {path} ({error.strerror or error})"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise fail([f"VIEW: {path} is not JSON (expected a ViewDefinition)"]) from None
    if not isinstance(view, dict):
        raise fail([f"VIEW: {path} is not a ViewDefinition (expected a JSON object)"])
    return view


@views_app.command("run")
def views_run(
    view_file: Annotated[Path, typer.Argument(metavar="VIEW.json", help="The ViewDefinition.")],
    inputs: Annotated[
        list[Path], typer.Option("--input", help="NDJSON files or folders (repeat the option).")
    ],
    engine: Engine = "duckdb",
    file_format: Annotated[str, typer.Option("--format", help="ndjson, csv or parquet.")] = "ndjson",
    output: Annotated[
        Path | None, typer.Option("--output", help="Write here instead of to standard output.")
    ] = None,
) -> None:
    """Run a view over NDJSON resources."""
    view = _view(view_file)
    try:
        if output is not None:
            count = write(view, [str(p) for p in inputs], output, file_format, engine)
            typer.echo(f"{count} rows written to {output} ({file_format}).", err=True)
            return
        if file_format not in ("ndjson", "csv"):
            raise ViewError(
                "format", f"{file_format} needs --output FILE (standard output takes ndjson or csv)"
            )
        rows = run(view, [str(p) for p in inputs], engine)
    except ViewError as error:
        raise fail([str(error)]) from None
    if file_format == "ndjson":
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if rows:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()})


@views_app.command("sql")
def views_sql(
    view_file: Annotated[Path, typer.Argument(metavar="VIEW.json", help="The ViewDefinition.")],
    engine: Engine = "duckdb",
) -> None:
    """Print the SQL a view compiles to (over a table resources(r JSON))."""
    try:
        typer.echo(sql(_view(view_file), engine))
    except ViewError as error:
        raise fail([str(error)]) from None


@views_app.command("conformance")
def views_conformance(
    engine: Engine = "duckdb",
    suite: Annotated[Path, typer.Option("--suite", help="The suite's tests folder.")] = DEFAULT_SUITE,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Write the test-report JSON here.")
    ] = None,
) -> None:
    """Run the official SQL on FHIR v2 test suite; exit 1 when a shareable test fails."""
    if not suite.is_dir():
        raise fail([f"--suite: {suite} is not a folder (expected the suite's tests folder)"])
    try:
        results = outcomes(suite, engine)
    except ViewError as error:
        raise fail([str(error)]) from None
    if report_file is not None:
        report_file.write_text(json.dumps(report(results), indent=2) + "\n", encoding="utf-8")
    for tag in ("shareable", "experimental"):
        tagged = [r for r in results if tag in r.tags]
        passed = sum(r.passed for r in tagged)
        typer.echo(f"{tag}: {passed} of {len(tagged)} passed on {engine}")
        for result in tagged:
            if not result.passed:
                typer.echo(f"  {result.file}: {result.title}: {result.reason}")
    if any(not r.passed and "shareable" in r.tags for r in results):
        raise typer.Exit(1)
