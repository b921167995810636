"""Every state-changing form refuses a request without this browser's CSRF token (403)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import BrowserClient
from trdnav.store.models import Assessment, ConsultationRequest
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
