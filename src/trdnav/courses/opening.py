"""When a clinic sees patients, and the public holidays it is closed on.

The course planner reads the clinic's settings through `Opening`; `public_holidays` turns the
clinic's country and state into dates with the `holidays` package (pure data, no network).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import holidays


@dataclass(frozen=True, slots=True)
class Opening:
    """When the clinic sees patients."""

    weekdays: frozenset[int]  # Monday=0
    opens: dt.time
    closes: dt.time
    timezone: str  # IANA name; planned times are aware datetimes in this zone


def public_holidays(country: str, subdivision: str, years: Iterable[int]) -> frozenset[dt.date]:
    """The public holidays of a country (and state or region) in the given years.

    Raises ValueError naming the clinic setting that is wrong when the `holidays` package
    does not know the country or the subdivision.
    """
    wanted = sorted(set(years))
    code = country.strip().upper()
    try:
        holidays.country_holidays(code, years=wanted[:1])
    except NotImplementedError:
        raise ValueError(f"country: {country!r} is not a country code the holiday calendar knows") from None
    try:
        calendar = holidays.country_holidays(code, subdiv=subdivision.strip().upper() or None, years=wanted)
    except NotImplementedError:
        raise ValueError(
            f"subdivision: {subdivision!r} is not a state or region of {code} the holiday calendar knows"
        ) from None
    return frozenset(calendar.keys())
