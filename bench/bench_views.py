"""The compiled SQL on FHIR view against hand-written DuckDB SQL for the same rows.

100,000 generated Conditions (one to three codings each, made here with a fixed seed; the codes
are placeholders, nothing clinical is computed) are loaded once as JSON values into a DuckDB table.
The view (id, patient key, status, onset, and one row per coding) is compiled by
`trdnav.views.compile_view`; the baseline is the query a person would write by hand with direct
JSON paths and an unnest. Both write their rows into a table; the two tables are checked equal;
they run in alternating rounds (`paired_rounds.py`) and the result is the median ratio.
Goal: the compiled view within 1.5x of the hand-written query.

    make bench            # or: .venv/bin/python bench/bench_views.py [--conditions 100000] [--rounds 9]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import duckdb

from paired_rounds import RatioSummary, round_order
from trdnav.views import compile_view
from trdnav.views.duckdb_engine import load

GOAL = 1.5
VIEW = {
    "resourceType": "ViewDefinition",
    "resource": "Condition",
    "select": [
        {
            "column": [
                {"name": "id", "path": "getResourceKey()", "type": "id"},
                {"name": "patient_id", "path": "subject.getReferenceKey(Patient)", "type": "id"},
                {"name": "status", "path": "clinicalStatus.coding.code.first()", "type": "code"},
                {"name": "onset", "path": "onset.ofType(dateTime)", "type": "dateTime"},
            ]
        },
        {
            "forEach": "code.coding",
            "column": [
                {"name": "system", "path": "system", "type": "uri"},
                {"name": "code", "path": "code", "type": "code"},
            ],
        },
    ],
}
HAND_WRITTEN = """
SELECT
  json_extract_string(resource, '$.id') AS id,
  CASE WHEN split_part(json_extract_string(resource, '$.subject.reference'), '/', 1) = 'Patient'
       THEN split_part(json_extract_string(resource, '$.subject.reference'), '/', 2) END AS patient_id,
  json_extract_string(resource, '$.clinicalStatus.coding[0].code') AS status,
  json_extract_string(resource, '$.onsetDateTime') AS onset,
  json_extract_string(coding, '$.system') AS system,
  json_extract_string(coding, '$.code') AS code
FROM resources, unnest(json_extract(resource, '$.code.coding[*]')) AS codings(coding)
WHERE resource_type = 'Condition'
"""
SYSTEMS = ("http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10-cm")


def write_conditions(path: Path, count: int, seed: int = 15) -> None:
    chance = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            codings = [
                {"system": chance.choice(SYSTEMS), "code": f"code-{chance.randrange(500)}"}
                for _ in range(chance.randint(1, 3))
            ]
            condition = {
                "resourceType": "Condition",
                "id": f"c{number}",
                "clinicalStatus": {"coding": [{"code": chance.choice(("active", "resolved"))}]},
                "code": {"coding": codings},
                "subject": {"reference": f"Patient/p{number // 4}"},
                "onsetDateTime": f"20{chance.randrange(10, 25)}-0{chance.randrange(1, 10)}-15",
            }
            out.write(json.dumps(condition, separators=(",", ":")) + "\n")


def _seconds(connection: duckdb.DuckDBPyConnection, sql: str, table: str) -> float:
    start = time.perf_counter()
    connection.execute(f"CREATE OR REPLACE TABLE {table} AS {sql}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    compiled = compile_view(VIEW, "duckdb")
    connection = duckdb.connect()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "Condition.ndjson"
        write_conditions(data, args.conditions)
        load(connection, [data])
    same = connection.execute(
        f"SELECT (SELECT count(*) FROM (({compiled.sql}) EXCEPT ALL ({HAND_WRITTEN}))) "
        f"+ (SELECT count(*) FROM (({HAND_WRITTEN}) EXCEPT ALL ({compiled.sql}))), "
        f"(SELECT count(*) FROM ({HAND_WRITTEN}))"
    ).fetchone()
    assert same is not None and same[0] == 0, "the compiled view and the hand-written query differ"
    view_rates: list[float] = []
    hand_rates: list[float] = []
    for number in range(args.rounds):
        for name in round_order(number, ["view", "hand"]):
            if name == "view":
                view_rates.append(1 / _seconds(connection, compiled.sql, "view_rows"))
            else:
                hand_rates.append(1 / _seconds(connection, HAND_WRITTEN, "hand_rows"))
    ratio = RatioSummary.of_rates(hand_rates, view_rates)
    print(f"SQL on FHIR view, DuckDB {duckdb.__version__}: {args.conditions:,} Conditions, {same[1]:,} rows")
    print(f"  hand-written query: median {1 / sorted(hand_rates)[len(hand_rates) // 2]:.3f} s")
    print(f"  compiled view:      median {1 / sorted(view_rates)[len(view_rates) // 2]:.3f} s")
    print(f"  compiled / hand-written time: {ratio.describe()} (goal: at most {GOAL}x)")
    if ratio.median > GOAL:
        raise SystemExit(f"the compiled view is {ratio.median:.2f}x the hand-written query (goal {GOAL}x)")


if __name__ == "__main__":
    main()
