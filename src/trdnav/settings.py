"""One typed settings object, read from the environment (prefix TRDNAV_)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    clinic_name: str = "Your clinic"
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Largest request body accepted")
