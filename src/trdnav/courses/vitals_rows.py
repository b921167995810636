"""An infusion's vital signs as repeating rows: time, blood pressure, heart rate, SpO2, breathing rate.

The form shows one row before the infusion, one for each interval of the infusion (the interval is
knowledge-base data) and the recovery readings; "Add rows" re-renders it with more. A blank row is
left out; a row partly filled names each missing value; the infusion's rows must all be filled.
"""

from __future__ import annotations

from typing import Any

from trdnav.core.course_numbers import InfusionMonitoring, SessionRanges
from trdnav.courses import session_fields as read
from trdnav.courses.session_fields import Errors, FormValues

MOST_ROWS = 40
COLUMNS = ("time", "systolic", "diastolic", "heart_rate", "spo2", "breathing_rate")


def row_count(form: FormValues, monitoring: InfusionMonitoring, infusion_minutes: int | None) -> int:
    """The rows to show: those the infusion needs, or the number the form already had if more."""
    needed = monitoring.rows(infusion_minutes)
    raw = read.text(form, "rows")
    shown = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else 0
    return min(max(needed, shown), MOST_ROWS)


def _filled(form: FormValues, index: int) -> bool:
    return any(read.text(form, f"reading_{index}_{column}") for column in COLUMNS)


def check_readings(
    form: FormValues,
    ranges: SessionRanges,
    monitoring: InfusionMonitoring,
    infusion_minutes: int | None,
    rows: int,
    errors: Errors,
) -> list[dict[str, Any]]:
    readings: list[dict[str, Any]] = []
    for index in range(rows):
        if not _filled(form, index):
            continue
        number = index + 1
        name = f"reading_{index}"
        time = read.clock_time(form, f"{name}_time", f"Reading {number}, time", errors)
        systolic = read.whole(
            form, f"{name}_systolic", f"Reading {number}, systolic", *ranges.systolic, "mmHg", errors
        )
        diastolic = read.whole(
            form, f"{name}_diastolic", f"Reading {number}, diastolic", *ranges.diastolic, "mmHg", errors
        )
        if systolic is not None and diastolic is not None and systolic <= diastolic:
            errors[f"{name}_diastolic"] = (
                f"Reading {number}: the systolic pressure ({systolic}) must be higher than the "
                f"diastolic ({diastolic}); check the order of the two numbers."
            )
        heart_rate = read.whole(
            form,
            f"{name}_heart_rate",
            f"Reading {number}, heart rate",
            *ranges.heart_rate,
            "a minute",
            errors,
        )
        spo2 = read.whole(form, f"{name}_spo2", f"Reading {number}, SpO2", *ranges.spo2, "%", errors)
        breathing = read.whole(
            form,
            f"{name}_breathing_rate",
            f"Reading {number}, breathing rate",
            *ranges.breathing_rate,
            "breaths a minute",
            errors,
        )
        if time is not None and readings and readings[-1]["time"] and f"{time:%H:%M}" < readings[-1]["time"]:
            errors.setdefault(
                f"{name}_time", f"Reading {number}, time: {time:%H:%M} is earlier than the reading before."
            )
        readings.append(
            {
                "time": f"{time:%H:%M}" if time else None,
                "systolic": systolic,
                "diastolic": diastolic,
                "heart_rate": heart_rate,
                "spo2": spo2,
                "breathing_rate": breathing,
            }
        )
    least = monitoring.rows(infusion_minutes) - monitoring.recovery_readings
    if len(readings) < least:
        errors["reading_0_time"] = errors.get("reading_0_time") or (
            f"Vital signs: {len(readings)} reading(s) filled in; enter at least {least}: one before the "
            f"infusion and one every {monitoring.interval_minutes} minutes during it."
        )
    return readings


def reading_values(readings: list[dict[str, Any]]) -> dict[str, str]:
    """Stored readings as form values, to prefill a correction."""
    values = {"rows": str(len(readings))}
    for index, reading in enumerate(readings):
        for column in COLUMNS:
            value = reading.get(column)
            values[f"reading_{index}_{column}"] = "" if value is None else str(value)
    return values
