"""TOTP secrets are encrypted at rest with keys outside the database; the keys rotate."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from alembic import command
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from trdnav.settings import Settings
from trdnav.store import signin
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.database import _config, migrate, open_engine, session_factory
from trdnav.store.models import Staff
from trdnav.store.secrets_at_rest import (
    Keyring,
    KeyringError,
    SecretUnreadable,
    keyring_from,
    new_key,
    reencrypt_secrets,
)

PLAIN_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _staff(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        clinic = create_clinic(session, slug="keys", name="Keys Clinic", settings=Settings())
        staff = create_staff(
            session,
            clinic=clinic,
            email="k@example.org",
            name="K",
            role="clinician",
            password="long enough pw",
        )
        return staff.id


def _stored(engine: Engine, staff_id: int) -> str:
    with engine.connect() as connection:
        value = connection.execute(text("SELECT totp_secret FROM staff WHERE id = :id"), {"id": staff_id})
        return str(value.scalar_one())


def test_the_database_row_holds_no_totp_secret_and_codes_still_work(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    keyring = Keyring((new_key(),))
    staff_id = _staff(sessions)
    with sessions.begin() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        secret = signin.begin_two_factor_setup(session, staff, keyring)
    row = _stored(engine, staff_id)
    assert secret not in row
    assert row.startswith("gAAAAA"), "a Fernet token, not base32"
    totp = pyotp.TOTP(secret)
    with sessions.begin() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        assert signin.confirm_two_factor(session, staff, totp.now(), keyring)
        assert signin.provisioning_uri(staff, keyring).startswith("otpauth://totp/")
        assert f"secret={secret}" in signin.provisioning_uri(staff, keyring)


def test_a_secret_left_in_plain_text_is_refused_not_read(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """What an attacker with write access to the database puts there is no secret the app uses."""
    keyring = Keyring((new_key(),))
    staff_id = _staff(sessions)
    with sessions.begin() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        staff.totp_secret, staff.totp_enabled = PLAIN_SECRET, True
    code = pyotp.TOTP(PLAIN_SECRET).now()
    with sessions.begin() as session, pytest.raises(SecretUnreadable, match="TRDNAV_ENCRYPTION_KEY"):
        staff = session.get(Staff, staff_id)
        assert staff is not None
        signin.check_code(session, staff, code, keyring)


def test_keys_rotate_newest_first_and_reencrypt_moves_every_secret_to_the_newest(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    old, new = new_key(), new_key()
    staff_id = _staff(sessions)
    with sessions.begin() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        secret = signin.begin_two_factor_setup(session, staff, Keyring((old,)))
    ring = Keyring((new, old))
    with sessions.begin() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        assert signin.totp_secret(staff, ring) == secret, "the old key still opens it during rotation"
        assert reencrypt_secrets(session, ring) == 1
        assert reencrypt_secrets(session, ring) == 0, "already under the newest key"
    with sessions.begin() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        assert signin.totp_secret(staff, Keyring((new,))) == secret, "the old key can now be removed"
        with pytest.raises(SecretUnreadable):
            signin.totp_secret(staff, Keyring((old,)))


def test_upgrading_encrypts_the_secrets_kept_in_plain_text(fresh_database_url: str) -> None:
    """0010 encrypts what earlier versions stored in plain text, with the keyring the app passes."""
    engine = open_engine(fresh_database_url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0007")
            connection.execute(
                text(
                    "INSERT INTO clinics (slug, name, created_at, therapies, crisis_title, crisis_text,"
                    " crisis_lines, contact_text, require_two_factor) VALUES ('old', 'Old Clinic',"
                    " CURRENT_TIMESTAMP, '[\"tms\"]', 'Help', 'Call 988.', '[]', '', false)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO staff (clinic_id, email, name, role, password_hash, totp_secret,"
                    " totp_enabled, failed_logins, active, created_at) VALUES ((SELECT id FROM clinics),"
                    f" 'o@example.org', 'O', 'admin', 'x', '{PLAIN_SECRET}', true, 0, true,"
                    " CURRENT_TIMESTAMP)"
                )
            )
        keyring = Keyring((new_key(),))
        migrate(engine, keyring)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT totp_secret FROM staff")).scalar_one()
        assert PLAIN_SECRET not in row
        with session_factory(engine)() as session:
            staff = session.scalars(select(Staff)).one()
            assert signin.totp_secret(staff, keyring) == PLAIN_SECRET
            assert staff.clinic.link_idle_days == 90, "every clinic's links expire after 90 idle days"
    finally:
        engine.dispose()


def test_production_refuses_to_start_without_an_encryption_key(tmp_path: Path) -> None:
    production = {"environment": "production", "secret_key": "s" * 40}
    with pytest.raises(KeyringError, match="TRDNAV_ENCRYPTION_KEY"):
        keyring_from(Settings(**production))
    with pytest.raises(KeyringError, match="key 2 is not a Fernet key"):
        keyring_from(Settings(**production, encryption_key=f"{new_key()},not-a-key"))
    newest, older = new_key(), new_key()
    key_file = tmp_path / "keys"
    key_file.write_text(f"{newest}\n{older}\n", encoding="utf-8")
    ring = keyring_from(Settings(**production, encryption_key=new_key(), encryption_key_file=str(key_file)))
    assert ring.keys == (newest, older), "the file wins, newest first"
    with pytest.raises(KeyringError, match="cannot read"):
        keyring_from(Settings(**production, encryption_key_file=str(tmp_path / "missing")))
    development = keyring_from(Settings(secret_key="d" * 40))
    assert development.derived and development.decrypt(development.encrypt("x")) == "x"
