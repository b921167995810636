"""A clinic's intake link: the assessments started there are the clinic's, with its settings."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select

from tests.web.conftest import BrowserClient, default_clinic_app
from trdnav.knowledge.loader import load
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic
from trdnav.store.models import Assessment, AuditEvent
from trdnav.store.repository import find_by_token


def _clinic(app: FastAPI, slug: str, **changes: object) -> int:
    with app.state.sessions.begin() as session:
        clinic = create_clinic(session, slug=slug, name=f"{slug.title()} Clinic", settings=Settings())
        for field, value in changes.items():
            setattr(clinic, field, value)
        return clinic.id


def _token(location: str) -> str:
    return location.split("/")[2]


def test_an_assessment_started_at_a_clinic_link_belongs_to_that_clinic(
    app: FastAPI, client: BrowserClient
) -> None:
    clinic_id = _clinic(
        app,
        "north",
        therapies=["tms", "esketamine"],
        crisis_text="Call the North Clinic crisis line on 555-0100, day or night.",
    )
    page = client.get("/c/north/")
    assert page.status_code == 200
    assert load().therapies["esketamine"].short_name in page.text, "the clinic's therapies are named"
    assert 'action="/c/north/start"' in page.text
    response = client.post("/c/north/start", follow_redirects=False)
    assert response.status_code == 303
    token = _token(response.headers["location"])
    with app.state.sessions() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None
        assert assessment.clinic_id == clinic_id
        assert assessment.therapies == ["tms", "esketamine"]
    client.post(f"/a/{token}/feelings", data={f"phq9_{n}": "0" for n in range(1, 9)} | {"phq9_9": "2"})
    results = client.get(f"/a/{token}/results").text
    assert "Call the North Clinic crisis line on 555-0100" in results
    assert results.index("555-0100") < results.index("<main")


def test_an_unknown_clinic_link_is_not_found_and_creates_nothing(app: FastAPI, client: BrowserClient) -> None:
    assert client.get("/c/nowhere/").status_code == 404
    assert client.post("/c/nowhere/start", follow_redirects=False).status_code == 404
    with app.state.sessions() as session:
        assert session.scalars(select(Assessment)).all() == []


def test_the_start_page_belongs_to_no_clinic_by_default(app: FastAPI, client: BrowserClient) -> None:
    _clinic(app, "south")
    token = _token(client.post("/start", follow_redirects=False).headers["location"])
    with app.state.sessions() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None and assessment.clinic_id is None


def test_the_start_page_belongs_to_the_default_clinic_when_one_is_set(app: FastAPI) -> None:
    clinic_id = _clinic(app, "south", crisis_text="South Clinic crisis line: 555-0123.")
    with default_clinic_app(app, "south") as south_app, BrowserClient(south_app) as client:
        assert "South Clinic crisis line: 555-0123." in client.get("/").text
        token = _token(client.post("/start", follow_redirects=False).headers["location"])
        with south_app.state.sessions() as session:
            assessment = find_by_token(session, token)
            assert assessment is not None and assessment.clinic_id == clinic_id


def test_the_link_holder_reads_and_writes_are_audited_without_patient_data(
    app: FastAPI, client: BrowserClient
) -> None:
    clinic_id = _clinic(app, "east")
    token = _token(client.post("/c/east/start", follow_redirects=False).headers["location"])
    client.get(f"/a/{token}/about")
    client.post(f"/a/{token}/about", data={"age": "47"}, follow_redirects=False)
    with app.state.sessions() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [(r.action, r.record_type, r.record_id) for r in rows] == [
        ("create", "assessment", assessment.id),
        ("read", "assessment", assessment.id),
        ("update", "assessment", assessment.id),
    ]
    assert {(r.actor, r.role, r.clinic_id, r.address) for r in rows} == {
        ("patient", "link_holder", clinic_id, "testclient")
    }


def test_the_clinic_s_contact_details_are_shown_with_the_consultation_request(
    app: FastAPI, client: BrowserClient
) -> None:
    _clinic(app, "north", contact_text="Call North Clinic on 555-0142, Monday to Friday, 9 to 5.")
    token = _token(client.post("/c/north/start", follow_redirects=False).headers["location"])
    assert "Call North Clinic on 555-0142" in client.get(f"/a/{token}/consultation").text
    sent = client.post(
        f"/a/{token}/consultation", data={"name": "Sam", "phone": "555 123 4567"}, follow_redirects=True
    )
    assert sent.status_code == 200
    assert "Call North Clinic on 555-0142" in sent.text
