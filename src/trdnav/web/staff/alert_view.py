"""What a clinician sees of a clinic alert, and the form that closes one.

An alert's view holds everything needed to act on it without scrolling: the person's name and phone
(from their consultation request), what they answered (the instrument item behind a suicide-risk
alert, in words and as a score) and when, the consultation request itself, and once closed, who
closed it, when, with which outcome (knowledge-base data) and note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationInfo, field_validator, model_validator

from trdnav.knowledge.alert_outcomes import AlertOutcome
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.alerts import ATTEMPTS_MAX, NOTE_MAX
from trdnav.store.alerts import KINDS as ALERT_KINDS
from trdnav.store.models import Assessment, ClinicAlert, ConsultationRequest
from trdnav.web.form_models import FormModel, plain

SOURCE_WORDS = {
    "assessment": "in the intake questionnaire",
    "outcome_score": "in a PHQ-9 during care",
    "session_record": "recorded at a treatment session",
}


@dataclass(frozen=True, slots=True)
class RiskAnswer:
    """The answer behind a suicide-risk alert: "Several days", scored 1 of 3, on PHQ-9 item 9."""

    question: str
    words: str
    score: int
    maximum: int
    instrument: str
    item: int


@dataclass(frozen=True, slots=True)
class AlertView:
    alert: ClinicAlert
    kind_words: str
    name: str
    phone: str
    answer: RiskAnswer | None
    answered_at: dt.datetime
    source_words: str
    consultation: ConsultationRequest | None
    outcomes: tuple[AlertOutcome, ...]
    outcome: AlertOutcome | None  # once closed
    closed_by: str

    @property
    def open(self) -> bool:
        return self.alert.handled_at is None

    @property
    def tel(self) -> str:
        return tel_address(self.phone)


def tel_address(phone: str) -> str:
    """A phone number as a tel: address (its digits, and a + if it starts with one); "" if none."""
    digits = "".join(c for c in phone if c.isdigit())
    if not digits:
        return ""
    return f"tel:{'+' if phone.strip().startswith('+') else ''}{digits}"


def _risk_answer(kb: KnowledgeBase, assessment: Assessment, alert: ClinicAlert) -> RiskAnswer | None:
    """The urgent item's answer: from the score that raised the alert, else the intake's answers."""
    for instrument in kb.urgent_instruments:
        item = next(a.item_number for a in instrument.alerts if a.level == "urgent")
        answers: Any = None
        if alert.source_type == "outcome_score":
            score = next((s for s in assessment.outcome_scores if s.id == alert.source_id), None)
            if score is not None and score.instrument == instrument.id:
                answers = score.item_answers
        else:
            answers = assessment.answers.get(instrument.id)
        if isinstance(answers, list) and len(answers) >= item and isinstance(answers[item - 1], int):
            content = kb.instruments[instrument.id]
            value = answers[item - 1]
            words = next((a.text for a in content.answers if a.value == value), str(value))
            return RiskAnswer(
                question=content.items[item - 1].text,
                words=words,
                score=value,
                maximum=len(content.answers) - 1,
                instrument=content.name,
                item=item,
            )
    return None


def alert_views(kb: KnowledgeBase, assessment: Assessment) -> list[AlertView]:
    """Every alert of the assessment, oldest first, open or closed."""
    request = assessment.consultations[-1] if assessment.consultations else None
    named = next((c for c in reversed(assessment.consultations) if c.name.strip()), None)
    known = {o.id: o for o in kb.alert_outcomes.outcomes}
    views = []
    for alert in assessment.alerts:
        views.append(
            AlertView(
                alert=alert,
                kind_words=ALERT_KINDS.get(alert.kind, alert.kind),
                name=named.name if named else "",
                phone=next((c.phone for c in reversed(assessment.consultations) if c.phone.strip()), ""),
                answer=_risk_answer(kb, assessment, alert) if alert.kind == "suicide_risk" else None,
                answered_at=alert.created_at,
                source_words=SOURCE_WORDS.get(alert.source_type, alert.source_type),
                consultation=request,
                outcomes=tuple(kb.alert_outcomes.for_kind(alert.kind)),
                outcome=known.get(alert.outcome or ""),
                closed_by=alert.handler.name if alert.handler else "",
            )
        )
    return views


class AlertCloseForm(FormModel):
    """An outcome that closes this kind of alert (``outcomes`` in the context: the allowed ids and
    whether each asks for attempts), the attempts when it asks, and a note."""

    outcome: str
    attempts: str
    note: str

    @field_validator("outcome")
    @classmethod
    def _outcome(cls, outcome: str, info: ValidationInfo) -> str:
        if outcome not in (info.context or {}).get("outcomes", {}):
            raise plain("Choose the outcome of this alert.")
        return outcome

    @field_validator("note")
    @classmethod
    def _note(cls, note: str) -> str:
        if not 1 <= len(note) <= NOTE_MAX:
            raise plain(f"Write a note of what was done, up to {NOTE_MAX:,} characters (now {len(note)}).")
        return note

    @model_validator(mode="after")
    def _attempts(self, info: ValidationInfo) -> AlertCloseForm:
        asks = (info.context or {}).get("outcomes", {}).get(self.outcome, False)
        given = self.attempts
        if asks and not (given.isascii() and given.isdigit() and 1 <= int(given) <= ATTEMPTS_MAX):
            raise plain(
                "Give how many times the clinic tried to reach the person,"
                f" a whole number from 1 to {ATTEMPTS_MAX}.",
                under="attempts",
            )
        return self

    def attempts_number(self, asks: bool) -> int | None:
        return int(self.attempts) if asks else None
