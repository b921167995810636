"""The clinic settings form (`trdnav.web.staff.admin`): what an admin sends, checked field by field with
the words shown beside each field; valid, it becomes the store's typed `ClinicSettings`."""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import holidays
from pydantic import ValidationInfo, field_validator

from trdnav.store.clinic_admin import ClinicSettings
from trdnav.web.form_models import FormLists, FormModel, plain

RETENTION_MIN_DAYS = 30
RETENTION_MAX_DAYS = 3650
LINK_IDLE_MIN_DAYS = 1
LINK_IDLE_MAX_DAYS = 3650
NEVER = "never"
TITLE_MAX = 200
TEXT_MAX = 2000
PRICE_MAX = 200
PRICE_FIELD = "price_"  # the form field of a therapy's price: price_<therapy id>
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@cache
def holiday_countries() -> dict[str, tuple[str, ...]]:
    """Two-letter country codes the ``holidays`` package knows, each with its subdivision codes."""
    return {
        code: tuple(subdivisions)
        for code, subdivisions in holidays.list_supported_countries(include_aliases=False).items()
        if len(code) == 2
    }


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _day(given: str) -> int | str:
    """A weekday number as sent (0 is Monday); anything else stays as sent, to be refused."""
    return int(given) if given.isascii() and given.isdigit() and int(given) < len(WEEKDAY_NAMES) else given


class ClinicSettingsForm(FormModel):
    """Pass the knowledge base's therapies as ``therapies`` in the validation context (id -> name)."""

    MULTIPLE = ("therapies", "opening_days")

    therapies: list[str]
    crisis_title: str
    crisis_text: str
    contact_text: str
    require_two_factor: bool
    retention_days: int | None
    link_idle_days: int | None
    timezone: str
    country: str
    subdivision: str
    opening_days: list[int]
    opens_at: str
    closes_at: str
    prices: dict[str, str]  # therapy id -> the clinic's own price text; blank ones left out

    @classmethod
    def sent(cls, form: FormLists) -> dict[str, Any]:
        values = super().sent(form)
        values["prices"] = {
            name.removeprefix(PRICE_FIELD): given[-1].strip()
            for name, given in form.items()
            if name.startswith(PRICE_FIELD) and given and given[-1].strip()
        }
        values["country"] = values["country"].upper()
        values["subdivision"] = values["subdivision"].upper()
        values["require_two_factor"] = values["require_two_factor"] == "on"
        values["opening_days"] = [_day(d) for d in values["opening_days"]]
        return values

    @field_validator("therapies", mode="before")
    @classmethod
    def _offered(cls, sent: list[str], info: ValidationInfo) -> list[str]:
        known: list[str] = list((info.context or {}).get("therapies", ()))
        chosen = [t for t in known if t in set(sent)]
        if set(sent) - set(known) or not chosen:
            raise plain("Choose at least one therapy that the clinic offers.")
        return chosen

    @field_validator("crisis_title")
    @classmethod
    def _title(cls, title: str) -> str:
        if not title or len(title) > TITLE_MAX:
            raise plain(f"Enter a heading for the crisis resources, up to {TITLE_MAX} characters.")
        return title

    @field_validator("crisis_text")
    @classmethod
    def _text(cls, text: str) -> str:
        if not text or len(text) > TEXT_MAX:
            raise plain(f"Enter the crisis resources text, up to {TEXT_MAX} characters.")
        return text

    @field_validator("contact_text")
    @classmethod
    def _contact(cls, contact: str) -> str:
        if len(contact) > TEXT_MAX:
            raise plain(f"Shorten the contact details to {TEXT_MAX} characters or fewer.")
        return contact

    @field_validator("retention_days", mode="before")
    @classmethod
    def _retention(cls, given: str) -> int | None:
        if given == "":
            return None
        if (
            not (given.isascii() and given.isdigit())
            or not RETENTION_MIN_DAYS <= int(given) <= RETENTION_MAX_DAYS
        ):
            raise plain(
                f"Enter a whole number of days from {RETENTION_MIN_DAYS} to {RETENTION_MAX_DAYS}, "
                "or leave it blank to keep assessments until they are deleted."
            )
        return int(given)

    @field_validator("link_idle_days", mode="before")
    @classmethod
    def _link_idle(cls, given: str) -> int | None:
        """A number of days, or "never" typed out: a blank field is not taken to mean never."""
        if given.strip().lower() == NEVER:
            return None
        if (
            not (given.isascii() and given.isdigit())
            or not LINK_IDLE_MIN_DAYS <= int(given) <= LINK_IDLE_MAX_DAYS
        ):
            raise plain(
                f"Enter a whole number of days from {LINK_IDLE_MIN_DAYS} to {LINK_IDLE_MAX_DAYS}, "
                f'or the word "{NEVER}" for links that never expire.'
            )
        return int(given)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, timezone: str) -> str:
        if timezone not in _timezones():
            raise plain("Enter the clinic's time zone as an IANA name, for example America/New_York.")
        return timezone

    @field_validator("country")
    @classmethod
    def _country(cls, country: str) -> str:
        if country not in holiday_countries():
            raise plain("Enter a two-letter country code with known public holidays, for example US.")
        return country

    @field_validator("subdivision")
    @classmethod
    def _subdivision(cls, subdivision: str, info: ValidationInfo) -> str:
        country = info.data.get("country")  # absent when the country was refused
        if country is not None and subdivision and subdivision not in holiday_countries()[country]:
            known = ", ".join(holiday_countries()[country]) or "none"
            raise plain(f"Enter one of {country}'s state or region codes ({known}), or leave it blank.")
        return subdivision

    @field_validator("opening_days", mode="before")
    @classmethod
    def _opening_days(cls, sent: list[int | str]) -> list[int]:
        days = sorted({d for d in sent if isinstance(d, int)})
        if not days or len(days) != len(sent):
            raise plain("Tick at least one day the clinic is open.")
        return days

    @field_validator("opens_at", "closes_at")
    @classmethod
    def _clock_time(cls, value: str, info: ValidationInfo) -> str:
        if not CLOCK_TIME.match(value):
            raise plain("Enter a time of day as HH:MM in the 24-hour clock, for example 08:30.")
        opens_at = info.data.get("opens_at")  # absent when the opening time was refused
        if info.field_name == "closes_at" and opens_at is not None and opens_at >= value:
            raise plain(f"Enter a closing time after the opening time ({opens_at}).")
        return value

    @field_validator("prices")
    @classmethod
    def _prices(cls, prices: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        """A price only for a therapy the clinic offers, and short; each refusal beside its field."""
        names: dict[str, str] = dict((info.context or {}).get("therapies", {}))
        offered = info.data.get("therapies", names)  # absent when the therapies were refused
        for therapy, text in prices.items():
            field = PRICE_FIELD + therapy
            if therapy not in names:
                raise plain("This is not a therapy of the knowledge base.", under=field)
            if len(text) > PRICE_MAX:
                raise plain(
                    f"Shorten the price for {names[therapy]} to {PRICE_MAX} characters or fewer "
                    f"(now {len(text)}).",
                    under=field,
                )
            if therapy not in offered:
                raise plain(
                    f"Tick {names[therapy]} under therapies offered, or clear its price.", under=field
                )
        return prices

    def settings(self) -> ClinicSettings:
        return ClinicSettings(**self.model_dump())
