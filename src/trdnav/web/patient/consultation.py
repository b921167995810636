"""The consultation request form (`trdnav.web.patient.results`): what the person typed, checked field
by field, with a plain message next to each one that is wrong."""

from __future__ import annotations

import re

from pydantic import ValidationInfo, field_validator

from trdnav.web.form_models import FormModel, plain

LIMITS = {"name": 200, "phone": 40, "email": 254, "preferred_times": 500, "message": 2000}
PHONE_CHARACTERS = re.compile(r"^[0-9 +().\-]+$")
PHONE_DIGITS = (7, 15)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
CONTACT = "contact"  # the error key for "give a phone number or an email address"


class ConsultationRequestForm(FormModel):
    """A name, and a phone number or an email address (or both); the rest may be blank."""

    name: str
    phone: str
    email: str
    preferred_times: str
    message: str

    @field_validator("name", "phone", "email", "preferred_times", "message")
    @classmethod
    def _short_enough(cls, text: str, info: ValidationInfo) -> str:
        limit = LIMITS[str(info.field_name)]
        if len(text) > limit:
            raise plain(f"Please keep this to {limit} characters or fewer.")
        return text

    @field_validator("name")
    @classmethod
    def _named(cls, name: str) -> str:
        if not name:
            raise plain("Please tell us your name.")
        return name

    @field_validator("phone")
    @classmethod
    def _phone(cls, phone: str) -> str:
        low, high = PHONE_DIGITS
        if phone and (
            not PHONE_CHARACTERS.match(phone) or not low <= sum(c.isdigit() for c in phone) <= high
        ):
            raise plain("Please check your phone number. Use numbers only, like 555 123 4567.")
        return phone

    @field_validator("email")
    @classmethod
    def _email_or_phone(cls, email: str, info: ValidationInfo) -> str:
        if email and not EMAIL.match(email):
            raise plain("Please check your email address. It should look like name@example.com.")
        if not email and info.data.get("phone") == "":  # a refused phone was not blank
            raise plain(
                "Please give a phone number or an email address, so the clinic can reach you.", under=CONTACT
            )
        return email
