"""The consultation request form: reading and checking what the person typed, field by field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

FIELDS = ("name", "phone", "email", "preferred_times", "message")
LIMITS = {"name": 200, "phone": 40, "email": 254, "preferred_times": 500, "message": 2000}
PHONE_CHARACTERS = re.compile(r"^[0-9 +().\-]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
CONTACT = "contact"  # the error key for "give a phone number or an email address"


@dataclass(frozen=True)
class ConsultationForm:
    values: dict[str, str]
    errors: dict[str, str]

    @property
    def valid(self) -> bool:
        return not self.errors


def _text(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def read_consultation_form(form: Mapping[str, object]) -> ConsultationForm:
    """Every field's value as typed (trimmed), and a plain message next to each one that is wrong."""
    values = {name: _text(form, name) for name in FIELDS}
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = f"Please keep this to {limit} characters or fewer."
    if not values["name"]:
        errors["name"] = "Please tell us your name."
    phone, email = values["phone"], values["email"]
    if phone and "phone" not in errors:
        digits = sum(c.isdigit() for c in phone)
        if not PHONE_CHARACTERS.match(phone) or not 7 <= digits <= 15:
            errors["phone"] = "Please check your phone number. Use numbers only, like 555 123 4567."
    if email and "email" not in errors and not EMAIL.match(email):
        errors["email"] = "Please check your email address. It should look like name@example.com."
    if not phone and not email:
        errors[CONTACT] = "Please give a phone number or an email address, so the clinic can reach you."
    return ConsultationForm(values, errors)
