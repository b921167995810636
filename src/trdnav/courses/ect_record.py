"""Checking an ECT session record: anaesthesia, electrode placement, stimulus, seizure, recovery.

The plausible ranges are knowledge-base data (`EctRanges`, clinic policy labelled clinical_opinion)
that catch typing errors; the stimulus is a charge in mC or a percentage of the named device's
maximum. Any adverse event ticked needs a note, and raises an alert to the clinic.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from trdnav.core.course_numbers import EctRanges
from trdnav.courses import session_fields as read
from trdnav.courses.session_fields import Errors, FormValues
from trdnav.courses.session_forms import CheckedRecord
from trdnav.courses.session_moment import check_moment

ANAESTHETICS = {
    "methohexital": "Methohexital",
    "propofol": "Propofol",
    "etomidate": "Etomidate",
    "ketamine": "Ketamine",
    "other": "Other (name it)",
}
RELAXANTS = {"succinylcholine": "Succinylcholine", "rocuronium": "Rocuronium", "other": "Other (name it)"}
PLACEMENTS = {
    "right_unilateral": "Right unilateral",
    "bitemporal": "Bitemporal",
    "bifrontal": "Bifrontal",
    "other": "Other (describe)",
}
STIMULUS_UNITS = {"mc": "Charge in millicoulombs (mC)", "percent": "% of the device's maximum"}
ADVERSE_EVENTS = {
    "none": "None",
    "headache": "Headache",
    "nausea": "Nausea",
    "confusion": "Confusion or agitation on waking",
    "prolonged_seizure": "Prolonged seizure",
    "cardiac": "Arrhythmia or marked blood pressure change",
    "oral_injury": "Dental or oral injury",
    "other": "Other (describe in the note)",
}


def _agent(
    form: FormValues, name: str, label: str, options: dict[str, str], dose: tuple[int, int], errors: Errors
) -> dict[str, Any]:
    agent = read.one_of(form, name, label, options, errors)
    other = read.free_text(
        form, f"{name}_other", f"{label}, other", errors, limit=100, required=agent == "other"
    )
    amount = read.whole(form, f"{name}_dose_mg", f"{label} dose", *dose, "mg", errors)
    return {"agent": agent, "other": other if agent == "other" else "", "dose_mg": amount}


def _adverse(form: FormValues, errors: Errors) -> tuple[list[str], str]:
    chosen = read.choices(form, "adverse_events")
    note = read.free_text(form, "adverse_note", "Adverse event note", errors)
    if any(value not in ADVERSE_EVENTS for value in chosen) or not chosen:
        errors["adverse_events"] = "Adverse events: tick each one seen, or tick None."
    elif "none" in chosen and len(chosen) > 1:
        errors["adverse_events"] = "Adverse events: None cannot be ticked together with an event."
    elif "none" not in chosen and not note:
        errors["adverse_note"] = "Adverse event note: describe what happened and what was done."
    return [value for value in ADVERSE_EVENTS if value in chosen], note


def check_ect(
    form: FormValues, ranges: EctRanges, *, planned: dt.datetime | None, now: dt.datetime, timezone: str
) -> CheckedRecord:
    errors: Errors = {}
    data: dict[str, Any] = check_moment(form, planned, now, timezone, errors)
    data["anaesthetic"] = _agent(
        form, "anaesthetic", "Anaesthetic agent", ANAESTHETICS, ranges.anaesthetic_dose_mg, errors
    )
    data["relaxant"] = _agent(form, "relaxant", "Muscle relaxant", RELAXANTS, ranges.relaxant_dose_mg, errors)
    placement = read.one_of(form, "placement", "Electrode placement", PLACEMENTS, errors)
    data["placement"] = placement
    data["placement_other"] = read.free_text(
        form, "placement_other", "Other placement", errors, limit=200, required=placement == "other"
    )
    unit = read.one_of(form, "stimulus_unit", "Stimulus dose unit", STIMULUS_UNITS, errors)
    bounds = ranges.charge_mc if unit != "percent" else ranges.device_percent
    data["stimulus_unit"] = unit
    data["stimulus_value"] = read.whole(
        form, "stimulus_value", "Stimulus dose", *bounds, "mC" if unit != "percent" else "%", errors
    )
    data["device"] = read.free_text(form, "device", "Device", errors, limit=100, required=True)
    data["seizure_eeg_seconds"] = read.whole(
        form, "seizure_eeg_seconds", "Seizure duration by EEG", *ranges.seizure_seconds, "seconds", errors
    )
    data["seizure_motor_seconds"] = read.whole(
        form,
        "seizure_motor_seconds",
        "Seizure duration by motor observation",
        *ranges.seizure_seconds,
        "seconds",
        errors,
    )
    orientation = None
    if read.text(form, "orientation_minutes"):
        orientation = read.whole(
            form, "orientation_minutes", "Time to orientation", *ranges.orientation_minutes, "minutes", errors
        )
    note = read.free_text(form, "recovery_note", "Recovery note", errors)
    if orientation is None and not note and "orientation_minutes" not in errors:
        errors["orientation_minutes"] = (
            "Recovery: enter the minutes until the patient was oriented, "
            "or describe the recovery in the note."
        )
    data |= {"orientation_minutes": orientation, "recovery_note": note}
    events, event_note = _adverse(form, errors)
    data |= {
        "adverse_events": events,
        "adverse_note": event_note,
        # the alert's trigger: any event ticked, with its note
        "adverse_event": event_note if events and "none" not in events else "",
        "notes": read.free_text(form, "notes", "Notes", errors),
    }
    return CheckedRecord(data, errors)
