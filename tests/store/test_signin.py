"""Sign-in checks below the web layer: what is (and is not) verified, and TOTP codes' time steps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from sqlalchemy.orm import Session, sessionmaker

from trdnav.settings import Settings
from trdnav.store import signin
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.models import Staff
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
