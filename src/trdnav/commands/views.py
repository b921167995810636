"""`trdnav views run|sql|conformance`: SQL on FHIR v2 ViewDefinitions on DuckDB or Spark.

Bad input (a view that is not JSON or not valid, a missing input path, an unknown engine or
format) prints one clear message and exits 2, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.console import Console

from trdnav.views import ViewError, compile_view, run
from trdnav.views.conformance import Outcome, load_suite, report, run_suite

views_app = typer.Typer(
    help="SQL on FHIR v2 views: flatten FHIR resources into tables on DuckDB or Spark.", no_args_is_help=True
)
INPUT_ERROR = 2
SUITE = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "sql-on-fhir-v2" / "tests"


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class Format(StrEnum):
    ndjson = "ndjson"
    csv = "csv"
    parquet = "parquet"


def _fail(message: str) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(message, markup=False, highlight=False)
    return typer.Exit(INPUT_ERROR)


def _read_view(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise _fail(f"Cannot read the view {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise _fail(f"The view {path} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise _fail(
            f"The view {path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _write_parquet(rows: list[dict[str, Any]], columns: list[str], output: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="trdnav-views-") as folder:
        staged = Path(folder) / "rows.ndjson"
        staged.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        connection = duckdb.connect()
        try:
            if rows:
                select = f"SELECT * FROM read_json('{staged}', format='newline_delimited', sample_size=-1)"
            else:
                select = "SELECT " + ", ".join(f'NULL::VARCHAR AS "{c}"' for c in columns) + " WHERE FALSE"
            target = str(output).replace("'", "''")
            connection.execute(f"COPY ({select}) TO '{target}' (FORMAT parquet)")
        finally:
            connection.close()


def _text(rows: list[dict[str, Any]], columns: list[str], output_format: Format) -> str:
    if output_format is Format.ndjson:
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _csv_cell(value) for name, value in row.items()})
    return buffer.getvalue()


@views_app.command("run")
def views_run(
    view: Annotated[Path, typer.Argument(help="The ViewDefinition JSON file.")],
    inputs: Annotated[
        list[str],
        typer.Option("--input", help="An NDJSON file (.ndjson, .ndjson.gz) or a folder of them; repeatable."),
    ],
    engine: Annotated[Engine, typer.Option(help="Where the SQL runs.")] = Engine.duckdb,
    output_format: Annotated[Format, typer.Option("--format", help="The output format.")] = Format.ndjson,
    output: Annotated[
        Path | None, typer.Option(help="Write here instead of standard output (required for parquet).")
    ] = None,
) -> None:
    """Run a view over FHIR resources and write its rows."""
    document = _read_view(view)
    if output_format is Format.parquet and output is None:
        raise _fail("--format parquet needs --output FILE")
    try:
        columns = [name for name, _kind in compile_view(document, engine.value).columns]
        rows = run(document, inputs, engine=engine.value)
    except ViewError as error:
        raise _fail(f"Cannot run the view {view}: {error}") from None
    if output_format is Format.parquet:
        assert output is not None
        _write_parquet(rows, columns, output)
        return
    text = _text(rows, columns, output_format)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise _fail(f"Cannot write {output}: {error.strerror or error}") from None


@views_app.command("sql")
def views_sql(
    view: Annotated[Path, typer.Argument(help="The ViewDefinition JSON file.")],
    engine: Annotated[Engine, typer.Option(help="The SQL dialect.")] = Engine.duckdb,
) -> None:
    """Print the SQL a view compiles to (it reads a relation resources(resource_type, resource))."""
    document = _read_view(view)
    try:
        typer.echo(compile_view(document, engine.value).sql)
    except ViewError as error:
        raise _fail(f"Cannot compile the view {view}: {error}") from None


@views_app.command("conformance")
def views_conformance(
    engine: Annotated[Engine, typer.Option(help="The engine to test.")] = Engine.duckdb,
    report_path: Annotated[
        Path | None, typer.Option("--report", help="Write the suite's test-report JSON here.")
    ] = None,
    suite: Annotated[Path, typer.Option(help="The folder of the suite's tests/*.json.")] = SUITE,
) -> None:
    """Run the official SQL on FHIR v2 test suite and summarise it (shareable and experimental)."""
    if not suite.is_dir():
        raise _fail(f"The suite folder {suite} does not exist")
    try:
        cases = load_suite(suite)
    except (OSError, ValueError, KeyError) as error:
        raise _fail(f"Cannot read the suite in {suite}: {error}") from None
    try:
        outcomes: list[Outcome] = run_suite(cases, engine.value)
    except ViewError as error:  # Spark or Java missing
        raise _fail(str(error)) from None
    console = Console()
    for tag, shareable in (("shareable", True), ("experimental", False)):
        group = [o for o in outcomes if o.case.shareable is shareable]
        passed = sum(o.passed for o in group)
        console.print(f"{engine.value}: {passed} of {len(group)} {tag} tests pass")
        for outcome in group:
            if not outcome.passed:
                console.print(f"  failed: {outcome.case.file} / {outcome.case.name}", markup=False)
    if report_path is not None:
        report_path.write_text(json.dumps(report(outcomes), indent=2) + "\n", encoding="utf-8")
    if not all(o.passed for o in outcomes if o.case.shareable):
        raise typer.Exit(1)
