"""Clinics, staff accounts and staff sign-in sessions.

Passwords are kept only as argon2id hashes (`trdnav.store.passwords`). A sign-in session is a
random 256-bit token in an HttpOnly cookie; only its SHA-256 hash is stored, and it ends after an
idle time, after an absolute time, or at logout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.crisis import country_resources
from trdnav.settings import Settings
from trdnav.store.models import Clinic, Staff, StaffSession, now
from trdnav.store.password_policy import MIN_LENGTH, WeakPassword, check_password
from trdnav.store.passwords import hash_password

ROLES = ("clinician", "admin")
MIN_PASSWORD_LENGTH = MIN_LENGTH
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A clinic or account cannot be created as asked; the message names the field."""


def check_new_password(password: str, *, email: str = "", name: str = "") -> None:
    """The rules of `trdnav.store.password_policy`, as an `AccountError` naming the field."""
    try:
        check_password(password, email=email, name=name)
    except WeakPassword as error:
        raise AccountError(f"password: {error}") from None


def check_email(email: str) -> None:
    if not EMAIL.match(email.strip().lower()):
        raise AccountError("email: expected an email address such as name@clinic.org")


def check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role: expected one of {', '.join(ROLES)}")


def check_name(name: str) -> None:
    if not name.strip():
        raise AccountError("name: must not be empty")


def create_clinic(session: Session, *, slug: str, name: str, settings: Settings) -> Clinic:
    """A clinic with the installation's defaults (therapies, its country's crisis resources) as its
    settings; the clinic's admins can change them."""
    if not SLUG.match(slug):
        raise AccountError("slug: expected 1-60 lowercase letters, digits and dashes, e.g. north-clinic")
    if not name.strip():
        raise AccountError("name: must not be empty")
    if session.scalars(select(Clinic).where(Clinic.slug == slug)).first() is not None:
        raise AccountError(f"slug: a clinic called {slug!r} already exists")
    crisis = country_resources(settings.country)
    clinic = Clinic(
        slug=slug,
        name=name.strip(),
        therapies=list(settings.therapies),
        crisis_title=crisis.title,
        crisis_text=crisis.text,
        crisis_lines=[line.model_dump() for line in crisis.lines],
        contact_text="",
        require_two_factor=False,
        retention_days=None,
    )
    session.add(clinic)
    session.flush()
    return clinic


def find_clinic(session: Session, slug: str) -> Clinic | None:
    """The clinic with this slug; None for a slug no clinic can have (a NUL, which PostgreSQL would
    refuse with an error: ``/c/a%00b/`` is then a 404 like any unknown clinic)."""
    if "\x00" in slug:
        return None
    return session.scalars(select(Clinic).where(Clinic.slug == slug)).first()


def create_staff(
    session: Session,
    *,
    clinic: Clinic,
    email: str,
    name: str,
    role: str,
    password: str,
    temporary: bool = False,
) -> Staff:
    """A new account; with ``temporary`` its password must be changed at its first sign-in (as when
    an admin or the command line chose it for the person)."""
    check_email(email)
    check_role(role)
    check_name(name)
    check_new_password(password, email=email, name=name)
    email = email.strip().lower()
    if session.scalars(select(Staff).where(Staff.email == email)).first() is not None:
        raise AccountError(f"email: an account for {email} already exists")
    staff = Staff(
        clinic=clinic,
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        totp_enabled=False,
        failed_logins=0,
        active=True,
        must_change_password=temporary,
    )
    session.add(staff)
    session.flush()
    return staff


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, staff: Staff, *, two_factor_done: bool) -> str:
    """A new sign-in session; returns its token (for the cookie; only the hash is stored)."""
    token = secrets.token_urlsafe(32)
    moment = now()
    session.add(
        StaffSession(
            token_hash=_token_hash(token),
            staff_id=staff.id,
            created_at=moment,
            last_seen_at=moment,
            two_factor_done=two_factor_done,
        )
    )
    session.flush()
    return token


def find_session(session: Session, token: str, settings: Settings) -> StaffSession | None:
    """The live session for a cookie's token, touched as seen now; None once ended or timed out."""
    if not token or len(token) > 100:
        return None
    found = session.scalars(select(StaffSession).where(StaffSession.token_hash == _token_hash(token))).first()
    if found is None or found.ended_at is not None or not found.staff.active:
        return None
    moment = now()
    idle = dt.timedelta(minutes=settings.staff_idle_minutes)
    absolute = dt.timedelta(hours=settings.staff_session_hours)
    if moment - found.last_seen_at > idle or moment - found.created_at > absolute:
        found.ended_at = moment
        session.flush()
        return None
    found.last_seen_at = moment
    session.flush()
    return found


def end_session(session: Session, staff_session: StaffSession) -> None:
    staff_session.ended_at = now()
    session.flush()
