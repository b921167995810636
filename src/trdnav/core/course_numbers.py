"""The clinical numbers the course code reads, as frozen values: the PHQ-9 outcome thresholds
(`OutcomeRules`), the IV ketamine dose limits (`KetamineDoseLimits`, each a `Limit`) and the plausible
ranges of session-record readings (`SessionRanges`).

The knowledge base holds each number with its evidence label and sources
(`trdnav.knowledge.clinical_numbers`) and builds these values; the pure course code (`trdnav.courses`)
takes them as arguments. They live in the core so that neither of the two imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class OutcomeRules:
    """The PHQ-9 thresholds, from the knowledge base (``outcome_rules.yaml``)."""

    remission_below: int  # a PHQ-9 total strictly below this is remission
    response_percent: int  # a drop of at least this percentage from baseline is response
    improving_percent: int  # a smaller drop of at least this percentage is "improving"
    halfway_percent: int  # less improvement than this at halfway raises the flag

    @property
    def response_definition(self) -> str:
        return f"Response: PHQ-9 total at least {self.response_percent}% below baseline."

    @property
    def remission_definition(self) -> str:
        return f"Remission: PHQ-9 total below {self.remission_below}."

    @property
    def status_words(self) -> dict[str, str]:
        """Words for each key `status` returns."""
        return {
            "remitted": f"Remitted (PHQ-9 below {self.remission_below})",
            "responding": f"Responding (PHQ-9 at least {self.response_percent}% below baseline)",
            "improving": f"Improving (PHQ-9 {self.improving_percent}% to under "
            f"{self.response_percent}% below baseline)",
            "not_improving": f"Not improving (PHQ-9 less than {self.improving_percent}% below baseline)",
            "no_scores": "No scores yet since the course began",
            "no_baseline": "No baseline PHQ-9",
            "baseline_too_low": "Baseline too low to measure change (PHQ-9 baseline 0)",
        }


@dataclass(frozen=True, slots=True)
class Limit:
    """An allowed range, both ends included, with the most decimal places a value may have."""

    label: str  # how the field is named in messages: "Weight"
    low: Decimal
    high: Decimal
    unit: str  # "kg", "mg/kg", "mg/mL", "min"
    places: int  # 1: "70.5" is accepted, "70.55" is refused as a likely typing error

    def problem(self, value: Decimal) -> str | None:
        """The message for a value this limit refuses, or None."""
        if not value.is_finite():
            return f"{self.label}: enter a number in {self.unit}."
        shown = plain_number(value)
        if value < self.low or value > self.high:
            return (
                f"{self.label}: {shown} {self.unit} is outside the allowed range of "
                f"{plain_number(self.low)} to {plain_number(self.high)} {self.unit}."
            )
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.places:
            allowed = {0: "a whole number", 1: "at most 1 decimal place"}.get(
                self.places, f"at most {self.places} decimal places"
            )
            return f"{self.label}: {shown} {self.unit} has too many decimal places; enter {allowed}."
        return None


@dataclass(frozen=True, slots=True)
class KetamineDoseLimits:
    """The clinic's safety limits for one IV ketamine infusion (from the knowledge base's ``dosing.yaml``)."""

    weight_kg: Limit
    dose_mg_per_kg: Limit
    concentration_mg_per_ml: Limit
    infusion_minutes: Limit
    max_dose_mg: Decimal  # the most one infusion may contain, whatever the weight


Range = tuple[int, int]  # lowest and highest allowed, both included


@dataclass(frozen=True, slots=True)
class SessionRanges:
    """The plausible range of each number in a session record (from ``session_ranges.yaml``)."""

    systolic: Range  # mmHg
    diastolic: Range  # mmHg
    heart_rate: Range  # beats a minute
    dissociation: Range  # clinician's rating at its peak, 0 none to 10 severe
    motor_threshold: Range  # % of the stimulator's maximum output
    intensity: Range  # % of motor threshold
    pulses: Range
    scalp_pain: Range  # 0 none to 10 worst
    spo2: Range  # % oxygen saturation (pulse oximeter)
    breathing_rate: Range  # breaths a minute


@dataclass(frozen=True, slots=True)
class InfusionMonitoring:
    """How often an infusion's vital signs are taken (from ``session_ranges.yaml``)."""

    interval_minutes: int  # one reading every this many minutes during the infusion
    recovery_readings: int  # readings after the infusion ends
    usual_infusion_minutes: int  # the rows shown before the infusion time is known

    def rows(self, infusion_minutes: int | None) -> int:
        """Rows for one infusion: one before it starts, one per interval, and the recovery readings."""
        minutes = infusion_minutes or self.usual_infusion_minutes
        return 1 + -(-minutes // self.interval_minutes) + self.recovery_readings


@dataclass(frozen=True, slots=True)
class EsketamineMonitoring:
    """The label's and REMS's monitoring numbers for an esketamine dose (``session_ranges.yaml``)."""

    delay_systolic_above: int  # mmHg before dosing: above it, the label's guide is to delay
    delay_diastolic_above: int
    recheck_minutes: int  # blood pressure again about this long after the dose
    observation_minutes: int  # the least observation after the dose
    doses_mg: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class EctRanges:
    """The plausible range of each number in an ECT record (``session_ranges.yaml``)."""

    anaesthetic_dose_mg: Range
    relaxant_dose_mg: Range
    charge_mc: Range
    device_percent: Range
    seizure_seconds: Range
    orientation_minutes: Range


def plain_number(value: Decimal) -> str:
    """A number as a person writes it: "70", "0.5", "1.25" (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")
