"""Sign-in checks below the web layer: what is (and is not) verified, and TOTP codes' time steps."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from trdnav.settings import Settings
from trdnav.store import signin
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.models import LoginFailure, Staff
from trdnav.store.secrets_at_rest import Keyring, new_key

KEYRING = Keyring((new_key(),))

PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff_id(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        clinic = create_clinic(session, slug="north", name="North Clinic", settings=Settings())
        staff = create_staff(
            session, clinic=clinic, email="ana@north.example", name="Ana", role="clinician", password=PASSWORD
        )
        return staff.id


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record which hashes `sign_in` verifies a password against."""
    checked: list[str] = []
    real: Callable[[str, str], bool] = signin.password_matches

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(signin, "password_matches", counting)
    return checked


def test_an_unknown_email_is_checked_against_a_dummy_hash_like_a_known_one(
    sessions: sessionmaker[Session], staff_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = _counting(monkeypatch)
    with sessions.begin() as session:
        outcome = signin.sign_in(session, "nobody@north.example", PASSWORD, "10.0.0.1", Settings())
    assert (outcome.staff, outcome.reason) == (None, "bad_credentials")
    assert len(checked) == 1 and checked[0].startswith("$argon2id$")


def test_a_throttled_address_has_no_password_checked_at_all(
    sessions: sessionmaker[Session], staff_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sessions.begin() as session:
        for _ in range(signin.MAX_ADDRESS_FAILURES):
            signin.sign_in(session, "nobody@north.example", "wrong", "10.0.0.2", Settings())
    checked = _counting(monkeypatch)
    with sessions.begin() as session:
        throttled = signin.sign_in(session, "ana@north.example", PASSWORD, "10.0.0.2", Settings())
        elsewhere = signin.sign_in(session, "ana@north.example", PASSWORD, "10.0.0.3", Settings())
    assert throttled.reason == "throttled" and not throttled.ok
    assert elsewhere.ok, "another address is not affected"
    assert len(checked) == 1


def _with_staff(
    sessions: sessionmaker[Session], staff_id: int, action: Callable[[Session, Staff], Any]
) -> Any:
    with sessions.begin() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        return action(session, staff)


def test_a_code_is_accepted_once_and_no_earlier_code_after_it(
    sessions: sessionmaker[Session], staff_id: int
) -> None:
    secret = _with_staff(
        sessions, staff_id, lambda s, staff: signin.begin_two_factor_setup(s, staff, KEYRING)
    )
    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time())

    def check(code: str) -> bool:
        return bool(
            _with_staff(sessions, staff_id, lambda s, staff: signin.check_code(s, staff, code, KEYRING))
        )

    assert not check(totp.generate_otp(step)), "not in use before it is confirmed"
    confirm = totp.generate_otp(step)
    assert _with_staff(
        sessions, staff_id, lambda s, staff: signin.confirm_two_factor(s, staff, confirm, KEYRING)
    )
    assert not check(confirm), "the code that confirmed the setup cannot sign in"
    assert not check(totp.generate_otp(step - 1)), "nor can an earlier one"
    assert not check(confirm[:5]) and not check("abcdef")
    later = totp.generate_otp(step + 1)
    assert check(later)
    assert _with_staff(sessions, staff_id, lambda s, staff: staff.totp_last_step) == step + 1
    assert not check(later)


def test_two_factor_cannot_be_turned_off_where_the_clinic_requires_it(
    sessions: sessionmaker[Session], staff_id: int
) -> None:
    def require(session: Session, staff: Staff) -> None:
        staff.clinic.require_two_factor = True

    _with_staff(sessions, staff_id, require)
    assert not _with_staff(sessions, staff_id, signin.disable_two_factor)


# --- The account's wait after failed sign-ins (soft lockout) ---------------------------------------

START = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def _clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    moment = [START]
    monkeypatch.setattr(signin, "now", lambda: moment[0])
    return moment


def test_the_wait_doubles_from_the_fifth_failure_up_to_a_cap() -> None:
    waits = [signin.delay_after(n).total_seconds() for n in range(1, 12)]
    assert waits == [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900]
    assert signin.delay_after(10_000) == signin.MAX_DELAY


def test_an_attacker_failing_again_whenever_the_wait_ends_cannot_keep_the_owner_out(
    sessions: sessionmaker[Session], staff_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack on the old fixed lock (5 failures: 15 minutes locked, then 5 fresh tries): an
    attacker who sends 5 wrong passwords every minute kept the account locked for as long as they
    liked, and its owner could not sign in at all. Now the owner's own browser (its device cookie)
    is not kept waiting, a new browser waits at most `MAX_DELAY`, and the attacker's tries during the
    wait count for nothing: over 3 hours they get one guess each time the wait ends."""
    moment = _clock(monkeypatch)
    settings = Settings()
    with sessions.begin() as session:
        owner_device = signin.device_token(session.get(Staff, staff_id), settings)  # type: ignore[arg-type]
    for minute in range(180):
        moment[0] = START + dt.timedelta(minutes=minute)
        with sessions.begin() as session:
            for attempt in range(5):
                signin.sign_in(
                    session, "ana@north.example", "a wrong guess", f"10.9.{minute}.{attempt}", settings
                )
    with sessions.begin() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        assert staff.failed_logins <= 5 + 180 // 15 + 4, "one counted guess per wait, not five a minute"
        elsewhere = signin.sign_in(session, "ana@north.example", PASSWORD, "10.1.1.1", settings)
        assert elsewhere.reason == "locked" and elsewhere.retry_at is not None
        assert elsewhere.retry_at - moment[0] <= signin.MAX_DELAY
        at_home = signin.sign_in(
            session, "ana@north.example", PASSWORD, "10.1.1.2", settings, device=owner_device
        )
        assert at_home.ok, "the owner's own browser signs in while an attacker keeps trying"
        assert staff.failed_logins == 0 and staff.locked_until is None


def test_tries_during_the_wait_neither_count_nor_lengthen_it(
    sessions: sessionmaker[Session], staff_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = _clock(monkeypatch)
    with sessions.begin() as session:
        for attempt in range(5):
            signin.sign_in(session, "ana@north.example", "a wrong guess", f"10.8.0.{attempt}", Settings())
        for attempt in range(100):
            outcome = signin.sign_in(
                session, "ana@north.example", "a wrong guess", f"10.7.0.{attempt}", Settings()
            )
            assert outcome.reason == "locked" and outcome.retry_at == START + signin.FIRST_DELAY
        staff = session.get(Staff, staff_id)
        assert staff is not None and staff.failed_logins == 5
        right = signin.sign_in(session, "ana@north.example", PASSWORD, "10.7.1.1", Settings())
        assert right.reason == "locked", "even the right password waits"
    moment[0] = START + signin.FIRST_DELAY
    with sessions.begin() as session:
        assert signin.sign_in(session, "ana@north.example", PASSWORD, "10.7.1.1", Settings()).ok


def test_failures_older_than_the_window_no_longer_count(
    sessions: sessionmaker[Session], staff_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = _clock(monkeypatch)
    with sessions.begin() as session:
        for attempt in range(4):
            signin.sign_in(session, "ana@north.example", "a wrong guess", f"10.6.0.{attempt}", Settings())
    moment[0] = START + signin.FAILURE_WINDOW + dt.timedelta(minutes=1)
    with sessions.begin() as session:
        signin.sign_in(session, "ana@north.example", "a wrong guess", "10.6.1.1", Settings())
        staff = session.get(Staff, staff_id)
        assert staff is not None and (staff.failed_logins, staff.locked_until) == (1, None)


def test_a_device_cookie_is_the_accounts_and_stops_working_when_its_password_changes(
    sessions: sessionmaker[Session], staff_id: int
) -> None:
    settings = Settings()
    with sessions.begin() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        token = signin.device_token(staff, settings)
        assert signin._known_device(staff, token, settings)
        assert not signin._known_device(staff, token, Settings(secret_key="another key " * 4))
        staff.password_hash = "$argon2id$changed"
        assert not signin._known_device(staff, token, settings)
        assert not signin._known_device(staff, "", settings)


def test_an_email_with_no_account_waits_exactly_as_an_account_does(
    sessions: sessionmaker[Session], staff_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait message must not tell which e-mail addresses have an account: the same failures at
    the same moments give the same answers, waits included, for ana's address and for one that has
    no account (and tries during the wait count for neither)."""
    moment = _clock(monkeypatch)
    settings = Settings()

    def answers(email: str) -> list[tuple[str, dt.timedelta | None]]:
        seen = []
        for step in range(12):  # every 20 seconds, each try from its own address
            moment[0] = START + dt.timedelta(days=email.startswith("nobody"), seconds=20 * step)
            with sessions.begin() as session:
                outcome = signin.sign_in(session, email, "a wrong guess", f"10.7.{step}.1", settings)
            wait = None if outcome.retry_at is None else outcome.retry_at - moment[0]
            seen.append((outcome.reason, wait))
        return seen

    known, unknown = answers("ana@north.example"), answers("nobody@north.example")
    assert [reason for reason, _ in known].count("locked") >= 3, "the account does wait"
    assert unknown == known
    with sessions() as session:  # the address itself is never kept
        kept = session.scalars(select(LoginFailure.address)).all()
        assert not any("nobody" in address for address in kept)
