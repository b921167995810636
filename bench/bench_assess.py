"""Throughput of `trdnav.assess` on realistic documents, against a JSON round trip.

The baseline is a bare `json.loads` + `json.dumps` of the same documents, measured
in the same run, so the ratio holds across machines. One process, one core.

    make bench            # or: .venv/bin/python bench/bench_assess.py [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

import trdnav

EXAMPLES = Path(__file__).parent.parent / "examples"
GOAL_PER_SECOND = 20_000


def _documents() -> list[dict[str, object]]:
    documents = []
    for path in sorted(EXAMPLES.iterdir()):
        text = path.read_text(encoding="utf-8")
        documents.append(json.loads(text) if path.suffix == ".json" else yaml.safe_load(text))
    return documents


def _rate(work: Callable[[], None], batch: int, seconds: float) -> float:
    """Operations per second: the median of several timed batches."""
    rates = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(rates) < 5:
        start = time.perf_counter()
        work()
        rates.append(batch / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent on each measurement")
    args = parser.parse_args()

    documents = _documents()
    texts = [json.dumps(d) for d in documents]
    trdnav.assess(documents[0])  # load the knowledge base once, outside the timing
    rounds = 200
    batch = rounds * len(documents)

    def assess_all() -> None:
        for _ in range(rounds):
            for document in documents:
                trdnav.assess(document)

    def json_round_trip() -> None:
        for _ in range(rounds):
            for text in texts:
                json.dumps(json.loads(text))

    def assess_from_json() -> None:
        for _ in range(rounds):
            for text in texts:
                json.dumps(trdnav.assess(json.loads(text)))

    baseline = _rate(json_round_trip, batch, args.seconds)
    assess_rate = _rate(assess_all, batch, args.seconds)
    end_to_end = _rate(assess_from_json, batch, args.seconds)
    print(f"documents: {len(documents)} examples from examples/, {batch} operations per batch")
    print(f"json.loads + json.dumps round trip : {baseline:12,.0f} /s   (baseline 1.00)")
    for label, rate in (("trdnav.assess(dict)", assess_rate), ("json in -> assess -> json out", end_to_end)):
        print(f"{label:<35}: {rate:12,.0f} /s   ({rate / baseline:.2f}x baseline)")
    verdict = "meets" if assess_rate >= GOAL_PER_SECOND else "MISSES"
    print(f"goal >= {GOAL_PER_SECOND:,} assessments/s on one core: {verdict} ({assess_rate:,.0f}/s)")


if __name__ == "__main__":
    main()
