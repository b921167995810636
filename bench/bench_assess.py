"""Throughput of `trdnav.assess` on realistic documents, against a JSON round trip.

The baseline reads and writes the same documents as JSON the way the API does (the standard
library's reader with the repeated-key hook, `trdnav.answers_text.JSON_DECODER`; orjson to write).
Baseline and subjects are measured in alternating rounds (their order flips each round), so that
a change in the machine's other load hits all of them alike; the result is the median of the
per-round ratios, with their spread. One process, one core.

    make bench            # or: .venv/bin/python bench/bench_assess.py [--seconds 6]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import yaml

import trdnav
from paired_rounds import RatioSummary, round_order
from trdnav.answers_text import JSON_DECODER

EXAMPLES = Path(__file__).parent.parent / "examples"
GOAL_PER_SECOND = 20_000
REPEATS = 200  # each batch runs every example document this many times
MIN_ROUNDS = 9


def _documents() -> list[dict[str, object]]:
    documents = []
    for path in sorted(EXAMPLES.iterdir()):
        text = path.read_text(encoding="utf-8")
        documents.append(json.loads(text) if path.suffix == ".json" else yaml.safe_load(text))
    return documents


def _read(body: bytes) -> object:
    """The API's reading of a request body (`trdnav.web.api.routes`)."""
    return JSON_DECODER.decode(body.decode("utf-8"))


def _rate(work: Callable[[], None], batch: int) -> float:
    """Operations per second of one timed batch."""
    start = time.perf_counter()
    work()
    return batch / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=6.0, help="time spent on all the rounds together")
    args = parser.parse_args()

    documents = _documents()
    bodies = [orjson.dumps(d) for d in documents]
    trdnav.assess(documents[0])  # load the knowledge base once, outside the timing
    batch = REPEATS * len(documents)

    def json_round_trip() -> None:
        for _ in range(REPEATS):
            for body in bodies:
                orjson.dumps(_read(body))

    def assess_all() -> None:
        for _ in range(REPEATS):
            for document in documents:
                trdnav.assess(document)

    def assess_from_json() -> None:
        for _ in range(REPEATS):
            for body in bodies:
                orjson.dumps(trdnav.assess(_read(body)))

    subjects = {"trdnav.assess(dict)": assess_all, "JSON in -> assess -> JSON out": assess_from_json}
    baseline_rates: list[float] = []
    subject_rates: dict[str, list[float]] = {label: [] for label in subjects}
    deadline = time.perf_counter() + args.seconds
    round_number = 0
    while time.perf_counter() < deadline or round_number < MIN_ROUNDS:
        for label in round_order(round_number, ["baseline", *subjects]):
            if label == "baseline":
                baseline_rates.append(_rate(json_round_trip, batch))
            else:
                subject_rates[label].append(_rate(subjects[label], batch))
        round_number += 1

    print(f"documents: {len(documents)} examples from examples/, {batch} operations per batch")
    print(f"rounds: {round_number}, each one batch of the baseline and of each subject, order flipping")
    baseline = statistics.median(baseline_rates)
    print(f"{'JSON round trip (as the API reads and writes)':<46}: {baseline:10,.0f} /s   (baseline)")
    for label, rates in subject_rates.items():
        summary = RatioSummary.of_rates(rates, baseline_rates)
        print(f"{label:<46}: {statistics.median(rates):10,.0f} /s   ratio {summary.describe()}")
    assess_rate = statistics.median(subject_rates["trdnav.assess(dict)"])
    verdict = "meets" if assess_rate >= GOAL_PER_SECOND else "MISSES"
    print(f"goal >= {GOAL_PER_SECOND:,} assessments/s on one core: {verdict} ({assess_rate:,.0f}/s, median)")


if __name__ == "__main__":
    main()
