"""`evaluate`: one person's answers in, the contract v1 assessment out (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trdnav.core.model import CONTRACT_VERSION, Engine
from trdnav.core.priorities import barriers, leaning, priorities, tally
from trdnav.core.result import Alert, AssessmentResult, Score, TherapyResult
from trdnav.core.scores import given_item_alerts, score
from trdnav.core.screening import screen


def evaluate(engine: Engine, answers: Mapping[str, object], therapies: Sequence[str]) -> AssessmentResult:
    """Assemble the assessment for already validated answers and therapies."""
    applying = priorities(engine, therapies, answers)
    barriers_found = barriers(engine, therapies, answers)
    results: dict[str, TherapyResult] = {}
    remaining: list[str] = []
    for therapy in therapies:
        screened = screen(engine, therapy, answers)
        found = barriers_found[therapy]
        results[therapy] = {
            **screened,
            "practical": "barriers" if found else "ok",
            "barriers": [barrier["text"] for barrier in found],
            "barrier_details": found,
            "favoured_by": [p["id"] for p in applying if therapy in p["favours"]],
        }
        if screened["safety"] != "contraindicated" and not found:
            remaining.append(therapy)
    totals = tally(engine, therapies, remaining, applying)
    chosen, basis = leaning(engine, remaining, totals)
    scores: dict[str, Score] = {}
    alerts: list[Alert] = []
    for instrument in engine.instruments:
        values = answers.get(instrument.id)
        if isinstance(values, list):
            scores[instrument.id] = score(instrument, values)
            alerts.extend(given_item_alerts(instrument, values))
    return {
        "contract": CONTRACT_VERSION,
        "knowledge_version": engine.knowledge_version,
        "therapies": results,
        "leaning": chosen,
        "leaning_basis": basis,
        "tally": totals,
        "alerts": alerts,
        "scores": scores,
        "priorities": applying,
    }
