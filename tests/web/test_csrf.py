"""Every state-changing form refuses a request without this browser's CSRF token (403)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import BrowserClient, World, signed_in
from trdnav.store.models import Assessment, ConsultationRequest, Note
from trdnav.store.repository import find_by_token

FORMS = ["start", "about", "sure", "consultation"]


def _path(form: str, token: str) -> str:
    return "/start" if form == "start" else f"/a/{token}/{form}"


def _count(app: FastAPI, model: type) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("token_sent", ["missing", "forged", "from another browser"])
def test_a_form_without_this_browsers_token_is_refused_and_changes_nothing(
    app: FastAPI, client: BrowserClient, form: str, token_sent: str
) -> None:
    token = client.post("/start", follow_redirects=False).headers["location"].split("/")[2]
    fields = {"age": "47", "sure_1": "yes", "name": "Ann", "phone": "555-0100"}
    if token_sent == "forged":
        fields["csrf_token"] = "0" * 64
    elif token_sent == "from another browser":
        with BrowserClient(app) as other:
            fields["csrf_token"] = other.form_token()
    before = (_count(app, Assessment), _count(app, ConsultationRequest))
    response = TestClient.post(client, _path(form, token), data=fields, follow_redirects=False)
    assert response.status_code == 403
    assert "reload the page" in response.text
    assert (_count(app, Assessment), _count(app, ConsultationRequest)) == before
    with app.state.sessions() as session:
        stored = find_by_token(session, token)
        assert stored is not None and "age" not in stored.answers


def test_the_csrf_cookie_is_http_only_and_same_site_strict(client: BrowserClient) -> None:
    response = client.get("/")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("trdnav_csrf=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


def _cookie_and_token(app: FastAPI) -> tuple[str, str]:
    """An attacker's own valid pair: the cookie value and the token its start page carries."""
    with BrowserClient(app) as attacker:
        token = attacker.form_token()
        cookie = attacker.cookies.get("trdnav_csrf")
    assert cookie
    return cookie, token


def test_a_cookie_and_token_pair_planted_in_a_signed_in_browser_is_refused(
    app: FastAPI, world: World
) -> None:
    """Someone who can plant a cookie in the clinician's browser (a sibling subdomain, a plain-HTTP
    page) sets their own valid pair; the token is bound to the clinician's sign-in session, so the
    forged note is refused and nothing is written."""
    cookie, token = _cookie_and_token(app)
    victim = signed_in(app, world.clinician_a)
    victim.cookies.set("trdnav_csrf", cookie)
    notes = _count(app, Note)
    forged = TestClient.post(
        victim, f"/staff/assessments/{world.assessment_a}/notes", data={"text": "forged", "csrf_token": token}
    )
    assert forged.status_code == 403 and _count(app, Note) == notes
    own = victim.post(f"/staff/assessments/{world.assessment_a}/notes", data={"text": "mine"})
    assert own.status_code < 400 and _count(app, Note) == notes + 1, "the clinician's own form still works"


def test_a_form_from_before_signing_in_is_refused_after_it(app: FastAPI, world: World) -> None:
    """Signing in changes the token (it is bound to the session): the login page's token is no use
    for the workspace's forms."""
    client = BrowserClient(app)
    before = client.form_token()
    signed = signed_in(app, world.clinician_a)
    signed.cookies.set("trdnav_csrf", client.cookies.get("trdnav_csrf") or "")
    response = TestClient.post(
        signed, f"/staff/assessments/{world.assessment_a}/notes", data={"text": "x", "csrf_token": before}
    )
    assert response.status_code == 403


def test_in_production_the_cookie_is_host_only_and_a_plain_one_is_not_believed(
    production_app: FastAPI,
) -> None:
    """__Host-: only this host, over HTTPS, path /, can set it; a `trdnav_csrf` cookie someone else
    planted is ignored."""
    with BrowserClient(production_app, base_url="https://testserver") as browser:
        page = browser.get("/")
        cookie = page.headers["set-cookie"]
        assert cookie.startswith("__Host-trdnav_csrf=") and "Secure" in cookie and "Path=/" in cookie
        assert "Domain" not in cookie
        token = browser.form_token()
        value = browser.cookies.get("__Host-trdnav_csrf")
    with BrowserClient(production_app, base_url="https://testserver") as planted:
        planted.cookies.set("trdnav_csrf", value or "")
        response = TestClient.post(planted, "/start", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403
