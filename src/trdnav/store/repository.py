"""Repository functions: the only way the web app reads and writes patient records.

The private link is a random token of 256 bits (32 bytes, 43 URL-safe characters); only its SHA-256
hash is stored, so the database alone cannot be used to open anyone's assessment (when a link works
and when it stops: `trdnav.store.private_links`). The functions taking an ``actor``
record what the link holder did in the audit trail, in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.models import Assessment, ConsultationRequest
from trdnav.store.private_links import MAX_TOKEN_LENGTH, new_token, token_hash


def create_assessment(
    session: Session,
    *,
    therapies: list[str],
    knowledge_version: str,
    contract_version: int,
    answers: Mapping[str, Any] | None = None,
    clinic_id: int | None = None,
) -> tuple[Assessment, str]:
    """Store a new assessment; return it with its private token (shown once, never stored)."""
    token = new_token()
    assessment = Assessment(
        clinic_id=clinic_id,
        token_hash=token_hash(token),
        therapies=list(therapies),
        knowledge_version=knowledge_version,
        contract_version=contract_version,
        answers=dict(answers or {}),
        last_step="start",
        suicide_risk_alert=False,
        sure_answers={},
    )
    session.add(assessment)
    session.flush()
    return assessment, token


def start_assessment(
    session: Session,
    actor: audit.Actor,
    *,
    therapies: list[str],
    knowledge_version: str,
    contract_version: int,
    answers: Mapping[str, Any] | None = None,
    clinic_id: int | None = None,
) -> tuple[Assessment, str]:
    """`create_assessment`, audited as created by ``actor``."""
    assessment, token = create_assessment(
        session,
        therapies=therapies,
        knowledge_version=knowledge_version,
        contract_version=contract_version,
        answers=answers,
        clinic_id=clinic_id,
    )
    audit.record(session, actor, "create", "assessment", assessment.id, clinic_id=assessment.clinic_id)
    return assessment, token


def find_by_token(session: Session, token: str) -> Assessment | None:
    """The assessment whose current link is ``token``, expired or not (the pages open links with
    `trdnav.store.private_links.open_link`, which also checks idle expiry)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return session.scalars(select(Assessment).where(Assessment.token_hash == token_hash(token))).first()


def record_link_opened(session: Session, actor: audit.Actor, assessment: Assessment, action: str) -> None:
    """Record that the link holder opened ``assessment`` to ``action`` it ("read", "update", ...)."""
    audit.record(session, actor, action, "assessment", assessment.id, clinic_id=assessment.clinic_id)


def record_link_read(
    session: Session,
    actor: audit.Actor,
    assessment: Assessment,
    action: str = "read",
    record_type: str = "assessment",
    record_id: int | None = None,
) -> None:
    """Record that the link holder read or exported (``action``) a record of ``assessment``
    (default: the assessment itself)."""
    record = assessment.id if record_id is None else record_id
    audit.record_read(session, actor, action, record_type, record, clinic_id=assessment.clinic_id)


def save_answers(
    session: Session,
    assessment: Assessment,
    answers: Mapping[str, Any],
    *,
    clear: tuple[str, ...] = (),
    step: str,
    knowledge_version: str,
    suicide_risk: bool,
) -> None:
    """Merge one step's answers (as given) into the stored ones; ``clear`` removes items left blank."""
    merged = {k: v for k, v in assessment.answers.items() if k not in clear}
    merged.update(answers)
    assessment.answers = merged
    assessment.last_step = step
    assessment.knowledge_version = knowledge_version
    assessment.suicide_risk_alert = suicide_risk
    session.flush()


def save_sure(session: Session, assessment: Assessment, answers: Mapping[str, str]) -> None:
    assessment.sure_answers = dict(answers)
    session.flush()


def request_consultation(
    session: Session,
    assessment: Assessment,
    *,
    name: str,
    phone: str,
    email: str,
    preferred_times: str,
    message: str,
) -> ConsultationRequest:
    request = ConsultationRequest(
        assessment=assessment,
        name=name,
        phone=phone,
        email=email,
        preferred_times=preferred_times,
        message=message,
    )
    session.add(request)
    session.flush()
    return request


def submit_consultation(
    session: Session,
    actor: audit.Actor,
    assessment: Assessment,
    *,
    name: str,
    phone: str,
    email: str,
    preferred_times: str,
    message: str,
) -> ConsultationRequest:
    """`request_consultation`, audited as created by ``actor``."""
    request = request_consultation(
        session,
        assessment,
        name=name,
        phone=phone,
        email=email,
        preferred_times=preferred_times,
        message=message,
    )
    audit.record(session, actor, "create", "consultation", request.id, clinic_id=assessment.clinic_id)
    return request
