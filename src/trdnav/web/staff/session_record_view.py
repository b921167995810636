"""A stored session record in words, one row per field, with a column per version.

The record's page shows the original and each correction side by side; a row whose value differs
from the version before is marked, so what a correction changed is plain to see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from trdnav.courses.ect_record import ADVERSE_EVENTS, ANAESTHETICS, PLACEMENTS, RELAXANTS
from trdnav.courses.esketamine_record import LEVELS
from trdnav.courses.session_forms import KETAMINE_SIDE_EFFECTS, MT_METHODS, TARGETS, VITALS_MOMENTS
from trdnav.web.clinic_time import zone_label

Data = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    changed: bool  # differs from the version before


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


ZONE = "_zone"  # set by record_rows on its copy of each version: how its typed clock times are named


def _clock(data: Data, key: str) -> str:
    """A clock time the clinician typed (the clinic's wall clock on the session's day), named: "09:40 EST"."""
    return f"{data.get(key)} {data[ZONE]}"


def _typed_clock_zone(data: Data, timezone: str) -> str:
    """The zone's abbreviation at the session's date and time ("EST", "AEDT"); a record from before the
    date was asked names the zone itself, since its day (and so summer or winter time) is not known."""
    day, time = data.get("session_date"), data.get("session_time") or "12:00"
    if not day:
        return f"({timezone})"
    local = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time), ZoneInfo(timezone))
    return zone_label(local)


def _yes_no(value: object) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "Not recorded"


def _or_none(value: object) -> str:
    return str(value) if value else "None"


def _vitals(moment: str) -> Callable[[Data], str]:
    def words(data: Data) -> str:
        reading = data.get("vitals", {}).get(moment, {})
        pressure = f"{reading.get('systolic')}/{reading.get('diastolic')} mmHg"
        return f"{pressure}, heart rate {reading.get('heart_rate')}/min"

    return words


def _side_effects(data: Data) -> str:
    named = [KETAMINE_SIDE_EFFECTS.get(value, value) for value in data.get("side_effects", [])]
    if data.get("side_effects_other"):
        named.append(f"Other: {data['side_effects_other']}")
    return ", ".join(named) or "None recorded"


def _readings(data: Data) -> str:
    """The repeating vital-sign rows in words, one reading after another."""
    return "; ".join(
        f"{r.get('time')} {data[ZONE]} {r.get('systolic')}/{r.get('diastolic')} mmHg, "
        f"heart rate {r.get('heart_rate')}/min, "
        f"SpO2 {r.get('spo2')}%, breathing {r.get('breathing_rate')}/min"
        for r in data.get("readings", [])
    )


def _moment(data: Data) -> str:
    if not data.get("session_date"):
        return "Not recorded (recorded before the date was asked)"
    warning = f". Warning: {data['date_warning']}" if data.get("date_warning") else ""
    return f"{data['session_date']} {_clock(data, 'session_time')}{warning}"


def _pressure(part: str) -> Callable[[Data], str]:
    def words(data: Data) -> str:
        reading = data.get(part) or {}
        if not reading:
            return "Not recorded"
        extra = [f"heart rate {reading['heart_rate']}/min"] if reading.get("heart_rate") else []
        extra += [f"SpO2 {reading['spo2']}%"] if reading.get("spo2") else []
        return ", ".join([f"{reading.get('systolic')}/{reading.get('diastolic')} mmHg", *extra])

    return words


def _agent(part: str, names: dict[str, str]) -> Callable[[Data], str]:
    def words(data: Data) -> str:
        agent = data.get(part) or {}
        name = agent.get("other") or names.get(str(agent.get("agent")), "Not recorded")
        return f"{name}, {agent.get('dose_mg')} mg"

    return words


KETAMINE_FIELDS: tuple[tuple[str, Callable[[Data], str]], ...] = (
    ("Session date and time", _moment),
    ("Weight", lambda d: f"{d.get('weight_kg')} kg"),
    ("Ordered dose", lambda d: f"{d.get('dose_mg_per_kg')} mg/kg"),
    ("Concentration", lambda d: f"{d.get('concentration_mg_per_ml')} mg/mL"),
    ("Infusion time", lambda d: f"{d.get('infusion_minutes')} min"),
    (
        "Computed dose",
        lambda d: (
            f"{d.get('dose_mg')} mg" + (" (confirmed a second time)" if d.get("dose_confirmed") else "")
        ),
    ),
    ("Volume and pump rate", lambda d: f"{d.get('volume_ml')} mL at {d.get('rate_ml_per_hour')} mL/h"),
    ("Dose arithmetic", lambda d: "; ".join(d.get("arithmetic", []))),
    ("Infusion start and end", lambda d: f"{_clock(d, 'start_time')} to {_clock(d, 'end_time')}"),
    *((f"Vital signs {words}", _vitals(moment)) for moment, words in VITALS_MOMENTS.items()),
    ("Vital signs (time, blood pressure, heart rate, SpO2, breathing rate)", _readings),
    ("Dissociation, clinician rating 0 to 10", lambda d: str(d.get("dissociation_rating"))),
    ("Side effects", _side_effects),
    ("Adverse event", lambda d: _or_none(d.get("adverse_event"))),
    (
        "Discharge",
        lambda d: (
            f"{_clock(d, 'discharge_time')}, "
            + ("escort confirmed" if d.get("escort_confirmed") else "escort NOT confirmed")
        ),
    ),
    ("Notes", lambda d: _or_none(d.get("notes"))),
)

TMS_FIELDS: tuple[tuple[str, Callable[[Data], str]], ...] = (
    (
        "Resting motor threshold",
        lambda d: (
            f"{d.get('rmt_percent')}% of machine output, by {MT_METHODS.get(d.get('rmt_method', ''), '?')}"
        ),
    ),
    (
        "Intensity",
        lambda d: (
            f"{d.get('intensity_percent_mt')}% of motor threshold "
            f"({d.get('output_percent')}% of machine output)"
        ),
    ),
    ("Pulses", lambda d: f"{d.get('pulses'):,}" if isinstance(d.get("pulses"), int) else "Not recorded"),
    ("Protocol", lambda d: str(d.get("protocol"))),
    (
        "Target",
        lambda d: (
            str(d.get("target_other"))
            if d.get("target") == "other"
            else TARGETS.get(str(d.get("target")), "Not recorded")
        ),
    ),
    ("Scalp pain, 0 to 10", lambda d: str(d.get("scalp_pain"))),
    ("Headache", lambda d: _yes_no(d.get("headache"))),
    ("Seizure", lambda d: _yes_no(d.get("seizure"))),
    ("Other adverse event", lambda d: _or_none(d.get("adverse_event"))),
    ("Notes", lambda d: _or_none(d.get("notes"))),
)


ESKETAMINE_FIELDS: tuple[tuple[str, Callable[[Data], str]], ...] = (
    ("Session date and time", _moment),
    ("Before dosing", _pressure("pre_dose")),
    (
        "Dose",
        lambda d: (
            f"{d.get('dose_mg')} mg at {_clock(d, 'dose_time')}"
            if d.get("dose_given")
            else f"Not given: {d.get('not_given_reason')}"
        ),
    ),
    (
        "Dosed above the pressure guide",
        lambda d: (
            f"{d['high_bp_warning']} Reason: {d.get('high_bp_reason')}" if d.get("high_bp_warning") else "No"
        ),
    ),
    ("Blood pressure after the dose", lambda d: f"{_pressure('recheck')(d)} at {_clock(d, 'recheck_time')}"),
    ("Lowest SpO2 during observation", lambda d: f"{d.get('spo2_lowest')}%"),
    (
        "Sedation and dissociation",
        lambda d: (
            f"Sedation {LEVELS.get(str(d.get('sedation')), '?')}, "
            f"dissociation {LEVELS.get(str(d.get('dissociation')), '?')}"
        ),
    ),
    (
        "Observation",
        lambda d: (
            f"{_clock(d, 'observation_start')} to {_clock(d, 'observation_end')}"
            f" ({d.get('observation_minutes')} min)"
            + (
                f"; shorter because: {d['short_observation_reason']}"
                if d.get("short_observation_reason")
                else ""
            )
        ),
    ),
    ("Blood pressure at discharge", _pressure("discharge")),
    (
        "Discharge",
        lambda d: (
            ("ready, " if d.get("discharge_ready") else "readiness NOT confirmed, ")
            + f"taken home by {d.get('taken_home_by')}"
            + (", told not to drive" if d.get("no_driving") else "")
        ),
    ),
    ("Adverse event", lambda d: _or_none(d.get("adverse_event"))),
    ("Notes", lambda d: _or_none(d.get("notes"))),
)

ECT_FIELDS: tuple[tuple[str, Callable[[Data], str]], ...] = (
    ("Session date and time", _moment),
    ("Anaesthetic", _agent("anaesthetic", ANAESTHETICS)),
    ("Muscle relaxant", _agent("relaxant", RELAXANTS)),
    (
        "Electrode placement",
        lambda d: (
            str(d.get("placement_other"))
            if d.get("placement") == "other"
            else PLACEMENTS.get(str(d.get("placement")), "?")
        ),
    ),
    (
        "Stimulus",
        lambda d: (
            f"{d.get('stimulus_value')} {'mC' if d.get('stimulus_unit') == 'mc' else '% of the maximum'}"
            f" on {d.get('device')}"
        ),
    ),
    (
        "Seizure duration",
        lambda d: f"EEG {d.get('seizure_eeg_seconds')} s, motor {d.get('seizure_motor_seconds')} s",
    ),
    (
        "Recovery",
        lambda d: "; ".join(
            part
            for part in (
                f"oriented after {d['orientation_minutes']} min"
                if d.get("orientation_minutes") is not None
                else "",
                str(d.get("recovery_note") or ""),
            )
            if part
        ),
    ),
    (
        "Adverse events",
        lambda d: (
            ", ".join(ADVERSE_EVENTS.get(v, v) for v in d.get("adverse_events", []))
            + (f". {d['adverse_note']}" if d.get("adverse_note") else "")
        ),
    ),
    ("Notes", lambda d: _or_none(d.get("notes"))),
)
FIELDS = {
    "iv_ketamine": KETAMINE_FIELDS,
    "tms": TMS_FIELDS,
    "esketamine": ESKETAMINE_FIELDS,
    "ect": ECT_FIELDS,
}
OLD_VITALS = {f"Vital signs {words}" for words in VITALS_MOMENTS.values()}


def record_rows(kind: str, versions: Sequence[Data], timezone: str) -> list[Row]:
    """One row per field; one cell per version, oldest first. An infusion shows the three fixed
    readings of older records, the repeating rows of newer ones, or both when a correction moved
    from one to the other. Typed clock times are named in the clinic's ``timezone``."""
    fields = FIELDS[kind]
    versions = [{**data, ZONE: _typed_clock_zone(data, timezone)} for data in versions]
    old = any("vitals" in data for data in versions)
    new = any("readings" in data for data in versions)
    rows = []
    for label, words in fields:
        if (label in OLD_VITALS and not old) or (words is _readings and not new):
            continue
        texts = [str(words(data)) for data in versions]
        cells = tuple(Cell(text, index > 0 and text != texts[index - 1]) for index, text in enumerate(texts))
        rows.append(Row(label, cells))
    return rows
