"""When a session actually took place: its local date and time, checked against the clock and the visit.

The form starts from the visit's planned start; a moment in the future is refused, and a date that is
not the visit's planned day is stored with a warning in words (shown on the form and on the record).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from trdnav.courses import session_fields as read
from trdnav.courses.session_fields import Errors, FormValues

DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


def planned_values(planned: dt.datetime | None, now: dt.datetime, timezone: str) -> dict[str, str]:
    """The form's first values: the visit's planned start (or now, for a session without a visit)."""
    local = (planned or now).astimezone(ZoneInfo(timezone))
    return {"session_date": f"{local:%Y-%m-%d}", "session_time": f"{local:%H:%M}"}


def _date(form: FormValues, errors: Errors) -> dt.date | None:
    raw = read.text(form, "session_date")
    found = DATE.match(raw)
    expected = "enter the date as YYYY-MM-DD, for example 2026-03-02."
    if found is None:
        errors["session_date"] = f"Session date: {f'“{raw[:20]}” is not a date; ' if raw else ''}{expected}"
        return None
    try:
        return dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        errors["session_date"] = f"Session date: “{raw}” is not a date in the calendar; {expected}"
        return None


def check_moment(
    form: FormValues, planned: dt.datetime | None, now: dt.datetime, timezone: str, errors: Errors
) -> dict[str, str]:
    """``session_date``, ``session_time`` (local), ``session_at`` (UTC, ISO) and ``date_warning``."""
    day = _date(form, errors)
    time = read.clock_time(form, "session_time", "Session time", errors)
    if day is None or time is None:
        return {}
    zone = ZoneInfo(timezone)
    moment = dt.datetime.combine(day, time, tzinfo=zone)
    if moment > now:
        shown = now.astimezone(zone)
        errors["session_date"] = (
            f"Session date: {day:%Y-%m-%d} {time:%H:%M} is in the future (it is now "
            f"{shown:%Y-%m-%d %H:%M}, {timezone}); record a session once it has taken place."
        )
        return {}
    warning = ""
    if planned is not None:
        planned_day = planned.astimezone(zone).date()
        if planned_day != day:
            warning = (
                f"Recorded for {day:%A} {day.day} {day:%B %Y}, not the visit's planned day "
                f"({planned_day:%A} {planned_day.day} {planned_day:%B %Y})."
            )
    return {
        "session_date": f"{day:%Y-%m-%d}",
        "session_time": f"{time:%H:%M}",
        "session_at": moment.astimezone(dt.UTC).isoformat(),
        "date_warning": warning,
    }


def minutes_between(start: dt.time, end: dt.time) -> int:
    """Minutes from ``start`` to ``end`` on the same day (negative when ``end`` is earlier)."""
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
