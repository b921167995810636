"""Secrets kept encrypted in the database (the staff's TOTP secrets), with keys that never are.

The keys come from ``TRDNAV_ENCRYPTION_KEY`` (or the file named by ``TRDNAV_ENCRYPTION_KEY_FILE``):
one or more Fernet keys (`cryptography`: AES-128-CBC with HMAC-SHA256, each value authenticated),
separated by commas or newlines, the newest first. New values are encrypted with the newest key;
any key of the ring opens a value, so a key is rotated by putting a new one first, running
`trdnav db reencrypt` (every value under the newest key), then removing the old key.

In development without a key, one is derived from the secret key (HKDF-SHA256), so secrets are
still never stored in plain text; in production the app refuses to start without a key. A value
that no key opens (plain text left from before encryption, or a key missing from the ring) is
an error, never read as it is.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.settings import Settings
from trdnav.store.models import Staff

_SEPARATORS = re.compile(r"[\s,]+")
_PLAIN_TOTP = re.compile(r"[A-Z2-7]{16,64}=*")  # a base32 secret as pyotp makes it
KEY_SETTINGS = "TRDNAV_ENCRYPTION_KEY or TRDNAV_ENCRYPTION_KEY_FILE"


class KeyringError(ValueError):
    """The encryption keys are missing or malformed; the message names the setting."""


class SecretUnreadable(ValueError):
    """A stored secret that no key of the ring opens."""


@dataclass(frozen=True, slots=True)
class Keyring:
    """The encryption keys, newest first (``derived``: from the secret key, development only)."""

    keys: tuple[str, ...]
    derived: bool = False

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError(f"{KEY_SETTINGS}: no key given")
        for position, key in enumerate(self.keys, start=1):
            try:
                Fernet(key)
            except (ValueError, TypeError):
                raise KeyringError(
                    f"{KEY_SETTINGS}: key {position} is not a Fernet key (32 bytes, URL-safe base64, "
                    "44 characters); generate one with `trdnav db new-key`"
                ) from None

    @property
    def _fernet(self) -> MultiFernet:
        return _multi(self.keys)

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretUnreadable(
                f"a stored secret is not encrypted with any key of {KEY_SETTINGS}"
            ) from None

    def is_current(self, stored: str) -> bool:
        """Whether ``stored`` is encrypted with the newest key."""
        try:
            Fernet(self.keys[0]).decrypt(stored.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True


@cache
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def new_key() -> str:
    """A new random Fernet key, to add at the front of the ring."""
    return Fernet.generate_key().decode("ascii")


def _derived_key(secret_key: str) -> str:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"trdnav totp secrets")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode("utf-8"))).decode("ascii")


def keyring_from(settings: Settings) -> Keyring:
    """The installation's keyring: the key file wins over the variable; without either, a key
    derived from the secret key in development, and a `KeyringError` in production."""
    given = settings.encryption_key
    if settings.encryption_key_file:
        try:
            given = Path(settings.encryption_key_file).read_text(encoding="utf-8")
        except OSError as error:
            raise KeyringError(
                f"TRDNAV_ENCRYPTION_KEY_FILE: cannot read {settings.encryption_key_file} "
                f"({error.strerror or type(error).__name__})"
            ) from None
    keys = tuple(key for key in _SEPARATORS.split(given) if key)
    if keys:
        return Keyring(keys)
    if settings.environment == "production":
        raise KeyringError(
            f"{KEY_SETTINGS}: in production, set an encryption key for the secrets kept in the "
            "database (generate one with `trdnav db new-key`); keep it outside the database and "
            "its backups"
        )
    return Keyring((_derived_key(settings.secret_key),), derived=True)


def reencrypt_secrets(session: Session, keyring: Keyring) -> int:
    """Encrypt every stored TOTP secret with the newest key: plain ones (from before encryption)
    and ones under an older key of the ring. Returns how many changed. A value neither plain nor
    opened by the ring raises `SecretUnreadable`, naming the setting, and nothing is changed."""
    changed = 0
    for staff in session.scalars(select(Staff).where(Staff.totp_secret.is_not(None)).order_by(Staff.id)):
        stored = staff.totp_secret
        assert stored is not None
        if keyring.is_current(stored):
            continue
        plain = stored if _PLAIN_TOTP.fullmatch(stored) else keyring.decrypt(stored)
        staff.totp_secret = keyring.encrypt(plain)
        changed += 1
    session.flush()
    return changed
