"""The ketamine dose calculator: exactly at each limit is allowed, just beyond is refused with a
message naming the field, the value and the range; the arithmetic of worked examples is shown."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from trdnav.courses.dosing import DoseError, compute_ketamine_dose
from trdnav.knowledge.loader import load

D = Decimal
STANDARD = {
    "weight_kg": D("70"),
    "dose_mg_per_kg": D("0.5"),
    "concentration_mg_per_ml": D("1"),
    "infusion_minutes": 40,
}
LIMITS = load().dosing.iv_ketamine.limits


def dose(**changes: object) -> object:
    return compute_ketamine_dose(**(STANDARD | changes), limits=LIMITS)  # type: ignore[arg-type]


def refusal(**changes: object) -> dict[str, str]:
    with pytest.raises(DoseError) as refused:
        dose(**changes)
    return refused.value.errors


def test_the_research_dose_for_70_kg_shows_each_step_of_its_arithmetic() -> None:
    calculation = compute_ketamine_dose(D("70"), D("0.5"), D("1"), 40, LIMITS)
    assert (calculation.dose_mg, calculation.volume_ml, calculation.rate_ml_per_hour) == (
        D("35.0"),
        D("35.00"),
        D("52.5"),
    )
    assert calculation.arithmetic == (
        "70.0 kg × 0.50 mg/kg = 35.0 mg",
        "35.0 mg ÷ 1.0 mg/mL = 35.00 mL",
        "35.00 mL ÷ 40 min × 60 = 52.5 mL/h",
    )


def test_the_dose_rounds_to_a_tenth_the_volume_to_a_hundredth_and_the_rate_to_a_tenth() -> None:
    # 83.3 × 0.45 = 37.485 → 37.5 mg; 37.5 ÷ 2.5 = 15.00 mL; 15 ÷ 45 × 60 = 20.0 mL/h
    calculation = compute_ketamine_dose(D("83.3"), D("0.45"), D("2.5"), 45, LIMITS)
    assert calculation.arithmetic == (
        "83.3 kg × 0.45 mg/kg = 37.5 mg",
        "37.5 mg ÷ 2.5 mg/mL = 15.00 mL",
        "15.00 mL ÷ 45 min × 60 = 20.0 mL/h",
    )
    # 61.7 × 0.5 = 30.85 → 30.9 mg; 30.9 ÷ 10 = 3.09 mL; 3.09 ÷ 40 × 60 = 4.635 → 4.6 mL/h
    small = compute_ketamine_dose(D("61.7"), D("0.5"), D("10"), 40, LIMITS)
    assert (small.dose_mg, small.volume_ml, small.rate_ml_per_hour) == (D("30.9"), D("3.09"), D("4.6"))
    assert small.arithmetic[1:] == ("30.9 mg ÷ 10.0 mg/mL = 3.09 mL", "3.09 mL ÷ 40 min × 60 = 4.6 mL/h")


@pytest.mark.parametrize(
    ("weight", "per_kg", "dose_mg", "volume_ml"),
    [("34.5", "0.10", "3.5", "0.35"), ("33", "0.1", "3.3", "0.33"), ("30", "0.15", "4.5", "0.45")],
)
def test_a_small_dose_is_drawn_up_exactly_not_rounded_to_a_tenth_of_a_millilitre(
    weight: str, per_kg: str, dose_mg: str, volume_ml: str
) -> None:
    # 3.5 mg at 10 mg/mL was 0.4 mL (4.0 mg delivered, +14%); it is 0.35 mL, the dose as computed
    small = compute_ketamine_dose(D(weight), D(per_kg), D("10"), 40, LIMITS)
    assert (small.dose_mg, small.volume_ml) == (D(dose_mg), D(volume_ml))
    assert small.volume_ml * small.concentration_mg_per_ml == small.dose_mg


def test_the_rate_comes_from_the_volume_before_rounding_and_its_line_says_so() -> None:
    # 35.0 mg ÷ 3 mg/mL = 11.666… → 11.67 mL drawn up; the rate is 11.666… ÷ 40 × 60 = 17.5 mL/h
    calculation = compute_ketamine_dose(D("70"), D("0.5"), D("3"), 40, LIMITS)
    assert (calculation.volume_ml, calculation.rate_ml_per_hour) == (D("11.67"), D("17.5"))
    assert calculation.arithmetic[1:] == (
        "35.0 mg ÷ 3.0 mg/mL = 11.67 mL",
        "35.0 mg ÷ 3.0 mg/mL ÷ 40 min × 60 = 17.5 mL/h",
    )


@pytest.mark.parametrize(
    ("field", "at_limit"),
    [
        ("weight_kg", D("30")),
        ("weight_kg", D("200")),  # 250 kg at 0.5 mg/kg would pass the 100 mg cap; see the cap test
        ("dose_mg_per_kg", D("0.10")),
        ("dose_mg_per_kg", D("1.00")),
        ("concentration_mg_per_ml", D("0.5")),
        ("concentration_mg_per_ml", D("10")),
        ("infusion_minutes", 20),
        ("infusion_minutes", 120),
    ],
)
def test_values_exactly_at_a_limit_are_accepted(field: str, at_limit: object) -> None:
    assert dose(**{field: at_limit}).dose_mg > 0  # type: ignore[attr-defined]


def test_the_heaviest_weight_allowed_is_accepted_at_a_dose_within_the_cap() -> None:
    assert compute_ketamine_dose(D("250"), D("0.4"), D("1"), 40, LIMITS).dose_mg == D("100.0")


@pytest.mark.parametrize(
    ("field", "beyond", "message"),
    [
        ("weight_kg", D("29.9"), "Weight: 29.9 kg is outside the allowed range of 30 to 250 kg."),
        ("weight_kg", D("250.1"), "Weight: 250.1 kg is outside the allowed range of 30 to 250 kg."),
        (
            "dose_mg_per_kg",
            D("0.09"),
            "Ordered dose: 0.09 mg/kg is outside the allowed range of 0.1 to 1 mg/kg.",
        ),
        (
            "dose_mg_per_kg",
            D("1.01"),
            "Ordered dose: 1.01 mg/kg is outside the allowed range of 0.1 to 1 mg/kg.",
        ),
        (
            "concentration_mg_per_ml",
            D("0.49"),
            "Concentration: 0.49 mg/mL is outside the allowed range of 0.5 to 10 mg/mL.",
        ),
        (
            "concentration_mg_per_ml",
            D("10.01"),
            "Concentration: 10.01 mg/mL is outside the allowed range of 0.5 to 10 mg/mL.",
        ),
        ("infusion_minutes", 19, "Infusion time: 19 min is outside the allowed range of 20 to 120 min."),
        ("infusion_minutes", 121, "Infusion time: 121 min is outside the allowed range of 20 to 120 min."),
    ],
)
def test_values_just_beyond_a_limit_are_refused_naming_field_value_and_range(
    field: str, beyond: object, message: str
) -> None:
    assert refusal(**{field: beyond}) == {field: message}


def test_the_computed_dose_may_reach_the_cap_but_not_pass_it() -> None:
    assert compute_ketamine_dose(D("200"), D("0.5"), D("1"), 40, LIMITS).dose_mg == D("100.0")
    with pytest.raises(DoseError) as refused:
        compute_ketamine_dose(D("200.2"), D("0.5"), D("1"), 40, LIMITS)  # 100.1 mg
    assert refused.value.errors == {
        "dose_mg": "Computed dose: 100.1 mg is above the clinic's maximum of 100 mg for one infusion. "
        "Check the weight and the ordered dose."
    }


def test_every_refused_field_gets_its_own_message_at_once() -> None:
    errors = refusal(weight_kg=D("300"), dose_mg_per_kg=D("5"), infusion_minutes=5)
    assert set(errors) == {"weight_kg", "dose_mg_per_kg", "infusion_minutes"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "weight_kg",
            D("70.25"),
            "Weight: 70.25 kg has too many decimal places; enter at most 1 decimal place.",
        ),
        (
            "dose_mg_per_kg",
            D("0.505"),
            "Ordered dose: 0.505 mg/kg has too many decimal places; enter at most 2 decimal places.",
        ),
        (
            "infusion_minutes",
            D("40.5"),
            "Infusion time: 40.5 min has too many decimal places; enter a whole number.",
        ),
    ],
)
def test_more_precision_than_a_field_takes_is_refused_as_a_likely_typing_error(
    field: str, value: Decimal, message: str
) -> None:
    assert refusal(**{field: value}) == {field: message}


def test_trailing_zeros_are_not_extra_precision() -> None:
    assert dose(weight_kg=D("70.000"), infusion_minutes=D("40.0")).dose_mg == D("35.0")  # type: ignore[attr-defined]


def test_not_a_number_is_refused() -> None:
    assert refusal(weight_kg=D("NaN")) == {"weight_kg": "Weight: enter a number in kg."}


def test_a_clinic_can_set_its_own_limits() -> None:
    strict = dataclasses.replace(LIMITS, max_dose_mg=D("50"))
    with pytest.raises(DoseError) as refused:
        compute_ketamine_dose(D("110"), D("0.5"), D("1"), 40, strict)  # 55.0 mg
    assert "maximum of 50 mg" in refused.value.errors["dose_mg"]
