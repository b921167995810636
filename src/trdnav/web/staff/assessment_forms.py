"""The forms a clinician sends on an assessment's page (`trdnav.web.staff.workspace`): a safety review, a
note, and a consultation request's status, each checked field by field in clinical language."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationInfo, field_validator

from trdnav.store.reviews import CONSULTATION_STATUSES, REVIEW_STATUSES
from trdnav.web.form_models import FormLists, FormModel, plain

# The clinician's status words are the engine's; "clear" is accepted for "no known concerns".
STATUS_ALIASES = {"clear": "no_known_concerns"}
REASON_LENGTH = (3, 2000)
NOTE_LENGTH = (1, 5000)
BOOKED_FOR_LENGTH = 100


class ReviewForm(FormModel):
    """A review needs one of the assessment's therapies (``therapies`` in the validation context),
    a status and a reason of 3-2000 characters."""

    therapy: str
    status: str
    reason: str

    @classmethod
    def sent(cls, form: FormLists) -> dict[str, Any]:
        values = super().sent(form)
        values["status"] = STATUS_ALIASES.get(values["status"], values["status"])
        return values

    @field_validator("therapy")
    @classmethod
    def _compared(cls, therapy: str, info: ValidationInfo) -> str:
        if therapy not in (info.context or {}).get("therapies", ()):
            raise plain("Choose one of the therapies compared in this assessment.")
        return therapy

    @field_validator("status")
    @classmethod
    def _status(cls, status: str) -> str:
        if status not in REVIEW_STATUSES:
            raise plain("Choose a status: no known concerns, needs review or contraindicated.")
        return status

    @field_validator("reason")
    @classmethod
    def _reason(cls, reason: str) -> str:
        low, high = REASON_LENGTH
        if not low <= len(reason) <= high:
            raise plain(
                f"Give the clinical reason for this status, from {low} to {high} characters "
                f"(now {len(reason)})."
            )
        return reason


class NoteForm(FormModel):
    text: str

    @field_validator("text")
    @classmethod
    def _text(cls, text: str) -> str:
        low, high = NOTE_LENGTH
        if not low <= len(text) <= high:
            raise plain(f"Write the note, from {low} to {high} characters (now {len(text)}).")
        return text


class ConsultationStatusForm(FormModel):
    """Booked needs a date and time (free text, such as "2026-12-03 10:00"); other statuses clear it."""

    status: str
    booked_for: str

    @classmethod
    def sent(cls, form: FormLists) -> dict[str, Any]:
        values = super().sent(form)
        if values["status"] in CONSULTATION_STATUSES and values["status"] != "booked":
            values["booked_for"] = ""
        return values

    @field_validator("status")
    @classmethod
    def _status(cls, status: str) -> str:
        if status not in CONSULTATION_STATUSES:
            raise plain("Choose a status: new, booked or closed.")
        return status

    @field_validator("booked_for")
    @classmethod
    def _booked_for(cls, booked_for: str, info: ValidationInfo) -> str:
        if info.data.get("status") != "booked":
            return booked_for
        if not booked_for:
            raise plain("Enter when the consultation is booked for, such as 2026-12-03 10:00.")
        if len(booked_for) > BOOKED_FOR_LENGTH:
            raise plain(f"Keep the booking time to {BOOKED_FOR_LENGTH} characters or fewer.")
        return booked_for
