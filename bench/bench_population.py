"""The population screen: DuckDB against its baselines, and Spark against DuckDB as exports grow.

On one synthetic export (`trdnav population synth`, fixed seed; made once and kept in the temp
folder), all in the same run:

- the floor: parsing every line once (`count(json->>'$.id')` over `read_ndjson_objects`);
- the hand-written baseline (`population_baseline.py`): typed `read_json` per resource type, the
  same screening steps, the table written as Parquet and CSV; its table must equal the screen's;
- the screen: `trdnav.population.screen.screen_export` on DuckDB (read, views, steps, Parquet, CSV,
  report);
- the per-patient Python loop: every line parsed with `json`, grouped by patient, then
  `import_record` and `assess` per patient (run once: it is the slow one).

DuckDB's three run in alternating rounds (`paired_rounds.py`); the ratios are medians. Goals:
the screen within 1.5x of the baseline and 3x of the floor, and at least 15x faster than the loop.
Then each engine screens exports of each `--sizes` in its own process (`trdnav population
screen`), timed with its peak resident memory (the process tree's, sampled from /proc).

    make bench    # or: .venv/bin/python bench/bench_population.py [--patients 100000] [--sizes 10000,100000]
    .venv/bin/python bench/bench_population.py --patients 0 --sizes 1000000   # engines at 1M only
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from paired_rounds import RatioSummary, round_order
from population_baseline import create_tables
from trdnav import assess
from trdnav.fhir.record_import import RecordError, import_record
from trdnav.knowledge.loader import load
from trdnav.population.screen import csv_select, screen_export
from trdnav.population.screening_sql import Screening
from trdnav.population.sql_dialect import DIALECTS
from trdnav.population.synth import write_export

TODAY = dt.date(2026, 12, 3)
GOALS = {"baseline": 1.5, "floor": 3.0}
LOOP_GOAL = 15.0


def export(patients: int, seed: int) -> Path:
    folder = Path(tempfile.gettempdir()) / f"trdnav-bench-population-{patients}-{seed}"
    if not (folder / ".complete").exists():
        print(f"  writing a synthetic export of {patients:,} patients to {folder} ...", flush=True)
        write_export(folder, patients, seed, TODAY)
        (folder / ".complete").touch()
    return folder


def files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.glob("*.ndjson*"))


def floor_seconds(folder: Path) -> float:
    listing = ", ".join(f"'{f}'" for f in files(folder))
    connection = duckdb.connect()
    start = time.perf_counter()
    connection.execute(f"SELECT count(json->>'$.id') FROM read_ndjson_objects([{listing}])").fetchone()
    seconds = time.perf_counter() - start
    connection.close()
    return seconds


def baseline_seconds(folder: Path, out: Path) -> tuple[float, duckdb.DuckDBPyConnection]:
    screening = Screening(load(), DIALECTS["duckdb"], TODAY)
    connection = duckdb.connect()
    connection.execute("SET preserve_insertion_order = false")
    start = time.perf_counter()
    create_tables(connection, folder)
    for name, select in screening.steps():
        connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")
    out.mkdir(parents=True, exist_ok=True)
    connection.execute(f"COPY screening TO '{out / 'screening.parquet'}' (FORMAT parquet)")
    connection.execute(
        f"COPY (SELECT {csv_select(screening)} FROM screening) TO '{out / 'screening.csv'}' (HEADER)"
    )
    return time.perf_counter() - start, connection


def screen_seconds(folder: Path, out: Path) -> float:
    start = time.perf_counter()
    screen_export(str(folder), str(out), engine="duckdb", today=TODAY)
    return time.perf_counter() - start


def loop_seconds(folder: Path) -> tuple[float, int]:
    """The per-patient Python path over the same files."""
    start = time.perf_counter()
    patients: dict[str, dict[str, object]] = {}
    own: dict[str, list[dict[str, object]]] = defaultdict(list)
    for name in files(folder):
        with open(name, encoding="utf-8") as lines:
            for line in lines:
                resource = json.loads(line)
                if resource["resourceType"] == "Patient":
                    patients[resource["id"]] = resource
                    continue
                holder = resource.get("subject") or resource.get("patient") or {}
                own[str(holder.get("reference", "")).removeprefix("Patient/")].append(resource)
    kb = load()
    therapies = list(kb.manifest.therapies)
    screened = 0
    for patient_id, patient in patients.items():
        try:
            document = import_record([patient, *own[patient_id]], today=TODAY, kb=kb)
        except RecordError:
            continue
        assess(document, therapies)
        screened += 1
    return time.perf_counter() - start, screened


def same_table(connection: duckdb.DuckDBPyConnection, screened: Path) -> int:
    """Rows in one table and not the other (0 when the baseline and the screen agree)."""
    product = f"read_parquet('{screened / 'screening.parquet'}')"
    row = connection.execute(
        f"SELECT (SELECT count(*) FROM (SELECT * FROM screening EXCEPT ALL SELECT * FROM {product})) + "
        f"(SELECT count(*) FROM (SELECT * FROM {product} EXCEPT ALL SELECT * FROM screening))"
    ).fetchone()
    assert row is not None
    return int(row[0])


def peak_rss_bytes(root: int) -> int:
    """The resident memory of `root` and its descendants now (from /proc), in bytes."""
    children: dict[int, list[int]] = defaultdict(list)
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children[int(stat[1])].append(int(entry.name))
            rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def engine_run(folder: Path, engine: str) -> tuple[float, int]:
    """Seconds and peak memory of `trdnav population screen` in its own process."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "trdnav.cli", "population", "screen", str(folder), "--out", out]
        command += ["--engine", engine, "--as-of", TODAY.isoformat()]
        if engine == "duckdb":
            command += ["--memory-limit", "4GB"]
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak = 0
        while process.poll() is None:
            peak = max(peak, peak_rss_bytes(process.pid))
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        if process.returncode != 0:
            raise SystemExit(f"{engine} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return seconds, peak


def compare_duckdb(patients: int, seed: int, rounds: int) -> list[str]:
    folder = export(patients, seed)
    size = sum(Path(f).stat().st_size for f in files(folder))
    seconds: dict[str, list[float]] = {"floor": [], "baseline": [], "screen": []}
    with tempfile.TemporaryDirectory() as work:
        for number in range(rounds):
            for name in round_order(number, list(seconds)):
                if name == "floor":
                    seconds[name].append(floor_seconds(folder))
                elif name == "baseline":
                    took, connection = baseline_seconds(folder, Path(work) / f"baseline-{number}")
                    seconds[name].append(took)
                    connection.close()
                else:
                    seconds[name].append(screen_seconds(folder, Path(work) / f"screen-{number}"))
        _, connection = baseline_seconds(folder, Path(work) / "check")
        differing = same_table(connection, Path(work) / "screen-0")
        connection.close()
    assert differing == 0, f"the baseline's table and the screen's differ in {differing} rows"
    loop, screened = loop_seconds(folder)
    median = {name: sorted(values)[len(values) // 2] for name, values in seconds.items()}
    lines = [
        f"Population screen, DuckDB {duckdb.__version__}: {patients:,} patients ({screened:,} living), "
        f"{size / 1e6:.0f} MB of NDJSON, {rounds} rounds",
        f"  floor (parse every line once):        median {median['floor']:.2f} s",
        f"  hand-written typed read_json + steps: median {median['baseline']:.2f} s",
        f"  the screen (views, steps, outputs):   median {median['screen']:.2f} s",
        f"  per-patient Python loop:              {loop:.1f} s",
    ]
    failed = []
    for name, goal in GOALS.items():
        ratio = RatioSummary.of_rates(seconds["screen"], seconds[name])  # time ratio screen/name
        lines.append(f"  screen / {name}: {ratio.describe()} (goal: at most {goal}x)")
        if ratio.median > goal:
            failed.append(f"screen / {name} {ratio.median:.2f}x > {goal}x")
    speedup = loop / median["screen"]
    lines.append(f"  Python loop / screen: {speedup:.1f}x (goal: at least {LOOP_GOAL}x)")
    if speedup < LOOP_GOAL:
        failed.append(f"loop / screen {speedup:.1f}x < {LOOP_GOAL}x")
    return [*lines, f"  NOT MET: {', '.join(failed)}" if failed else "  all goals met"]


def compare_engines(sizes: list[int], seed: int) -> list[str]:
    lines = [
        "Engines (each in its own process: start-up, read, screen, write; peak memory of the process tree)"
    ]
    for patients in sizes:
        folder = export(patients, seed)
        results = {engine: engine_run(folder, engine) for engine in ("duckdb", "spark")}
        (duck, duck_rss), (spark, spark_rss) = results["duckdb"], results["spark"]
        lines.append(
            f"  {patients:>9,} patients: DuckDB {duck:7.1f} s, peak {duck_rss / 2**30:5.2f} GiB | "
            f"Spark local[2] {spark:7.1f} s, peak {spark_rss / 2**30:5.2f} GiB | Spark / DuckDB "
            f"{spark / duck:.1f}x"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000, help="DuckDB comparison size (0: skip)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="10000,100000", help="engine comparison sizes ('' to skip)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    lines = compare_duckdb(args.patients, args.seed, args.rounds) if args.patients else []
    sizes = [int(n) for n in args.sizes.split(",") if n]
    if sizes:
        lines += compare_engines(sizes, args.seed)
    print("\n".join(lines))
    if any(line.startswith("  NOT MET") for line in lines):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
