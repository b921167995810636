"""Private links: how a person reaches their own assessment, and when a link stops working.

A link is ``/a/{token}`` with a token of `TOKEN_BYTES` random bytes (256 bits, written as 43
URL-safe base64 characters by `secrets.token_urlsafe`); only its SHA-256 hash is stored, so the
database alone opens no one's assessment.

A link stops working when it has not been used for the clinic's idle expiry (`Clinic.link_idle_days`,
90 days unless an admin chose another number or "never"; assessments without a clinic follow
``TRDNAV_LINK_IDLE_DAYS``), or when staff replace it (rotate: a new token, shown once) or withdraw
it (revoke). A replaced or withdrawn link's hash is kept (`RetiredLink`), so its holder is told how
to get a new one instead of "not found". Each use moves the last-used time, written at most once
every `USE_RECORDED_EVERY`, so opening pages does not write on every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from trdnav.store import audit
from trdnav.store.email_outbox import cancel_queued_links
from trdnav.store.models import Assessment, RetiredLink

TOKEN_BYTES = 32
USE_RECORDED_EVERY = dt.timedelta(hours=1)
MAX_TOKEN_LENGTH = 100

ClosedReason = Literal["expired", "rotated", "revoked"]


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ClosedLink:
    """A link that no longer opens its assessment: why, and whose it was (for the clinic's contact
    details only; never shown beyond the clinic's name and contact text)."""

    assessment: Assessment
    reason: ClosedReason
    idle_days: int | None = None


def idle_days(assessment: Assessment, installation_days: int | None) -> int | None:
    """After how many unused days the assessment's link stops working (None: never)."""
    return installation_days if assessment.clinic is None else assessment.clinic.link_idle_days


def last_used(assessment: Assessment) -> dt.datetime:
    """When the link was last used, or made (a new link counts as used when it is made)."""
    used = assessment.link_used_at
    return assessment.created_at if used is None else max(used, assessment.created_at)


def is_idle(assessment: Assessment, moment: dt.datetime, installation_days: int | None) -> bool:
    days = idle_days(assessment, installation_days)
    return days is not None and moment - last_used(assessment) > dt.timedelta(days=days)


def _record_use(session: Session, assessment: Assessment, moment: dt.datetime) -> None:
    if assessment.link_used_at is not None and moment - assessment.link_used_at < USE_RECORDED_EVERY:
        return
    session.execute(  # the assessment's own `updated_at` stays: using the link changes nothing in it
        update(Assessment)
        .where(Assessment.id == assessment.id)
        .values(link_used_at=moment, updated_at=Assessment.updated_at)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(assessment, "link_used_at", moment)


def open_link(
    session: Session, token: str, moment: dt.datetime, installation_days: int | None
) -> Assessment | ClosedLink | None:
    """The assessment a working link opens (its use recorded), a `ClosedLink` for an expired,
    replaced or withdrawn one, or None for unknown and malformed tokens alike."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    hashed = token_hash(token)
    assessment = session.scalars(select(Assessment).where(Assessment.token_hash == hashed)).first()
    if assessment is None:
        retired = session.scalars(select(RetiredLink).where(RetiredLink.token_hash == hashed)).first()
        if retired is None:
            return None
        reason: ClosedReason = "revoked" if retired.reason == "revoked" else "rotated"
        return ClosedLink(retired.assessment, reason)
    if is_idle(assessment, moment, installation_days):
        return ClosedLink(assessment, "expired", idle_days(assessment, installation_days))
    _record_use(session, assessment, moment)
    return assessment


def _retire(session: Session, assessment: Assessment, reason: str, moment: dt.datetime) -> None:
    session.add(
        RetiredLink(
            token_hash=assessment.token_hash, assessment_id=assessment.id, retired_at=moment, reason=reason
        )
    )


def rotate_link(session: Session, actor: audit.Actor, assessment: Assessment, moment: dt.datetime) -> str:
    """Replace the assessment's link: the old one stops working (its holder is told to ask the
    clinic), the new token is returned to be passed on once (never stored); it starts a fresh
    idle period. Audited as an update of the ``private_link`` with the detail ``rotated``."""
    _retire(session, assessment, "rotated", moment)
    cancel_queued_links(session, actor, assessment)  # a queued e-mail would send the old link
    token = new_token()
    assessment.token_hash = token_hash(token)
    assessment.link_used_at = moment
    assessment.link_revoked_at = None
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "private_link",
        assessment.id,
        clinic_id=assessment.clinic_id,
        detail="rotated",
    )
    return token


def revoke_link(session: Session, actor: audit.Actor, assessment: Assessment, moment: dt.datetime) -> None:
    """Withdraw the assessment's link: nothing opens the assessment until staff rotate it (the
    stored hash becomes one of a token no one is given). Audited with the detail ``revoked``."""
    _retire(session, assessment, "revoked", moment)
    cancel_queued_links(session, actor, assessment)
    assessment.token_hash = token_hash(new_token())
    assessment.link_revoked_at = moment
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "private_link",
        assessment.id,
        clinic_id=assessment.clinic_id,
        detail="revoked",
    )


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """What staff see of an assessment's link: ``state`` is "working", "expired" or "revoked"."""

    state: Literal["working", "expired", "revoked"]
    last_used: dt.datetime
    idle_days: int | None
    revoked_at: dt.datetime | None


def link_status(assessment: Assessment, moment: dt.datetime, installation_days: int | None) -> LinkStatus:
    if assessment.link_revoked_at is not None:
        state: Literal["working", "expired", "revoked"] = "revoked"
    elif is_idle(assessment, moment, installation_days):
        state = "expired"
    else:
        state = "working"
    return LinkStatus(
        state, last_used(assessment), idle_days(assessment, installation_days), assessment.link_revoked_at
    )
