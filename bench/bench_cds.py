"""Latency of the CDS Hooks patient-view service with full prefetch, beside the plain evaluate API.

The patient is the Synthea sample's living patient with the most resources (hundreds), given a
current depression diagnosis and a seizure record so that cards are made (the slow path); the
prefetch holds every resource of the patient the service asks for. Each call carries a fresh
signed JWT (RS384), as an EHR sends (signed, like the body encoded, before the clock starts:
that is the EHR's work), and goes through the whole app in-process (middlewares,
JWT check with jti store, import, assessment, cards, storage, audit). The baseline is the same app's
``POST /api/v1/assessments:evaluate`` with a typical answers document, timed in the same run.
Calls alternate between the two. Goal: patient-view p95 <= 50 ms.

    make bench            # or: .venv/bin/python bench/bench_cds.py [--calls 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.web.cds_client import (
    BASE,
    EhrClient,
    SigningKey,
    condition,
    hook_body,
    patient_ids,
    prefetch_for,
    synthea_resources,
)
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_clinic
from trdnav.store.cds_clients import add_client
from trdnav.web.app import create_app

GOAL_P95_MS = 50.0
SNOMED = "http://snomed.info/sct"
ANSWERS = {"version": 1, "answers": {"age": 45, "seizure_history": "no", "phq9": [2, 2, 2, 1, 1, 1, 1, 1, 0]}}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300, help="calls of each kind")
    args = parser.parse_args()
    resources = synthea_resources()
    sizes = {p: prefetch_for(resources, p) for p in patient_ids(resources)}

    def count(prefetch: dict[str, object]) -> int:
        return 1 + sum(len(v.get("entry", [])) for k, v in prefetch.items() if k != "patient")  # type: ignore[union-attr]

    patient = max(sizes, key=lambda p: count(sizes[p]))
    prefetch = sizes[patient]
    prefetch["conditions"]["entry"] += [  # type: ignore[index]
        {"resource": condition(patient, SNOMED, "370143000", "Major depressive disorder")},
        {"resource": condition(patient, SNOMED, "128613002", "Seizure disorder")},
    ]
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(database_url=f"sqlite:///{folder}/bench.db"))
        with TestClient(app) as http:
            ehr = EhrClient(http, "https://ehr.bench.example", SigningKey.rsa())
            with app.state.sessions.begin() as session:
                clinic = create_clinic(session, slug="bench", name="Bench Clinic", settings=Settings())
                clinic.therapies = ["iv_ketamine", "tms", "esketamine", "ect"]
                add_client(session, audit.SYSTEM, clinic, ehr.issuer, jwks=ehr.jwks())
            # The EHR's own work is left out: its body is encoded and its tokens signed ahead.
            path = "/cds-services/trdnav-patient-view"
            body = orjson.dumps(hook_body("patient-view", patient, prefetch))
            tokens = [ehr.token(BASE + path) for _ in range(args.calls + 20)]
            document = orjson.dumps(ANSWERS)
            json_type = {"content-type": "application/json"}
            cds: list[float] = []
            plain: list[float] = []
            cards = 0
            for index in range(args.calls + 20):
                start = time.perf_counter()
                headers = {**json_type, "authorization": f"Bearer {tokens[index]}"}
                answer = http.post(path, content=body, headers=headers)
                took = (time.perf_counter() - start) * 1000
                assert answer.status_code == 200, answer.text
                cards = len(answer.json()["cards"])
                start = time.perf_counter()
                evaluated = http.post("/api/v1/assessments:evaluate", content=document, headers=json_type)
                took_plain = (time.perf_counter() - start) * 1000
                assert evaluated.status_code == 200
                if index >= 20:  # warm-up calls are left out
                    cds.append(took)
                    plain.append(took_plain)
        app.state.engine.dispose()
    p95, p95_plain = _percentile(cds, 0.95), _percentile(plain, 0.95)
    print(f"CDS patient-view, {count(prefetch)} prefetched resources, {cards} cards, {args.calls} calls")
    print(
        f"  patient-view  median {statistics.median(cds):6.1f} ms   p95 {p95:6.1f} ms"
        f"   (goal p95 <= {GOAL_P95_MS:.0f} ms)"
    )
    print(f"  evaluate API  median {statistics.median(plain):6.1f} ms   p95 {p95_plain:6.1f} ms   (same run)")
    print(f"  ratio of p95s: {p95 / p95_plain:.1f}x the plain evaluate call")
    print("  goal met" if p95 <= GOAL_P95_MS else "  GOAL NOT MET")


if __name__ == "__main__":
    main()
