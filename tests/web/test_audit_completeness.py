"""Audit completeness: every route, called as someone allowed to use it with a valid request, leaves
exactly the audit rows it should, no more and no fewer, each naming who (kind, role, staff id),
which clinic, what record and what action, and the chain stays intact.

``AUDIT`` has an entry for every route the app serves (the test fails on a missing one), so a new
route must say which rows it writes; routes that touch no patient data say so with no rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from tests.web.conftest import KETAMINE_SESSION, PASSWORD, BrowserClient, Care, World, signed_in
from tests.web.test_authorization import MOUNT_SAMPLES, Call, served_routes
from trdnav.knowledge.loader import load
from trdnav.store import audit
from trdnav.store.models import (
    Assessment,
    AuditEvent,
    CdsClient,
    ClinicAlert,
    ConsultationRequest,
    Course,
    CourseVisit,
    KetamineDose,
    Note,
    OutcomeScore,
    PasswordReset,
    Review,
    SessionRecord,
    Staff,
    StaffSession,
)

# A record is named by a key: "assessment_a" / "consultation_a" (the world's), "new" (a record this
# request created), "none" (no single record: a list or a page about many).
Row = tuple[str, str, str, str | None]  # (action, record_type, record key, clinic: "a" or None)


@dataclass(frozen=True)
class Expect:
    persona: str  # "link_holder", "clinician_a", "admin_a" or "anonymous"
    rows: tuple[Row, ...] = ()
    form: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    actor: str | None = None  # who the rows name, when not the persona (signing in, starting)
    status: int | None = None  # the expected status, when not a success (a refused code)


ABOUT = {"age": "47", "conditions": ["depression"], "failed_antidepressant_trials": "2"}
FEELINGS = {f"phq9_{n}": "1" for n in range(1, 10)} | {f"gad7_{n}": "1" for n in range(1, 8)}
CONSULTATION = {"name": "Sam", "phone": "555 123 4567", "email": "", "preferred_times": "", "message": ""}
DOCUMENT = {"version": 1, "answers": {"age": 40}}
RESPONSE = {
    "resourceType": "QuestionnaireResponse",
    "questionnaire": "https://trdnav.example/fhir/Questionnaire/trdnav-intake",
    "status": "completed",
    "item": [{"linkId": "age", "answer": [{"valueInteger": 40}]}],
}

SIGN_IN = {"email": "ana@north.example", "password": PASSWORD}
REVIEW = {"therapy": "tms", "status": "contraindicated", "reason": "Seizure two years ago"}
SETTINGS = {
    "therapies": ["tms", "iv_ketamine"],
    "crisis_title": "Need help now?",
    "crisis_text": "Call or text 988, any time.",
    "contact_text": "Call 555 0100 on weekdays.",
    "retention_days": "",
    "link_idle_days": "90",
    "timezone": "America/New_York",
    "country": "US",
    "subdivision": "",
    "opening_days": ["0", "1", "2", "3", "4"],
    "opens_at": "08:00",
    "closes_at": "18:00",
}
# The app's clock in the test: before the care course (from 2026-10-19), so its visit can be moved.
CLOCK = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
TODAY = CLOCK.date().isoformat()
NEW_COURSE = {"protocol": "iv_ketamine_twice_weekly", "start_date": "2026-10-19", "unavailable": ""}
CHECK_IN = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "0"} | {f"gad7_{n}": "1" for n in range(1, 8)}
COURSE: tuple[Row, ...] = (("read", "course", "course", "a"),)
EXPORT_COURSE: tuple[Row, ...] = (("export", "course", "course", "a"),)
NEW_STAFF = {"email": "new@north.example", "name": "New Person", "role": "clinician", "password": PASSWORD}

READ_A: tuple[Row, ...] = (("read", "assessment", "assessment_a", "a"),)
EXPORT_A: tuple[Row, ...] = (("export", "assessment", "assessment_a", "a"),)
UPDATE_A: tuple[Row, ...] = (("update", "assessment", "assessment_a", "a"),)

AUDIT: dict[tuple[str, str], Expect] = {
    ("GET", "/openapi.json"): Expect("anonymous"),
    ("GET", "/docs"): Expect("anonymous"),
    ("GET", "/docs/swagger-ui/{file}"): Expect("anonymous"),
    ("GET", "/static/{file}"): Expect("anonymous"),
    ("POST", "/api/v1/assessments:evaluate"): Expect("anonymous", json=DOCUMENT),
    ("POST", "/api/v1/fhir/QuestionnaireResponse/$evaluate"): Expect("anonymous", json=RESPONSE),
    ("GET", "/fhir/Questionnaire/trdnav-intake"): Expect("anonymous"),
    # The CDS Hooks service: called without a trusted client's JWT, each call is refused and audited
    # (tests/web/test_cds_hooks.py audits the calls of a trusted EHR).
    ("GET", "/cds-services"): Expect("anonymous"),
    ("POST", "/cds-services/{service_id}"): Expect(
        "anonymous", (("refused", "cds_call", "none", None),), json={}, status=401
    ),
    ("POST", "/cds-services/{service_id}/feedback"): Expect(
        "anonymous", (("refused", "cds_call", "none", None),), json={}, status=401
    ),
    ("POST", "/api/v1/assessments"): Expect(
        "anonymous", (("create", "assessment", "new", None),), json=DOCUMENT, actor="link_holder"
    ),
    ("GET", "/api/v1/assessments/{token}"): Expect("link_holder", READ_A),
    ("GET", "/"): Expect("anonymous"),
    ("POST", "/start"): Expect("anonymous", (("create", "assessment", "new", None),), actor="link_holder"),
    ("GET", "/c/{slug}/"): Expect("anonymous"),
    ("POST", "/c/{slug}/start"): Expect(
        "anonymous", (("create", "assessment", "new", "a"),), actor="link_holder"
    ),
    ("GET", "/a/{token}"): Expect("link_holder", READ_A),
    ("GET", "/a/{token}/about"): Expect("link_holder", READ_A),
    ("POST", "/a/{token}/about"): Expect("link_holder", UPDATE_A, form=ABOUT),
    ("GET", "/a/{token}/feelings"): Expect("link_holder", READ_A),
    # PHQ-9 item 9 is answered above 0 here: the clinic is alerted (once).
    ("POST", "/a/{token}/feelings"): Expect(
        "link_holder", (*UPDATE_A, ("create", "alert", "new", "a")), form=FEELINGS
    ),
    ("GET", "/a/{token}/safety"): Expect("link_holder", READ_A),
    ("POST", "/a/{token}/safety"): Expect("link_holder", UPDATE_A, form={"seizure_risk": "no"}),
    ("GET", "/a/{token}/priorities"): Expect("link_holder", READ_A),
    ("POST", "/a/{token}/priorities"): Expect("link_holder", UPDATE_A, form={"needs_fast_relief": "yes"}),
    ("GET", "/a/{token}/review"): Expect("link_holder", READ_A),
    ("GET", "/a/{token}/results"): Expect("link_holder", READ_A),
    ("GET", "/a/{token}/print"): Expect("link_holder", READ_A),
    ("GET", "/a/{token}/sources"): Expect("link_holder", READ_A),
    ("POST", "/a/{token}/sure"): Expect(
        "link_holder", UPDATE_A, form={item.id: "yes" for item in load().sure.items}
    ),
    ("GET", "/a/{token}/summary.pdf"): Expect(
        "link_holder", (("export", "assessment", "assessment_a", "a"),)
    ),
    ("GET", "/a/{token}/sources.pdf"): Expect(
        "link_holder", (("export", "assessment", "assessment_a", "a"),)
    ),
    ("GET", "/a/{token}/consultation"): Expect("link_holder", READ_A),
    ("POST", "/a/{token}/consultation"): Expect(
        "link_holder", (("create", "consultation", "new", "a"),), form=CONSULTATION
    ),
    ("GET", "/a/{token}/consultation/done"): Expect("link_holder", READ_A),
    # No SMTP host in this app: e-mail is refused (409), nothing kept; showing the page is a read.
    ("GET", "/a/{token}/email"): Expect("link_holder", READ_A),
    ("POST", "/a/{token}/email"): Expect(
        "link_holder",
        READ_A,
        form={"address": "sam@example.org", "send_link": "yes", "consent": "yes"},
        status=409,
    ),
    ("POST", "/a/{token}/email/delete"): Expect("link_holder", READ_A),
    # Sign-in: the sessions are records too (no patient data); a failed sign-in is one anonymous row.
    ("GET", "/staff/login"): Expect("anonymous"),
    ("POST", "/staff/login"): Expect(
        "anonymous", (("create", "staff_session", "new", "a"),), form=SIGN_IN, actor="clinician_a"
    ),
    ("POST", "/staff/logout"): Expect("clinician_a", (("delete", "staff_session", "new", "a"),)),
    ("GET", "/staff/two-factor"): Expect("clinician_a"),
    ("POST", "/staff/two-factor"): Expect("clinician_a", form={"code": "000000"}),
    ("GET", "/staff/two-factor/setup"): Expect("clinician_a"),
    ("POST", "/staff/two-factor/setup"): Expect("clinician_a", form={"code": "000000"}, status=422),
    ("POST", "/staff/two-factor/disable"): Expect("clinician_a", form={"code": "000000"}),
    # The clinician's work on clinic A's records.
    ("GET", "/staff/"): Expect("clinician_a", (("read", "queue", "none", "a"),)),
    ("GET", "/staff/assessments/{assessment_id}"): Expect("clinician_a", READ_A),
    ("POST", "/staff/assessments/{assessment_id}/reviews"): Expect(
        "clinician_a", (("create", "review", "new", "a"),), form=REVIEW
    ),
    ("POST", "/staff/assessments/{assessment_id}/notes"): Expect(
        "clinician_a",
        (("create", "note", "new", "a"),),
        form={"text": "Called; will book."},
    ),
    ("POST", "/staff/assessments/{assessment_id}/link/rotate"): Expect(
        "clinician_a", (("update", "private_link", "assessment_a", "a"), *READ_A)
    ),
    ("POST", "/staff/assessments/{assessment_id}/link/revoke"): Expect(
        "clinician_a", (("update", "private_link", "assessment_a", "a"),)
    ),
    ("POST", "/staff/consultations/{consultation_id}/status"): Expect(
        "clinician_a",
        (("update", "consultation", "consultation_a", "a"),),
        form={"status": "booked", "booked_for": "2026-12-03 10:00"},
    ),
    ("GET", "/staff/assessments/{assessment_id}/summary"): Expect("clinician_a", READ_A),
    ("GET", "/staff/assessments/{assessment_id}/summary.pdf"): Expect("clinician_a", EXPORT_A),
    ("GET", "/staff/assessments/{assessment_id}/export.json"): Expect(
        "clinician_a", (*EXPORT_A, ("export", "*", "every record of assessment_a", "a"))
    ),
    ("GET", "/staff/assessments/{assessment_id}/questionnaire-response.json"): Expect(
        "clinician_a", EXPORT_A
    ),
    ("GET", "/staff/assessments/{assessment_id}/export.fhir.json"): Expect("clinician_a", EXPORT_A),
    ("GET", "/staff/assessments/{assessment_id}/delete"): Expect("admin_a", READ_A),
    ("POST", "/staff/assessments/{assessment_id}/delete"): Expect(
        "admin_a",
        (("delete", "assessment", "assessment_a", "a"), ("delete", "*", "every record of assessment_a", "a")),
        form={"reason": "patient_request", "confirm": "DELETE"},
    ),
    # Clinic administration.
    ("GET", "/staff/admin/"): Expect("admin_a"),
    ("POST", "/staff/admin/settings"): Expect(
        "admin_a", (("update", "clinic", "clinic_a", "a"),), form=SETTINGS
    ),
    ("GET", "/staff/admin/staff"): Expect("admin_a"),
    ("POST", "/staff/admin/staff"): Expect("admin_a", (("create", "staff", "new", "a"),), form=NEW_STAFF),
    ("POST", "/staff/admin/staff/{staff_id}/deactivate"): Expect(
        "admin_a", (("update", "staff", "extra_staff", "a"),)
    ),
    ("POST", "/staff/admin/staff/{staff_id}/activate"): Expect(
        "admin_a", (("update", "staff", "extra_staff", "a"),)
    ),
    ("POST", "/staff/admin/staff/{staff_id}/role"): Expect(
        "admin_a", (("update", "staff", "extra_staff", "a"),), form={"role": "admin"}
    ),
    ("POST", "/staff/admin/staff/{staff_id}/reset"): Expect(
        "admin_a", (("create", "password_reset", "new", "a"),)
    ),
    # Passwords: a refused change writes nothing (tests/web/test_passwords.py checks a done one's
    # rows); a reset link that is not one is a 404.
    ("GET", "/staff/password"): Expect("clinician_a"),
    ("POST", "/staff/password"): Expect(
        "clinician_a",
        form={"current_password": "not it at all", "password": "a quiet harbour at dawn"},
        status=422,
    ),
    ("GET", "/staff/reset/{token}"): Expect("anonymous", status=404),
    ("POST", "/staff/reset/{token}"): Expect("anonymous", form={"password": "x"}, status=404),
    ("GET", "/staff/admin/audit"): Expect("admin_a", (("read", "audit_trail", "none", "a"),)),
    ("GET", "/staff/admin/audit.csv"): Expect("admin_a", (("export", "audit_trail", "none", "a"),)),
    ("GET", "/staff/admin/unassigned"): Expect("admin_a", (("read", "unassigned_assessments", "none", "a"),)),
    ("GET", "/staff/admin/cds"): Expect("admin_a", (("read", "cds_settings", "none", "a"),)),
    # Starting from a health record (test_record_prefill.py uploads real files).
    ("GET", "/staff/records"): Expect("clinician_a"),
    ("POST", "/staff/records"): Expect("clinician_a", status=422),  # no file: nothing stored
    ("GET", "/staff/records/{upload_id}"): Expect("clinician_a", (("read", "record_upload", "upload", "a"),)),
    ("POST", "/staff/records/{upload_id}/start"): Expect(
        "clinician_a",
        (("create", "assessment", "new", "a"), ("read", "assessment", "new", "a")),
        form={"patient": "record-patient"},
    ),
    ("POST", "/staff/admin/cds/clients"): Expect(
        "admin_a",
        (("create", "cds_client", "new", "a"),),
        form={"issuer": "https://ehr.north.example", "jwks_url": "https://ehr.north.example/jwks"},
    ),
    # an issuer the clinic does not trust: refused (404), nothing written (test_cds_admin.py removes one)
    ("POST", "/staff/admin/cds/clients/remove"): Expect(
        "admin_a", form={"issuer": "https://unknown.example"}, status=404
    ),
    # The unassigned assessment has item 9 above 0: once it is the clinic's, the clinic is alerted.
    ("POST", "/staff/admin/unassigned/{unassigned_id}/assign"): Expect(
        "admin_a", (("update", "assessment", "unassigned", "a"), ("create", "alert", "new", "a"))
    ),
    # Treatment courses.
    ("GET", "/staff/assessments/{assessment_id}/courses/new"): Expect("clinician_a", READ_A),
    ("POST", "/staff/assessments/{assessment_id}/courses/new"): Expect(
        "clinician_a", (("create", "course", "new", "a"),), form=NEW_COURSE
    ),
    ("GET", "/staff/courses/{course_id}"): Expect("clinician_a", COURSE),
    ("POST", "/staff/courses/{course_id}/visits/{visit_id}/move"): Expect(
        "clinician_a",
        (("update", "course_visit", "visit", "a"), ("update", "course", "course", "a")),
        form={"date": "2026-10-22", "time": "09:30"},
    ),
    ("POST", "/staff/courses/{course_id}/visits/{visit_id}/status"): Expect(
        "clinician_a", (("update", "course_visit", "visit", "a"),), form={"status": "done"}
    ),
    ("GET", "/staff/courses/{course_id}/calendar.ics"): Expect(
        "clinician_a", (("export", "course", "course", "a"),)
    ),
    ("GET", "/staff/courses/{course_id}/careplan.json"): Expect(
        "clinician_a", (("export", "course", "course", "a"),)
    ),
    ("GET", "/staff/courses/{course_id}/summary"): Expect("clinician_a", COURSE),
    ("GET", "/staff/courses/{course_id}/summary.pdf"): Expect("clinician_a", EXPORT_COURSE),
    ("GET", "/a/{token}/courses"): Expect("link_holder", (*READ_A, *COURSE)),
    ("GET", "/a/{token}/courses/{course_id}/calendar.ics"): Expect(
        "link_holder", (("export", "course", "course", "a"),)
    ),
    # Session records.
    ("GET", "/staff/courses/{course_id}/doses/new"): Expect("clinician_a", COURSE),
    ("POST", "/staff/courses/{course_id}/doses"): Expect(
        "clinician_a", (("create", "ketamine_dose", "new", "a"),), form=KETAMINE_SESSION
    ),
    # without a dose the infusion's form sends to the dose step first, reading nothing
    ("GET", "/staff/courses/{course_id}/sessions/new"): Expect("clinician_a", ()),
    ("POST", "/staff/courses/{course_id}/sessions"): Expect(
        "clinician_a",
        (("create", "session_record", "new", "a"),),
        form=KETAMINE_SESSION | {"kind": "iv_ketamine", "dose_id": "{dose_id}"},
    ),
    ("GET", "/staff/session-records/{record_id}"): Expect(
        "clinician_a", (("read", "session_record", "record", "a"),)
    ),
    ("GET", "/staff/session-records/{record_id}/correct"): Expect(
        "clinician_a", (("read", "session_record", "record", "a"),)
    ),
    ("POST", "/staff/session-records/{record_id}/correct"): Expect(
        "clinician_a",
        (("create", "session_record", "new", "a"),),
        form=KETAMINE_SESSION
        | {"kind": "iv_ketamine", "dose_id": "{dose_id}", "correction_reason": "Weight re-measured: 70 kg"},
    ),
    # Outcomes.
    ("GET", "/a/{token}/check-in"): Expect("link_holder", READ_A),
    ("POST", "/a/{token}/check-in"): Expect(
        "link_holder", (("create", "outcome_score", "new", "a"),), form=CHECK_IN
    ),
    ("GET", "/a/{token}/check-in/done"): Expect("link_holder", READ_A),
    ("GET", "/staff/assessments/{assessment_id}/outcomes"): Expect("clinician_a", READ_A),
    ("POST", "/staff/assessments/{assessment_id}/scores"): Expect(
        "clinician_a",
        (("create", "outcome_score", "new", "a"),),
        form={"instrument": "phq9", "taken_on": TODAY, "total": "12"},
    ),
    ("POST", "/staff/alerts/{alert_id}/close"): Expect(
        "clinician_a",
        (("update", "alert", "alert", "a"),),
        form={"outcome": "managed_at_clinic", "note": "Recovered in 10 minutes."},
    ),
    ("GET", "/staff/outcomes"): Expect("clinician_a", (("read", "clinic_outcomes", "none", "a"),)),
    ("GET", "/staff/outcomes.csv"): Expect("clinician_a", (("export", "clinic_outcomes", "none", "a"),)),
}

# Calls that change what later calls need go last, in this order (the account is deactivated, then
# activated again; the assessment is deleted after everything else has used it).
LAST = (
    "/staff/admin/staff/{staff_id}/deactivate",
    "/staff/admin/staff/{staff_id}/activate",
    "/staff/assessments/{assessment_id}/link/rotate",  # the patient's link then changes
    "/staff/assessments/{assessment_id}/link/revoke",
    "/staff/assessments/{assessment_id}/delete",
    "/staff/logout",
)

RECORD_TABLES = {
    "course": Course,
    "course_visit": CourseVisit,
    "session_record": SessionRecord,
    "ketamine_dose": KetamineDose,
    "outcome_score": OutcomeScore,
    "alert": ClinicAlert,
    "assessment": Assessment,
    "consultation": ConsultationRequest,
    "review": Review,
    "note": Note,
    "staff": Staff,
    "staff_session": StaffSession,
    "password_reset": PasswordReset,
    "cds_client": CdsClient,
}


def _path(template: str, world: World, extra_staff: int, care: Care, unassigned: int) -> str:
    values = {
        "token": world.token_a,
        "slug": "north",
        "assessment_id": str(world.assessment_a),
        "consultation_id": str(world.consultation_a),
        "staff_id": str(extra_staff),
        "course_id": str(care.course),
        "visit_id": str(care.visit),
        "record_id": str(care.record),
        "alert_id": str(care.alert),
        "unassigned_id": str(unassigned),
        "service_id": "trdnav-patient-view",
        "upload_id": str(care.upload),
        "file": MOUNT_SAMPLES.get(template, ""),
    }
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    assert "{" not in template, f"{template}: a path parameter this test does not know how to fill"
    return template


def _actor(persona: str, world: World) -> tuple[str, str, int | None]:
    return {
        "anonymous": ("anonymous", "anonymous", None),
        "link_holder": ("patient", "link_holder", None),
        "clinician_a": ("staff", "clinician", world.clinician_a),
        "admin_a": ("staff", "admin", world.admin_a),
    }[persona]


def _records(app: FastAPI) -> set[tuple[str, int]]:
    """Every (record type, id) in the database now."""
    with app.state.sessions() as session:
        return {
            (name, record_id)
            for name, table in RECORD_TABLES.items()
            for record_id in session.scalars(select(table.id))  # type: ignore[attr-defined]
        }


def _children_of_assessment_a(app: FastAPI, world: World) -> list[tuple[str, int]]:
    """Every record attached to assessment A: what deleting it must audit, one row each."""
    with app.state.sessions() as session:
        assessment = session.get(Assessment, world.assessment_a)
        if assessment is None:
            return []
        courses = assessment.courses
        return [
            *(("consultation", c.id) for c in assessment.consultations),
            *(("review", r.id) for r in assessment.reviews),
            *(("note", n.id) for n in assessment.notes),
            *(("course", c.id) for c in courses),
            *(("course_visit", v.id) for c in courses for v in c.visits),
            *(("session_record", r.id) for c in courses for r in c.records),
            *(("outcome_score", o.id) for o in assessment.outcome_scores),
            *(("alert", a.id) for a in assessment.alerts),
        ]


def _expected_ids(
    row: Row,
    world: World,
    extra_staff: int,
    care: Care,
    unassigned: int,
    before: set[tuple[str, int]],
    after: set[tuple[str, int]],
) -> list[tuple[str, str, Any]]:
    """The (action, record type, id) rows one expectation stands for."""
    action, record_type, key, _ = row
    if key == "none":
        return [(action, record_type, None)]
    if key == "new":
        created = sorted(record_id for name, record_id in after - before if name == record_type)
        return [(action, record_type, record_id) for record_id in created] or [
            (action, record_type, "a new id")
        ]
    fixed = {
        "assessment_a": world.assessment_a,
        "consultation_a": world.consultation_a,
        "clinic_a": world.clinic_a,
        "extra_staff": extra_staff,
        "course": care.course,
        "visit": care.visit,
        "record": care.record,
        "alert": care.alert,
        "unassigned": unassigned,
        "upload": care.upload,
    }
    return [(action, record_type, fixed[key])]


def test_every_route_says_which_audit_rows_it_writes(app: FastAPI) -> None:
    served = {(call.method, call.path) for call in served_routes(app)}
    assert sorted(served - AUDIT.keys()) == [], "routes with no entry in AUDIT"
    assert sorted(AUDIT.keys() - served) == [], "AUDIT lists routes the app no longer serves"


def _send(app: FastAPI, world: World, care: Care, call: Call, path: str, expect: Expect) -> Any:
    staff = {"clinician_a": world.clinician_a, "admin_a": world.admin_a}
    client = signed_in(app, staff[expect.persona]) if expect.persona in staff else BrowserClient(app)
    with client:
        if call.method == "GET":
            return client.get(path, follow_redirects=False)
        if expect.json is not None:
            return client.post(path, json=expect.json, follow_redirects=False)
        form = {
            name: str(care.dose) if value == "{dose_id}" else value for name, value in expect.form.items()
        }
        return client.post(path, data=form, follow_redirects=False)


def test_every_route_leaves_exactly_its_audit_rows(
    app: FastAPI,
    world: World,
    extra_staff: int,
    care: Care,
    unassigned: int,
) -> None:
    app.state.clock = lambda: CLOCK
    calls = sorted(
        served_routes(app),
        key=lambda call: (
            LAST.index(call.path) if call.path in LAST else -1,
            call.method != "GET",
            call.path,
        ),
    )
    problems: list[str] = []
    for call in calls:
        expect = AUDIT[(call.method, call.path)]
        path = _path(call.path, world, extra_staff, care, unassigned)
        with app.state.sessions() as session:
            last_seq = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
        before = _records(app)
        children = _children_of_assessment_a(app, world)
        response = _send(app, world, care, call, path, expect)
        where = f"{call.method} {call.path} as {expect.persona}"
        if (expect.status or 0) != response.status_code and (expect.status or response.status_code >= 400):
            problems.append(f"{where}: status {response.status_code}, expected {expect.status or 'success'}")
            continue
        after = _records(app)
        with app.state.sessions() as session:
            written = session.scalars(select(AuditEvent).where(AuditEvent.seq > last_seq)).all()
        kind, role, staff_id = _actor(expect.actor or expect.persona, world)
        got = sorted(
            (e.action, e.record_type, e.record_id, e.actor, e.role, e.staff_id, e.clinic_id) for e in written
        )
        wanted = []
        for row in expect.rows:
            clinic = world.clinic_a if row[3] == "a" else None
            ids = (
                [(row[0], name, record_id) for name, record_id in children]
                if row[2] == "every record of assessment_a"
                else _expected_ids(row, world, extra_staff, care, unassigned, before, after)
            )
            wanted += [(*entry, kind, role, staff_id, clinic) for entry in ids]
        # A new record of a type appears once per request: match "new" against what the request
        # created (a new staff session is the test's own sign-in, not the request's, except at login).
        wanted = sorted(wanted, key=repr)
        got = sorted(got, key=repr)
        if got != wanted:
            problems.append(f"{where}: wrote {got}, expected {wanted}")
    with app.state.sessions() as session:
        assert audit.verify(session) == []
    assert not problems, "\n".join(problems)
