"""A compiled ViewDefinition against hand-written DuckDB SQL for the same rows, in the same run.

100,000 Conditions (the Synthea sample's, copied with new ids and patients) in one NDJSON file; the
view flattens id, patient, SNOMED code, clinical status and onset. The baseline is the query a
person would write for DuckDB with its JSON functions. Both read the same table of JSON values, in
alternating rounds; the figure is the median ratio. Goal (issue 15): within 1.5x.

    make bench        # or: .venv/bin/python bench/bench_views.py [--conditions 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from trdnav.views.compiler import ViewCompiler
from trdnav.views.running import connect

SYNTHEA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "synthea-sample-10" / "Condition.000.ndjson"
)
GOAL = 1.5
VIEW = {
    "resource": "Condition",
    "select": [
        {
            "column": [
                {"name": "id", "path": "getResourceKey()"},
                {"name": "patient", "path": "subject.getReferenceKey(Patient)"},
                {"name": "code", "path": "code.coding.where(system = 'http://snomed.info/sct').code.first()"},
                {"name": "status", "path": "clinicalStatus.coding.code.first()"},
                {"name": "onset", "path": "onsetDateTime"},
            ]
        }
    ],
}
BY_HAND = """
SELECT to_json(r->>'id') AS id,
       to_json(regexp_extract(r->>'$.subject.reference', 'Patient/([^/]+)$', 1)) AS patient,
       (SELECT to_json(c->>'code') FROM (SELECT unnest(from_json(r->'$.code.coding', '["json"]')) AS c)
         WHERE c->>'system' = 'http://snomed.info/sct' LIMIT 1) AS code,
       to_json(r->'$.clinicalStatus.coding[0]'->>'code') AS status,
       r->'$.onsetDateTime' AS onset
FROM resources WHERE r->>'resourceType' = 'Condition'
"""


def _write(path: Path, count: int) -> None:
    sample = [json.loads(line) for line in SYNTHEA.read_text(encoding="utf-8").splitlines() if line.strip()]
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            condition = dict(sample[index % len(sample)])
            condition["id"] = f"c{index}"
            condition["subject"] = {"reference": f"Patient/p{index // 5}"}
            out.write(json.dumps(condition) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conditions", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "Condition.ndjson"
        _write(data, args.conditions)
        connection = connect()
        connection.execute(
            "CREATE TABLE resources AS SELECT json AS r FROM read_ndjson_objects(?)", [str(data)]
        )
        compiled = ViewCompiler(VIEW).query()
        for first, second in ((compiled, BY_HAND), (BY_HAND, compiled)):
            extra = connection.execute(f"SELECT count(*) FROM (({first}) EXCEPT ALL ({second}))").fetchall()
            assert extra == [(0,)], "the compiled view and the hand-written query give different rows"
        ratios, timings = [], {"compiled": [], "by hand": []}
        for round_number in range(args.rounds):
            order = [("compiled", compiled), ("by hand", BY_HAND)]
            for name, query in order if round_number % 2 == 0 else reversed(order):
                start = time.perf_counter()
                connection.execute(f"SELECT count(*), count(code), count(patient) FROM ({query})").fetchall()
                timings[name].append(time.perf_counter() - start)
            ratios.append(timings["compiled"][-1] / timings["by hand"][-1])
        connection.close()
    compiled_s, by_hand_s = statistics.median(timings["compiled"]), statistics.median(timings["by hand"])
    ratio = statistics.median(ratios)
    print(
        f"SQL on FHIR view vs hand-written DuckDB SQL, {args.conditions:,} Conditions, {args.rounds} rounds"
    )
    print(f"  compiled view  {compiled_s:7.3f} s")
    print(f"  by hand        {by_hand_s:7.3f} s")
    print(f"  ratio {ratio:.2f}x (goal <= {GOAL}x): {'goal met' if ratio <= GOAL else 'GOAL NOT MET'}")


if __name__ == "__main__":
    main()
