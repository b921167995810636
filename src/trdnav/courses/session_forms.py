"""Checking a session record before it is stored: IV ketamine infusions (dose step, then the
record) and TMS sessions; esketamine and ECT are in `esketamine_record` and `ect_record`.

Each check takes the posted form values and returns the clean ``data`` to store (JSON: decimals as
exact strings such as "35.0", whole numbers as ints, yes/no as booleans) and one message per wrong
field naming what was expected. The plausibility ranges are knowledge-base data
(``session_ranges.yaml``), passed in as `SessionRanges`: clinic policy (clinical_opinion) that
catches typing errors, not treatment thresholds.

An infusion has two steps. Before it, the dose step (`check_dose`): the dose fields go through the
calculator (`dosing`), and the dose is stored only when the form also carries the figures the
clinician was shown (``confirmed_dose_mg``, ``confirmed_volume_ml``, ``confirmed_rate_ml_per_hour``),
each equal to the freshly computed one,
with the "I have checked" box ticked. Any change to the dose fields that changes the dose, the volume
or the pump rate after confirming asks again, showing the new figures. After it, the record
(`check_ketamine`) is completed for that confirmed dose and keeps a copy of its figures.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trdnav.core.course_numbers import InfusionMonitoring, KetamineDoseLimits, SessionRanges
from trdnav.courses import session_fields as read
from trdnav.courses.dosing import DoseCalculation, DoseError, compute_ketamine_dose
from trdnav.courses.session_fields import Errors, FormValues
from trdnav.courses.session_moment import check_moment
from trdnav.courses.vitals_rows import check_readings, reading_values, row_count

KINDS = {
    "iv_ketamine": "IV ketamine infusion",
    "tms": "TMS session",
    "esketamine": "Esketamine session",
    "ect": "ECT session",
}

VITALS_MOMENTS = {  # the three fixed readings of records stored before the repeating rows
    "before": "before the infusion",
    "during": "during the infusion (highest reading)",
    "after": "after the infusion, before discharge",
}
KETAMINE_SIDE_EFFECTS = {
    "none": "None",
    "nausea": "Nausea",
    "vomiting": "Vomiting",
    "headache": "Headache",
    "dizziness": "Dizziness",
    "blurred_vision": "Blurred vision",
    "elevated_bp_treated": "Raised blood pressure needing treatment",
    "anxiety": "Anxiety",
}

# --- TMS ------------------------------------------------------------------------------------------
MT_METHODS = {"emg": "EMG (motor evoked potential)", "visible_twitch": "Visible thumb twitch"}
TARGETS = {"left_dlpfc": "Left DLPFC", "right_dlpfc": "Right DLPFC", "other": "Other (describe)"}
PROTOCOL_ID = re.compile(r"^[a-z0-9_]{1,60}$")


@dataclass
class CheckedRecord:
    """The clean data and the messages; for an infusion, also the dose calculation (when the dose
    fields were valid), so the page can show the computed dose and its arithmetic."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)
    calculation: DoseCalculation | None = None
    awaiting_confirmation: bool = False  # the dose is computed but not yet confirmed
    rows: int = 0  # the vital-sign rows the infusion form shows

    @property
    def storable(self) -> bool:
        return not self.errors and not self.awaiting_confirmation


def _after(earlier: dt.time | None, later: dt.time | None, name: str, message: str, errors: Errors) -> None:
    if earlier is not None and later is not None and later <= earlier and name not in errors:
        errors[name] = message


def _calculation(form: FormValues, limits: KetamineDoseLimits, errors: Errors) -> DoseCalculation | None:
    weight = read.decimal(form, "weight_kg", "Weight", "kg", "72.5", errors)
    per_kg = read.decimal(form, "dose_mg_per_kg", "Ordered dose", "mg/kg", "0.5", errors)
    concentration = read.decimal(form, "concentration_mg_per_ml", "Concentration", "mg/mL", "1", errors)
    minutes = read.decimal(form, "infusion_minutes", "Infusion time", "minutes", "40", errors)
    if weight is None or per_kg is None or concentration is None or minutes is None:
        return None
    try:
        return compute_ketamine_dose(weight, per_kg, concentration, minutes, limits)
    except DoseError as refused:
        errors.update(refused.errors)
        return None


CONFIRMED = {  # hidden field: (what the calculator computed, unit)
    "confirmed_dose_mg": ("dose_mg", "mg"),
    "confirmed_volume_ml": ("volume_ml", "mL"),
    "confirmed_rate_ml_per_hour": ("rate_ml_per_hour", "mL/h"),
}


def _figures(dose: object, volume: object, rate: object) -> str:
    return f"{dose} mg, {volume} mL at {rate} mL/h"


def _confirmation(form: FormValues, calculation: DoseCalculation, errors: Errors) -> bool:
    """True when the computed figures were confirmed; False when the confirmation step is still due.

    The dose, the volume and the pump rate must all be the ones shown when the box was ticked: an
    infusion time or concentration changed afterwards keeps the dose but not the volume or the rate."""
    raw = {name: read.text(form, name) for name in CONFIRMED}
    if not any(raw.values()):
        return False
    matches = all(
        bool(read.NUMBER.match(raw[name])) and Decimal(raw[name]) == getattr(calculation, figure)
        for name, (figure, _) in CONFIRMED.items()
    )
    now = _figures(calculation.dose_mg, calculation.volume_ml, calculation.rate_ml_per_hour)
    if not matches:
        given = [raw[name][:20] or "none" for name in CONFIRMED]
        errors["confirmed_dose_mg"] = (
            f"The figures computed from the values now in the form are {now}, which are not the ones "
            f"you confirmed ({_figures(*given)}). Check the computed figures and confirm them again."
        )
    elif read.text(form, "dose_checked") != "yes":
        errors["dose_checked"] = f"Tick the box to confirm you have checked the computed dose: {now}."
    return True


def _side_effects(form: FormValues, errors: Errors) -> tuple[list[str], str]:
    chosen = read.choices(form, "side_effects")
    other = read.free_text(form, "side_effects_other", "Other side effects", errors, limit=500)
    unknown = [value for value in chosen if value not in KETAMINE_SIDE_EFFECTS]
    if unknown:
        errors["side_effects"] = "Side effects: choose from the listed side effects, or describe others."
    elif not chosen and not other:
        errors["side_effects"] = "Side effects: tick each side effect seen, or tick None."
    elif "none" in chosen and (len(chosen) > 1 or other):
        errors["side_effects"] = "Side effects: None cannot be ticked together with a side effect."
    return [value for value in KETAMINE_SIDE_EFFECTS if value in chosen], other


DOSE_FIGURES = (
    "weight_kg",
    "dose_mg_per_kg",
    "concentration_mg_per_ml",
    "infusion_minutes",
    "dose_mg",
    "volume_ml",
    "rate_ml_per_hour",
    "arithmetic",
    "dose_confirmed",
)


def check_dose(form: FormValues, limits: KetamineDoseLimits) -> CheckedRecord:
    """The dose step, before the infusion: stored only once the computed figures are confirmed."""
    errors: Errors = {}
    calculation = _calculation(form, limits, errors)
    confirmed = _confirmation(form, calculation, errors) if calculation is not None else False
    data: dict[str, Any] = {}
    if calculation is not None:
        data = {
            "weight_kg": str(calculation.weight_kg),
            "dose_mg_per_kg": str(calculation.dose_mg_per_kg),
            "concentration_mg_per_ml": str(calculation.concentration_mg_per_ml),
            "infusion_minutes": calculation.infusion_minutes,
            "dose_mg": str(calculation.dose_mg),
            "volume_ml": str(calculation.volume_ml),
            "rate_ml_per_hour": str(calculation.rate_ml_per_hour),
            "arithmetic": list(calculation.arithmetic),
            "dose_confirmed": confirmed
            and "confirmed_dose_mg" not in errors
            and "dose_checked" not in errors,
        }
    return CheckedRecord(
        data, errors, calculation, awaiting_confirmation=calculation is not None and not confirmed
    )


def check_ketamine(
    form: FormValues,
    ranges: SessionRanges,
    monitoring: InfusionMonitoring,
    dose: Mapping[str, Any],
    dose_id: int | None = None,
    *,
    planned: dt.datetime | None,
    now: dt.datetime,
    timezone: str,
) -> CheckedRecord:
    """An IV ketamine infusion record, completed after the infusion for a dose confirmed before it
    (``dose``: the dose step's data; ``dose_id``: the stored dose it came from). The record keeps a
    copy of the dose's figures and names the dose.

    The vital signs are repeating rows (`vitals_rows`); ``rows`` in the data says how many the form
    showed. The session's date and time are checked against the clock and the visit (`session_moment`)."""
    errors: Errors = {}
    if dose.get("dose_confirmed") is not True:
        errors["dose_id"] = "Dose: compute and confirm the dose first (the dose step, before the infusion)."
    moment = check_moment(form, planned, now, timezone, errors)
    start = read.clock_time(form, "start_time", "Infusion start", errors)
    end = read.clock_time(form, "end_time", "Infusion end", errors)
    _after(start, end, "end_time", "Infusion end: the end must be later than the start (same day).", errors)
    minutes = dose.get("infusion_minutes")
    minutes = minutes if isinstance(minutes, int) else None
    rows = row_count(form, monitoring, minutes)
    readings = check_readings(form, ranges, monitoring, minutes, rows, errors)
    dissociation = read.whole(
        form,
        "dissociation_rating",
        "Dissociation rating",
        *ranges.dissociation,
        "(0 none, 10 severe)",
        errors,
    )
    side_effects, side_effects_other = _side_effects(form, errors)
    adverse_event = read.free_text(form, "adverse_event", "Adverse event", errors)
    discharge = read.clock_time(form, "discharge_time", "Discharge time", errors)
    _after(
        end, discharge, "discharge_time", "Discharge time: discharge must be after the infusion end.", errors
    )
    if read.text(form, "escort_confirmed") != "yes":
        errors["escort_confirmed"] = (
            "Escort: confirm that an adult escort is taking the patient home. "
            "A patient must not leave alone after ketamine."
        )
    notes = read.free_text(form, "notes", "Notes", errors)

    data: dict[str, Any] = {
        **({"dose_id": dose_id} if dose_id is not None else {}),
        **{name: dose[name] for name in DOSE_FIGURES if name in dose},
        **moment,
        "start_time": f"{start:%H:%M}" if start else None,
        "end_time": f"{end:%H:%M}" if end else None,
        "readings": readings,
        "dissociation_rating": dissociation,
        "side_effects": side_effects,
        "side_effects_other": side_effects_other,
        "adverse_event": adverse_event,
        "discharge_time": f"{discharge:%H:%M}" if discharge else None,
        "escort_confirmed": read.text(form, "escort_confirmed") == "yes",
        "notes": notes,
    }
    return CheckedRecord(data, errors, rows=rows)


def check_tms(form: FormValues, ranges: SessionRanges, protocols: Collection[str] = ()) -> CheckedRecord:
    """A TMS session record. ``protocols``: the ids allowed (empty: any well-formed id)."""
    errors: Errors = {}
    threshold = read.whole(
        form, "rmt_percent", "Resting motor threshold", *ranges.motor_threshold, "% of machine output", errors
    )
    method = read.one_of(form, "rmt_method", "How the motor threshold was found", MT_METHODS, errors)
    intensity = read.whole(
        form, "intensity_percent_mt", "Intensity", *ranges.intensity, "% of motor threshold", errors
    )
    output: Decimal | None = None
    if threshold is not None and intensity is not None:
        output = (Decimal(threshold) * intensity / 100).quantize(Decimal("0.1"))
        if output > 100:
            errors["intensity_percent_mt"] = (
                f"Intensity: {intensity}% of a motor threshold of {threshold}% would need {output}% of the "
                "machine's output, more than it can give. Check the threshold and the intensity."
            )
    pulses = read.whole(form, "pulses", "Pulses", *ranges.pulses, "pulses", errors)
    protocol = read.text(form, "protocol")
    if (protocols and protocol not in protocols) or not PROTOCOL_ID.match(protocol):
        listed = f"one of: {', '.join(sorted(protocols))}" if protocols else "the protocol's id (a–z, 0–9, _)"
        errors["protocol"] = f"Protocol: choose {listed}."
    target = read.one_of(form, "target", "Target", TARGETS, errors)
    target_other = read.free_text(
        form, "target_other", "Other target", errors, limit=200, required=target == "other"
    )
    scalp_pain = read.whole(
        form, "scalp_pain", "Scalp pain", *ranges.scalp_pain, "(0 none, 10 worst)", errors
    )
    headache = read.yes_no(form, "headache", "Headache", errors)
    seizure = read.yes_no(form, "seizure", "Seizure", errors)
    adverse_event = read.free_text(form, "adverse_event", "Other adverse event", errors)
    notes = read.free_text(form, "notes", "Notes", errors)
    data: dict[str, Any] = {
        "rmt_percent": threshold,
        "rmt_method": method,
        "intensity_percent_mt": intensity,
        "output_percent": str(output) if output is not None else None,
        "pulses": pulses,
        "protocol": protocol,
        "target": target,
        "target_other": target_other if target == "other" else "",
        "scalp_pain": scalp_pain,
        "headache": headache,
        "seizure": seizure,
        "adverse_event": adverse_event,
        "notes": notes,
    }
    return CheckedRecord(data, errors)


DERIVED = {  # not form fields: the dose's figures come from the dose step, not the record's form
    *DOSE_FIGURES,
    "dose_id",
    "vitals",
    "readings",
    "arithmetic",
    "dose_confirmed",
    "dose_mg",
    "volume_ml",
    "rate_ml_per_hour",
    "session_at",
    "date_warning",
}


def form_values(kind: str, data: dict[str, Any]) -> dict[str, str | list[str]]:
    """A stored record's data as form values, to prefill a correction (the dose is not pre-confirmed)."""
    values: dict[str, str | list[str]] = {}
    for name, value in data.items():
        if name in DERIVED or isinstance(value, dict):
            continue
        if isinstance(value, bool):
            values[name] = "yes" if value else "no"
        elif isinstance(value, list):
            values[name] = [str(item) for item in value]
        else:
            values[name] = "" if value is None else str(value)
    if kind == "iv_ketamine":
        values.pop("readings", None)
        values |= reading_values(data.get("readings", []))
        if not data.get("escort_confirmed"):
            values.pop("escort_confirmed", None)
        else:
            values["escort_confirmed"] = "yes"
    if kind == "esketamine":
        values |= _nested_values(data, ("pre_dose", "recheck", "discharge"))
        values["dose_mg"] = str(data.get("dose_mg") or "")
    if kind == "ect":
        for part in ("anaesthetic", "relaxant"):
            agent = data.get(part, {})
            values |= {
                part: agent.get("agent") or "",
                f"{part}_other": agent.get("other") or "",
                f"{part}_dose_mg": str(agent.get("dose_mg") or ""),
            }
    return values


def _nested_values(data: dict[str, Any], parts: tuple[str, ...]) -> dict[str, str]:
    """An esketamine record's pressures as the form names them."""
    names = {"pre_dose": "pre", "recheck": "recheck", "discharge": "discharge"}
    values: dict[str, str] = {}
    for part in parts:
        reading = data.get(part) or {}
        moment = names[part]
        values[f"bp_{moment}_systolic"] = str(reading.get("systolic") or "")
        values[f"bp_{moment}_diastolic"] = str(reading.get("diastolic") or "")
        if part == "pre_dose":
            values["hr_pre"] = str(reading.get("heart_rate") or "")
            values["spo2_pre"] = str(reading.get("spo2") or "")
    return values


def alerts_for(kind: str, data: dict[str, Any]) -> list[str]:
    """The clinic alerts a stored record raises: "seizure" and/or "adverse_event"."""
    kinds = []
    if kind == "tms" and data.get("seizure") is True:
        kinds.append("seizure")
    if data.get("adverse_event"):
        kinds.append("adverse_event")
    return kinds
