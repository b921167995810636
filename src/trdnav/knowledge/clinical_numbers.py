"""The clinical numbers of the course code, as knowledge-base data: the PHQ-9 outcome thresholds
(`outcome_rules.yaml`), the IV ketamine dose limits (`dosing.yaml`), the plausible ranges of
session-record readings (`session_ranges.yaml`) and the SURE test (`sure.yaml`). Each number has
its evidence label and sources, or is labelled clinical_opinion; each file turns into the values
the pure course code reads.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import Field, model_validator

from trdnav.core.course_numbers import (
    EctRanges,
    EsketamineMonitoring,
    InfusionMonitoring,
    KetamineDoseLimits,
    Limit,
    OutcomeRules,
    SessionRanges,
)
from trdnav.knowledge.schema import SNAKE_ID, EvidenceLabel, Sourced, Strict


class Basis(Sourced):
    """Why a number is what it is: its evidence label and sources, or clinical_opinion said as such."""

    noun: ClassVar[str] = "number"

    basis: str = Field(min_length=1, description="the reason in words, naming our own rules as such")


class Threshold(Basis):
    value: int = Field(ge=0)


class OutcomeRuleFile(Strict):
    """``outcome_rules.yaml``: the PHQ-9 thresholds of measurement-based care."""

    response_percent: Threshold
    remission_below: Threshold
    improving_percent: Threshold
    halfway_percent: Threshold

    @model_validator(mode="after")
    def _in_order(self) -> OutcomeRuleFile:
        if not 0 < self.improving_percent.value < self.response_percent.value <= 100:
            raise ValueError("expected 0 < improving_percent < response_percent <= 100")
        if not 0 < self.halfway_percent.value <= 100:
            raise ValueError("halfway_percent must be from 1 to 100")
        if not 0 < self.remission_below.value <= 27:
            raise ValueError("remission_below must be a PHQ-9 total from 1 to 27")
        return self

    def entries(self) -> list[tuple[str, Threshold]]:
        return [(name, getattr(self, name)) for name in type(self).model_fields]

    @property
    def rules(self) -> OutcomeRules:
        """The thresholds as the course code reads them."""
        return OutcomeRules(
            remission_below=self.remission_below.value,
            response_percent=self.response_percent.value,
            improving_percent=self.improving_percent.value,
            halfway_percent=self.halfway_percent.value,
        )


class DecimalRange(Basis):
    label: str
    low: Decimal = Field(ge=0)
    high: Decimal
    unit: str
    places: int = Field(ge=0, le=3, description="most decimal places a value may have")

    @model_validator(mode="after")
    def _ordered(self) -> DecimalRange:
        if self.high < self.low:
            raise ValueError("high must not be below low")
        return self

    @property
    def limit(self) -> Limit:
        return Limit(self.label, self.low, self.high, self.unit, self.places)


class DoseCap(Basis):
    value: Decimal = Field(gt=0)


class KetamineDosing(Strict):
    weight_kg: DecimalRange
    dose_mg_per_kg: DecimalRange
    concentration_mg_per_ml: DecimalRange
    infusion_minutes: DecimalRange
    max_dose_mg: DoseCap

    def entries(self) -> list[tuple[str, Basis]]:
        return [(name, getattr(self, name)) for name in type(self).model_fields]

    @property
    def limits(self) -> KetamineDoseLimits:
        """The limits as the dose calculator reads them."""
        return KetamineDoseLimits(
            weight_kg=self.weight_kg.limit,
            dose_mg_per_kg=self.dose_mg_per_kg.limit,
            concentration_mg_per_ml=self.concentration_mg_per_ml.limit,
            infusion_minutes=self.infusion_minutes.limit,
            max_dose_mg=self.max_dose_mg.value,
        )


class DosingFile(Strict):
    """``dosing.yaml``: the dose calculator's safety limits."""

    iv_ketamine: KetamineDosing


class WholeRange(Basis):
    low: int = Field(ge=0)
    high: int

    @model_validator(mode="after")
    def _ordered(self) -> WholeRange:
        if self.high < self.low:
            raise ValueError("high must not be below low")
        return self

    @property
    def pair(self) -> tuple[int, int]:
        return (self.low, self.high)


class InfusionRanges(Strict):
    systolic_mmhg: WholeRange
    diastolic_mmhg: WholeRange
    heart_rate_per_minute: WholeRange
    dissociation_rating: WholeRange


class TmsSessionRanges(Strict):
    motor_threshold_percent: WholeRange
    intensity_percent_mt: WholeRange
    pulses: WholeRange
    scalp_pain: WholeRange


class InfusionReadingRanges(Strict):
    spo2_percent: WholeRange
    breathing_rate_per_minute: WholeRange


class InfusionMonitoringNumbers(Strict):
    vitals_interval_minutes: Threshold
    recovery_readings: Threshold
    usual_infusion_minutes: Threshold


class Choices(Basis):
    values: list[int] = Field(min_length=1)


class EsketamineMonitoringNumbers(Strict):
    delay_systolic_above: Threshold
    delay_diastolic_above: Threshold
    recheck_minutes: Threshold
    observation_minutes: Threshold
    doses_mg: Choices


class EctSessionRanges(Strict):
    anaesthetic_dose_mg: WholeRange
    relaxant_dose_mg: WholeRange
    charge_mc: WholeRange
    device_percent: WholeRange
    seizure_seconds: WholeRange
    orientation_minutes: WholeRange


class SessionRangeFile(Strict):
    """``session_ranges.yaml``: the plausible range of each number in a session record, and the
    monitoring numbers of the infusion and esketamine records."""

    infusion: InfusionRanges
    tms: TmsSessionRanges
    infusion_readings: InfusionReadingRanges
    infusion_monitoring: InfusionMonitoringNumbers
    esketamine_monitoring: EsketamineMonitoringNumbers
    ect: EctSessionRanges

    @property
    def monitoring(self) -> InfusionMonitoring:
        numbers = self.infusion_monitoring
        return InfusionMonitoring(
            interval_minutes=numbers.vitals_interval_minutes.value,
            recovery_readings=numbers.recovery_readings.value,
            usual_infusion_minutes=numbers.usual_infusion_minutes.value,
        )

    @property
    def esketamine(self) -> EsketamineMonitoring:
        numbers = self.esketamine_monitoring
        return EsketamineMonitoring(
            delay_systolic_above=numbers.delay_systolic_above.value,
            delay_diastolic_above=numbers.delay_diastolic_above.value,
            recheck_minutes=numbers.recheck_minutes.value,
            observation_minutes=numbers.observation_minutes.value,
            doses_mg=tuple(numbers.doses_mg.values),
        )

    @property
    def ect_ranges(self) -> EctRanges:
        ect = self.ect
        return EctRanges(
            anaesthetic_dose_mg=ect.anaesthetic_dose_mg.pair,
            relaxant_dose_mg=ect.relaxant_dose_mg.pair,
            charge_mc=ect.charge_mc.pair,
            device_percent=ect.device_percent.pair,
            seizure_seconds=ect.seizure_seconds.pair,
            orientation_minutes=ect.orientation_minutes.pair,
        )

    def entries(self) -> list[tuple[str, WholeRange | Threshold | Choices]]:
        return [
            (f"{part}.{name}", getattr(getattr(self, part), name))
            for part in type(self).model_fields
            for name in type(getattr(self, part)).model_fields
        ]

    @property
    def ranges(self) -> SessionRanges:
        """The ranges as the session forms read them."""
        infusion, tms = self.infusion, self.tms
        return SessionRanges(
            systolic=infusion.systolic_mmhg.pair,
            diastolic=infusion.diastolic_mmhg.pair,
            heart_rate=infusion.heart_rate_per_minute.pair,
            dissociation=infusion.dissociation_rating.pair,
            motor_threshold=tms.motor_threshold_percent.pair,
            intensity=tms.intensity_percent_mt.pair,
            pulses=tms.pulses.pair,
            scalp_pain=tms.scalp_pain.pair,
            spo2=self.infusion_readings.spo2_percent.pair,
            breathing_rate=self.infusion_readings.breathing_rate_per_minute.pair,
        )


class SureItem(Strict):
    id: str = Field(pattern=SNAKE_ID)
    letter: str = Field(pattern=r"^[A-Z]$")
    name: str
    question: str
    suggestion: str = Field(description="patient text shown when the answer is no")


class SureTest(Strict):
    """``sure.yaml``: the four-item SURE test of decisional conflict, shown unaltered."""

    evidence: EvidenceLabel
    citations: list[str] = Field(min_length=1)
    terms_url: str = Field(pattern=r"^https?://\S+$")
    conflict_at_or_below: Threshold
    items: list[SureItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> SureTest:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("each SURE item needs its own id")
        if self.conflict_at_or_below.value >= len(self.items):
            raise ValueError("conflict_at_or_below must be below the number of items")
        return self
