"""Safety per therapy: contraindicated, needs review, or no known concerns.

A therapy is only ever "no known concerns" when every safety question that bears
on it was answered "no", no rule fired, and its screen here is complete. "unsure"
or no answer means review; so does a screen that does not ask everything the
evidence calls for (its reason says what is not asked).
"""

from __future__ import annotations

from collections.abc import Mapping

from trdnav.core.model import Engine, IncompleteScreen, SafetyRule
from trdnav.core.result import Reason, Safety, SafetyResult


def _reason(rule: SafetyRule | IncompleteScreen) -> Reason:
    return {
        "rule": rule.id,
        "outcome": rule.outcome,
        "text": rule.patient_text,
        "clinician_text": rule.clinician_text,
        "citations": list(rule.citations),
        "evidence": rule.evidence,
    }


def screen(engine: Engine, therapy: str, answers: Mapping[str, object]) -> SafetyResult:
    """Screen one therapy against the person's answers."""
    reasons: list[Reason] = []
    notes: list[Reason] = []
    contraindicated = False
    for rule in engine.rules_by_therapy[therapy]:
        if rule.when.holds(answers):
            if rule.outcome == "information":
                notes.append(_reason(rule))
            else:
                reasons.append(_reason(rule))
                contraindicated = contraindicated or rule.outcome == "contraindicated"
    gap = engine.incomplete_screens.get(therapy)
    if gap is not None:
        reasons.append(_reason(gap))
    unanswered = [
        item for item in engine.safety_items_by_therapy[therapy] if answers.get(item, "unsure") == "unsure"
    ]
    safety: Safety
    if contraindicated:
        safety = "contraindicated"
    elif reasons or unanswered:
        safety = "needs_review"
    else:
        safety = "no_known_concerns"
    return {"safety": safety, "reasons": reasons, "notes": notes, "unanswered": unanswered}
