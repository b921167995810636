"""Scoring of PHQ-9 and GAD-7, their severity bands, and item alerts."""

from __future__ import annotations

from trdnav.core.model import Instrument
from trdnav.core.result import Alert, Score


def severity(instrument: Instrument, total: int) -> str:
    for band in instrument.bands:
        if band.minimum <= total <= band.maximum:
            return band.severity
    raise ValueError(f"{instrument.id} total {total} is outside every severity band")


def score(instrument: Instrument, answers: list[int]) -> Score:
    total = sum(answers)
    return {"total": total, "severity": severity(instrument, total)}


def _whole_number(value: object) -> int | None:
    """A whole number as given in JSON or YAML: 2, 2.0 or the text "2" (never true/false)."""
    if value.__class__ is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def given_item_alerts(instrument: Instrument, given: object) -> list[Alert]:
    """Alerts raised by single items (such as PHQ-9 item 9 above 0) in an instrument's answer
    exactly as given: a valid one, or one that is refused.

    The answer may be incomplete, too long or hold wrong values elsewhere: an item that is a whole
    number above its alert's threshold still raises the alert, so that a crisis signal is never
    lost in an input error. Nothing else is guessed: no answer at that place, no alert.
    """
    if not isinstance(given, list | tuple):
        return []
    alerts: list[Alert] = []
    for alert in instrument.alerts:
        if len(given) >= alert.item_number:
            number = _whole_number(given[alert.item_number - 1])
            if number is not None and number > alert.above:
                alerts.append({"id": alert.id, "level": alert.level, "text": alert.text})
    return alerts
