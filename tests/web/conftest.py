"""Web fixtures: a fresh app on a fresh database for each test, and an in-process client."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from trdnav.courses.session_forms import check_dose, check_ketamine
from trdnav.knowledge.loader import load
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_clinic, create_staff, start_session
from trdnav.store.alerts import raise_alert
from trdnav.store.course_plans import create_course
from trdnav.store.ketamine_doses import confirm_dose
from trdnav.store.models import Assessment, Clinic, Review, Staff
from trdnav.store.queue import engine_statuses
from trdnav.store.record_uploads import save_upload
from trdnav.store.repository import create_assessment, request_consultation
from trdnav.store.reviews import add_review
from trdnav.store.secrets_at_rest import new_key
from trdnav.store.session_records import add_record
from trdnav.web.app import create_app
from trdnav.web.staff.principal import COOKIE as STAFF_COOKIE


@pytest.fixture
def database_url(migrated_database_url: str) -> str:
    """A new database at the latest schema per test; every web test runs twice, on SQLite and on
    PostgreSQL (``database_backend`` in tests/postgres.py)."""
    return migrated_database_url


@pytest.fixture
def app(database_url: str) -> Iterator[FastAPI]:
    application = create_app(Settings(database_url=database_url))
    yield application
    application.state.engine.dispose()


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class BrowserClient(TestClient):
    """Sends forms the way a browser does: with the CSRF token from a page this client was served.

    Requests to the JSON API, and requests that already say what body they send, are left as they
    are. A test of the CSRF check itself uses ``TestClient.post`` directly.
    """

    csrf_token: str | None = None
    csrf_session: str | None = None  # the staff sign-in session the token was bound to

    def post(self, url: Any, *args: Any, data: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        if not str(url).startswith("/api/") and not {"json", "content", "files"} & kwargs.keys():
            data = {**(data or {}), "csrf_token": self.form_token()}
        return super().post(url, *args, data=data, **kwargs)

    def form_token(self) -> str:
        """The token a page would carry now: a sign-in or sign-out changes it, as in a browser."""
        session = self.cookies.get(STAFF_COOKIE)
        if self.csrf_token is None or session != self.csrf_session:
            found = CSRF_FIELD.search(self.get("/").text)
            assert found, "the start page carries a CSRF token"
            self.csrf_token, self.csrf_session = found.group(1), session
        return self.csrf_token


@contextmanager
def default_clinic_app(app: FastAPI, slug: str) -> Iterator[FastAPI]:
    """The same installation (same database) started again with ``TRDNAV_DEFAULT_CLINIC=slug``;
    the clinic must exist first, or the app refuses to start."""
    second = create_app(app.state.settings.model_copy(update={"default_clinic": slug}))
    try:
        yield second
    finally:
        second.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with BrowserClient(app) as test_client:
        yield test_client


PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class World:
    """Two clinics with their staff and one assessment each (with a consultation request).

    Clinic A ("north"): clinician ``clinician_a``, admin ``admin_a``; clinic B ("south"):
    clinician ``clinician_b``. Every account's password is ``PASSWORD``. ``token_a`` and
    ``token_b`` are the assessments' private links.
    """

    clinic_a: int
    clinic_b: int
    clinician_a: int
    admin_a: int
    clinician_b: int
    assessment_a: int
    assessment_b: int
    consultation_a: int
    consultation_b: int
    token_a: str
    token_b: str


def _assessment(session: Session, clinic: Clinic, answers: dict[str, Any]) -> tuple[Assessment, str, int]:
    kb = load()
    assessment, token = create_assessment(
        session,
        therapies=list(clinic.therapies),
        knowledge_version=kb.version,
        contract_version=kb.manifest.contract_version,
        answers=answers,
        clinic_id=clinic.id,
    )
    assessment.last_step = "results"
    consultation = request_consultation(
        session,
        assessment,
        name="Sam Example",
        phone="555-0100",
        email="sam@example.org",
        preferred_times="Weekday mornings",
        message="",
    )
    return assessment, token, consultation.id


def build_world(app: FastAPI) -> World:
    settings = Settings()
    with app.state.sessions.begin() as session:
        north = create_clinic(session, slug="north", name="North Clinic", settings=settings)
        south = create_clinic(session, slug="south", name="South Clinic", settings=settings)
        clinician_a = create_staff(
            session,
            clinic=north,
            email="ana@north.example",
            name="Ana North",
            role="clinician",
            password=PASSWORD,
        )
        admin_a = create_staff(
            session,
            clinic=north,
            email="adam@north.example",
            name="Adam North",
            role="admin",
            password=PASSWORD,
        )
        clinician_b = create_staff(
            session,
            clinic=south,
            email="bo@south.example",
            name="Bo South",
            role="clinician",
            password=PASSWORD,
        )
        a, token_a, consultation_a = _assessment(
            session, north, {"age": 45, "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0]}
        )
        b, token_b, consultation_b = _assessment(
            session, south, {"age": 52, "phq9": [2, 2, 2, 2, 2, 2, 2, 2, 0]}
        )
        return World(
            clinic_a=north.id,
            clinic_b=south.id,
            clinician_a=clinician_a.id,
            admin_a=admin_a.id,
            clinician_b=clinician_b.id,
            assessment_a=a.id,
            assessment_b=b.id,
            consultation_a=consultation_a,
            consultation_b=consultation_b,
            token_a=token_a,
            token_b=token_b,
        )


@pytest.fixture
def world(app: FastAPI) -> World:
    return build_world(app)


def unassigned_assessment(app: FastAPI, *, suicide_risk: bool, request_name: str | None) -> tuple[int, str]:
    """An assessment started at a standalone ``/`` (no clinic), as stored before standalone
    assessments refused consultation requests: optionally with a request and an item 9 above 0.
    Returns its id and private link."""
    kb = load()
    item_9 = 2 if suicide_risk else 0
    with app.state.sessions.begin() as session:
        assessment, token = create_assessment(
            session,
            therapies=["iv_ketamine", "tms"],
            knowledge_version=kb.version,
            contract_version=kb.manifest.contract_version,
            answers={"age": 38, "phq9": [1, 1, 1, 1, 1, 1, 1, 1, item_9]},
        )
        assessment.last_step = "results"
        assessment.suicide_risk_alert = suicide_risk
        if request_name is not None:
            request_consultation(
                session,
                assessment,
                name=request_name,
                phone="555-0199",
                email="lost@example.org",
                preferred_times="Evenings",
                message="Please call",
            )
        return assessment.id, token


@pytest.fixture
def unassigned(app: FastAPI) -> int:
    """An assessment with no clinic, with a consultation request and PHQ-9 item 9 above 0."""
    return unassigned_assessment(app, suicide_risk=True, request_name="Lee Lost")[0]


def signed_in(app: FastAPI, staff_id: int, *, two_factor_done: bool = False) -> BrowserClient:
    """A client with a live sign-in session for this staff member (without the sign-in form)."""
    with app.state.sessions.begin() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        token = start_session(session, staff, two_factor_done=two_factor_done)
    client = BrowserClient(app)
    client.cookies.set(STAFF_COOKIE, token)
    return client


@pytest.fixture
def extra_staff(app: FastAPI, world: World) -> int:
    """A clinician of clinic A who is not one of the personas: the target of staff-management routes."""
    with app.state.sessions.begin() as session:
        clinic = session.get(Clinic, world.clinic_a)
        assert clinic is not None
        staff = create_staff(
            session,
            clinic=clinic,
            email="extra@north.example",
            name="Extra",
            role="clinician",
            password=PASSWORD,
        )
        return staff.id


def safety_all_no() -> dict[str, Any]:
    """An adult's answers with every yes/no safety question answered "no" (from the knowledge base)."""
    answers: dict[str, Any] = {"age": 45, "phq9": [2, 2, 2, 2, 1, 2, 1, 1, 0]}
    for item in load().items.values():
        if item.section == "safety" and item.kind == "yes_no":
            answers[item.id] = "no"
    return answers


def add_patient(session: Session, clinic_id: int, answers: dict[str, Any]) -> Assessment:
    """A patient of the clinic who compared IV ketamine and TMS, with these answers and no review."""
    kb = load()
    assessment, _ = create_assessment(
        session,
        therapies=["iv_ketamine", "tms"],
        knowledge_version=kb.version,
        contract_version=kb.manifest.contract_version,
        answers=answers,
        clinic_id=clinic_id,
    )
    return assessment


UNSCREENED_REASON = "Safety questions unanswered: to be asked at the consultation before the first session."


def review_screen(
    session: Session,
    assessment: Assessment,
    staff_id: int,
    therapy: str,
    status: str | None = None,
    reason: str = UNSCREENED_REASON,
) -> Review:
    """A clinician's review of one therapy's safety screen as it is now: it confirms the screen's
    status, or sets ``status`` (an override), with a reason. Planning a course needs one when the
    screen is contraindicated or needs review (`trdnav.store.course_safety`)."""
    engine = engine_statuses(dict(assessment.answers), assessment.therapies)[therapy]
    return add_review(
        session,
        assessment,
        staff_id=staff_id,
        therapy=therapy,
        engine_status=engine,
        status=status or engine,
        reason=reason,
    )


KETAMINE_SESSION = {
    "weight_kg": "70",
    "dose_mg_per_kg": "0.5",
    "concentration_mg_per_ml": "1",
    "infusion_minutes": "40",
    "confirmed_dose_mg": "35.0",
    "confirmed_volume_ml": "35.00",
    "confirmed_rate_ml_per_hour": "52.5",
    "dose_checked": "yes",
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
    "side_effects": "nausea",
    "discharge_time": "11:00",
    "escort_confirmed": "yes",
}


@dataclass(frozen=True)
class Care:
    """Clinic A's patient in treatment: an IV ketamine course planned from 2026-10-19 after a
    clinician confirmed its screen (needs review: the safety questions are unanswered), with one
    recorded infusion (at its first visit) and one open clinic alert."""

    course: int
    visit: int  # the second visit, still planned
    record: int
    alert: int
    dose: int  # the confirmed dose the record was stored for
    upload: int  # a health record clinic A uploaded, with one patient ("record-patient")


@pytest.fixture
def care(app: FastAPI, world: World) -> Care:
    kb = load()
    clinician = audit.Actor(
        kind="staff", role="clinician", staff_id=world.clinician_a, clinic_id=world.clinic_a
    )
    with app.state.sessions.begin() as session:
        assessment = session.get(Assessment, world.assessment_a)
        assert assessment is not None and assessment.clinic is not None
        review_screen(session, assessment, world.clinician_a, "iv_ketamine")
        course = create_course(
            session,
            clinician,
            assessment,
            assessment.clinic,
            kb.protocols["iv_ketamine_twice_weekly"].plan,
            staff_id=world.clinician_a,
            start=dt.date(2026, 10, 19),
            unavailable=[],
            taper=False,
        )
        first, second = course.visits[0], course.visits[1]
        dose = confirm_dose(
            session, clinician, course, first, check_dose(KETAMINE_SESSION, kb.dosing.iv_ketamine.limits).data
        )
        checked = check_ketamine(
            KETAMINE_SESSION,
            kb.session_ranges.ranges,
            kb.session_ranges.monitoring,
            dose.data,
            dose.id,
            planned=None,
            now=dt.datetime(2026, 10, 19, 20, 0, tzinfo=dt.UTC),
            timezone=course.timezone,
        )
        assert checked.storable, checked.errors
        record = add_record(session, clinician, course, first, "iv_ketamine", checked.data)
        alert = raise_alert(
            session,
            audit.SYSTEM,
            assessment,
            "adverse_event",
            source_type="session_record",
            source_id=record.id,
        )
        document = {
            "version": 1,
            "answers": {"age": 50, "seizure_history": "yes"},
            "sources": {
                "age": [{"resource": "Patient/record-patient", "date": "1976-05-01"}],
                "seizure_history": [
                    {"resource": "Condition/c1", "code": "128613002", "display": "Seizure disorder"}
                ],
            },
        }
        listed = {
            "id": "record-patient",
            "name": "Rae Record",
            "birth_date": "1976-05-01",
            "gender": "female",
        }
        upload = save_upload(
            session,
            clinician,
            assessment.clinic,
            "record.json",
            [{**listed, "refused": None, "document": document}],
            dt.datetime.now(dt.UTC),
        )
        return Care(
            course=course.id,
            visit=second.id,
            record=record.id,
            alert=alert.id,
            dose=dose.id,
            upload=upload.id,
        )


ERROR_LINK = re.compile(r'<li><a href="#([^"]+)">([^<]*)</a></li>')


def error_summary_links(page: str, summary_id: str) -> dict[str, str]:
    """The refused form's error summary ("There is a problem"): each link's target id -> its words.
    Every target exists on the page, so a link never leads nowhere."""
    start = page.index(f'<div class="error-summary" id="{summary_id}" role="alert"')
    box = page[start : page.index("</div>", start)]
    assert "There is a problem" in box
    links = dict(ERROR_LINK.findall(box))
    for target in links:
        assert f'id="{target}"' in page, f"the summary links to #{target}, which is not on the page"
    return {target: html.unescape(words) for target, words in links.items()}


@pytest.fixture
def production_app(database_url: str) -> Iterator[FastAPI]:
    """The app as a production installation runs it (keys set, Secure cookies, HSTS)."""
    settings = Settings(
        database_url=database_url,
        environment="production",
        secret_key="s" * 48,
        audit_key="a" * 48,
        encryption_key=new_key(),
    )
    application = create_app(settings)
    yield application
    application.state.engine.dispose()
