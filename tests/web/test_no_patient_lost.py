"""No patient is lost (docs/safety.md, H12): what is started at ``/`` either belongs to the
installation's default clinic, which then receives its consultation request and item-9 alert, or
is a standalone decision aid that says it is not connected to a clinic, offers no consultation and
never claims that anyone was told. Assessments stored without a clinic are listed to admins, who
assign them to their clinic; from then on their alert and requests are in that clinic's queue."""

from __future__ import annotations

import html
import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.web.conftest import BrowserClient, World, default_clinic_app, signed_in, unassigned_assessment
from trdnav.crisis import country_resources
from trdnav.store.models import Assessment, AuditEvent, Clinic, ClinicAlert, ConsultationRequest
from trdnav.store.repository import find_by_token
from trdnav.web.app import create_app
from trdnav.web.patient import results as results_module

FEELINGS_ITEM_9 = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "2"}
CONTACT = {"name": "Sam Lee", "phone": "555 123 4567", "email": "", "preferred_times": "", "message": ""}
# Words that would tell a person of a standalone assessment that someone was told or will call.
FALSE_CLAIMS = (
    "your clinic",
    "has your request",
    "request was sent",
    "request a consultation",
    "will contact you to",
    "what you told us",
    "for this clinic",  # the options not compared: a standalone site has no clinic
)
NOT_CONNECTED = "This site is not connected to a clinic"


def _token(location: str) -> str:
    return location.split("/")[2]


def _start(client: BrowserClient) -> str:
    return _token(client.post("/start", follow_redirects=False).headers["location"])


def _assessment(app: FastAPI, token: str) -> Assessment:
    with app.state.sessions() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None
        session.expunge(assessment)
        return assessment


def _queue_row(app: FastAPI, staff_id: int, assessment_id: int) -> str:
    page = signed_in(app, staff_id).get("/staff/").text
    rows = re.findall(r'<tr class="queue-row.*?</tr>', page, flags=re.S)
    [row] = [r for r in rows if f">Assessment {assessment_id}<" in r]
    assert rows.index(row) == 0, "an assessment with a suicide-risk alert comes first"
    return row


def _false_claims(page: str) -> list[str]:
    words = " ".join(re.sub(r"<[^>]+>", " ", page).split()).lower()
    return [claim for claim in FALSE_CLAIMS if claim in words]


# --- A default clinic ---------------------------------------------------------------------------


def test_with_a_default_clinic_the_start_page_s_request_and_item_9_alert_reach_that_clinic(
    app: FastAPI, world: World
) -> None:
    with default_clinic_app(app, "north") as north_app, BrowserClient(north_app) as client:
        assert NOT_CONNECTED not in client.get("/").text
        token = _start(client)
        client.post(f"/a/{token}/feelings", data=FEELINGS_ITEM_9)
        assert f'href="/a/{token}/consultation"' in client.get(f"/a/{token}/results").text
        sent = client.post(f"/a/{token}/consultation", data=CONTACT, follow_redirects=True)
        assert sent.status_code == 200 and "North Clinic has your request" in sent.text
    assessment = _assessment(app, token)
    assert assessment.clinic_id == world.clinic_a
    row = _queue_row(app, world.clinician_a, assessment.id)
    assert "Urgent alert: suicide-risk answer" in row and "New consultation request" in row


def test_a_default_clinic_that_does_not_exist_stops_the_app_at_start_up(app: FastAPI) -> None:
    settings = app.state.settings.model_copy(update={"default_clinic": "nowhere"})
    with pytest.raises(
        ValueError, match=r"TRDNAV_DEFAULT_CLINIC names the clinic 'nowhere'.*trdnav clinics create"
    ):
        create_app(settings)


def test_a_default_clinic_gone_while_running_is_a_clear_error_never_a_standalone_start(
    app: FastAPI, world: World
) -> None:
    with default_clinic_app(app, "north") as north_app, BrowserClient(north_app) as client:
        client.form_token()  # the CSRF cookie, while the start page still opens
        with north_app.state.sessions.begin() as session:
            clinic = session.get(Clinic, world.clinic_a)
            assert clinic is not None
            clinic.slug = "north-renamed"  # e.g. an older backup restored
        page = client.get("/")
        assert page.status_code == 503 and "the clinic it is set up for cannot be found" in page.text
        assert client.post("/start", follow_redirects=False).status_code == 503
        stored = client.post("/api/v1/assessments", json={"version": 1, "answers": {"phq9": [1] * 9}})
        assert stored.status_code == 503
        assert "TRDNAV_DEFAULT_CLINIC" in stored.json()["detail"]
    with app.state.sessions() as session:
        assert session.scalars(select(Assessment).where(Assessment.clinic_id.is_(None))).all() == []


# --- Standalone ---------------------------------------------------------------------------------


def test_the_standalone_start_page_says_it_is_not_connected_and_shows_crisis_help(
    app: FastAPI, client: BrowserClient
) -> None:
    page = client.get("/").text
    assert NOT_CONNECTED in page
    assert "take it to your own doctor" in page
    assert html.escape(country_resources(app.state.settings.country).text) in page
    assert _false_claims(page) == []


def test_standalone_results_with_item_9_show_crisis_help_first_and_claim_no_one_was_told(
    app: FastAPI, client: BrowserClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _start(client)
    client.post(f"/a/{token}/feelings", data=FEELINGS_ITEM_9)
    assert _assessment(app, token).clinic_id is None
    crisis = country_resources(app.state.settings.country).title
    results = client.get(f"/a/{token}/results").text
    assert results.index(crisis) < results.index("<main"), "crisis help comes first, as at a clinic"
    assert f"/a/{token}/consultation" not in results
    assert NOT_CONNECTED in results and f'href="/a/{token}/summary.pdf"' in results
    pages = {"results": results}
    for name in ("print", "review"):
        pages[name] = client.get(f"/a/{token}/{name}").text
    rendered: list[str] = []
    real_render = results_module.render_pdf

    def spy(page: str, *, base_url: str, paper: str) -> bytes:
        rendered.append(page)
        return real_render(page, base_url=base_url, paper=paper)

    monkeypatch.setattr(results_module, "render_pdf", spy)
    assert client.get(f"/a/{token}/summary.pdf").status_code == 200
    pages["pdf"] = rendered[0]
    assert pages["pdf"].index(crisis) < pages["pdf"].index("<h1")
    for name, page in pages.items():
        assert _false_claims(page) == [], name
        if name != "review":
            assert "not connected to a clinic" in page, name


def test_a_standalone_consultation_request_is_refused_and_never_stored(
    app: FastAPI, client: BrowserClient
) -> None:
    token = _start(client)
    client.post(f"/a/{token}/feelings", data=FEELINGS_ITEM_9)
    form = client.get(f"/a/{token}/consultation")
    assert form.status_code == 200 and 'name="phone"' not in form.text
    assert "cannot send a request" in form.text
    refused = client.post(f"/a/{token}/consultation", data=CONTACT, follow_redirects=False)
    assert refused.status_code == 409
    assert "Your request was not sent" in refused.text and "not sent and not saved" in refused.text
    assert refused.text.index(country_resources(app.state.settings.country).title) < refused.text.index(
        "<main"
    )
    done = client.get(f"/a/{token}/consultation/done")
    for page in (form.text, refused.text, done.text):
        assert _false_claims(page) == []
    with app.state.sessions() as session:
        assert session.scalars(select(ConsultationRequest)).all() == []


def test_a_request_stored_without_a_clinic_is_never_called_sent(app: FastAPI, client: BrowserClient) -> None:
    _, token = unassigned_assessment(app, suicide_risk=False, request_name="Lee Lost")
    for page in ("results", "consultation/done", "consultation"):
        text = client.get(f"/a/{token}/{page}").text
        assert "That request has not reached a clinic" in text, page
        assert _false_claims(text) == [], page


# --- Unassigned assessments ---------------------------------------------------------------------


def test_admins_see_unassigned_assessments_risk_first_with_only_what_identifies_them(
    app: FastAPI, world: World
) -> None:
    quiet, _ = unassigned_assessment(app, suicide_risk=False, request_name=None)
    risk, _ = unassigned_assessment(app, suicide_risk=True, request_name="Lee Lost")
    requested, _ = unassigned_assessment(app, suicide_risk=False, request_name="Kim Quiet")
    admin = signed_in(app, world.admin_a)
    assert 'href="/staff/admin/unassigned"' in admin.get("/staff/admin/").text
    assert "3 assessments belong to no clinic" in admin.get("/staff/").text
    page = admin.get("/staff/admin/unassigned")
    assert page.status_code == 200
    rows = re.findall(r'<tr class="unassigned-row[^"]*" id="unassigned-(\d+)"', page.text)
    assert rows == [str(risk), str(requested), str(quiet)], "suicide-risk answers first, then requests"
    assert f'<tr class="unassigned-row group-alert" id="unassigned-{risk}"' in page.text
    assert "Suicide-risk answer (PHQ-9 item 9 above 0)" in page.text
    assert "Lee Lost" in page.text and "Kim Quiet" in page.text
    for private in ("555-0199", "lost@example.org", "Please call", "Evenings"):
        assert private not in page.text, "only what identifies the assessment is shown"
    assert f"unassigned-{world.assessment_a}" not in page.text, "a clinic's assessment is not listed"
    clinician = signed_in(app, world.clinician_a)
    assert clinician.get("/staff/admin/unassigned").status_code == 403
    assert "belong to no clinic" not in clinician.get("/staff/").text


def test_assigning_puts_the_item_9_alert_and_the_request_in_the_clinic_s_queue(
    app: FastAPI, world: World
) -> None:
    assessment_id, token = unassigned_assessment(app, suicide_risk=True, request_name="Lee Lost")
    with BrowserClient(app) as patient:
        assert f"/a/{token}/consultation" not in patient.get(f"/a/{token}/results").text
    admin = signed_in(app, world.admin_a)
    assigned = admin.post(f"/staff/admin/unassigned/{assessment_id}/assign", follow_redirects=False)
    assert assigned.status_code == 303
    with app.state.sessions() as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None and assessment.clinic_id == world.clinic_a
        alerts = session.scalars(select(ClinicAlert).where(ClinicAlert.assessment_id == assessment_id)).all()
        assert [(a.kind, a.handled_at) for a in alerts] == [("suicide_risk", None)]
        entries = session.scalars(select(AuditEvent).where(AuditEvent.staff_id == world.admin_a)).all()
        assert ("update", "assessment", assessment_id, world.clinic_a) in {
            (e.action, e.record_type, e.record_id, e.clinic_id) for e in entries
        }
    row = _queue_row(app, world.clinician_a, assessment_id)
    assert "Urgent alert: suicide-risk answer" in row and "New consultation request" in row
    assert "Lee Lost" in signed_in(app, world.clinician_a).get(f"/staff/assessments/{assessment_id}").text
    again = admin.post(f"/staff/admin/unassigned/{assessment_id}/assign", follow_redirects=False)
    assert again.status_code == 404, "an assessment that has a clinic cannot be taken by another"
    with BrowserClient(app) as patient:
        results = patient.get(f"/a/{token}/results").text
        assert f'href="/a/{token}/consultation"' in results and NOT_CONNECTED not in results
