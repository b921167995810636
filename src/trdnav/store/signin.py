"""Staff sign-in: password checks with throttling and a progressive account delay, and TOTP
two-factor sign-in.

Guessing is slowed twice over. An address with `MAX_ADDRESS_FAILURES` failed sign-ins within
`ADDRESS_WINDOW` is refused outright until the window has passed (its passwords are not even
checked). An account's failures are counted over `FAILURE_WINDOW` (since its last failure); from the
`FREE_FAILURES`-th on, each failure makes the account wait `FIRST_DELAY`, doubling per further
failure up to `MAX_DELAY`, before it takes another try; during the wait even the right password is
refused, and those refused tries neither count nor lengthen the wait, so hammering the form buys
an attacker one guess per `MAX_DELAY` at most. (The fixed 15-minute lock this replaces gave five
fresh guesses, and a fresh lock, each time it ran out: anyone could keep an account locked.) A
browser the account has signed in from before carries a device cookie (`device_token`: an HMAC
of the account and its password hash under the installation's secret key) and is not kept waiting
by failures from elsewhere, so an attacker cannot keep the account's owner out; its own wrong
passwords still count. Unknown addresses are checked against a dummy argon2 hash, so they take as
long as known ones, and every plain refusal shows the same `REFUSED_MESSAGE`.

Two-factor sign-in uses TOTP (RFC 6238) codes from an authenticator app; a code's time step is
stored when used, so no code opens two sign-ins. A wrong code counts as a failed sign-in for the
account and the address alike, and for an account with two-factor sign-in only a right code (not
the right password) ends its run of failures, so signing in again gives no fresh guesses. The
secret is stored encrypted (`trdnav.store.secrets_at_rest`): each function that reads or makes one
takes the installation's ``keyring``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

import pyotp
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import end_session, find_session, start_session
from trdnav.store.models import LoginFailure, Staff, StaffSession, now
from trdnav.store.passwords import dummy_hash, password_matches
from trdnav.store.secrets_at_rest import Keyring

FREE_FAILURES = 5
MAX_ACCOUNT_FAILURES = FREE_FAILURES  # the name two-factor code guessing reads
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=15)
FAILURE_WINDOW = dt.timedelta(hours=24)
MAX_ADDRESS_FAILURES = 10
ADDRESS_WINDOW = dt.timedelta(minutes=15)
TOTP_ISSUER = "TRD Navigator"
TOTP_VALID_WINDOW = 1  # one 30-second step either side, for clocks slightly apart
TOTP_DIGITS = 6
_CODE = re.compile(f"[0-9]{{{TOTP_DIGITS}}}")

REFUSED_MESSAGE = (
    "Email or password is not right. After 5 failed tries an account waits a little longer "
    "before each next try, up to 15 minutes."
)
THROTTLED_MESSAGE = "Too many failed sign-ins came from this network. Wait 15 minutes, then try again."
# Failures for an e-mail address with no account are kept like an account's (rows keyed by an HMAC
# of the address, never the address): it waits exactly as an account would, so the wait message
# does not tell anyone which addresses have an account.
NO_ACCOUNT = "no-account:"


@dataclass(frozen=True, slots=True)
class SignInOutcome:
    """The staff member signed in (None when refused) and why: "ok", "bad_credentials",
    "locked" (the account's delay has not passed: ``retry_at`` says until when), "inactive" or
    "throttled"."""

    staff: Staff | None
    reason: str
    retry_at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.staff is not None


def address_throttled(session: Session, address: str, moment: dt.datetime | None = None) -> bool:
    """Whether ``address`` has had `MAX_ADDRESS_FAILURES` failed sign-ins (passwords or codes) lately."""
    moment = moment or now()
    no_account = LoginFailure.address.startswith(NO_ACCOUNT)
    session.execute(delete(LoginFailure).where(~no_account, LoginFailure.at < moment - ADDRESS_WINDOW))
    session.execute(delete(LoginFailure).where(no_account, LoginFailure.at < moment - FAILURE_WINDOW))
    recent = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address == address[:64], LoginFailure.at >= moment - ADDRESS_WINDOW)
    )
    return (recent or 0) >= MAX_ADDRESS_FAILURES


def _refuse(session: Session, address: str, moment: dt.datetime, reason: str) -> SignInOutcome:
    session.add(LoginFailure(address=address[:64], at=moment))
    session.flush()
    return SignInOutcome(staff=None, reason=reason)


def _no_account_key(email: str, settings: Settings) -> str:
    mac = hmac.new(settings.secret_key.encode("utf-8"), email.strip().lower().encode("utf-8"), hashlib.sha256)
    return NO_ACCOUNT + mac.hexdigest()[: 64 - len(NO_ACCOUNT)]


def _no_account_wait(session: Session, key: str, moment: dt.datetime) -> dt.datetime | None:
    """Until when an address with no account waits, counted as `count_failure` counts an account's."""
    failures = session.scalars(
        select(LoginFailure.at).where(LoginFailure.address == key, LoginFailure.at >= moment - FAILURE_WINDOW)
    ).all()
    if not failures:
        return None
    until = max(failures) + delay_after(len(failures))
    return until if until > moment else None


def _refuse_no_account(
    session: Session, email: str, address: str, moment: dt.datetime, settings: Settings
) -> SignInOutcome:
    """An e-mail with no account: refused as a wrong password is, and made to wait as an account
    with the same failures would (tries during the wait neither count nor lengthen it)."""
    key = _no_account_key(email, settings)
    until = _no_account_wait(session, key, moment)
    if until is not None:
        session.add(LoginFailure(address=address[:64], at=moment))
        session.flush()
        return SignInOutcome(staff=None, reason="locked", retry_at=until)
    session.add(LoginFailure(address=key, at=moment))
    return _refuse(session, address, moment, "bad_credentials")


def is_locked(staff: Staff, moment: dt.datetime | None = None) -> bool:
    """Whether the account is waiting out its delay after failed sign-ins."""
    return staff.locked_until is not None and staff.locked_until > (moment or now())


def delay_after(failures: int) -> dt.timedelta:
    """How long an account waits after its ``failures``-th failure in a row (none before the fifth)."""
    if failures < FREE_FAILURES:
        return dt.timedelta(0)
    doubled: dt.timedelta = FIRST_DELAY * 2 ** min(failures - FREE_FAILURES, 20)
    return min(MAX_DELAY, doubled)


def count_failure(staff: Staff, moment: dt.datetime) -> None:
    """One more failed sign-in (password or code) for the account, and its delay from now."""
    if staff.last_failed_at is not None and moment - staff.last_failed_at > FAILURE_WINDOW:
        staff.failed_logins = 0  # a failure long ago no longer counts
    staff.failed_logins += 1
    staff.last_failed_at = moment
    delay = delay_after(staff.failed_logins)
    staff.locked_until = moment + delay if delay else None


def device_token(staff: Staff, settings: Settings) -> str:
    """The device cookie's value for a browser ``staff`` signed in from: it stops working when the
    account's password changes."""
    message = f"device:{staff.id}:{staff.password_hash}".encode()
    mac = hmac.new(settings.secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{staff.id}.{mac}"


def _known_device(staff: Staff, token: str, settings: Settings) -> bool:
    return bool(token) and hmac.compare_digest(token.encode(), device_token(staff, settings).encode())


def sign_in(
    session: Session, email: str, password: str, address: str, settings: Settings, *, device: str = ""
) -> SignInOutcome:
    """Check an email address and password; count failures, delay and throttle as described above.

    ``device`` is the browser's device cookie (`device_token`), if any. ``settings`` is the
    installation's (its secret key signs device cookies); the limits are this module's constants.
    """
    moment = now()
    if address_throttled(session, address, moment):
        return SignInOutcome(staff=None, reason="throttled")
    staff = session.scalars(select(Staff).where(Staff.email == email.strip().lower())).first()
    if staff is None:
        password_matches(dummy_hash(), password)  # so that such attempts take as long as others
        return _refuse_no_account(session, email, address, moment, settings)
    matches = password_matches(staff.password_hash, password)
    if is_locked(staff, moment) and not _known_device(staff, device, settings):
        # refused without counting: waiting is the only way on, and hammering does not lengthen it
        session.add(LoginFailure(address=address[:64], at=moment))
        session.flush()
        return SignInOutcome(staff=None, reason="locked", retry_at=staff.locked_until)
    if not matches:
        count_failure(staff, moment)
        return _refuse(session, address, moment, "bad_credentials")
    if not staff.active:
        return _refuse(session, address, moment, "inactive")
    if not staff.totp_enabled:  # with two-factor sign-in, only a right code ends a run of failures
        staff.failed_logins, staff.locked_until = 0, None
    session.flush()
    return SignInOutcome(staff=staff, reason="ok")


def begin_two_factor_setup(session: Session, staff: Staff, keyring: Keyring) -> str:
    """A new TOTP secret for the staff member's authenticator app (stored encrypted, returned in
    plain text to show once); not in use until confirmed."""
    secret = pyotp.random_base32()
    staff.totp_secret = keyring.encrypt(secret)
    staff.totp_enabled = False
    staff.totp_last_step = None
    session.flush()
    return secret


def totp_secret(staff: Staff, keyring: Keyring) -> str:
    """The staff member's TOTP secret, decrypted (`SecretUnreadable` when no key opens it)."""
    if staff.totp_secret is None:
        raise ValueError("two-factor sign-in has not been set up for this account")
    return keyring.decrypt(staff.totp_secret)


def provisioning_uri(staff: Staff, keyring: Keyring) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    secret = totp_secret(staff, keyring)
    return pyotp.TOTP(secret).provisioning_uri(name=staff.email, issuer_name=TOTP_ISSUER)


def _matching_step(secret: str, code: str, moment: dt.datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if not _CODE.fullmatch(code):  # ASCII digits only: "１２３４５６" and "²" are not codes
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(moment)
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_code(session: Session, staff: Staff, code: str, keyring: Keyring) -> bool:
    if staff.totp_secret is None:
        return False
    step = _matching_step(totp_secret(staff, keyring), code, now())
    if step is None or (staff.totp_last_step is not None and step <= staff.totp_last_step):
        return False
    staff.totp_last_step = step
    session.flush()
    return True


def confirm_two_factor(session: Session, staff: Staff, code: str, keyring: Keyring) -> bool:
    """Turn two-factor sign-in on once a code from the new secret is right."""
    if staff.totp_enabled or not _use_code(session, staff, code, keyring):
        return False
    staff.totp_enabled = True
    session.flush()
    return True


def check_code(session: Session, staff: Staff, code: str, keyring: Keyring) -> bool:
    """Whether a sign-in code is right and unused; a code (or an earlier one) never works twice.

    A right code ends the account's run of failed sign-ins (a right password alone does not, so
    knowing the password gives no more than `MAX_ACCOUNT_FAILURES` guesses at the code)."""
    if not (staff.totp_enabled and _use_code(session, staff, code, keyring)):
        return False
    staff.failed_logins, staff.locked_until = 0, None
    session.flush()
    return True


def disable_two_factor(session: Session, staff: Staff) -> bool:
    """Turn two-factor sign-in off; refused (False) when the staff member's clinic requires it."""
    if staff.clinic.require_two_factor:
        return False
    staff.totp_enabled = False
    staff.totp_secret = None
    staff.totp_last_step = None
    session.flush()
    return True


# --- Sign-in events, each with its audit entry -----------------------------------------------------


def record_refused_sign_in(session: Session, actor: audit.Actor, email: str) -> None:
    """A refused sign-in (wrong password, unknown address, locked, throttled), recorded against the
    account ``email`` belongs to and that account's clinic, so its admin sees the attack on the audit
    page; for an address with no account, against no clinic. Neither the password nor the typed
    address is kept."""
    target = session.scalars(select(Staff).where(Staff.email == email.strip().lower())).first()
    if target is None:
        audit.record(session, actor, "sign_in_failed", "staff", None)
    else:
        audit.record(session, actor, "sign_in_failed", "staff", target.id, clinic_id=target.clinic_id)


def begin_session(
    session: Session, actor: audit.Actor, staff: Staff, settings: Settings, *, previous: StaffSession | None
) -> str:
    """After a right password: end the browser's ``previous`` session (if any) and start one for
    ``staff`` (its second step still to do when two-factor sign-in is on); return its token."""
    if previous is not None:
        end_session(session, previous)
    token = start_session(session, staff, two_factor_done=not staff.totp_enabled)
    started = find_session(session, token, settings)
    assert started is not None
    audit.record(session, actor, "create", "staff_session", started.id)
    return token


def sign_out(session: Session, actor: audit.Actor, staff_session: StaffSession) -> None:
    end_session(session, staff_session)
    audit.record(session, actor, "delete", "staff_session", staff_session.id)


def pass_second_step(
    session: Session, actor: audit.Actor, staff_session: StaffSession, code: str, keyring: Keyring
) -> bool:
    """Whether ``code`` is right for the session's staff member (`check_code`); a right one completes
    the session's sign-in, a wrong one is recorded as a failed sign-in."""
    if check_code(session, staff_session.staff, code, keyring):
        staff_session.two_factor_done = True
        audit.record(session, actor, "update", "staff_session", staff_session.id)
        return True
    audit.record(session, actor, "sign_in_failed", "staff_session", staff_session.id)
    return False


def turn_off_two_factor(session: Session, actor: audit.Actor, staff: Staff) -> bool:
    """`disable_two_factor` by ``actor``, audited when done."""
    if not disable_two_factor(session, staff):
        return False
    audit.record(session, actor, "update", "staff", staff.id)
    return True


def finish_two_factor_setup(
    session: Session, actor: audit.Actor, staff_session: StaffSession, code: str, keyring: Keyring
) -> bool:
    """Turn two-factor sign-in on for the session's staff member once ``code`` is right
    (`confirm_two_factor`); the code also completes this session's second step."""
    if not confirm_two_factor(session, staff_session.staff, code, keyring):
        return False
    staff_session.two_factor_done = True
    audit.record(session, actor, "update", "staff", staff_session.staff.id)
    return True


def record_failed_code(session: Session, staff: Staff, address: str) -> bool:
    """Count a wrong two-factor code like a wrong password; True when the account must now wait."""
    moment = now()
    session.add(LoginFailure(address=address[:64], at=moment))
    count_failure(staff, moment)
    session.flush()
    return is_locked(staff, moment)
