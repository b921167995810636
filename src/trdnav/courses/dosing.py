"""The IV ketamine dose calculator: weight × ordered dose → dose in mg, volume and pump rate.

The calculator refuses any value outside the clinic's safety limits rather than computing with it,
and returns its arithmetic line by line so the clinician can check it before confirming the dose
a second time (the session form asks for that confirmation). Arithmetic is done in `Decimal`: the
dose is rounded to 0.1 mg, the volume drawn up to 0.01 mL (a 0.1 mL step would change a small dose
by up to 15%), and the pump rate (to 0.1 mL/h) is computed from the volume before rounding, so every
line shown can be re-done by hand from the figures on it:

    70.0 kg × 0.50 mg/kg = 35.0 mg
    35.0 mg ÷ 1.0 mg/mL = 35.00 mL
    35.00 mL ÷ 40 min × 60 = 52.5 mL/h

When the volume had to be rounded (35.0 mg ÷ 3.0 mg/mL = 11.67 mL), the rate line starts from the
dose and the concentration instead: "35.0 mg ÷ 3.0 mg/mL ÷ 40 min × 60 = 17.5 mL/h".

The limits are knowledge-base data (``dosing.yaml``, with their evidence labels and sources), passed
in as `KetamineDoseLimits`: a starting point for the clinic's own policy, to be reviewed with its
pharmacy, not clinical guidance. Only the usual research dose is from the evidence digest (0.5 mg/kg
over 40 minutes [V]: Murrough 2013, ELEKT-D, Fava 2020); the ranges around it are clinic policy
(clinical_opinion).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from trdnav.core.course_numbers import KetamineDoseLimits, plain_number

TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class DoseCalculation:
    weight_kg: Decimal
    dose_mg_per_kg: Decimal
    concentration_mg_per_ml: Decimal
    infusion_minutes: int
    dose_mg: Decimal  # rounded to 0.1 mg
    volume_ml: Decimal  # rounded to 0.01 mL
    rate_ml_per_hour: Decimal  # from the unrounded volume, rounded to 0.1 mL/h
    arithmetic: tuple[str, ...]


class DoseError(ValueError):
    """The calculator refused: ``errors`` holds one message per refused field, naming the value
    and the allowed range. Keys: weight_kg, dose_mg_per_kg, concentration_mg_per_ml,
    infusion_minutes, and dose_mg (the computed dose above the clinic's maximum)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def _round(value: Decimal, step: Decimal = TENTH) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def _one_place(value: Decimal) -> str:
    """At least one decimal place: 1 → "1.0", 2.25 → "2.25"."""
    text = plain_number(value)
    return text if "." in text else f"{text}.0"


def compute_ketamine_dose(
    weight_kg: Decimal,
    dose_mg_per_kg: Decimal,
    concentration_mg_per_ml: Decimal,
    infusion_minutes: Decimal | int,
    limits: KetamineDoseLimits,
) -> DoseCalculation:
    """The dose in mg, the volume and the pump rate, with the arithmetic; `DoseError` if refused."""
    given = {
        "weight_kg": (Decimal(weight_kg), limits.weight_kg),
        "dose_mg_per_kg": (Decimal(dose_mg_per_kg), limits.dose_mg_per_kg),
        "concentration_mg_per_ml": (Decimal(concentration_mg_per_ml), limits.concentration_mg_per_ml),
        "infusion_minutes": (Decimal(infusion_minutes), limits.infusion_minutes),
    }
    errors = {name: message for name, (value, limit) in given.items() if (message := limit.problem(value))}
    if errors:
        raise DoseError(errors)
    weight, per_kg = given["weight_kg"][0], given["dose_mg_per_kg"][0]
    concentration, minutes = given["concentration_mg_per_ml"][0], int(given["infusion_minutes"][0])

    dose_mg = _round(weight * per_kg)
    if dose_mg > limits.max_dose_mg:
        raise DoseError(
            {
                "dose_mg": f"Computed dose: {dose_mg} mg is above the clinic's maximum of "
                f"{plain_number(limits.max_dose_mg)} mg for one infusion. "
                "Check the weight and the ordered dose."
            }
        )
    exact_volume = dose_mg / concentration
    volume_ml = _round(exact_volume, HUNDREDTH)
    rate = _round(dose_mg * 60 / (concentration * minutes))  # = exact_volume ÷ minutes × 60
    per_ml = f"{_one_place(concentration)} mg/mL"
    # the rate comes from the volume before rounding: shown from the dose when the two differ
    rate_from = f"{volume_ml} mL" if volume_ml == exact_volume else f"{dose_mg} mg ÷ {per_ml}"
    arithmetic = (
        f"{_round(weight)} kg × {_round(per_kg, HUNDREDTH)} mg/kg = {dose_mg} mg",
        f"{dose_mg} mg ÷ {per_ml} = {volume_ml} mL",
        f"{rate_from} ÷ {minutes} min × 60 = {rate} mL/h",
    )
    return DoseCalculation(
        weight_kg=weight,
        dose_mg_per_kg=per_kg,
        concentration_mg_per_ml=concentration,
        infusion_minutes=minutes,
        dose_mg=dose_mg,
        volume_ml=volume_ml,
        rate_ml_per_hour=rate,
        arithmetic=arithmetic,
    )
