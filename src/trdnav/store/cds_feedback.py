"""Cards the CDS service returned and what clinicians did with them (CDS Hooks 2.0 feedback).

A card is stored by its uuid with what it was about (``card_type``: 'suicide_risk' or
'<therapy>:<safety>'), never about whom; feedback names a stored card of the caller's clinic, so the
clinic sees how often each kind of card is followed or overridden, and why.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.store.models import CdsCard, CdsFeedback

OUTCOMES = ("accepted", "overridden")


class FeedbackError(ValueError):
    def __init__(self, field: str, message: str, status: int = 400) -> None:
        self.field = field
        self.message = message
        self.status = status
        super().__init__(f"{field}: {message}")


def record_cards(
    session: Session, clinic_id: int, service: str, cards: Iterable[tuple[str, str, str]], at: dt.datetime
) -> None:
    """Store each returned card as (uuid, card type, indicator)."""
    session.add_all(
        CdsCard(
            uuid=uuid, clinic_id=clinic_id, service=service, card_type=kind, indicator=indicator, issued_at=at
        )
        for uuid, kind, indicator in cards
    )
    session.flush()


def record_feedback(
    session: Session,
    clinic_id: int,
    service: str,
    card_uuid: str,
    outcome: str,
    override_reason: str | None,
    outcome_at: dt.datetime,
    known_reasons: Iterable[str],
) -> CdsFeedback:
    card = session.get(CdsCard, card_uuid)
    if card is None or card.clinic_id != clinic_id or card.service != service:
        raise FeedbackError("card", "no card with this uuid was returned by this service to this client", 404)
    if outcome not in OUTCOMES:
        raise FeedbackError("outcome", f"expected one of {', '.join(OUTCOMES)}")
    if outcome == "accepted" and override_reason is not None:
        raise FeedbackError("overrideReason", "is only for an overridden card")
    if override_reason is not None and override_reason not in set(known_reasons):
        raise FeedbackError("overrideReason.reason.code", "is not one of the card's overrideReasons")
    feedback = CdsFeedback(
        card_uuid=card_uuid, outcome=outcome, override_reason=override_reason, outcome_at=outcome_at
    )
    session.add(feedback)
    session.flush()
    return feedback


@dataclass
class CardTypeRates:
    card_type: str
    shown: int = 0
    accepted: int = 0
    overridden: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def override_rate(self) -> float | None:
        """Overridden out of the cards with feedback (None: no feedback yet)."""
        answered = self.accepted + self.overridden
        return self.overridden / answered if answered else None


def override_rates(session: Session, clinic_id: int) -> list[CardTypeRates]:
    """Per card type: how many were shown, accepted and overridden, and the reasons given."""
    rates: dict[str, CardTypeRates] = {}
    for kind in session.scalars(select(CdsCard.card_type).where(CdsCard.clinic_id == clinic_id)):
        rates.setdefault(kind, CardTypeRates(kind)).shown += 1
    rows = session.execute(
        select(CdsCard.card_type, CdsFeedback.outcome, CdsFeedback.override_reason)
        .join(CdsFeedback, CdsFeedback.card_uuid == CdsCard.uuid)
        .where(CdsCard.clinic_id == clinic_id)
    )
    for kind, outcome, reason in rows:
        entry = rates.setdefault(kind, CardTypeRates(kind))
        if outcome == "accepted":
            entry.accepted += 1
        else:
            entry.overridden += 1
            if reason:
                entry.reasons[reason] += 1
    return sorted(rates.values(), key=lambda r: (-r.shown, r.card_type))
