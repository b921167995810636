"""Checking an esketamine (Spravato) session record against the label's and the REMS's monitoring.

Blood pressure before dosing, about 40 minutes after and at discharge; sedation and dissociation;
pulse oximetry; at least 2 hours of observation; discharge readiness; who took the patient home (the
patient must not drive that day). The numbers are knowledge-base data (`EsketamineMonitoring`): a
dose given with the pre-dose pressure above the label's guide, or an observation shorter than the
label's minimum, is stored only with a reason, and the form says why it asks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from trdnav.core.course_numbers import EsketamineMonitoring, SessionRanges
from trdnav.courses import session_fields as read
from trdnav.courses.session_fields import Errors, FormValues
from trdnav.courses.session_forms import CheckedRecord
from trdnav.courses.session_moment import check_moment, minutes_between

LEVELS = {"none": "None", "mild": "Mild", "moderate": "Moderate", "severe": "Severe"}
PRESSURES = {
    "pre": "before dosing",
    "recheck": "about 40 minutes after the dose",
    "discharge": "at discharge",
}


def _pressure(form: FormValues, moment: str, ranges: SessionRanges, errors: Errors) -> dict[str, Any]:
    words = PRESSURES[moment]
    systolic = read.whole(
        form, f"bp_{moment}_systolic", f"Systolic pressure {words}", *ranges.systolic, "mmHg", errors
    )
    diastolic = read.whole(
        form, f"bp_{moment}_diastolic", f"Diastolic pressure {words}", *ranges.diastolic, "mmHg", errors
    )
    if systolic is not None and diastolic is not None and systolic <= diastolic:
        errors[f"bp_{moment}_diastolic"] = (
            f"Blood pressure {words}: the systolic pressure ({systolic}) must be higher than the "
            f"diastolic ({diastolic}); check the order of the two numbers."
        )
    return {"systolic": systolic, "diastolic": diastolic}


def high_pressure_warning(pressure: dict[str, Any], limits: EsketamineMonitoring) -> str:
    """The words of the label's guide when the pre-dose pressure is above it; empty otherwise."""
    systolic, diastolic = pressure.get("systolic"), pressure.get("diastolic")
    if systolic is None or diastolic is None:
        return ""
    if systolic > limits.delay_systolic_above or diastolic > limits.delay_diastolic_above:
        return (
            f"The blood pressure before dosing ({systolic}/{diastolic} mmHg) is above "
            f"{limits.delay_systolic_above}/{limits.delay_diastolic_above} mmHg, the label's general "
            "guide for delaying the dose."
        )
    return ""


def _times(form: FormValues, limits: EsketamineMonitoring, errors: Errors) -> dict[str, Any]:
    dose_time = read.clock_time(form, "dose_time", "Time of the dose", errors)
    recheck = read.clock_time(form, "recheck_time", "Time of the blood pressure after the dose", errors)
    start = read.clock_time(form, "observation_start", "Observation start", errors)
    end = read.clock_time(form, "observation_end", "Observation end", errors)
    minutes = None
    if dose_time and recheck and minutes_between(dose_time, recheck) <= 0:
        errors["recheck_time"] = (
            f"Time of the blood pressure after the dose: it must be after the dose (about "
            f"{limits.recheck_minutes} minutes after)."
        )
    if start and end:
        minutes = minutes_between(start, end)
        if minutes <= 0:
            errors["observation_end"] = "Observation end: the end must be later than the start (same day)."
            minutes = None
    short_reason = read.free_text(
        form, "short_observation_reason", "Reason for the shorter observation", errors
    )
    if minutes is not None and minutes < limits.observation_minutes and not short_reason:
        errors["short_observation_reason"] = (
            f"Reason for the shorter observation: the observation lasted {minutes} minutes; the label "
            f"and the REMS ask for at least {limits.observation_minutes} minutes after the dose. "
            "Say why the patient left earlier."
        )
    return {
        "dose_time": f"{dose_time:%H:%M}" if dose_time else None,
        "recheck_time": f"{recheck:%H:%M}" if recheck else None,
        "observation_start": f"{start:%H:%M}" if start else None,
        "observation_end": f"{end:%H:%M}" if end else None,
        "observation_minutes": minutes,
        "short_observation_reason": short_reason if minutes and minutes < limits.observation_minutes else "",
    }


def check_esketamine(
    form: FormValues,
    ranges: SessionRanges,
    limits: EsketamineMonitoring,
    *,
    planned: dt.datetime | None,
    now: dt.datetime,
    timezone: str,
) -> CheckedRecord:
    """An esketamine session: the pre-dose checks, then (when the dose was given) the monitoring."""
    errors: Errors = {}
    data: dict[str, Any] = check_moment(form, planned, now, timezone, errors)
    pre = _pressure(form, "pre", ranges, errors)
    pre["heart_rate"] = read.whole(
        form, "hr_pre", "Heart rate before dosing", *ranges.heart_rate, "beats a minute", errors
    )
    pre["spo2"] = read.whole(form, "spo2_pre", "SpO2 before dosing", *ranges.spo2, "%", errors)
    given = read.yes_no(form, "dose_given", "Dose given", errors)
    data |= {"pre_dose": pre, "dose_given": given}
    warning = high_pressure_warning(pre, limits)
    if given is False:
        data["not_given_reason"] = read.free_text(
            form, "not_given_reason", "Why the dose was not given", errors, required=True
        )
    if given:
        doses = {str(dose): f"{dose} mg" for dose in limits.doses_mg}
        dose = read.one_of(form, "dose_mg", "Dose", doses, errors)
        reason = read.free_text(form, "high_bp_reason", "Reason for dosing above the pressure guide", errors)
        if warning and not reason:
            errors["high_bp_reason"] = (
                f"Reason for dosing above the pressure guide: {warning} The dose is recorded as given: "
                "confirm why it was given, or record it as not given."
            )
        data |= {
            "dose_mg": int(dose) if dose else None,
            "high_bp_warning": warning,
            "high_bp_reason": reason if warning else "",
            **_times(form, limits, errors),
            "recheck": _pressure(form, "recheck", ranges, errors),
            "discharge": _pressure(form, "discharge", ranges, errors),
            "spo2_lowest": read.whole(
                form, "spo2_lowest", "Lowest SpO2 during the observation", *ranges.spo2, "%", errors
            ),
            "sedation": read.one_of(form, "sedation", "Sedation", LEVELS, errors),
            "dissociation": read.one_of(form, "dissociation", "Dissociation", LEVELS, errors),
        }
        if read.text(form, "discharge_ready") != "yes":
            errors["discharge_ready"] = (
                "Discharge readiness: confirm the patient was clinically stable and ready to leave."
            )
        data["discharge_ready"] = read.text(form, "discharge_ready") == "yes"
        data["taken_home_by"] = read.free_text(
            form, "taken_home_by", "Who took the patient home", errors, limit=200, required=True
        )
        if read.text(form, "no_driving") != "yes":
            errors["no_driving"] = (
                "Not driving: confirm the patient was told not to drive until the next day, after a "
                "night's sleep."
            )
        data["no_driving"] = read.text(form, "no_driving") == "yes"
    data["adverse_event"] = read.free_text(form, "adverse_event", "Adverse event", errors)
    data["notes"] = read.free_text(form, "notes", "Notes", errors)
    return CheckedRecord(data, errors)
