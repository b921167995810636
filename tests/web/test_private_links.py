"""Private links expire when idle (the clinic's setting), and staff rotate or revoke them; whoever
opens a closed link is told, in plain words, how to get a new one, and never sees the answers."""

from __future__ import annotations

import datetime as dt
import re

from fastapi import FastAPI
from sqlalchemy import select

from tests.web.conftest import BrowserClient, World, signed_in
from trdnav.store.models import Assessment, AuditEvent, Clinic

CONTACT = "Call North Clinic on 555-0123, Monday to Friday."
START = dt.datetime.now(dt.UTC)
RESULTS_MARKER = "<h1>Your results</h1>"


def _at(app: FastAPI, days: float) -> None:
    """Move the app's clock ``days`` after the test began."""
    moment = START + dt.timedelta(days=days)
    app.state.clock = lambda: moment


def _clinic(app: FastAPI, world: World, **changes: object) -> None:
    with app.state.sessions.begin() as session:
        clinic = session.get(Clinic, world.clinic_a)
        assert clinic is not None
        for name, value in changes.items():
            setattr(clinic, name, value)


def _assessment(app: FastAPI, world: World) -> Assessment:
    with app.state.sessions() as session:
        found = session.get(Assessment, world.assessment_a)
        assert found is not None
        return found


def _results(client: BrowserClient, token: str) -> tuple[int, str]:
    page = client.get(f"/a/{token}/results")
    return page.status_code, page.text


def test_a_link_unused_for_longer_than_the_clinics_limit_shows_how_to_get_a_new_one(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _clinic(app, world, contact_text=CONTACT)
    _at(app, 89.9)
    status, page = _results(client, world.token_a)
    assert status == 200 and RESULTS_MARKER in page
    _at(app, 89.9 + 90.1)  # the use at day 89.9 started a new idle period
    status, page = _results(client, world.token_a)
    assert status == 410
    assert "This link has expired" in page and "after 90 days without being used" in page
    assert "To get a new link, contact North" in page and CONTACT in page
    assert RESULTS_MARKER not in page
    for path in ("", "/summary.pdf", "/check-in", "/courses", "/email", "/consultation"):
        assert client.get(f"/a/{world.token_a}{path}").status_code == 410, path
    api = client.get(f"/api/v1/assessments/{world.token_a}")
    assert api.status_code == 410 and "age" not in api.text


def test_use_moves_the_last_used_time_at_most_once_an_hour(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    before = _assessment(app, world)
    _at(app, 10)
    assert _results(client, world.token_a)[0] == 200
    used = _assessment(app, world)
    assert used.link_used_at == START + dt.timedelta(days=10)
    assert used.updated_at == before.updated_at, "opening the link changes nothing in the assessment"
    _at(app, 10 + 0.5 / 24)
    assert _results(client, world.token_a)[0] == 200
    assert _assessment(app, world).link_used_at == START + dt.timedelta(days=10), "not written again"
    _at(app, 10 + 2 / 24)
    assert _results(client, world.token_a)[0] == 200
    assert _assessment(app, world).link_used_at == START + dt.timedelta(days=10, hours=2)


def test_a_clinic_that_chose_never_keeps_its_links_working(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _clinic(app, world, link_idle_days=None)
    _at(app, 3000)
    assert _results(client, world.token_a)[0] == 200
    _clinic(app, world, link_idle_days=30)
    _at(app, 3000 + 31)
    assert _results(client, world.token_a)[0] == 410


def _private_link_rows(app: FastAPI) -> list[AuditEvent]:
    with app.state.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.record_type == "private_link")))


NEW_LINK = re.compile(r'<code id="new-link">http://testserver/a/([A-Za-z0-9_-]{43})</code>')


def test_staff_rotate_a_link_the_new_one_is_shown_once_and_the_old_one_stops(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _clinic(app, world, contact_text=CONTACT)
    clinician = signed_in(app, world.clinician_a)
    page = clinician.get(f"/staff/assessments/{world.assessment_a}")
    assert "The patient's private link" in page.text and "Works. Last used" in page.text
    rotated = clinician.post(f"/staff/assessments/{world.assessment_a}/link/rotate")
    assert rotated.status_code == 200
    found = NEW_LINK.search(rotated.text)
    assert found, "the new link is shown to pass on"
    new_token = found.group(1)
    assert new_token not in clinician.get(f"/staff/assessments/{world.assessment_a}").text, "shown once"
    status, old = _results(client, world.token_a)
    assert status == 410 and "This link has been replaced" in old and CONTACT in old
    assert RESULTS_MARKER not in old
    assert _results(client, new_token)[0] == 200
    [row] = _private_link_rows(app)
    assert (row.action, row.record_id, row.detail, row.staff_id, row.clinic_id) == (
        "update",
        world.assessment_a,
        "rotated",
        world.clinician_a,
        world.clinic_a,
    )
    assert new_token not in row.address + row.detail


def test_staff_revoke_a_link_and_its_holder_is_told_to_contact_the_clinic(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _clinic(app, world, contact_text=CONTACT)
    clinician = signed_in(app, world.clinician_a)
    revoked = clinician.post(f"/staff/assessments/{world.assessment_a}/link/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    page = clinician.get(f"/staff/assessments/{world.assessment_a}").text
    assert "Turned off" in page and "cannot open their answers until you make a new link" in page
    status, closed = _results(client, world.token_a)
    assert status == 410 and "This link was turned off" in closed
    assert "To get a new link, contact North" in closed and CONTACT in closed
    assert client.post(f"/a/{world.token_a}/consultation", data={"name": "X"}).status_code in {403, 410}
    [row] = _private_link_rows(app)
    assert (row.detail, row.staff_id) == ("revoked", world.clinician_a)
    # A new link brings the patient back.
    found = NEW_LINK.search(clinician.post(f"/staff/assessments/{world.assessment_a}/link/rotate").text)
    assert found and _results(client, found.group(1))[0] == 200
    assert _results(client, world.token_a)[0] == 410


def test_another_clinics_staff_cannot_rotate_or_revoke(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    other = signed_in(app, world.clinician_b)
    for action in ("rotate", "revoke"):
        assert other.post(f"/staff/assessments/{world.assessment_a}/link/{action}").status_code == 404
    assert _results(client, world.token_a)[0] == 200
    assert _private_link_rows(app) == []


def test_unknown_links_stay_plain_not_found(client: BrowserClient) -> None:
    assert client.get("/a/" + "x" * 43 + "/results").status_code == 404
