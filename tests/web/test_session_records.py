"""Session records in the clinic workspace: an infusion is stored only after its computed dose is
confirmed a second time, a TMS seizure alerts the clinic, a correction keeps the original, another
clinic's staff find nothing, and every read and write leaves exactly its audit rows."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.courses.test_session_forms import CONFIRM, KETAMINE, TMS
from tests.web.conftest import KETAMINE_SESSION, Care, World, signed_in
from trdnav.store.models import AuditEvent, ClinicAlert, Course, CourseVisit, KetamineDose, SessionRecord
from trdnav.store.session_records import current_records


def make_course(
    app: FastAPI, world: World, protocol_id: str, assessment_id: int | None = None
) -> tuple[int, int]:
    """A course of clinic A's assessment (or the one given) with three planned visits; (course, visit 1)."""
    with app.state.sessions.begin() as session:
        course = Course(
            assessment_id=assessment_id or world.assessment_a,
            protocol_id=protocol_id,
            start_date=dt.date(2026, 3, 2),
            timezone="America/New_York",
            unavailable_dates=[],
            created_by=world.clinician_a,
        )
        session.add(course)
        session.flush()
        visits = [
            CourseVisit(
                course_id=course.id,
                number=number,
                phase="acute",
                starts_at=dt.datetime(2026, 3, 1 + number, 14, 0, tzinfo=dt.UTC),
            )
            for number in (1, 2, 3)
        ]
        session.add_all(visits)
        session.flush()
        return course.id, visits[0].id


def audit_rows(app: FastAPI, after: int = 0) -> list[tuple[Any, ...]]:
    with app.state.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq))
        return [(e.action, e.record_type, e.record_id, e.clinic_id, e.staff_id) for e in events]


def last_seq(app: FastAPI) -> int:
    with app.state.sessions() as session:
        return session.scalar(select(func.max(AuditEvent.seq))) or 0


def count(app: FastAPI, model: type) -> int:
    with app.state.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def records(app: FastAPI) -> list[SessionRecord]:
    with app.state.sessions() as session:
        return list(session.scalars(select(SessionRecord).order_by(SessionRecord.id)))


def confirmed_dose(app: FastAPI, client: TestClient, course_id: int, visit_id: int | None = None) -> int:
    """The dose step done (70 kg, 0.5 mg/kg, 1 mg/mL, 40 min, confirmed): the stored dose's id."""
    at_visit = {"visit_id": str(visit_id)} if visit_id else {}
    answer = client.post(
        f"/staff/courses/{course_id}/doses", data=KETAMINE | CONFIRM | at_visit, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    with app.state.sessions() as session:
        return max(dose.id for dose in session.scalars(select(KetamineDose)))


def test_the_dose_is_its_own_step_confirmed_and_stored_before_the_record(app: FastAPI, world: World) -> None:
    course_id, visit_id = make_course(app, world, "iv_ketamine_twice_weekly")
    client = signed_in(app, world.clinician_a)
    link = client.get(
        f"/staff/courses/{course_id}/sessions/new?kind=iv_ketamine&visit={visit_id}", follow_redirects=False
    )
    assert link.status_code == 303  # no confirmed dose yet: the dose step first
    assert link.headers["location"] == f"/staff/courses/{course_id}/doses/new?visit={visit_id}"
    form = client.get(link.headers["location"])
    assert "<h1>Compute and confirm the IV ketamine dose</h1>" in form.text
    assert "Session 1 (acute), planned for Mon 2 Mar 2026, 09:00 EST" in form.text

    seq = last_seq(app)
    first = client.post(f"/staff/courses/{course_id}/doses", data=KETAMINE | {"visit_id": str(visit_id)})
    assert first.status_code == 200
    assert "Computed dose: 35.0 mg" in first.text
    assert (
        "70.0 kg × 0.50 mg/kg = 35.0 mg" in first.text and "35.00 mL ÷ 40 min × 60 = 52.5 mL/h" in first.text
    )
    assert "I have checked the computed dose of 35.0 mg" in first.text
    assert 'name="confirmed_dose_mg" value="35.0"' in first.text
    assert 'name="confirmed_volume_ml" value="35.00"' in first.text
    assert 'name="confirmed_rate_ml_per_hour" value="52.5"' in first.text
    assert count(app, KetamineDose) == 0 and records(app) == []
    assert audit_rows(app, seq) == [("read", "course", course_id, world.clinic_a, world.clinician_a)]

    seq = last_seq(app)
    second = client.post(
        f"/staff/courses/{course_id}/doses",
        data=KETAMINE | {"visit_id": str(visit_id)} | CONFIRM,
        follow_redirects=False,
    )
    assert second.status_code == 303
    with app.state.sessions() as session:
        [dose] = session.scalars(select(KetamineDose)).all()
        assert (dose.visit_id, dose.confirmed_by, dose.data["dose_mg"]) == (
            visit_id,
            world.clinician_a,
            "35.0",
        )
    assert second.headers["location"] == (
        f"/staff/courses/{course_id}/sessions/new?kind=iv_ketamine&dose={dose.id}&visit={visit_id}"
    )
    assert audit_rows(app, seq) == [("create", "ketamine_dose", dose.id, world.clinic_a, world.clinician_a)]
    assert records(app) == []  # the infusion is recorded after it

    record_form = client.get(second.headers["location"])
    assert f"Dose {dose.id}, confirmed before the infusion: <strong>35.0 mg</strong>" in record_form.text
    assert 'value="2026-03-02"' in record_form.text and 'value="09:00"' in record_form.text
    assert record_form.text.count('name="reading_') == 7 * 6  # 1 before, 4 during (every 10 min), 2 after

    seq = last_seq(app)
    stored = client.post(
        f"/staff/courses/{course_id}/sessions",
        data=KETAMINE | {"visit_id": str(visit_id), "dose_id": str(dose.id)},
        follow_redirects=False,
    )
    assert stored.status_code == 303
    [record] = records(app)
    assert stored.headers["location"] == f"/staff/session-records/{record.id}"
    assert (record.kind, record.visit_id, record.recorded_by) == ("iv_ketamine", visit_id, world.clinician_a)
    assert record.data["dose_id"] == dose.id and record.data["dose_mg"] == "35.0"
    assert record.data["dose_confirmed"] is True and len(record.data["readings"]) == 5
    assert audit_rows(app, seq) == [
        ("create", "session_record", record.id, world.clinic_a, world.clinician_a),
        ("update", "course_visit", visit_id, world.clinic_a, world.clinician_a),  # marked done
    ]


def test_an_infusion_record_without_a_confirmed_dose_of_its_course_is_refused(
    app: FastAPI, world: World
) -> None:
    course_id, _ = make_course(app, world, "iv_ketamine_twice_weekly")
    other_course, _ = make_course(app, world, "iv_ketamine_twice_weekly")
    client = signed_in(app, world.clinician_a)
    other_dose = confirmed_dose(app, client, other_course)
    for dose_id in ("", str(other_dose), "x"):
        answer = client.post(f"/staff/courses/{course_id}/sessions", data=KETAMINE | {"dose_id": dose_id})
        assert answer.status_code == 422
        assert "Dose: compute and confirm the dose first" in answer.text
    assert records(app) == []


def test_add_rows_shows_more_vital_sign_rows_and_stores_nothing(app: FastAPI, world: World) -> None:
    course_id, _ = make_course(app, world, "iv_ketamine_twice_weekly")
    client = signed_in(app, world.clinician_a)
    dose_id = confirmed_dose(app, client, course_id)
    form = KETAMINE | {"dose_id": str(dose_id), "rows": "7", "add_rows": "yes"}
    answer = client.post(f"/staff/courses/{course_id}/sessions", data=form)
    assert answer.status_code == 200
    assert 'name="rows" value="9"' in answer.text and 'id="reading_8_spo2"' in answer.text
    assert 'id="reading_1_systolic" name="reading_1_systolic" inputmode="numeric"' in answer.text
    assert 'value="138"' in answer.text  # what was typed is kept
    assert records(app) == []
    extra = (
        KETAMINE
        | {"dose_id": str(dose_id), "rows": "9"}
        | {
            f"reading_7_{column}": value
            for column, value in {
                "time": "10:30",
                "systolic": "120",
                "diastolic": "78",
                "heart_rate": "68",
                "spo2": "99",
                "breathing_rate": "14",
            }.items()
        }
    )
    stored = client.post(f"/staff/courses/{course_id}/sessions", data=extra, follow_redirects=False)
    assert stored.status_code == 303
    assert len(records(app)[0].data["readings"]) == 6


def test_a_confirmation_of_a_dose_that_has_changed_is_refused_and_nothing_stored(
    app: FastAPI, world: World
) -> None:
    course_id, _ = make_course(app, world, "iv_ketamine_twice_weekly")
    client = signed_in(app, world.clinician_a)
    answer = client.post(f"/staff/courses/{course_id}/doses", data=KETAMINE | CONFIRM | {"weight_kg": "80"})
    assert answer.status_code == 422
    assert (
        "The figures computed from the values now in the form are 40.0 mg, 40.00 mL at 60.0 mL/h"
        in answer.text
    )
    assert 'name="confirmed_dose_mg" value="40.0"' in answer.text  # ready to confirm the new dose
    assert count(app, KetamineDose) == 0


@pytest.mark.parametrize(
    ("change", "rate"),
    [({"infusion_minutes": "20"}, "105.0"), ({"concentration_mg_per_ml": "2"}, "26.3")],
)
def test_a_change_to_the_volume_or_pump_rate_after_confirming_asks_again_with_the_new_figures(
    app: FastAPI, world: World, change: dict[str, str], rate: str
) -> None:
    """Confirmed at 35.0 mg, 35.00 mL at 52.5 mL/h; the time or concentration then changed keeps the
    dose but not the volume or the rate: nothing is stored until the new figures are confirmed."""
    course_id, _ = make_course(app, world, "iv_ketamine_twice_weekly")
    client = signed_in(app, world.clinician_a)
    answer = client.post(f"/staff/courses/{course_id}/doses", data=KETAMINE | CONFIRM | change)
    assert answer.status_code == 422
    assert "which are not the ones you confirmed (35.0 mg, 35.00 mL at 52.5 mL/h)" in answer.text
    assert f'name="confirmed_rate_ml_per_hour" value="{rate}"' in answer.text
    assert count(app, KetamineDose) == 0
    shown = {
        "confirmed_volume_ml": "17.50" if rate == "26.3" else "35.00",
        "confirmed_rate_ml_per_hour": rate,
    }
    stored = client.post(
        f"/staff/courses/{course_id}/doses",
        data=KETAMINE | CONFIRM | change | shown,
        follow_redirects=False,
    )
    assert stored.status_code == 303
    with app.state.sessions() as session:
        [dose] = session.scalars(select(KetamineDose)).all()
        assert dose.data["rate_ml_per_hour"] == rate and dose.data["dose_confirmed"] is True


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"escort_confirmed": ""}, "escort_confirmed", "A patient must not leave alone after ketamine."),
        ({"reading_0_systolic": "300"}, "reading_0_systolic", "300 is outside the allowed range"),
        ({"reading_2_spo2": "101"}, "reading_2_spo2", "101 is outside the allowed range"),
        ({"reading_3_breathing_rate": "x"}, "reading_3_breathing_rate", "“x” is not a whole number"),
        ({"session_date": "2099-01-01"}, "session_date", "is in the future"),
        ({"reading_0_time": "9.00"}, "reading_0_time", "Reading 1, time: “9.00” is not a time"),
    ],
)
def test_a_wrong_field_is_refused_with_its_message_next_to_it(
    app: FastAPI, world: World, change: dict[str, str], field: str, message: str
) -> None:
    course_id, _ = make_course(app, world, "iv_ketamine_twice_weekly")
    client = signed_in(app, world.clinician_a)
    dose_id = confirmed_dose(app, client, course_id)
    answer = client.post(
        f"/staff/courses/{course_id}/sessions",
        data=KETAMINE | {"dose_id": str(dose_id)} | change,
    )
    assert answer.status_code == 422
    assert f'id="{field}-error">' in answer.text and message in answer.text
    assert f'aria-describedby="{field}-error" aria-invalid="true"' in answer.text
    assert records(app) == []


def test_a_tms_seizure_is_stored_in_one_step_and_alerts_the_clinic(app: FastAPI, world: World) -> None:
    course_id, visit_id = make_course(app, world, "tms_10hz")
    client = signed_in(app, world.clinician_a)
    assert 'value="tms_10hz"' in client.get(f"/staff/courses/{course_id}/sessions/new").text
    seq = last_seq(app)
    answer = client.post(
        f"/staff/courses/{course_id}/sessions",
        data=TMS | {"kind": "tms", "visit_id": str(visit_id), "seizure": "yes"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    [record] = records(app)
    with app.state.sessions() as session:
        [alert] = session.scalars(select(ClinicAlert))
        assert (alert.kind, alert.source_type, alert.source_id) == ("seizure", "session_record", record.id)
        assert alert.assessment_id == world.assessment_a and alert.handled_at is None
    assert audit_rows(app, seq) == [
        ("create", "session_record", record.id, world.clinic_a, world.clinician_a),
        ("create", "alert", alert.id, world.clinic_a, world.clinician_a),
        ("update", "course_visit", visit_id, world.clinic_a, world.clinician_a),  # marked done
    ]
    page = client.get(answer.headers["location"])
    assert "Seizure reported: the clinic was alerted" in page.text


def test_a_record_kind_that_does_not_fit_the_course_is_not_offered(app: FastAPI, world: World) -> None:
    course_id, _ = make_course(app, world, "tms_10hz")
    client = signed_in(app, world.clinician_a)
    assert client.get(f"/staff/courses/{course_id}/sessions/new?kind=iv_ketamine").status_code == 404


def test_a_correction_keeps_the_original_unchanged_and_shows_both_side_by_side(
    app: FastAPI, world: World
) -> None:
    course_id, visit_id = make_course(app, world, "tms_10hz")
    client = signed_in(app, world.clinician_a)
    client.post(f"/staff/courses/{course_id}/sessions", data=TMS | {"visit_id": str(visit_id)})
    [original] = records(app)

    prefilled = client.get(f"/staff/session-records/{original.id}/correct")
    assert prefilled.status_code == 200 and 'value="3000"' in prefilled.text

    no_reason = client.post(f"/staff/session-records/{original.id}/correct", data=TMS | {"pulses": "1800"})
    assert no_reason.status_code == 422 and "Reason for the correction: required" in no_reason.text
    assert len(records(app)) == 1

    seq = last_seq(app)
    answer = client.post(
        f"/staff/session-records/{original.id}/correct",
        data=TMS | {"pulses": "1800", "correction_reason": "Session stopped early; pulses miscounted"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    kept, corrected = records(app)
    assert (kept.id, kept.data, kept.supersedes_id, kept.recorded_at) == (
        original.id,
        original.data,
        None,
        original.recorded_at,
    )
    assert corrected.supersedes_id == original.id and corrected.visit_id == visit_id
    assert corrected.data["pulses"] == 1800 and corrected.correction_reason.startswith(
        "Session stopped early"
    )
    assert audit_rows(app, seq) == [
        ("create", "session_record", corrected.id, world.clinic_a, world.clinician_a)
    ]

    seq = last_seq(app)
    page = client.get(answer.headers["location"])
    assert "Original (record" in page.text and "Correction 1 (record" in page.text
    assert "3,000" in page.text and "1,800" in page.text and "changed" in page.text
    assert audit_rows(app, seq) == [
        ("read", "session_record", original.id, world.clinic_a, world.clinician_a),
        ("read", "session_record", corrected.id, world.clinic_a, world.clinician_a),
    ]
    again = client.post(
        f"/staff/session-records/{original.id}/correct", data=TMS | {"correction_reason": "Another go"}
    )
    assert again.status_code == 409 and len(records(app)) == 2


def test_a_correction_keeps_the_record_s_dose_or_takes_a_new_one_confirmed_for_it(
    app: FastAPI, world: World
) -> None:
    course_id, _ = make_course(app, world, "iv_ketamine_twice_weekly")
    client = signed_in(app, world.admin_a)
    dose_id = confirmed_dose(app, client, course_id)
    client.post(f"/staff/courses/{course_id}/sessions", data=KETAMINE | {"dose_id": str(dose_id)})
    [original] = records(app)
    form = client.get(f"/staff/session-records/{original.id}/correct")
    assert f"Dose {dose_id}, confirmed before the infusion: <strong>35.0 mg</strong>" in form.text
    link = f"/staff/courses/{course_id}/doses/new?record={original.id}"
    assert link in form.text
    assert "A correction of infusion record" in client.get(link).text
    new_dose = client.post(
        f"/staff/courses/{course_id}/doses",
        data=KETAMINE
        | CONFIRM
        | {"weight_kg": "72", "record_id": str(original.id)}
        | {"confirmed_dose_mg": "36.0", "confirmed_volume_ml": "36.00", "confirmed_rate_ml_per_hour": "54.0"},
        follow_redirects=False,
    )
    assert new_dose.status_code == 303
    assert new_dose.headers["location"].startswith(f"/staff/session-records/{original.id}/correct?dose=")
    assert "<strong>36.0 mg</strong>" in client.get(new_dose.headers["location"]).text
    new_id = new_dose.headers["location"].rsplit("=", 1)[1]
    reason = {"correction_reason": "Weight misread from the scale"}
    client.post(f"/staff/session-records/{original.id}/correct", data=KETAMINE | reason | {"dose_id": new_id})
    kept, corrected = records(app)
    assert kept.data["dose_mg"] == "35.0" and corrected.data["dose_mg"] == "36.0"
    assert corrected.data["dose_id"] == int(new_id)


def test_another_clinics_staff_find_nothing_and_nothing_is_written(app: FastAPI, world: World) -> None:
    course_id, visit_id = make_course(app, world, "tms_10hz")
    owner = signed_in(app, world.clinician_a)
    owner.post(f"/staff/courses/{course_id}/sessions", data=TMS)
    [record] = records(app)
    _, foreign_visit = make_course(app, world, "tms_10hz", assessment_id=world.assessment_b)

    outsider = signed_in(app, world.clinician_b)
    seq = last_seq(app)
    answers = [
        outsider.get(f"/staff/courses/{course_id}/sessions/new?kind=tms&visit={visit_id}"),
        outsider.post(f"/staff/courses/{course_id}/sessions", data=TMS | {"seizure": "yes"}),
        outsider.get(f"/staff/session-records/{record.id}"),
        outsider.get(f"/staff/session-records/{record.id}/correct"),
        outsider.post(
            f"/staff/session-records/{record.id}/correct", data=TMS | {"correction_reason": "x y z"}
        ),
        outsider.get("/staff/courses/99999/sessions/new?kind=tms"),
        outsider.get("/staff/session-records/99999"),
        # clinic A's own clinician, with a visit of another course
        owner.get(f"/staff/courses/{course_id}/sessions/new?kind=tms&visit={foreign_visit}"),
    ]
    assert [answer.status_code for answer in answers] == [404] * len(answers)
    assert audit_rows(app, seq) == []
    assert len(records(app)) == 1 and count(app, ClinicAlert) == 0


def test_signed_out_visitors_are_sent_to_sign_in(app: FastAPI, world: World) -> None:
    course_id, _ = make_course(app, world, "tms_10hz")
    answer = TestClient(app).get(f"/staff/courses/{course_id}/sessions/new", follow_redirects=False)
    assert answer.status_code in (303, 307) and "/staff/login" in answer.headers["location"]


def test_a_correction_raises_only_alerts_the_version_before_did_not(app: FastAPI, world: World) -> None:
    course_id, _ = make_course(app, world, "tms_10hz")
    client = signed_in(app, world.clinician_a)
    client.post(f"/staff/courses/{course_id}/sessions", data=TMS | {"seizure": "yes"})
    [original] = records(app)
    client.post(
        f"/staff/session-records/{original.id}/correct",
        data=TMS
        | {"seizure": "yes", "adverse_event": "Fall while leaving", "correction_reason": "Fall added"},
    )
    with app.state.sessions() as session:
        alerts = [
            (a.kind, a.source_id) for a in session.scalars(select(ClinicAlert).order_by(ClinicAlert.id))
        ]
    corrected = records(app)[1]
    assert alerts == [("seizure", original.id), ("adverse_event", corrected.id)]


@pytest.mark.parametrize(("kind", "form"), [("tms_10hz", TMS), ("iv_ketamine_twice_weekly", KETAMINE)])
def test_a_correction_that_changes_the_adverse_event_alerts_the_clinic_again(
    app: FastAPI, world: World, kind: str, form: dict[str, Any]
) -> None:
    course_id, _ = make_course(app, world, kind)
    client = signed_in(app, world.clinician_a)
    if kind.startswith("iv_ketamine"):
        form = form | {"dose_id": str(confirmed_dose(app, client, course_id))}
    client.post(f"/staff/courses/{course_id}/sessions", data=form | {"adverse_event": "Brief dizziness"})
    [original] = records(app)
    worse = "Syncope with loss of consciousness, ambulance called"
    client.post(
        f"/staff/session-records/{original.id}/correct",
        data=form | {"adverse_event": worse, "correction_reason": "The event was worse than written"},
    )
    corrected = records(app)[1]
    client.post(  # the same description again, another field corrected: nothing new to alert
        f"/staff/session-records/{corrected.id}/correct",
        data=form | {"adverse_event": worse, "notes": "Seen by Dr Lee", "correction_reason": "Note added"},
    )
    assert len(records(app)) == 3
    with app.state.sessions() as session:
        alerts = [
            (a.kind, a.source_id) for a in session.scalars(select(ClinicAlert).order_by(ClinicAlert.id))
        ]
    assert alerts == [("adverse_event", original.id), ("adverse_event", corrected.id)]


def test_every_protocol_s_record_the_session_link_leads_to_its_form(app: FastAPI, world: World) -> None:
    """Every therapy a course can be planned for: the course page's links open a form, not a 404."""
    client = signed_in(app, world.clinician_a)
    forms = {
        "tms": "Record a TMS session",
        "iv_ketamine": "Compute and confirm the IV ketamine dose",  # the dose step comes first
        "esketamine": "Record an esketamine session",
        "ect": "Record an ECT session",
    }
    for protocol_id, protocol in app.state.kb.protocols.items():
        course_id, _ = make_course(app, world, protocol_id)
        page = client.get(f"/staff/courses/{course_id}")
        links = re.findall(rf'href="(/staff/courses/{course_id}/sessions/new[^"]*)"', page.text)
        assert links, protocol_id
        for link in links:
            answer = client.get(link.replace("&amp;", "&"))
            assert answer.status_code == 200, (protocol_id, link)
            kind = "tms" if protocol.therapy == "accelerated_tms" else protocol.therapy
            assert f"<h1>{forms[kind]}</h1>" in answer.text, protocol_id


def test_a_kind_that_does_not_fit_the_course_answers_404_and_writes_nothing(
    app: FastAPI, world: World
) -> None:
    course_id, _ = make_course(app, world, "esketamine_label")
    client = signed_in(app, world.clinician_a)
    seq = last_seq(app)
    answers = [client.get(f"/staff/courses/{course_id}/sessions/new?kind={kind}") for kind in ("ect", "tms")]
    answers.append(client.post(f"/staff/courses/{course_id}/sessions", data=TMS | {"kind": "tms"}))
    assert [answer.status_code for answer in answers] == [404] * 3
    assert records(app) == [] and audit_rows(app, seq) == []


def test_the_course_s_current_records_are_the_newest_versions_in_their_original_order(
    app: FastAPI, world: World
) -> None:
    course_id, _ = make_course(app, world, "tms_10hz")
    client = signed_in(app, world.clinician_a)
    for pulses in ("3000", "3000"):
        client.post(f"/staff/courses/{course_id}/sessions", data=TMS | {"pulses": pulses})
    first, second = records(app)
    client.post(
        f"/staff/session-records/{first.id}/correct",
        data=TMS | {"pulses": "2500", "correction_reason": "Miscounted"},
    )
    with app.state.sessions() as session:
        course = session.get(Course, course_id)
        assert course is not None
        current = current_records(course)
        assert [(r.supersedes_id, r.data["pulses"]) for r in current] == [(first.id, 2500), (None, 3000)]
        assert current[1].id == second.id


class FormStructure(HTMLParser):
    """The headings, the ids of labelled controls and the form controls of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.labelled: set[str] = set()
        self.controls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in {"h1", "h2", "h3", "h4"}:
            self.headings.append(int(tag[1]))
        if tag == "label" and attributes.get("for"):
            self.labelled.add(str(attributes["for"]))
        if tag in {"input", "textarea", "select"} and attributes.get("type") != "hidden":
            self.controls.append(str(attributes.get("id")))


@pytest.mark.parametrize(
    ("protocol_id", "form"),
    [
        ("iv_ketamine_twice_weekly", KETAMINE | {"escort_confirmed": ""}),
        ("tms_10hz", TMS | {"seizure": ""}),
        ("esketamine_label", {"kind": "esketamine", "dose_given": "yes"}),
        ("ect_thrice_weekly", {"kind": "ect"}),
    ],
)
def test_the_forms_have_one_h1_ordered_headings_and_a_label_for_every_control(
    app: FastAPI, world: World, protocol_id: str, form: dict[str, Any]
) -> None:
    course_id, _ = make_course(app, world, protocol_id)
    client = signed_in(app, world.clinician_a)
    if protocol_id.startswith("iv_ketamine"):
        dose = client.post(f"/staff/courses/{course_id}/doses", data=KETAMINE)  # the dose shown to confirm
        assert dose.status_code == 200
        check(dose.text)
        form = form | {"dose_id": str(confirmed_dose(app, client, course_id))}
    page = client.post(f"/staff/courses/{course_id}/sessions", data=form)  # with an error
    assert page.status_code == 422
    check(page.text)


def check(text: str) -> None:
    structure = FormStructure()
    structure.feed(text)
    assert structure.headings.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(structure.headings))
    assert structure.controls and set(structure.controls) <= structure.labelled


def test_recording_a_session_at_a_planned_visit_marks_the_visit_done(
    app: FastAPI, world: World, care: Care
) -> None:
    client = signed_in(app, world.clinician_a)
    page = client.get(f"/staff/courses/{care.course}")
    assert f'href="/staff/session-records/{care.record}"' in page.text, "the course lists its records"
    response = client.post(
        f"/staff/courses/{care.course}/sessions",
        data=KETAMINE_SESSION
        | {"kind": "iv_ketamine", "visit_id": str(care.visit), "dose_id": str(care.dose)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with app.state.sessions() as session:
        visit = session.get(CourseVisit, care.visit)
        assert visit is not None and visit.status == "done"
        marked = session.scalars(
            select(AuditEvent).where(
                AuditEvent.record_type == "course_visit", AuditEvent.record_id == care.visit
            )
        ).all()
        assert [event.action for event in marked] == ["update"]
