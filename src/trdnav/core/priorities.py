"""What the person's answers point to: practical barriers, favoured options, leaning.

The leaning summarises the person's own priorities among the options that remain
(not contraindicated and with no practical barrier). It is never a prescription.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict

from trdnav.core.model import Engine


class Priority(TypedDict):
    id: str
    favours: list[str]
    weight: int
    text: str
    clinician_text: str
    citations: list[str]
    evidence: str


class BarrierFound(TypedDict):
    id: str
    text: str
    clinician_text: str
    citations: list[str]


def barriers(
    engine: Engine, therapies: Sequence[str], answers: Mapping[str, object]
) -> dict[str, list[BarrierFound]]:
    """The practical barriers each therapy meets, in knowledge-base order."""
    found: dict[str, list[BarrierFound]] = {t: [] for t in therapies}
    for barrier in engine.barriers:
        if barrier.when.holds(answers):
            entry: BarrierFound = {
                "id": barrier.id,
                "text": barrier.patient_text,
                "clinician_text": barrier.clinician_text,
                "citations": list(barrier.citations),
            }
            for therapy in barrier.therapies:
                if therapy in found:
                    found[therapy].append(entry)
    return found


def priorities(engine: Engine, therapies: Sequence[str], answers: Mapping[str, object]) -> list[Priority]:
    """The considerations that apply, each with the compared options it favours."""
    applying: list[Priority] = []
    for consideration in engine.considerations:
        if consideration.when.holds(answers):
            applying.append(
                {
                    "id": consideration.id,
                    "favours": [t for t in consideration.favours if t in therapies],
                    "weight": consideration.weight,
                    "text": consideration.patient_text,
                    "clinician_text": consideration.clinician_text,
                    "citations": list(consideration.citations),
                    "evidence": consideration.evidence,
                }
            )
    return applying


def leaning(engine: Engine, remaining: Sequence[str], applying: Sequence[Priority]) -> str | None:
    """The one remaining option, or the one the priorities clearly favour, else None.

    "Clearly" means its summed weight leads the next option by at least the
    knowledge base's ``leaning_margin``.
    """
    if not remaining:
        return None
    if len(remaining) == 1:
        return remaining[0]
    totals = {t: 0 for t in remaining}
    for priority in applying:
        for therapy in priority["favours"]:
            if therapy in totals:
                totals[therapy] += priority["weight"]
    ranked = sorted(totals.items(), key=lambda pair: pair[1], reverse=True)
    (best, best_total), (_, runner_up) = ranked[0], ranked[1]
    return best if best_total - runner_up >= engine.leaning_margin else None
