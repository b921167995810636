"""One typed settings object, read from the environment (prefix TRDNAV_)."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "development-only-secret-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRDNAV_", extra="forbid")

    database_url: str = Field(
        default="sqlite:///var/trdnav.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    therapies: list[str] = Field(
        default=["iv_ketamine", "tms"], description="Therapies compared by the patient decision aid"
    )
    country: str = Field(
        default="US",
        pattern=r"^[A-Z]{2}$",
        description="Two-letter code of the country whose crisis resources (knowledge base) the "
        "installation shows when no clinic has its own (docs/rules.md lists them)",
    )
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Largest request body accepted")
    record_upload_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=64 * 1024,
        description="Largest health-record upload accepted in the clinic workspace (/staff/records)",
    )
    cds_max_body_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=64 * 1024,
        description="Largest CDS Hooks request accepted (a patient's prefetched record)",
    )
    environment: Literal["development", "production"] = Field(
        default="development",
        description="In production the app refuses to start without a strong TRDNAV_SECRET_KEY and "
        "marks cookies Secure",
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET_KEY,
        description="Signs CSRF tokens; at least 32 characters, never the default, in production",
    )
    audit_key: str = Field(
        default="",
        description="Keys the audit trail's HMAC chain and signs its checkpoints; at least 32 characters, "
        "kept outside the database (prefer TRDNAV_AUDIT_KEY_FILE); required in production",
    )
    audit_key_file: str = Field(
        default="", description="File holding the audit trail's key (instead of TRDNAV_AUDIT_KEY)"
    )
    audit_keys_file: str = Field(
        default="",
        description="File of the audit keys used before the current one, one a line (# comments): "
        "`trdnav audit verify` needs every key that ever chained an entry",
    )
    encryption_key: str = Field(
        default="",
        description="Fernet keys that encrypt the secrets kept in the database (staff TOTP secrets), "
        "newest first, separated by commas; required in production (prefer TRDNAV_ENCRYPTION_KEY_FILE; "
        "`trdnav db new-key` makes one; never stored in the database or its backups)",
    )
    encryption_key_file: str = Field(
        default="",
        description="File holding the encryption keys, one a line, newest first (wins over the variable)",
    )
    link_idle_days: int | None = Field(
        default=90,
        ge=1,
        le=3650,
        description="A private link of an assessment without a clinic stops working after this many days "
        "unused (clinics set their own); none: never",
    )
    default_clinic: str | None = Field(
        default=None,
        description="Slug of the clinic that owns assessments started at / (it must exist; none: / is a "
        "standalone decision aid, not connected to any clinic, with no consultation request)",
    )
    staff_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="Sign staff out after this idle time"
    )
    staff_session_hours: int = Field(default=12, ge=1, le=7 * 24, description="Longest a staff sign-in lasts")
    password_reset_hours: int = Field(
        default=24, ge=1, le=7 * 24, description="How long an admin's password reset link works (once)"
    )
    trusted_proxies: list[str] = Field(
        default=[],
        description="Addresses or networks (CIDR) of the reverse proxies whose X-Forwarded-For and "
        'X-Forwarded-Proto headers are believed, as JSON, e.g. ["127.0.0.1", "10.0.0.0/8"] (none: the '
        "headers are ignored, and the client's address is the connection's)",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network; expected e.g. 127.0.0.1 or 10.0.0.0/8"
                ) from None
        return value

    # E-mail (the private link, next steps and reminders; `trdnav reminders send`). No host: no e-mail.
    smtp_host: str = Field(
        default="",
        description="SMTP server that sends the e-mails people ask for (none: the pages offer no e-mail)",
    )
    smtp_port: int = Field(
        default=587, ge=1, le=65535, description="SMTP server port (587 STARTTLS, 465 SSL)"
    )
    smtp_tls: Literal["none", "starttls", "ssl"] = Field(
        default="starttls", description="How the SMTP connection is encrypted: none, starttls or ssl"
    )
    smtp_user: str = Field(default="", description="SMTP user name (none: no sign-in)")
    smtp_password: str = Field(default="", description="SMTP password (prefer TRDNAV_SMTP_PASSWORD_FILE)")
    smtp_password_file: str = Field(
        default="", description="File holding the SMTP password (read when sending; wins over the variable)"
    )
    smtp_from: str = Field(default="", description="The From address of the e-mails, e.g. clinic@example.org")

    @property
    def email_enabled(self) -> bool:
        """Whether e-mail can be sent at all (an SMTP host is set)."""
        return bool(self.smtp_host)
