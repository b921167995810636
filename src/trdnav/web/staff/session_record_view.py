"""A stored session record in words, one row per field, with a column per version.

The record's page shows the original and each correction side by side; a row whose value differs
from the version before is marked, so what a correction changed is plain to see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from trdnav.courses.session_forms import KETAMINE_SIDE_EFFECTS, MT_METHODS, TARGETS, VITALS_MOMENTS

Data = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    changed: bool  # differs from the version before


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


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


KETAMINE_FIELDS: tuple[tuple[str, Callable[[Data], str]], ...] = (
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
    ("Infusion start and end", lambda d: f"{d.get('start_time')} to {d.get('end_time')}"),
    *((f"Vital signs {words}", _vitals(moment)) for moment, words in VITALS_MOMENTS.items()),
    ("Dissociation, clinician rating 0 to 10", lambda d: str(d.get("dissociation_rating"))),
    ("Side effects", _side_effects),
    ("Adverse event", lambda d: _or_none(d.get("adverse_event"))),
    (
        "Discharge",
        lambda d: (
            f"{d.get('discharge_time')}, "
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


def record_rows(kind: str, versions: Sequence[Data]) -> list[Row]:
    """One row per field; one cell per version, oldest first."""
    fields = KETAMINE_FIELDS if kind == "iv_ketamine" else TMS_FIELDS
    rows = []
    for label, words in fields:
        texts = [str(words(data)) for data in versions]
        cells = tuple(Cell(text, index > 0 and text != texts[index - 1]) for index, text in enumerate(texts))
        rows.append(Row(label, cells))
    return rows
