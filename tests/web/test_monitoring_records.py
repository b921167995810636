"""Esketamine (label and REMS monitoring) and ECT session records in the clinic workspace: stored when
valid, each wrong field named, a dose above the label's pressure guide or an observation under
2 hours stored only with a reason, a session in the future refused, another day than planned warned
and kept, an older infusion record (three fixed readings) still shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI

from tests.web.conftest import World, signed_in
from tests.web.test_session_records import make_course, records
from trdnav.store.models import ClinicAlert, SessionRecord

ESKETAMINE: dict[str, Any] = {
    "kind": "esketamine",
    "session_date": "2026-03-02",
    "session_time": "09:00",
    "bp_pre_systolic": "128",
    "bp_pre_diastolic": "82",
    "hr_pre": "70",
    "spo2_pre": "98",
    "dose_given": "yes",
    "dose_mg": "56",
    "dose_time": "09:10",
    "recheck_time": "09:50",
    "bp_recheck_systolic": "136",
    "bp_recheck_diastolic": "86",
    "spo2_lowest": "96",
    "sedation": "mild",
    "dissociation": "moderate",
    "observation_start": "09:10",
    "observation_end": "11:15",
    "bp_discharge_systolic": "124",
    "bp_discharge_diastolic": "80",
    "discharge_ready": "yes",
    "taken_home_by": "Partner",
    "no_driving": "yes",
}
ECT: dict[str, Any] = {
    "kind": "ect",
    "session_date": "2026-03-02",
    "session_time": "08:30",
    "anaesthetic": "methohexital",
    "anaesthetic_dose_mg": "70",
    "relaxant": "succinylcholine",
    "relaxant_dose_mg": "60",
    "placement": "right_unilateral",
    "device": "Thymatron System IV",
    "stimulus_unit": "percent",
    "stimulus_value": "30",
    "seizure_eeg_seconds": "45",
    "seizure_motor_seconds": "30",
    "orientation_minutes": "25",
    "adverse_events": ["none"],
}


def post(app: FastAPI, world: World, protocol: str, form: dict[str, Any], visit: bool = True) -> Any:
    course_id, visit_id = make_course(app, world, protocol)  # visit 1 planned for 2026-03-02 09:00 local
    client = signed_in(app, world.clinician_a)
    data = form | ({"visit_id": str(visit_id)} if visit else {})
    return client.post(f"/staff/courses/{course_id}/sessions", data=data, follow_redirects=False)


def test_a_valid_esketamine_record_is_stored_and_shown(app: FastAPI, world: World) -> None:
    answer = post(app, world, "esketamine_label", ESKETAMINE)
    assert answer.status_code == 303
    [record] = records(app)
    assert record.kind == "esketamine" and record.data["observation_minutes"] == 125
    assert record.data["pre_dose"] == {"systolic": 128, "diastolic": 82, "heart_rate": 70, "spo2": 98}
    page = signed_in(app, world.clinician_a).get(answer.headers["location"])
    assert (
        "Esketamine session record" in page.text and "taken home by Partner, told not to drive" in page.text
    )
    assert "09:10 EST to 11:15 EST (125 min)" in page.text, "typed clock times named in the clinic's zone"


def test_the_esketamine_form_shows_the_label_s_numbers_from_the_knowledge_base(
    app: FastAPI, world: World
) -> None:
    course_id, visit_id = make_course(app, world, "esketamine_label")
    page = signed_in(app, world.clinician_a).get(f"/staff/courses/{course_id}/sessions/new?visit={visit_id}")
    assert "above 140/90 mmHg the label's general guide is to delay it" in page.text
    assert "at least 120 minutes of observation" in page.text
    assert 'value="2026-03-02"' in page.text and 'value="09:00"' in page.text  # the planned start


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"bp_pre_systolic": "300"}, "bp_pre_systolic", "300 is outside the allowed range"),
        ({"spo2_pre": ""}, "spo2_pre", "SpO2 before dosing: enter a whole number from 50 to 100 %"),
        ({"dose_mg": "100"}, "dose_mg", "Dose: choose one of: 56 mg, 84 mg"),
        ({"sedation": "x"}, "sedation", "Sedation: choose one of"),
        ({"discharge_ready": ""}, "discharge_ready", "confirm the patient was clinically stable"),
        ({"taken_home_by": ""}, "taken_home_by", "Who took the patient home: this is required"),
        ({"no_driving": ""}, "no_driving", "not to drive until the next day"),
        ({"recheck_time": "09:05"}, "recheck_time", "it must be after the dose"),
        ({"dose_given": "no"}, "not_given_reason", "Why the dose was not given: this is required"),
    ],
)
def test_each_wrong_esketamine_field_is_named(
    app: FastAPI, world: World, change: dict[str, str], field: str, message: str
) -> None:
    answer = post(app, world, "esketamine_label", ESKETAMINE | change)
    assert answer.status_code == 422
    assert f'id="{field}-error">' in answer.text and message in answer.text
    assert records(app) == []


def test_a_dose_given_above_the_pressure_guide_needs_a_confirming_reason(app: FastAPI, world: World) -> None:
    high = ESKETAMINE | {"bp_pre_systolic": "150", "bp_pre_diastolic": "88"}
    answer = post(app, world, "esketamine_label", high)
    assert answer.status_code == 422
    assert "is above 140/90 mmHg, the label&#39;s general guide for delaying the dose" in answer.text
    assert records(app) == []
    stored = post(app, world, "esketamine_label", high | {"high_bp_reason": "Rechecked 138/88 after rest"})
    assert stored.status_code == 303
    [record] = records(app)
    assert record.data["high_bp_reason"] == "Rechecked 138/88 after rest"
    assert "150/88 mmHg" in record.data["high_bp_warning"]
    not_given = post(
        app, world, "esketamine_label", high | {"dose_given": "no", "not_given_reason": "BP high"}
    )
    assert not_given.status_code == 303  # delaying the dose needs no pressure reason


def test_an_observation_under_2_hours_needs_a_reason(app: FastAPI, world: World) -> None:
    short = ESKETAMINE | {"observation_end": "10:40"}
    answer = post(app, world, "esketamine_label", short)
    assert answer.status_code == 422
    assert (
        "the observation lasted 90 minutes; the label and the REMS ask for at least 120 minutes"
        in answer.text
    )
    stored = post(app, world, "esketamine_label", short | {"short_observation_reason": "Left against advice"})
    assert stored.status_code == 303
    assert records(app)[0].data["short_observation_reason"] == "Left against advice"


@pytest.mark.parametrize(("protocol", "form"), [("esketamine_label", ESKETAMINE), ("ect_thrice_weekly", ECT)])
def test_a_session_in_the_future_is_refused_and_another_day_is_warned_and_kept(
    app: FastAPI, world: World, protocol: str, form: dict[str, Any]
) -> None:
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).strftime("%Y-%m-%d")
    answer = post(app, world, protocol, form | {"session_date": future})
    assert answer.status_code == 422 and "is in the future" in answer.text
    assert records(app) == []
    other_day = post(app, world, protocol, form | {"session_date": "2026-03-01"})
    assert other_day.status_code == 303
    [record] = records(app)
    warning = "Recorded for Sunday 1 March 2026, not the visit's planned day (Monday 2 March 2026)."
    assert record.data["date_warning"] == warning
    page = signed_in(app, world.clinician_a).get(other_day.headers["location"])
    assert "not the visit&#39;s planned day" in page.text


def test_a_valid_ect_record_is_stored_and_shown(app: FastAPI, world: World) -> None:
    answer = post(app, world, "ect_thrice_weekly", ECT)
    assert answer.status_code == 303
    [record] = records(app)
    assert record.kind == "ect" and record.data["anaesthetic"] == {
        "agent": "methohexital",
        "other": "",
        "dose_mg": 70,
    }
    page = signed_in(app, world.clinician_a).get(answer.headers["location"])
    assert "30 % of the maximum on Thymatron System IV" in page.text.replace("30 %", "30 %")
    assert "EEG 45 s, motor 30 s" in page.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"anaesthetic": ""}, "anaesthetic", "Anaesthetic agent: choose one of"),
        ({"anaesthetic_dose_mg": "900"}, "anaesthetic_dose_mg", "900 is outside the allowed range"),
        ({"relaxant_dose_mg": ""}, "relaxant_dose_mg", "Muscle relaxant dose: enter"),
        ({"placement": "other"}, "placement_other", "Other placement: this is required"),
        ({"stimulus_value": "250"}, "stimulus_value", "enter a whole number from 1 to 200 %"),
        ({"stimulus_unit": "mc", "stimulus_value": "1500"}, "stimulus_value", "from 5 to 1,200 mC"),
        ({"device": ""}, "device", "Device: this is required"),
        ({"seizure_eeg_seconds": "x"}, "seizure_eeg_seconds", "is not a whole number"),
        ({"seizure_motor_seconds": ""}, "seizure_motor_seconds", "Seizure duration by motor observation"),
        ({"orientation_minutes": ""}, "orientation_minutes", "or describe the recovery in the note"),
        ({"adverse_events": []}, "adverse_events", "tick each one seen, or tick None"),
        ({"adverse_events": ["headache"]}, "adverse_note", "describe what happened"),
    ],
)
def test_each_wrong_ect_field_is_named(
    app: FastAPI, world: World, change: dict[str, Any], field: str, message: str
) -> None:
    answer = post(app, world, "ect_thrice_weekly", ECT | change)
    assert answer.status_code == 422
    assert f'id="{field}-error">' in answer.text and message in answer.text
    assert records(app) == []


def test_an_ect_adverse_event_alerts_the_clinic(app: FastAPI, world: World) -> None:
    event = ECT | {"adverse_events": ["prolonged_seizure"], "adverse_note": "Seizure 130 s, terminated"}
    assert post(app, world, "ect_thrice_weekly", event).status_code == 303
    with app.state.sessions() as session:
        alerts = [alert.kind for alert in session.query(ClinicAlert)]
    assert alerts == ["adverse_event"]


def test_an_older_infusion_record_with_three_fixed_readings_still_displays(
    app: FastAPI, world: World
) -> None:
    course_id, visit_id = make_course(app, world, "iv_ketamine_twice_weekly")
    old = {
        "weight_kg": "70.0",
        "dose_mg": "35.0",
        "start_time": "09:00",
        "end_time": "09:40",
        "vitals": {
            "before": {"systolic": 128, "diastolic": 82, "heart_rate": 72},
            "during": {"systolic": 138, "diastolic": 88, "heart_rate": 80},
            "after": {"systolic": 126, "diastolic": 80, "heart_rate": 70},
        },
        "side_effects": ["nausea"],
        "escort_confirmed": True,
    }
    with app.state.sessions.begin() as session:
        record = SessionRecord(
            course_id=course_id,
            visit_id=visit_id,
            kind="iv_ketamine",
            data=old,
            recorded_by=world.clinician_a,
        )
        session.add(record)
        session.flush()
        record_id = record.id
    client = signed_in(app, world.clinician_a)
    page = client.get(f"/staff/session-records/{record_id}")
    assert page.status_code == 200
    assert "138/88 mmHg, heart rate 80/min" in page.text
    assert "Not recorded (recorded before the date was asked)" in page.text
    correction = client.get(f"/staff/session-records/{record_id}/correct")
    assert correction.status_code == 200
