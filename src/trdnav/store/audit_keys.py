"""The audit trail's keys: the current one chains new entries, older ones only verify.

The keys live outside the database (`TRDNAV_AUDIT_KEY` or `TRDNAV_AUDIT_KEY_FILE`, and the retired
ones in `TRDNAV_AUDIT_KEYS_FILE`), so someone who can write to the database cannot re-chain the
trail. Each entry names the key that chained it by its id: the first 12 hex digits of a SHA-256 of
the key, which identifies it without revealing it. In development, without a configured key, the
public `DEVELOPMENT_AUDIT_KEY` is used (and `trdnav audit verify` says so); in production a key is
required and the development key is not accepted, not even to verify.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from trdnav.settings import Settings

DEVELOPMENT_AUDIT_KEY = "development-only-audit-key-anyone-can-use-it"
MIN_AUDIT_KEY_LENGTH = 32
KEYRING = "trdnav.audit_keyring"  # where a session keeps its keyring (``Session.info``)
GENERATE = "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"


class AuditKeyError(ValueError):
    """The audit keys cannot be used; each line names the setting to change."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def key_id(secret: bytes) -> str:
    """A short, stable name for a key that does not reveal it."""
    return hashlib.sha256(b"trdnav audit key id\x00" + secret).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class AuditKeyring:
    """The key that chains new entries (``current``) and every key that may verify old ones."""

    current: str
    secrets: Mapping[str, bytes] = field(repr=False)
    development: bool = False  # the public development key is in the ring

    def secret(self, identifier: str) -> bytes | None:
        return self.secrets.get(identifier)

    @classmethod
    def of(cls, current: str, *retired: str, development: bool = False) -> AuditKeyring:
        """A keyring from the keys themselves (tests, and `keyring_from_settings`)."""
        secrets = {key_id(key.encode("utf-8")): key.encode("utf-8") for key in (current, *retired)}
        return cls(current=key_id(current.encode("utf-8")), secrets=secrets, development=development)


DEVELOPMENT_ID = key_id(DEVELOPMENT_AUDIT_KEY.encode("utf-8"))
DEVELOPMENT_KEYRING = AuditKeyring.of(DEVELOPMENT_AUDIT_KEY, development=True)


def _read(path: str, setting: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise AuditKeyError([f"{setting}: cannot read {path}: {reason}"]) from None


def _checked(key: str, setting: str) -> str:
    if key == DEVELOPMENT_AUDIT_KEY:
        raise AuditKeyError([f"{setting}: the development key is public; {GENERATE}"])
    if len(key) < MIN_AUDIT_KEY_LENGTH:
        needed = f"a key of at least {MIN_AUDIT_KEY_LENGTH} characters is needed"
        raise AuditKeyError([f"{setting}: {needed}; {GENERATE}"])
    return key


def keyring_from_settings(settings: Settings) -> AuditKeyring:
    """The installation's keyring; a missing key in production, a short or unreadable one anywhere,
    is an `AuditKeyError` naming the setting. Never reads the database."""
    if settings.audit_key and settings.audit_key_file:
        raise AuditKeyError(["TRDNAV_AUDIT_KEY_FILE: set either it or TRDNAV_AUDIT_KEY, not both"])
    current = ""
    if settings.audit_key_file:
        setting = "TRDNAV_AUDIT_KEY_FILE"
        current = _checked(_read(settings.audit_key_file, setting).strip(), setting)
    elif settings.audit_key:
        current = _checked(settings.audit_key, "TRDNAV_AUDIT_KEY")
    retired: list[str] = []
    if settings.audit_keys_file:
        for line in _read(settings.audit_keys_file, "TRDNAV_AUDIT_KEYS_FILE").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                retired.append(_checked(line.strip(), "TRDNAV_AUDIT_KEYS_FILE"))
    production = settings.environment == "production"
    if not current:
        if production:
            raise AuditKeyError(
                [
                    "TRDNAV_AUDIT_KEY: in production, set the audit trail's key (or TRDNAV_AUDIT_KEY_FILE), "
                    f"at least {MIN_AUDIT_KEY_LENGTH} characters, kept outside the database; {GENERATE}"
                ]
            )
        return AuditKeyring.of(DEVELOPMENT_AUDIT_KEY, *retired, development=True)
    if production:
        return AuditKeyring.of(current, *retired)
    return AuditKeyring.of(current, *retired, DEVELOPMENT_AUDIT_KEY, development=True)
