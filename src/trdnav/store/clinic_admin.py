"""A clinic admin's changes: the clinic's settings and its staff accounts, each audited.

Settings: the therapies offered (at least one of the knowledge base's), the crisis resources
text, the consultation contact details shown to patients, whether every account must sign in
with a second factor, and how long assessments are kept (blank: until deleted; `trdnav retention
apply` enforces it). Staff: add an account, deactivate or reactivate it (which ends its sign-in
sessions), change its role. An admin cannot deactivate themself, and a clinic never loses its
last active admin. Errors name the field, so the form can show them beside it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.accounts import ROLES, create_staff
from trdnav.store.models import Clinic, Staff, StaffSession, now

RETENTION_MIN_DAYS = 30
RETENTION_MAX_DAYS = 3650
TITLE_MAX = 200
TEXT_MAX = 2000


@dataclass(frozen=True, slots=True)
class ClinicSettings:
    therapies: list[str]
    crisis_title: str
    crisis_text: str
    contact_text: str
    require_two_factor: bool
    retention_days: int | None


@dataclass
class SettingsForm:
    """A submitted settings form: the settings if valid, else the errors by field, and what was sent."""

    settings: ClinicSettings | None = None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)


class StaffChangeError(ValueError):
    """An account change an admin may not make; the message says why."""


def settings_values(clinic: Clinic) -> dict[str, object]:
    """The clinic's current settings as form values."""
    return {
        "therapies": list(clinic.therapies),
        "crisis_title": clinic.crisis_title,
        "crisis_text": clinic.crisis_text,
        "contact_text": clinic.contact_text,
        "require_two_factor": clinic.require_two_factor,
        "retention_days": "" if clinic.retention_days is None else str(clinic.retention_days),
    }


def _text(form: Mapping[str, Sequence[str]], name: str) -> str:
    given = form.get(name) or [""]
    return given[-1].strip()


def _retention(given: str, errors: dict[str, str]) -> int | None:
    if given == "":
        return None
    expected = (
        f"Enter a whole number of days from {RETENTION_MIN_DAYS} to {RETENTION_MAX_DAYS}, "
        "or leave it blank to keep assessments until they are deleted."
    )
    if not given.isdigit() or not RETENTION_MIN_DAYS <= int(given) <= RETENTION_MAX_DAYS:
        errors["retention_days"] = expected
        return None
    return int(given)


def read_settings_form(form: Mapping[str, Sequence[str]], known_therapies: Sequence[str]) -> SettingsForm:
    """Check a submitted settings form; ``form`` maps each field to the values sent."""
    result = SettingsForm()
    errors = result.errors
    chosen = [t for t in known_therapies if t in set(form.get("therapies") or [])]
    unknown = sorted(set(form.get("therapies") or []) - set(known_therapies))
    if unknown or not chosen:
        errors["therapies"] = "Choose at least one therapy that the clinic offers."
    title, text, contact = (_text(form, n) for n in ("crisis_title", "crisis_text", "contact_text"))
    if not title or len(title) > TITLE_MAX:
        errors["crisis_title"] = f"Enter a heading for the crisis resources, up to {TITLE_MAX} characters."
    if not text or len(text) > TEXT_MAX:
        errors["crisis_text"] = f"Enter the crisis resources text, up to {TEXT_MAX} characters."
    if len(contact) > TEXT_MAX:
        errors["contact_text"] = f"Shorten the contact details to {TEXT_MAX} characters or fewer."
    retention_given = _text(form, "retention_days")
    retention = _retention(retention_given, errors)
    two_factor = _text(form, "require_two_factor") == "on"
    result.values = {
        "therapies": chosen,
        "crisis_title": title,
        "crisis_text": text,
        "contact_text": contact,
        "require_two_factor": two_factor,
        "retention_days": retention_given,
    }
    if not errors:
        result.settings = ClinicSettings(chosen, title, text, contact, two_factor, retention)
    return result


def save_settings(session: Session, actor: audit.Actor, clinic: Clinic, settings: ClinicSettings) -> None:
    clinic.therapies = list(settings.therapies)
    clinic.crisis_title = settings.crisis_title
    clinic.crisis_text = settings.crisis_text
    clinic.contact_text = settings.contact_text
    clinic.require_two_factor = settings.require_two_factor
    clinic.retention_days = settings.retention_days
    session.flush()
    audit.record(session, actor, "update", "clinic", clinic.id, clinic_id=clinic.id)


# --- Staff accounts ----------------------------------------------------------------------------


def staff_in_clinic(session: Session, staff_id: int, clinic_id: int) -> Staff | None:
    """The clinic's account with this id; None for unknown ids and other clinics' alike."""
    return session.scalars(select(Staff).where(Staff.id == staff_id, Staff.clinic_id == clinic_id)).first()


def add_staff(
    session: Session, actor: audit.Actor, clinic: Clinic, *, email: str, name: str, role: str, password: str
) -> Staff:
    """A new account (`AccountError` names the field when one is wrong)."""
    staff = create_staff(session, clinic=clinic, email=email, name=name, role=role, password=password)
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
        raise StaffChangeError(f"Choose a role: {' or '.join(roles)}.")
    if staff.role == role:
        return
    if staff.role == "admin" and staff.active and _active_admins(session, staff.clinic_id, staff.id) == 0:
        raise StaffChangeError("This is the clinic's last admin. Make someone else an admin first.")
    staff.role = role
    session.flush()
    audit.record(session, actor, "update", "staff", staff.id, clinic_id=staff.clinic_id)
