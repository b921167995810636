"""Times on staff pages and staff PDFs: in the clinic's time zone, with the zone named.

One readable form everywhere: "2 Dec 2026, 10:30 AEDT" for a moment, "10:30 AEDT" for the time of
day beside a date column, "2 Dec 2026" for the clinic's day of a moment. The zone is the signed-in
staff member's clinic's (``Clinic.timezone``, IANA; `Principal.timezone`), read from the page's
context by the template filters, so a template only says ``{{ moment|clinic_time }}``; a page
without a principal in its context fails loudly instead of showing UTC unlabelled.

Stored moments are aware UTC (`trdnav.store.models.UTCDateTime`); a naive moment is refused, never
guessed at.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from jinja2.runtime import Context


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_label(local: dt.datetime) -> str:
    """The zone's abbreviation at that moment ("AEDT", "EST"); a zone whose data has no letters
    ("-03", "+0530") is written as an offset from UTC: "UTC-03"."""
    name = local.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def in_zone(moment: dt.datetime, timezone: str) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("a naive moment cannot be placed in a time zone: stored moments are aware UTC")
    return moment.astimezone(_zone(timezone))


def format_moment(moment: dt.datetime, timezone: str, *, seconds: bool = False) -> str:
    """ "2 Dec 2026, 10:30 AEDT" (with ``seconds``: "2 Dec 2026, 10:30:05 AEDT")."""
    local = in_zone(moment, timezone)
    return f"{local.day} {local:%b %Y}, {format_clock(moment, timezone, seconds=seconds)}"


def format_clock(moment: dt.datetime, timezone: str, *, seconds: bool = False) -> str:
    """ "10:30 AEDT": the time of day in the zone, named."""
    local = in_zone(moment, timezone)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{clock} {zone_label(local)}"


def format_day(moment: dt.datetime, timezone: str, *, weekday: bool = False) -> str:
    """ "2 Dec 2026" (with ``weekday``: "Wed 2 Dec 2026"): the clinic's calendar day of the moment,
    not UTC's."""
    local = in_zone(moment, timezone)
    day = f"{local.day} {local:%b %Y}"
    return f"{local:%a} {day}" if weekday else day


def _context_zone(context: Context) -> str:
    principal = context.get("principal")
    timezone: Any = getattr(principal, "timezone", None)
    if not isinstance(timezone, str):
        raise LookupError("clinic times need the signed-in principal (its clinic's time zone) in the context")
    return timezone


@pass_context
def clinic_time(context: Context, moment: dt.datetime | None, seconds: bool = False) -> str:
    return "" if moment is None else format_moment(moment, _context_zone(context), seconds=seconds)


@pass_context
def clinic_clock(context: Context, moment: dt.datetime | None) -> str:
    return "" if moment is None else format_clock(moment, _context_zone(context))


@pass_context
def clinic_day(context: Context, moment: dt.datetime | None, weekday: bool = False) -> str:
    return "" if moment is None else format_day(moment, _context_zone(context), weekday=weekday)


TEMPLATE_FILTERS = {"clinic_time": clinic_time, "clinic_clock": clinic_clock, "clinic_day": clinic_day}
