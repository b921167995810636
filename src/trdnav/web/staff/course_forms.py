"""The forms a clinician sends about a course (`trdnav.web.staff.course_pages`): a new course, a visit marked
done or missed, and a visit moved, each checked field by field with the words shown beside it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationInfo, field_validator

from trdnav.core.protocol import Protocol
from trdnav.store.course_plans import MAX_UNAVAILABLE
from trdnav.web.form_models import FormLists, FormModel, plain

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
DATE_EXAMPLE = "2026-12-24"


def parse_date(text: str) -> dt.date | None:
    if not ISO_DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_unavailable(text: str) -> tuple[list[dt.date], str | None]:
    """Dates one per line or separated by commas; the message names the first that is not a date."""
    given = [part for part in re.split(r"[\s,;]+", text) if part]
    if len(given) > MAX_UNAVAILABLE:
        return [], f"Enter at most {MAX_UNAVAILABLE} dates."
    days: list[dt.date] = []
    for part in given:
        day = parse_date(part)
        if day is None:
            return [], (
                f'"{part[:20]}" is not a date in the form YYYY-MM-DD. Enter each date like {DATE_EXAMPLE}, '
                "one per line or separated by commas."
            )
        days.append(day)
    return sorted(set(days)), None


def _protocols(info: ValidationInfo) -> Mapping[str, Protocol]:
    protocols: Mapping[str, Protocol] = (info.context or {}).get("protocols", {})
    return protocols


class CourseForm(FormModel):
    """The new-course form, checked against the protocols the clinic may plan with (``protocols`` in
    the validation context, by id)."""

    protocol: str
    start_date: dt.date
    unavailable: list[dt.date]
    taper: bool

    @classmethod
    def sent(cls, form: FormLists) -> dict[str, Any]:
        values = super().sent(form)
        values["taper"] = "on" if values["taper"] == "on" else ""
        return values

    @field_validator("protocol")
    @classmethod
    def _offered(cls, protocol: str, info: ValidationInfo) -> str:
        if protocol not in _protocols(info):
            raise plain("Choose one of the protocols listed.")
        return protocol

    @field_validator("start_date", mode="before")
    @classmethod
    def _start(cls, given: str) -> dt.date:
        start = parse_date(given)
        if start is None or not 2000 <= start.year <= 2100:
            raise plain(f"Enter the first day of the course as YYYY-MM-DD, for example {DATE_EXAMPLE}.")
        return start

    @field_validator("unavailable", mode="before")
    @classmethod
    def _unavailable(cls, given: str) -> list[dt.date]:
        days, problem = parse_unavailable(given)
        if problem:
            raise plain(problem)
        return days

    @field_validator("taper", mode="before")
    @classmethod
    def _taper(cls, given: str, info: ValidationInfo) -> bool:
        protocol = _protocols(info).get(info.data.get("protocol", ""))  # None when the protocol was refused
        if given and protocol is not None and not any(p.optional for p in protocol.phases):
            raise plain(
                f"{protocol.name} has no optional taper. Untick the taper, or choose another protocol."
            )
        return bool(given)


class VisitStatusForm(FormModel):
    status: str

    @field_validator("status")
    @classmethod
    def _done_or_missed(cls, status: str) -> str:
        if status not in ("done", "missed"):
            raise plain("Choose done or missed.")
        return status


class MoveForm(FormModel):
    """A visit's new local date and time."""

    date: dt.date
    time: dt.time

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, given: str) -> dt.date:
        day = parse_date(given)
        if day is None:
            raise plain(f"Enter the new date as YYYY-MM-DD, for example {DATE_EXAMPLE}.")
        return day

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, given: str) -> dt.time:
        if not CLOCK_TIME.match(given):
            raise plain("Enter the new time as HH:MM in the 24-hour clock, for example 09:30.")
        hours, minutes = given.split(":")
        return dt.time(int(hours), int(minutes))
