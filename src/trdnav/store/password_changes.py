"""A staff password's changes after the account is made, each audited (ASVS 2.1, 2.3).

- `change_own_password`: the staff member gives their current password and a new one (the rules
  of `trdnav.store.password_policy`); every other sign-in session of theirs ends, and this one
  goes on under a new token.
- `create_reset`: an admin makes a one-time link for an account of their clinic instead of
  choosing a password for the person. The token is 256 random bits; only its SHA-256 hash is
  stored; it works once, until ``settings.password_reset_hours`` have passed, and a new link
  cancels the account's earlier unused ones.
- `use_reset`: the link's page sets the new password (same rules) and ends all the account's
  sessions; the person then signs in with it.

A password an admin or the command line chose is temporary (``must_change_password``): every staff
page sends its owner to change it first. Audit entries: "update" "staff" for a password changed,
"create" "password_reset" when a link is made, "update" "password_reset" when one is used; the
sessions ended are "update" "staff_session" each. No password, token or hash is ever audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import AccountError, check_new_password, end_session, start_session
from trdnav.store.models import PasswordReset, Staff, StaffSession, now
from trdnav.store.passwords import hash_password, password_matches
from trdnav.store.signin import count_failure, is_locked


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _end_sessions(session: Session, actor: audit.Actor, staff: Staff, keep: int | None) -> int:
    live = session.scalars(
        select(StaffSession).where(StaffSession.staff_id == staff.id, StaffSession.ended_at.is_(None))
    ).all()
    moment, ended = now(), 0
    for found in live:
        if found.id == keep:
            continue
        found.ended_at = moment
        ended += 1
        audit.record(session, actor, "update", "staff_session", found.id, clinic_id=staff.clinic_id)
    return ended


def _set_password(session: Session, staff: Staff, password: str) -> None:
    check_new_password(password, email=staff.email, name=staff.name)
    staff.password_hash = hash_password(password)
    staff.must_change_password = False
    staff.failed_logins, staff.locked_until = 0, None
    session.flush()


def change_own_password(
    session: Session, actor: audit.Actor, this_session: StaffSession, *, current: str, new: str
) -> str:
    """Set ``new`` as the session's staff member's password once ``current`` is right; end every
    session of the account and start this browser's again with a new token, which is returned.
    `AccountError` names the field ("current_password" or "password") when one is wrong; a wrong
    current password counts as a failed sign-in, and none is checked while the account waits."""
    staff = this_session.staff
    moment = now()
    if is_locked(staff, moment) and staff.locked_until is not None:  # no way round the account's wait
        minutes = math.ceil((staff.locked_until - moment).total_seconds() / 60)
        wait = f"{minutes} minute{'s' * (minutes != 1)}"
        raise AccountError(f"current_password: was tried wrong too often; try again in {wait}")
    if not password_matches(staff.password_hash, current):
        count_failure(staff, moment)  # a wrong current password counts like a failed sign-in
        session.flush()
        raise AccountError("current_password: is not your current password")
    if password_matches(staff.password_hash, new):
        raise AccountError("password: must differ from your current password")
    _set_password(session, staff, new)
    audit.record(session, actor, "update", "staff", staff.id, clinic_id=staff.clinic_id)
    _end_sessions(session, actor, staff, keep=this_session.id)
    end_session(session, this_session)
    audit.record(session, actor, "update", "staff_session", this_session.id, clinic_id=staff.clinic_id)
    token = start_session(session, staff, two_factor_done=this_session.two_factor_done)
    started = session.scalars(select(StaffSession).where(StaffSession.token_hash == _token_hash(token))).one()
    audit.record(session, actor, "create", "staff_session", started.id, clinic_id=staff.clinic_id)
    return token


def create_reset(
    session: Session, actor: audit.Actor, staff: Staff, settings: Settings
) -> tuple[str, PasswordReset]:
    """A new one-time reset link for ``staff``: its token (shown once: only its hash is kept)."""
    moment = now()
    for earlier in session.scalars(
        select(PasswordReset).where(PasswordReset.staff_id == staff.id, PasswordReset.used_at.is_(None))
    ):
        earlier.expires_at = min(earlier.expires_at, moment)  # only the newest link works
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(
        staff_id=staff.id,
        token_hash=_token_hash(token),
        created_at=moment,
        expires_at=moment + dt.timedelta(hours=settings.password_reset_hours),
    )
    session.add(reset)
    session.flush()
    audit.record(session, actor, "create", "password_reset", reset.id, clinic_id=staff.clinic_id)
    return token, reset


def find_reset(session: Session, token: str) -> PasswordReset | None:
    """The unused, unexpired reset behind ``token``, for an active account; None otherwise."""
    if not token or len(token) > 100:
        return None
    found = session.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    ).first()
    if found is None or found.used_at is not None or found.expires_at <= now() or not found.staff.active:
        return None
    return found


def use_reset(session: Session, actor: audit.Actor, reset: PasswordReset, new: str) -> Staff:
    """Set the account's new password from a reset link (`AccountError` when it breaks a rule: the
    link stays usable), spend the link and end every session of the account."""
    staff = reset.staff
    _set_password(session, staff, new)
    reset.used_at = now()
    audit.record(session, actor, "update", "password_reset", reset.id, clinic_id=staff.clinic_id)
    audit.record(session, actor, "update", "staff", staff.id, clinic_id=staff.clinic_id)
    _end_sessions(session, actor, staff, keep=None)
    session.flush()
    return staff
