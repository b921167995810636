"""A clinic admin's changes: the clinic's settings and its staff accounts, each audited.

Settings: the therapies offered (at least one of the knowledge base's), the crisis resources
text, the consultation contact details shown to patients, whether every account must sign in
with a second factor, and how long assessments are kept (blank: until deleted; `trdnav retention
apply` enforces it), and the scheduling the course planner reads: the clinic's time zone (IANA),
the country and state whose public holidays close it (as the ``holidays`` package knows them),
its opening days and its opening hours. Staff: add an account, deactivate or reactivate it
(which ends its sign-in sessions), change its role. An admin cannot deactivate themself, and a
clinic never loses its last active admin. Errors name the field, so the form can show them beside it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import available_timezones

import holidays
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.accounts import ROLES, create_staff
from trdnav.store.models import Clinic, Staff, StaffSession, now

RETENTION_MIN_DAYS = 30
RETENTION_MAX_DAYS = 3650
TITLE_MAX = 200
TEXT_MAX = 2000
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@dataclass(frozen=True, slots=True)
class ClinicSettings:
    therapies: list[str]
    crisis_title: str
    crisis_text: str
    contact_text: str
    require_two_factor: bool
    retention_days: int | None
    timezone: str
    country: str
    subdivision: str
    opening_days: list[int]
    opens_at: str
    closes_at: str


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
        "timezone": clinic.timezone,
        "country": clinic.country,
        "subdivision": clinic.subdivision,
        "opening_days": list(clinic.opening_days),
        "opens_at": clinic.opens_at,
        "closes_at": clinic.closes_at,
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
    if (
        not (given.isascii() and given.isdigit())
        or not RETENTION_MIN_DAYS <= int(given) <= RETENTION_MAX_DAYS
    ):
        errors["retention_days"] = expected
        return None
    return int(given)


@cache
def holiday_countries() -> dict[str, tuple[str, ...]]:
    """Two-letter country codes the ``holidays`` package knows, each with its subdivision codes."""
    return {
        code: tuple(subdivisions)
        for code, subdivisions in holidays.list_supported_countries(include_aliases=False).items()
        if len(code) == 2
    }


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


@dataclass(frozen=True, slots=True)
class Schedule:
    timezone: str
    country: str
    subdivision: str
    opening_days: list[int]
    opens_at: str
    closes_at: str


def read_schedule(
    form: Mapping[str, Sequence[str]], errors: dict[str, str]
) -> tuple[Schedule, dict[str, object]]:
    """Check the scheduling fields; messages go into ``errors`` by field. Returns what was sent too."""
    timezone, opens_at, closes_at = (_text(form, n) for n in ("timezone", "opens_at", "closes_at"))
    country, subdivision = _text(form, "country").upper(), _text(form, "subdivision").upper()
    days_given = list(form.get("opening_days") or [])
    days = sorted({int(d) for d in days_given if d.isascii() and d.isdigit() and int(d) < len(WEEKDAY_NAMES)})
    if timezone not in _timezones():
        errors["timezone"] = "Enter the clinic's time zone as an IANA name, for example America/New_York."
    countries = holiday_countries()
    if country not in countries:
        errors["country"] = "Enter a two-letter country code with known public holidays, for example US."
    elif subdivision and subdivision not in countries[country]:
        known = ", ".join(countries[country]) or "none"
        errors["subdivision"] = (
            f"Enter one of {country}'s state or region codes ({known}), or leave it blank."
        )
    if not days or len(days) != len(days_given):
        errors["opening_days"] = "Tick at least one day the clinic is open."
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if not CLOCK_TIME.match(value):
            errors[name] = "Enter a time of day as HH:MM in the 24-hour clock, for example 08:30."
    if "opens_at" not in errors and "closes_at" not in errors and opens_at >= closes_at:
        errors["closes_at"] = f"Enter a closing time after the opening time ({opens_at})."
    values: dict[str, object] = {
        "timezone": timezone,
        "country": country,
        "subdivision": subdivision,
        "opening_days": days,
        "opens_at": opens_at,
        "closes_at": closes_at,
    }
    return Schedule(timezone, country, subdivision, days, opens_at, closes_at), values


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
    schedule, schedule_values = read_schedule(form, errors)
    result.values = {
        "therapies": chosen,
        "crisis_title": title,
        "crisis_text": text,
        "contact_text": contact,
        "require_two_factor": two_factor,
        "retention_days": retention_given,
        **schedule_values,
    }
    if not errors:
        result.settings = ClinicSettings(
            chosen,
            title,
            text,
            contact,
            two_factor,
            retention,
            timezone=schedule.timezone,
            country=schedule.country,
            subdivision=schedule.subdivision,
            opening_days=schedule.opening_days,
            opens_at=schedule.opens_at,
            closes_at=schedule.closes_at,
        )
    return result


def save_settings(session: Session, actor: audit.Actor, clinic: Clinic, settings: ClinicSettings) -> None:
    clinic.therapies = list(settings.therapies)
    clinic.crisis_title = settings.crisis_title
    clinic.crisis_text = settings.crisis_text
    clinic.contact_text = settings.contact_text
    clinic.require_two_factor = settings.require_two_factor
    clinic.retention_days = settings.retention_days
    clinic.timezone = settings.timezone
    clinic.country = settings.country
    clinic.subdivision = settings.subdivision
    clinic.opening_days = list(settings.opening_days)
    clinic.opens_at = settings.opens_at
    clinic.closes_at = settings.closes_at
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
