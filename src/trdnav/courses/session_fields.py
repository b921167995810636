"""Reading one session-record form field: numbers in a range, times, choices, yes/no, free text.

Each reader takes the raw form values and an `Errors` dict, returns the clean value (or None) and,
when the value is wrong, puts one message under the field's name saying what was expected. The
session forms (`session_forms`) are built from these readers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

FormValue = str | Sequence[str]
FormValues = Mapping[str, FormValue]
Errors = dict[str, str]

TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def text(form: FormValues, name: str) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        value = value[0] if value else ""
    return value.strip()


def choices(form: FormValues, name: str) -> list[str]:
    """Every value sent under ``name`` (checkboxes), stripped, blanks left out."""
    value = form.get(name, ())
    values = [value] if isinstance(value, str) else list(value)
    return [item.strip() for item in values if item.strip()]


def decimal(
    form: FormValues, name: str, label: str, unit: str, example: str, errors: Errors
) -> Decimal | None:
    """A non-negative decimal number; its range is checked by the caller (the dose calculator)."""
    raw = text(form, name)
    if not raw:
        errors[name] = f"{label}: enter a number in {unit}, for example {example}."
        return None
    if not NUMBER.match(raw):
        errors[name] = (
            f"{label}: “{raw[:20]}” is not a number; enter a number in {unit}, for example {example}."
        )
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        errors[name] = f"{label}: enter a number in {unit}, for example {example}."
        return None


def whole(
    form: FormValues, name: str, label: str, low: int, high: int, unit: str, errors: Errors
) -> int | None:
    """A whole number from ``low`` to ``high`` (both allowed)."""
    raw = text(form, name)
    expected = f"a whole number from {low:,} to {high:,}{' ' + unit if unit else ''}"
    if not raw:
        errors[name] = f"{label}: enter {expected}."
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
        errors[name] = f"{label}: “{raw[:20]}” is not {expected}."
        return None
    value = int(raw)
    if not low <= value <= high:
        errors[name] = f"{label}: {value:,} is outside the allowed range; enter {expected}."
        return None
    return value


def clock_time(form: FormValues, name: str, label: str, errors: Errors) -> dt.time | None:
    """A 24-hour local time written HH:MM."""
    raw = text(form, name)
    found = TIME.match(raw)
    if found is None:
        shown = f"“{raw[:20]}” is not a time; " if raw else ""
        errors[name] = f"{label}: {shown}enter the time as HH:MM on the 24-hour clock, for example 09:30."
        return None
    return dt.time(int(found.group(1)), int(found.group(2)))


def one_of(form: FormValues, name: str, label: str, options: Mapping[str, str], errors: Errors) -> str | None:
    """One of ``options`` (value → words)."""
    raw = text(form, name)
    if raw not in options:
        errors[name] = f"{label}: choose one of: {', '.join(options.values())}."
        return None
    return raw


def yes_no(form: FormValues, name: str, label: str, errors: Errors) -> bool | None:
    raw = text(form, name)
    if raw not in ("yes", "no"):
        errors[name] = f"{label}: answer yes or no."
        return None
    return raw == "yes"


def free_text(
    form: FormValues, name: str, label: str, errors: Errors, *, limit: int = 2000, required: bool = False
) -> str:
    raw = text(form, name)
    if required and not raw:
        errors[name] = f"{label}: this is required; describe it in up to {limit:,} characters."
    elif len(raw) > limit:
        errors[name] = f"{label}: {len(raw):,} characters is too long; keep it to {limit:,} characters."
    return raw
