"""Scoring of PHQ-9 and GAD-7, their severity bands, and item alerts."""

from __future__ import annotations

from typing import TypedDict

from trdnav.core.model import Instrument


class Score(TypedDict):
    total: int
    severity: str


class Alert(TypedDict):
    id: str
    level: str
    text: str


def severity(instrument: Instrument, total: int) -> str:
    for band in instrument.bands:
        if band.minimum <= total <= band.maximum:
            return band.severity
    raise ValueError(f"{instrument.id} total {total} is outside every severity band")


def score(instrument: Instrument, answers: list[int]) -> Score:
    total = sum(answers)
    return {"total": total, "severity": severity(instrument, total)}


def item_alerts(instrument: Instrument, answers: list[int]) -> list[Alert]:
    """Alerts raised by single items, such as PHQ-9 item 9 above 0."""
    return [
        {"id": alert.id, "level": alert.level, "text": alert.text}
        for alert in instrument.alerts
        if answers[alert.item_number - 1] > alert.above
    ]
