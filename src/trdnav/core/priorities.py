"""What the person's answers point to: practical barriers, favoured options, leaning.

Contract §1.3: only the person's own priorities point toward an option; conditions and
diagnoses are information notes (the knowledge loader refuses a consideration on them that
favours an option). Each applying priority adds its weight to the options it favours, times
``top_priority_multiplier`` when the person listed it among their top priorities; the tally
is returned in full so a person can see why. The leaning is the one option that remains (not
contraindicated and with no practical barrier), or among several the one whose total leads
the next by ``leaning_margin``. It is never a prescription.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trdnav.core.model import TOP_PRIORITIES, Engine
from trdnav.core.result import BarrierDetail, LeaningBasis, Priority, TallyLine, TherapyTally


def barriers(
    engine: Engine, therapies: Sequence[str], answers: Mapping[str, object]
) -> dict[str, list[BarrierDetail]]:
    """The practical barriers each therapy meets, in knowledge-base order."""
    found: dict[str, list[BarrierDetail]] = {t: [] for t in therapies}
    for barrier in engine.barriers:
        if barrier.when.holds(answers):
            entry: BarrierDetail = {
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
    """The considerations that apply, each with the compared options it favours and its points."""
    top = answers.get(TOP_PRIORITIES)
    top_items = set(top) if isinstance(top, list) else set()
    applying: list[Priority] = []
    for consideration in engine.considerations:
        if consideration.when.holds(answers):
            items = sorted(consideration.when.items())
            is_top = bool(top_items.intersection(items))
            multiplier = engine.top_priority_multiplier if is_top else 1
            applying.append(
                {
                    "id": consideration.id,
                    "favours": [t for t in consideration.favours if t in therapies],
                    "weight": consideration.weight,
                    "text": consideration.patient_text,
                    "clinician_text": consideration.clinician_text,
                    "citations": list(consideration.citations),
                    "evidence": consideration.evidence,
                    "items": items,
                    "top_priority": is_top,
                    "points": consideration.weight * multiplier,
                }
            )
    return applying


def tally(
    engine: Engine, therapies: Sequence[str], remaining: Sequence[str], applying: Sequence[Priority]
) -> dict[str, TherapyTally]:
    """For each compared option: the points each applying priority gave it, and their total."""
    result: dict[str, TherapyTally] = {}
    for therapy in therapies:
        lines: list[TallyLine] = [
            {
                "priority": p["id"],
                "items": p["items"],
                "weight": p["weight"],
                "multiplier": engine.top_priority_multiplier if p["top_priority"] else 1,
                "points": p["points"],
            }
            for p in applying
            if therapy in p["favours"] and p["points"] > 0
        ]
        result[therapy] = {
            "total": sum(line["points"] for line in lines),
            "remaining": therapy in remaining,
            "points": lines,
        }
    return result


def leaning(
    engine: Engine, remaining: Sequence[str], totals: Mapping[str, TherapyTally]
) -> tuple[str | None, LeaningBasis]:
    """The leaning and why: the one remaining option, or the one the priorities clearly favour."""
    if not remaining:
        return None, "none_remaining"
    if len(remaining) == 1:
        return remaining[0], "only_option"
    ranked = sorted(remaining, key=lambda t: totals[t]["total"], reverse=True)
    best, runner_up = totals[ranked[0]]["total"], totals[ranked[1]]["total"]
    if best == 0:
        return None, "no_priorities"
    if best - runner_up >= engine.leaning_margin:
        return ranked[0], "priorities"
    return None, "not_clear"
