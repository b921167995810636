"""Checking PHQ-9 and GAD-7 scores as submitted: the patient's check-in (every item answered) and a
clinician's entry (a total, or every item, with the date taken). Pure: ``today`` is passed in.

Messages name what was expected. An answer that raises one of the instruments' item alerts (PHQ-9
item 9, thoughts of death or self-harm, above 0) is reported so that the caller raises the urgent
alert at once, even when the rest of the form is refused: such an answer is never discarded because
another answer is missing or wrong. Which item, and above what, is knowledge-base data (the
instrument's ``alerts``, read by `trdnav.core.scores.given_item_alerts`), passed in as the engine's
instruments.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from trdnav.core.model import Instrument
from trdnav.core.result import Alert
from trdnav.core.scores import given_item_alerts

INSTRUMENTS: dict[str, tuple[str, int]] = {"phq9": ("PHQ-9", 9), "gad7": ("GAD-7", 7)}  # name, items
ITEM_MAXIMUM = 3
_DIGITS = re.compile(r"[0-9]{1,3}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def maximum_total(instrument: str) -> int:
    return INSTRUMENTS[instrument][1] * ITEM_MAXIMUM


def _urgent(instrument: Instrument, given: Sequence[object]) -> list[Alert]:
    return [alert for alert in given_item_alerts(instrument, list(given)) if alert["level"] == "urgent"]


def entry_alerts(entry: Entry, instruments: Sequence[Instrument]) -> list[Alert]:
    """The urgent alerts a stored entry's items raise (none for a total given alone)."""
    return [
        alert
        for instrument in instruments
        if instrument.id == entry.instrument and entry.items is not None
        for alert in _urgent(instrument, entry.items)
    ]


def checkin_alerts(form: Mapping[str, Sequence[str]], instruments: Sequence[Instrument]) -> list[Alert]:
    """The urgent alerts the check-in's answers raise (fields ``phq9_9`` ...), whatever else it holds."""
    return [
        alert
        for instrument in instruments
        for alert in _urgent(
            instrument, [_one(form, f"{instrument.id}_{n}") for n in range(1, instrument.item_count + 1)]
        )
    ]


@dataclass(frozen=True, slots=True)
class Entry:
    instrument: str
    total: int
    items: list[int] | None  # None: the total only


@dataclass
class CheckedEntry:
    """A clinician's entry after checking: the entry (when valid), the values as given, messages by field."""

    entry: Entry | None = None
    taken_on: dt.date | None = None
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)  # raised by the answers, even if refused


def _one(form: Mapping[str, Sequence[str]], name: str) -> str:
    given = [v.strip() for v in form.get(name, []) if v.strip() != ""]
    return given[-1] if given else ""


def check_clinician_entry(
    form: Mapping[str, Sequence[str]], today: dt.date, instruments: Sequence[Instrument]
) -> CheckedEntry:
    """Fields: ``instrument`` (phq9|gad7), ``taken_on`` (YYYY-MM-DD, not in the future), and ``total``
    and/or ``item_1`` ... ``item_N`` (all items or none; a total given with items must be their sum)."""
    checked = CheckedEntry()
    instrument = _one(form, "instrument")
    checked.values["instrument"] = instrument
    for name in ("taken_on", "total", *(f"item_{n}" for n in range(1, 10))):
        checked.values[name] = _one(form, name)
    if instrument not in INSTRUMENTS:
        checked.errors["instrument"] = "Choose the instrument: PHQ-9 or GAD-7."
        return checked
    label, count = INSTRUMENTS[instrument]
    top = maximum_total(instrument)
    checked.alerts = [
        alert
        for spec in instruments
        if spec.id == instrument
        for alert in _urgent(spec, [checked.values[f"item_{n}"] for n in range(1, spec.item_count + 1)])
    ]

    taken = checked.values["taken_on"]
    if not _ISO_DATE.fullmatch(taken):
        checked.errors["taken_on"] = (
            "Enter the date the score was taken as YYYY-MM-DD, for example 2026-03-02."
        )
    else:
        try:
            checked.taken_on = dt.date.fromisoformat(taken)
        except ValueError:
            checked.errors["taken_on"] = "Enter a real calendar date as YYYY-MM-DD."
        if checked.taken_on is not None and checked.taken_on > today:
            checked.errors["taken_on"] = "The date taken cannot be in the future."
            checked.taken_on = None

    raw_items = [checked.values[f"item_{n}"] for n in range(1, count + 1)]
    items: list[int] | None = None
    if any(raw_items):
        bad = [
            n
            for n, v in enumerate(raw_items, start=1)
            if not (_DIGITS.fullmatch(v) and int(v) <= ITEM_MAXIMUM)
        ]
        if bad:
            checked.errors["items"] = (
                f"Give every {label} item (1 to {count}) a whole number from 0 to {ITEM_MAXIMUM}, "
                f"or leave them all blank; check item {bad[0]}."
            )
        else:
            items = [int(v) for v in raw_items]

    total_text = checked.values["total"]
    total: int | None = None
    if total_text:
        if not _DIGITS.fullmatch(total_text) or int(total_text) > top:
            checked.errors["total"] = f"Enter the {label} total as a whole number from 0 to {top}."
        else:
            total = int(total_text)
    if items is not None:
        if total is not None and total != sum(items):
            checked.errors["total"] = (
                f"The total ({total}) is not the sum of the items ({sum(items)}); correct one of them."
            )
        total = sum(items)
    elif total is None and "total" not in checked.errors and "items" not in checked.errors:
        checked.errors["total"] = f"Enter the {label} total (0 to {top}) or every item score."

    if not checked.errors and total is not None:
        checked.entry = Entry(instrument, total, items)
    return checked


def check_patient_checkin(form: Mapping[str, Sequence[str]]) -> tuple[list[Entry], dict[str, int]]:
    """The check-in's PHQ-9 and GAD-7 (fields ``phq9_1`` ... ``gad7_7``, every item required).

    Returns the entries when all is well, and for each incomplete instrument the number of the first
    question left blank or given a wrong value.
    """
    entries: list[Entry] = []
    problems: dict[str, int] = {}
    for instrument, (_, count) in INSTRUMENTS.items():
        values = [_one(form, f"{instrument}_{n}") for n in range(1, count + 1)]
        bad = [n for n, v in enumerate(values, start=1) if not (len(v) == 1 and v in "0123")]
        if bad:
            problems[instrument] = bad[0]
        else:
            items = [int(v) for v in values]
            entries.append(Entry(instrument, sum(items), items))
    return (entries if not problems else []), problems
