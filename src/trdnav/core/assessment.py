"""`evaluate`: one person's answers in, the contract v1 assessment out (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trdnav.core.model import Engine
from trdnav.core.priorities import barriers, leaning, priorities, tally
from trdnav.core.scores import Alert, Score, given_item_alerts, score
from trdnav.core.screening import screen


def evaluate(engine: Engine, answers: Mapping[str, object], therapies: Sequence[str]) -> dict[str, Any]:
    """Assemble the assessment for already validated answers and therapies."""
    applying = priorities(engine, therapies, answers)
    barriers_found = barriers(engine, therapies, answers)
    results: dict[str, Any] = {}
    remaining: list[str] = []
    for therapy in therapies:
        result: dict[str, Any] = dict(screen(engine, therapy, answers))
        found = barriers_found[therapy]
        result["practical"] = "barriers" if found else "ok"
        result["barriers"] = [barrier["text"] for barrier in found]
        result["barrier_details"] = found
        result["favoured_by"] = [p["id"] for p in applying if therapy in p["favours"]]
        results[therapy] = result
        if result["safety"] != "contraindicated" and not found:
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
        "contract": engine.contract_version,
        "knowledge_version": engine.knowledge_version,
        "therapies": results,
        "leaning": chosen,
        "leaning_basis": basis,
        "tally": totals,
        "alerts": alerts,
        "scores": scores,
        "priorities": applying,
    }
