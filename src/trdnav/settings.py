"""One typed settings object, read from the environment (prefix TRDNAV_)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "development-only-secret-key-change-me"


class CrisisLine(BaseModel):
    label: str
    href: str


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRDNAV_", extra="forbid")

    database_url: str = Field(
        default="sqlite:///var/trdnav.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    therapies: list[str] = Field(
        default=["iv_ketamine", "tms"], description="Therapies compared by the patient decision aid"
    )
    crisis_title: str = "If you are thinking about suicide or hurting yourself, get help now"
    crisis_text: str = (
        "Call or text 988 to reach the 988 Suicide & Crisis Lifeline (US), any time, day or night. "
        "If you are in danger right now, call 911 or go to the nearest emergency room."
    )
    crisis_lines: list[CrisisLine] = [
        CrisisLine(label="Call 988", href="tel:988"),
        CrisisLine(label="Text 988", href="sms:988"),
        CrisisLine(label="Call 911", href="tel:911"),
    ]
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Largest request body accepted")
    environment: Literal["development", "production"] = Field(
        default="development",
        description="In production the app refuses to start without a strong TRDNAV_SECRET_KEY and "
        "marks cookies Secure",
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET_KEY,
        description="Signs CSRF tokens; at least 32 characters, never the default, in production",
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
