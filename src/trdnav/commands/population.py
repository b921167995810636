"""`trdnav population screen|synth`: screen a bulk FHIR export for TRD and treatment safety on
DuckDB or Spark, and write a synthetic export to try it on.

Bad input (a missing folder, a file that is not NDJSON, lines that are not FHIR resources with an
id, an engine that is not installed) prints one clear message and exits 2, never a traceback.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from trdnav.population.bulk_input import InputError
from trdnav.views.errors import ViewError

population_app = typer.Typer(
    help="Population screening over bulk FHIR exports (DuckDB embedded, Apache Spark at scale).",
    no_args_is_help=True,
)
INPUT_ERROR = 2


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


def _fail(message: str) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(message, markup=False, highlight=False)
    return typer.Exit(INPUT_ERROR)


def _as_of(text: str | None) -> dt.date:
    """The --as-of date (today when not given), or exit 2 naming it."""
    try:
        return dt.date.fromisoformat(text) if text else dt.date.today()
    except ValueError:
        raise _fail(f"--as-of: {text!r} is not a date; expected YYYY-MM-DD") from None


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )


@population_app.command("screen")
def screen(
    source: Annotated[
        str,
        typer.Argument(
            help="A bulk export folder of NDJSON (.ndjson, .ndjson.gz), or a Hadoop path (--engine spark)"
        ),
    ],
    out: Annotated[
        str,
        typer.Option(
            "--out", help="The folder to write screening.parquet, screening.csv and report.html into"
        ),
    ],
    engine: Annotated[Engine, typer.Option(help="duckdb (embedded) or spark")] = Engine.duckdb,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="The date the record is read on, YYYY-MM-DD (default: today)"),
    ] = None,
    skip_bad_lines: Annotated[
        bool,
        typer.Option("--skip-bad-lines", help="Skip and count lines that are not FHIR resources with an id"),
    ] = False,
    master: Annotated[
        str, typer.Option(help="Spark master URL (default local[2]; e.g. spark://host:7077, yarn)")
    ] = "local[2]",
    memory_limit: Annotated[
        str | None,
        typer.Option("--memory-limit", help="DuckDB memory limit, e.g. 4GB; the rest spills to disk"),
    ] = None,
) -> None:
    """Screen every patient of a bulk FHIR export: TRD, and per treatment the safety screen."""
    from trdnav.population.screen import screen_export
    from trdnav.population.screening_sql import Screening

    today = _as_of(as_of)
    stages = 2 + 7 + 3 + len(Screening.step_names())
    with _progress() as bar:
        task = bar.add_task("screening", total=stages)

        def advance(label: str) -> None:
            bar.update(task, advance=1, description=label)

        try:
            result = screen_export(
                source,
                out,
                engine=engine.value,
                today=today,
                skip_bad_lines=skip_bad_lines,
                progress=advance,
                master=master,
                memory_limit=memory_limit,
            )
        except (InputError, ViewError) as error:
            bar.stop()
            raise _fail(str(error)) from None
        bar.update(task, completed=stages, description="done")
    summary = result.summary
    assert summary is not None
    console = Console(soft_wrap=True)
    console.print(
        f"{summary.patients} patients screened ({summary.deceased} deceased not screened): "
        f"{summary.depression} with depression, {summary.trd} with TRD.",
        markup=False,
    )
    if result.skipped_count:
        console.print(
            f"Skipped {result.skipped_count} line(s) that are not FHIR resources with an id:", markup=False
        )
        for line in result.skipped:
            console.print(f"  {line}", markup=False)
    console.print(f"Wrote {out}/screening.parquet, {out}/screening.csv and {out}/report.html", markup=False)


@population_app.command("synth")
def synth(
    patients: Annotated[int, typer.Option("--patients", help="How many patients", min=1)],
    out: Annotated[Path, typer.Option("--out", help="The folder to write the NDJSON files into")],
    seed: Annotated[int, typer.Option("--seed", help="The same seed writes the same files")] = 1,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The export's date, YYYY-MM-DD (default: today)")
    ] = None,
) -> None:
    """Write a realistic synthetic bulk FHIR export (deterministic for a seed)."""
    from trdnav.population.synth import write_export

    today = _as_of(as_of)
    with _progress() as bar:
        task = bar.add_task("patients", total=patients)
        try:
            written = write_export(
                out, patients, seed, today, progress=lambda n: bar.update(task, completed=n)
            )
        except (OSError, ValueError) as error:
            bar.stop()
            raise _fail(f"{out}: {error}") from None
        bar.update(task, completed=patients)
    counts = ", ".join(f"{n} {kind}" for kind, n in written.items())
    Console(soft_wrap=True).print(f"Wrote {counts} to {out}", markup=False)
