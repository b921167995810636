"""Session record forms: the infusion is stored only after its computed dose is confirmed, every
reading has a plausible range with a message saying what was expected, the escort is required, and
a TMS seizure or adverse event is marked for an alert."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from trdnav.courses import session_forms, vitals_rows
from trdnav.courses.session_forms import CheckedRecord, alerts_for, form_values
from trdnav.knowledge.loader import load

KB = load()


NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def check_ketamine(form: dict[str, Any]) -> CheckedRecord:
    """The dose step, then the record for the dose when it was confirmed: both steps' messages."""
    ranges = KB.session_ranges
    dose = session_forms.check_dose(form, KB.dosing.iv_ketamine.limits)
    record = session_forms.check_ketamine(
        form,
        ranges.ranges,
        ranges.monitoring,
        dose.data if dose.storable else {},
        planned=None,
        now=NOW,
        timezone="America/New_York",
    )
    errors = {**dose.errors, **record.errors}
    if not dose.storable:
        errors.pop("dose_id", None)
    return CheckedRecord(record.data, errors, dose.calculation, dose.awaiting_confirmation, rows=record.rows)


def check_tms(form: dict[str, Any], protocols: set[str] | None = None) -> CheckedRecord:
    return session_forms.check_tms(form, KB.session_ranges.ranges, protocols or ())


KETAMINE: dict[str, Any] = {
    "weight_kg": "70",
    "dose_mg_per_kg": "0.5",
    "concentration_mg_per_ml": "1",
    "infusion_minutes": "40",
    "start_time": "09:00",
    "end_time": "09:40",
    "session_date": "2026-03-02",
    "session_time": "09:00",
    **{
        f"reading_{index}_{column}": value
        for index, (time, systolic) in enumerate(
            [("08:55", "128"), ("09:10", "138"), ("09:20", "134"), ("09:30", "130"), ("09:40", "126")]
        )
        for column, value in {
            "time": time,
            "systolic": systolic,
            "diastolic": "82",
            "heart_rate": "72",
            "spo2": "98",
            "breathing_rate": "14",
        }.items()
    },
    "dissociation_rating": "3",
    "side_effects": ["nausea", "dizziness"],
    "side_effects_other": "",
    "adverse_event": "",
    "discharge_time": "11:00",
    "escort_confirmed": "yes",
}
# what the page showed for 70 kg × 0.5 mg/kg at 1 mg/mL over 40 min, with the box ticked
CONFIRM = {
    "confirmed_dose_mg": "35.0",
    "confirmed_volume_ml": "35.00",
    "confirmed_rate_ml_per_hour": "52.5",
    "dose_checked": "yes",
}
CONFIRMED = KETAMINE | CONFIRM
TMS: dict[str, Any] = {
    "rmt_percent": "55",
    "rmt_method": "emg",
    "intensity_percent_mt": "120",
    "pulses": "3000",
    "protocol": "tms_10hz",
    "target": "left_dlpfc",
    "scalp_pain": "3",
    "headache": "no",
    "seizure": "no",
    "adverse_event": "",
}


def test_a_valid_infusion_first_waits_for_the_dose_to_be_confirmed() -> None:
    checked = check_ketamine(KETAMINE)
    assert checked.errors == {}
    assert checked.awaiting_confirmation and not checked.storable
    assert checked.calculation is not None and str(checked.calculation.dose_mg) == "35.0"


def test_the_confirmed_infusion_is_stored_with_its_dose_arithmetic_and_readings() -> None:
    checked = check_ketamine(CONFIRMED)
    assert checked.storable
    data = checked.data
    assert (data["dose_mg"], data["volume_ml"], data["rate_ml_per_hour"]) == ("35.0", "35.00", "52.5")
    assert data["arithmetic"][0] == "70.0 kg × 0.50 mg/kg = 35.0 mg"
    assert data["dose_confirmed"] is True and data["escort_confirmed"] is True
    assert data["readings"][1] == {
        "time": "09:10",
        "systolic": 138,
        "diastolic": 82,
        "heart_rate": 72,
        "spo2": 98,
        "breathing_rate": 14,
    }
    assert data["session_at"] == "2026-03-02T14:00:00+00:00" and data["date_warning"] == ""
    assert data["side_effects"] == ["nausea", "dizziness"]


def test_a_confirmation_of_another_dose_is_refused_showing_the_dose_computed_now() -> None:
    checked = check_ketamine(CONFIRMED | {"weight_kg": "80"})  # 40.0 mg now
    assert checked.errors == {
        "confirmed_dose_mg": "The figures computed from the values now in the form are 40.0 mg, 40.00 mL "
        "at 60.0 mL/h, which are not the ones you confirmed (35.0 mg, 35.00 mL at 52.5 mL/h). Check the "
        "computed figures and confirm them again."
    }
    assert not checked.storable


def test_the_confirmation_needs_the_checked_box() -> None:
    checked = check_ketamine(CONFIRMED | {"dose_checked": ""})
    assert checked.errors == {
        "dose_checked": "Tick the box to confirm you have checked the computed dose: 35.0 mg, 35.00 mL at "
        "52.5 mL/h."
    }


@pytest.mark.parametrize(
    ("change", "now"),
    [
        ({"infusion_minutes": "20"}, "35.0 mg, 35.00 mL at 105.0 mL/h"),  # same dose, twice the rate
        ({"concentration_mg_per_ml": "2"}, "35.0 mg, 17.50 mL at 26.3 mL/h"),  # same dose, half the volume
    ],
)
def test_a_change_that_keeps_the_dose_but_not_the_volume_or_rate_asks_again(
    change: dict[str, str], now: str
) -> None:
    checked = check_ketamine(CONFIRMED | change)  # confirmed at 35.0 mg, 35.00 mL, 52.5 mL/h
    assert not checked.storable
    assert now in checked.errors["confirmed_dose_mg"]
    assert "35.0 mg, 35.00 mL at 52.5 mL/h" in checked.errors["confirmed_dose_mg"]


@pytest.mark.parametrize(
    "missing", ["confirmed_volume_ml", "confirmed_rate_ml_per_hour", "confirmed_dose_mg"]
)
def test_a_confirmation_without_all_three_figures_is_refused(missing: str) -> None:
    checked = check_ketamine(CONFIRMED | {missing: ""})
    assert not checked.storable and "confirmed_dose_mg" in checked.errors


def test_the_confirmed_figures_compare_as_numbers() -> None:
    assert check_ketamine(CONFIRMED | {"confirmed_volume_ml": "35", "confirmed_dose_mg": "35"}).storable


def test_a_dose_outside_the_limits_is_refused_and_nothing_waits_for_confirmation() -> None:
    checked = check_ketamine(CONFIRMED | {"dose_mg_per_kg": "1.5"})
    assert checked.errors == {
        "dose_mg_per_kg": "Ordered dose: 1.5 mg/kg is outside the allowed range of 0.1 to 1 mg/kg."
    }
    assert checked.calculation is None and not checked.awaiting_confirmation


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Weight: enter a number in kg, for example 72.5."),
        ("seventy", "Weight: “seventy” is not a number; enter a number in kg, for example 72.5."),
        ("-70", "Weight: “-70” is not a number; enter a number in kg, for example 72.5."),
    ],
)
def test_a_weight_that_is_not_a_number_says_what_is_expected(value: str, message: str) -> None:
    assert check_ketamine(CONFIRMED | {"weight_kg": value}).errors == {"weight_kg": message}


def test_the_escort_is_required_because_a_patient_must_not_leave_alone() -> None:
    without = {key: value for key, value in CONFIRMED.items() if key != "escort_confirmed"}
    assert check_ketamine(without).errors == {
        "escort_confirmed": "Escort: confirm that an adult escort is taking the patient home. "
        "A patient must not leave alone after ketamine."
    }


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("reading_0_systolic", "60", True),
        ("reading_0_systolic", "59", False),
        ("reading_0_systolic", "260", True),
        ("reading_0_systolic", "261", False),
        ("reading_1_diastolic", "30", True),
        ("reading_1_diastolic", "29", False),
        ("reading_4_heart_rate", "30", True),
        ("reading_4_heart_rate", "29", False),
        ("reading_4_heart_rate", "220", True),
        ("reading_4_heart_rate", "221", False),
        ("reading_2_spo2", "50", True),
        ("reading_2_spo2", "49", False),
        ("reading_2_spo2", "101", False),
        ("reading_3_breathing_rate", "4", True),
        ("reading_3_breathing_rate", "3", False),
        ("reading_3_breathing_rate", "61", False),
    ],
)
def test_vital_signs_are_accepted_at_their_limits_and_refused_beyond(
    field: str, value: str, valid: bool
) -> None:
    low_diastolic = {"reading_0_diastolic": "40"}  # so that a systolic of 60 is still above it
    errors = check_ketamine(CONFIRMED | low_diastolic | {field: value}).errors
    assert (errors == {}) is valid
    if not valid:
        assert "outside the allowed range" in errors[field]


def test_the_diastolic_limit_is_160_and_systolic_must_be_higher() -> None:
    at_limit = check_ketamine(CONFIRMED | {"reading_4_systolic": "200", "reading_4_diastolic": "160"})
    assert at_limit.errors == {}
    beyond = check_ketamine(CONFIRMED | {"reading_4_systolic": "200", "reading_4_diastolic": "161"})
    assert beyond.errors == {
        "reading_4_diastolic": "Reading 5, diastolic: 161 is outside the "
        "allowed range; enter a whole number from 30 to 160 mmHg."
    }
    swapped = check_ketamine(CONFIRMED | {"reading_0_systolic": "80", "reading_0_diastolic": "128"})
    assert swapped.errors == {
        "reading_0_diastolic": "Reading 1: the systolic pressure (80) must be "
        "higher than the diastolic (128); check the order of the two numbers."
    }


def test_the_infusion_needs_a_reading_before_it_and_one_every_interval_from_the_knowledge_base() -> None:
    monitoring = KB.session_ranges.monitoring
    assert monitoring.interval_minutes == 10 and monitoring.rows(40) == 7 and monitoring.rows(60) == 9
    partial = check_ketamine(CONFIRMED | {"reading_4_time": "", "reading_4_systolic": ""})
    assert partial.errors.keys() == {"reading_4_time", "reading_4_systolic"}
    missing = check_ketamine(CONFIRMED | {f"reading_4_{column}": "" for column in vitals_rows.COLUMNS})
    assert missing.errors == {
        "reading_0_time": "Vital signs: 4 reading(s) filled in; enter at least 5: one before the infusion "
        "and one every 10 minutes during it."
    }
    backwards = check_ketamine(CONFIRMED | {"reading_2_time": "09:05"})
    assert backwards.errors == {
        "reading_2_time": "Reading 3, time: 09:05 is earlier than the reading before."
    }
    assert check_ketamine(CONFIRMED).rows == 7


def test_the_session_moment_is_refused_in_the_future_and_warned_on_another_day_than_planned() -> None:
    ranges = KB.session_ranges
    planned = dt.datetime(2026, 3, 3, 14, 0, tzinfo=dt.UTC)
    dose = session_forms.check_dose(CONFIRMED, KB.dosing.iv_ketamine.limits).data

    def check(form: dict[str, Any]) -> CheckedRecord:
        return session_forms.check_ketamine(
            form,
            ranges.ranges,
            ranges.monitoring,
            dose,
            planned=planned,
            now=NOW,
            timezone="America/New_York",
        )

    other_day = check(CONFIRMED)
    assert other_day.storable
    assert other_day.data["date_warning"] == (
        "Recorded for Monday 2 March 2026, not the visit's planned day (Tuesday 3 March 2026)."
    )
    assert check(CONFIRMED | {"session_date": "2026-03-03"}).data["date_warning"] == ""
    unconfirmed = session_forms.check_ketamine(
        CONFIRMED, ranges.ranges, ranges.monitoring, {}, planned=planned, now=NOW, timezone="America/New_York"
    )
    assert unconfirmed.errors == {
        "dose_id": "Dose: compute and confirm the dose first (the dose step, before the infusion)."
    }
    future = check(CONFIRMED | {"session_date": "2026-03-10", "session_time": "08:01"})
    assert future.errors == {
        "session_date": "Session date: 2026-03-10 08:01 is in the future (it is now 2026-03-10 08:00, "
        "America/New_York); record a session once it has taken place."
    }
    assert "session_date" in check(CONFIRMED | {"session_date": "2026-02-30"}).errors
    assert "session_time" in check(CONFIRMED | {"session_time": "25:00"}).errors


def test_times_must_be_hh_mm_with_the_end_after_the_start_and_discharge_after_the_end() -> None:
    assert check_ketamine(CONFIRMED | {"start_time": "9am"}).errors == {
        "start_time": "Infusion start: “9am” is not a time; enter the time as HH:MM on the 24-hour clock, "
        "for example 09:30."
    }
    assert check_ketamine(CONFIRMED | {"end_time": "09:00"}).errors == {
        "end_time": "Infusion end: the end must be later than the start (same day)."
    }
    assert check_ketamine(CONFIRMED | {"discharge_time": "09:30"}).errors == {
        "discharge_time": "Discharge time: discharge must be after the infusion end."
    }


def test_side_effects_need_an_answer_and_none_excludes_the_others() -> None:
    assert (
        "tick each side effect seen, or tick None"
        in check_ketamine(CONFIRMED | {"side_effects": []}).errors["side_effects"]
    )
    assert check_ketamine(CONFIRMED | {"side_effects": ["none"]}).errors == {}
    assert (
        check_ketamine(CONFIRMED | {"side_effects": [], "side_effects_other": "Tingling lips"}).errors == {}
    )
    both = check_ketamine(CONFIRMED | {"side_effects": ["none", "nausea"]}).errors
    assert both == {"side_effects": "Side effects: None cannot be ticked together with a side effect."}
    assert "side_effects" in check_ketamine(CONFIRMED | {"side_effects": ["hiccups"]}).errors


def test_the_dissociation_rating_runs_from_0_to_10() -> None:
    assert check_ketamine(CONFIRMED | {"dissociation_rating": "10"}).errors == {}
    assert check_ketamine(CONFIRMED | {"dissociation_rating": "11"}).errors == {
        "dissociation_rating": "Dissociation rating: 11 is outside the allowed range; "
        "enter a whole number from 0 to 10 (0 none, 10 severe)."
    }


def test_a_valid_tms_session_is_stored_in_one_step_with_the_machine_output() -> None:
    checked = check_tms(TMS, protocols={"tms_10hz", "itbs"})
    assert checked.storable
    assert checked.data["output_percent"] == "66.0"
    assert checked.data["seizure"] is False and alerts_for("tms", checked.data) == []


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("rmt_percent", "1", True),
        ("rmt_percent", "0", False),
        ("rmt_percent", "83", True),  # 120% of 83 = 99.6% of output
        ("intensity_percent_mt", "80", True),
        ("intensity_percent_mt", "79", False),
        ("intensity_percent_mt", "140", True),
        ("intensity_percent_mt", "141", False),
        ("pulses", "1", True),
        ("pulses", "0", False),
        ("pulses", "10000", True),
        ("pulses", "10001", False),
        ("scalp_pain", "0", True),
        ("scalp_pain", "10", True),
        ("scalp_pain", "11", False),
    ],
)
def test_tms_numbers_are_accepted_at_their_limits_and_refused_beyond(
    field: str, value: str, valid: bool
) -> None:
    assert (check_tms(TMS | {field: value}).errors == {}) is valid


def test_an_intensity_beyond_the_machine_output_is_refused() -> None:
    errors = check_tms(TMS | {"rmt_percent": "90", "intensity_percent_mt": "120"}).errors
    assert errors == {
        "intensity_percent_mt": "Intensity: 120% of a motor threshold of 90% would need 108.0% of the "
        "machine's output, more than it can give. Check the threshold and the intensity."
    }


def test_tms_choices_name_what_is_expected() -> None:
    errors = check_tms(
        TMS | {"rmt_method": "guess", "target": "", "headache": "maybe", "protocol": "ect"},
        protocols={"tms_10hz", "itbs"},
    ).errors
    assert errors == {
        "rmt_method": "How the motor threshold was found: choose one of: EMG (motor evoked potential), "
        "Visible thumb twitch.",
        "target": "Target: choose one of: Left DLPFC, Right DLPFC, Other (describe).",
        "headache": "Headache: answer yes or no.",
        "protocol": "Protocol: choose one of: itbs, tms_10hz.",
    }
    assert check_tms(TMS | {"target": "other"}).errors == {
        "target_other": "Other target: this is required; describe it in up to 200 characters."
    }


def test_a_seizure_or_other_adverse_event_is_marked_for_an_alert() -> None:
    seizure = check_tms(TMS | {"seizure": "yes"})
    assert alerts_for("tms", seizure.data) == ["seizure"]
    both = check_tms(TMS | {"seizure": "yes", "adverse_event": "Syncope after the session"})
    assert alerts_for("tms", both.data) == ["seizure", "adverse_event"]
    infusion = check_ketamine(CONFIRMED | {"adverse_event": "Chest pain; infusion stopped"})
    assert alerts_for("iv_ketamine", infusion.data) == ["adverse_event"]


@pytest.mark.parametrize(("check", "form"), [(check_ketamine, KETAMINE), (check_tms, TMS)])
def test_a_stored_record_prefills_its_correction_with_the_same_values(
    check: Any, form: dict[str, Any]
) -> None:
    data = check(form | CONFIRM).data
    values = form_values("iv_ketamine" if check is check_ketamine else "tms", data)
    dose = {
        name: form[name]
        for name in ("weight_kg", "dose_mg_per_kg", "concentration_mg_per_ml")
        if name in form
    }
    assert check(form | values | CONFIRM).data == data
    assert "confirmed_dose_mg" not in values and not dose.keys() & values.keys()  # the dose step keeps it
