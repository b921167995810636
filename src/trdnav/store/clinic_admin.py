"""A clinic admin's changes: the clinic's settings and its staff accounts, each audited.

Settings: the therapies offered (at least one of the knowledge base's), the crisis resources
text, the consultation contact details shown to patients, whether every account must sign in
with a second factor, and how long assessments are kept (blank: until deleted; `trdnav retention
apply` enforces it), and the scheduling the course planner reads: the clinic's time zone (IANA),
the country and state whose public holidays close it (as the ``holidays`` package knows them),
its opening days and its opening hours; and the clinic's own prices (a short plain text per therapy
it offers, shown to patients beside the typical costs). Staff: add an account, deactivate or
reactivate it (which ends its sign-in sessions), change its role. An admin cannot deactivate
themself, and a clinic never loses its last active admin. The settings come checked
(`ClinicSettings`; the form is read and checked in `trdnav.web.staff.clinic_settings_form`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.accounts import (
    ROLES,
    check_email,
    check_name,
    check_new_password,
    check_role,
    create_staff,
)
from trdnav.store.models import Clinic, Staff, StaffSession, now
from trdnav.store.passwords import hash_password


@dataclass(frozen=True, slots=True)
class ClinicSettings:
    therapies: list[str]
    crisis_title: str
    crisis_text: str
    contact_text: str
    require_two_factor: bool
    retention_days: int | None
    link_idle_days: int | None  # None: private links never expire (an admin's explicit choice)
    timezone: str
    country: str
    subdivision: str
    opening_days: list[int]
    opens_at: str
    closes_at: str
    prices: dict[str, str]  # therapy id -> the clinic's own price text, only for therapies offered


class StaffChangeError(ValueError):
    """An account change an admin may not make; the message says why."""


def choose_a_role(roles: Collection[str] = ROLES) -> str:
    return f"Choose a role: {' or '.join(roles)}."


def settings_values(clinic: Clinic) -> dict[str, object]:
    """The clinic's current settings as form values."""
    return {
        "therapies": list(clinic.therapies),
        "crisis_title": clinic.crisis_title,
        "crisis_text": clinic.crisis_text,
        "contact_text": clinic.contact_text,
        "require_two_factor": clinic.require_two_factor,
        "retention_days": "" if clinic.retention_days is None else str(clinic.retention_days),
        "link_idle_days": "never" if clinic.link_idle_days is None else str(clinic.link_idle_days),
        "timezone": clinic.timezone,
        "country": clinic.country,
        "subdivision": clinic.subdivision,
        "opening_days": list(clinic.opening_days),
        "opens_at": clinic.opens_at,
        "closes_at": clinic.closes_at,
        "prices": dict(clinic.prices),
    }


def save_settings(session: Session, actor: audit.Actor, clinic: Clinic, settings: ClinicSettings) -> None:
    unoffered = set(settings.prices) - set(settings.therapies)
    if unoffered:  # the form refuses these beside the field; a price is never kept for nothing
        raise ValueError(f"prices: for therapies the clinic does not offer: {sorted(unoffered)}")
    clinic.therapies = list(settings.therapies)
    clinic.crisis_title = settings.crisis_title
    clinic.crisis_text = settings.crisis_text
    clinic.contact_text = settings.contact_text
    clinic.require_two_factor = settings.require_two_factor
    clinic.retention_days = settings.retention_days
    clinic.link_idle_days = settings.link_idle_days
    clinic.timezone = settings.timezone
    clinic.country = settings.country
    clinic.subdivision = settings.subdivision
    clinic.opening_days = list(settings.opening_days)
    clinic.opens_at = settings.opens_at
    clinic.closes_at = settings.closes_at
    clinic.prices = dict(settings.prices)
    session.flush()
    audit.record(session, actor, "update", "clinic", clinic.id, clinic_id=clinic.id)


# --- Staff accounts ----------------------------------------------------------------------------


def staff_in_clinic(session: Session, staff_id: int, clinic_id: int) -> Staff | None:
    """The clinic's account with this id; None for unknown ids and other clinics' alike."""
    return session.scalars(select(Staff).where(Staff.id == staff_id, Staff.clinic_id == clinic_id)).first()


class EmailInUseElsewhere(Exception):
    """The address already has an account at another clinic: nothing was added or changed."""


def add_staff(
    session: Session, actor: audit.Actor, clinic: Clinic, *, email: str, name: str, role: str, password: str
) -> Staff:
    """A new account with a temporary password, changed at its first sign-in (`AccountError` names
    the field when one is wrong).

    An address that already has an account at another clinic raises `EmailInUseElsewhere` after
    the same checks and the same password hashing (the slow part) as a new account, so neither the
    answer the admin gets nor its time tells them the address exists elsewhere; that account is
    left exactly as it is, and nothing is audited for this clinic."""
    check_email(email)
    check_role(role)
    check_name(name)
    check_new_password(password, email=email, name=name)
    found = session.scalars(select(Staff).where(Staff.email == email.strip().lower())).first()
    if found is not None and found.clinic_id != clinic.id:
        hash_password(password)  # the work a new account costs: the same time class
        raise EmailInUseElsewhere
    staff = create_staff(
        session, clinic=clinic, email=email, name=name, role=role, password=password, temporary=True
    )
    audit.record(session, actor, "create", "staff", staff.id, clinic_id=clinic.id)
    return staff


def _active_admins(session: Session, clinic_id: int, other_than: int) -> int:
    query = select(func.count(Staff.id)).where(
        Staff.clinic_id == clinic_id, Staff.role == "admin", Staff.active.is_(True), Staff.id != other_than
    )
    return session.scalar(query) or 0


def end_sessions(session: Session, actor: audit.Actor, staff: Staff) -> int:
    """End every live sign-in session of this account; return how many were ended."""
    live = session.scalars(
        select(StaffSession).where(StaffSession.staff_id == staff.id, StaffSession.ended_at.is_(None))
    ).all()
    moment = now()
    for found in live:
        found.ended_at = moment
        audit.record(session, actor, "update", "staff_session", found.id, clinic_id=staff.clinic_id)
    session.flush()
    return len(live)


def set_active(session: Session, actor: audit.Actor, staff: Staff, active: bool) -> None:
    """Deactivate (ending the account's sessions) or reactivate an account."""
    if staff.active == active:
        return
    if not active and staff.id == actor.staff_id:
        raise StaffChangeError("You cannot deactivate your own account. Ask another admin to do it.")
    if not active and staff.role == "admin" and _active_admins(session, staff.clinic_id, staff.id) == 0:
        raise StaffChangeError(
            "The clinic needs at least one active admin. Make someone else an admin first."
        )
    staff.active = active
    session.flush()
    audit.record(session, actor, "update", "staff", staff.id, clinic_id=staff.clinic_id)
    if not active:
        end_sessions(session, actor, staff)


def set_role(
    session: Session, actor: audit.Actor, staff: Staff, role: str, roles: Collection[str] = ROLES
) -> None:
    """Make an account a clinician or an admin; the clinic's last active admin stays an admin."""
    if role not in roles:
        raise StaffChangeError(choose_a_role(roles))
    if staff.role == role:
        return
    if staff.role == "admin" and staff.active and _active_admins(session, staff.clinic_id, staff.id) == 0:
        raise StaffChangeError("This is the clinic's last admin. Make someone else an admin first.")
    staff.role = role
    session.flush()
    audit.record(session, actor, "update", "staff", staff.id, clinic_id=staff.clinic_id)
