"""`screen_export`: a bulk FHIR export in, the screening table (Parquet, CSV) and the report out.

The steps (trdnav.population.screening_sql) run on DuckDB or Spark; lines that are not resources
stop the screen (exit 2 in the CLI) unless `skip_bad_lines`, which skips and counts them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trdnav.knowledge.loader import KnowledgeBase, load
from trdnav.population.bulk_input import BadLine, InputError, input_files, is_remote
from trdnav.population.duckdb_screen import DuckDBScreen
from trdnav.population.report import report_html
from trdnav.population.screening_sql import Screening
from trdnav.population.sql_dialect import DIALECTS
from trdnav.population.summary import Summary, summarise


@dataclass
class ScreenResult:
    lines: int
    skipped: list[BadLine] = field(default_factory=list)
    skipped_count: int = 0
    summary: Summary | None = None


def csv_select(screening: Screening) -> str:
    """The CSV's columns: the table's, with each list joined by ';'."""
    d = screening.dialect
    return ", ".join(
        f"{d.join_list(name, ';')} AS {name}" if name in screening.list_columns() else name
        for name in screening.column_names()
    )


def screen_export(
    source: str,
    out: str,
    *,
    engine: str = "duckdb",
    today: dt.date | None = None,
    skip_bad_lines: bool = False,
    progress: Callable[[str], None] = lambda _: None,
    master: str = "local[2]",
    memory_limit: str | None = None,
    kb: KnowledgeBase | None = None,
) -> ScreenResult:
    kb = kb or load()
    files = input_files(source)
    if not is_remote(out):
        Path(out).mkdir(parents=True, exist_ok=True)
    elif engine != "spark":
        raise InputError(f"{out}: a Hadoop path needs --engine spark")
    screening = Screening(kb, DIALECTS[engine], today or dt.date.today())
    if engine == "spark":
        from trdnav.population.spark_screen import SparkScreen

        runner: DuckDBScreen | SparkScreen = SparkScreen(master)
    else:
        runner = DuckDBScreen(memory_limit)
    try:
        progress("reading the export")
        lines, named, bad = runner.load(files)
        if bad and not skip_bad_lines:
            listed = "; ".join(str(line) for line in named)
            raise InputError(
                f"{bad} line(s) are not FHIR resources with an id: {listed}"
                + (" …" if bad > len(named) else "")
                + " (use --skip-bad-lines to skip and count them)"
            )
        runner.run(screening.steps(), progress)
        progress("writing screening.parquet and screening.csv")
        runner.write(out, csv_select(screening))
        progress("summarising")
        summary = summarise(runner.query, screening, lines=lines, skipped=bad)
        html = report_html(summary, screening)
        if isinstance(runner, DuckDBScreen):
            (Path(out) / "report.html").write_text(html, encoding="utf-8")
        else:
            runner.write_text(f"{out.rstrip('/')}/report.html", html)
        return ScreenResult(lines=lines, skipped=named, skipped_count=bad, summary=summary)
    finally:
        runner.close()
