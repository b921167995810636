"""Digits that are not ASCII ("²" passes str.isdigit() but not int(); "１２３４５６" are full-width) and
non-ASCII form tokens are refused like any other wrong value (403, 404 or 422), never a 500."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.courses.test_session_forms import KETAMINE
from tests.web.conftest import PASSWORD, BrowserClient, World, signed_in
from tests.web.test_admin import SETTINGS
from tests.web.test_session_records import make_course
from tests.web.test_signin import SETUP
from trdnav.store.models import ConsultationRequest

SUPERSCRIPT_TWO = "²"
FULL_WIDTH_CODE = "１２３４５６"


def test_a_non_ascii_csrf_token_is_refused_with_403(client: BrowserClient, world: World) -> None:
    client.form_token()  # the browser has its CSRF cookie
    form = {"email": "ana@north.example", "password": PASSWORD, "csrf_token": "é"}
    assert TestClient.post(client, "/staff/login", data=form).status_code == 403


def test_a_code_in_full_width_digits_is_a_wrong_code(client: BrowserClient, world: World) -> None:
    client.post("/staff/login", data={"email": "ana@north.example", "password": PASSWORD})
    assert client.get(SETUP).status_code == 200
    assert client.post(SETUP, data={"code": FULL_WIDTH_CODE}).status_code == 422


def test_page_numbers_that_are_not_ascii_digits_show_the_first_page(app: FastAPI, world: World) -> None:
    with signed_in(app, world.admin_a) as admin:
        assert admin.get("/staff/", params={"page": SUPERSCRIPT_TWO}).status_code == 200
        assert admin.get("/staff/admin/audit", params={"page": SUPERSCRIPT_TWO}).status_code == 200


def test_clinic_settings_with_non_ascii_digits_are_refused_with_422(app: FastAPI, world: World) -> None:
    with signed_in(app, world.admin_a) as admin:
        for wrong in ({"retention_days": SUPERSCRIPT_TWO}, {"opening_days": ["0", SUPERSCRIPT_TWO]}):
            assert admin.post("/staff/admin/settings", data={**SETTINGS, **wrong}).status_code == 422


def test_session_records_with_non_ascii_digits_are_refused(app: FastAPI, world: World) -> None:
    course_id, visit_id = make_course(app, world, "iv_ketamine_twice_weekly")
    sessions = f"/staff/courses/{course_id}/sessions"
    with signed_in(app, world.clinician_a) as clinician:
        assert clinician.get(f"{sessions}/new", params={"visit": SUPERSCRIPT_TWO}).status_code == 404
        assert clinician.post(sessions, data=KETAMINE | {"visit_id": SUPERSCRIPT_TWO}).status_code == 404
        wrong_rate = KETAMINE | {"visit_id": str(visit_id), "reading_0_heart_rate": SUPERSCRIPT_TWO}
        assert clinician.post(sessions, data=wrong_rate).status_code == 422


def test_a_check_in_answer_in_non_ascii_digits_is_refused_with_422(
    client: BrowserClient, world: World
) -> None:
    answers = {f"phq9_{n}": "1" for n in range(1, 10)} | {f"gad7_{n}": "1" for n in range(1, 8)}
    answer = client.post(f"/a/{world.token_a}/check-in", data=answers | {"phq9_1": SUPERSCRIPT_TWO})
    assert answer.status_code == 422


# --- A NUL or text that is not UTF-8 in a form (hazard H15) --------------------------------------

CONSULTATION = {"name": "Sam Lee", "phone": "", "email": "sam@example.org", "preferred_times": "Mornings"}


def _consultations(app: FastAPI) -> int:
    with app.state.sessions() as session:
        return len(session.scalars(select(ConsultationRequest)).all())


@pytest.mark.parametrize(
    "body",
    [
        "name=Sam%00Lee",  # a NUL, which PostgreSQL cannot store in text
        "name=Sam\x00Lee",  # the same, not encoded
        "name=Sam%ED%A0%80Lee",  # a lone surrogate encoded as UTF-8: not UTF-8, read as "\ufffd"
        "name=Sam%FFLee",  # not UTF-8
    ],
)
def test_a_form_field_with_a_nul_or_bytes_that_are_not_utf8_is_refused_with_400(
    app: FastAPI, client: BrowserClient, world: World, body: str
) -> None:
    fields = "&".join(f"{key}={value}" for key, value in CONSULTATION.items() if key != "name")
    before = _consultations(app)
    content = f"{body}&{fields}&csrf_token={client.form_token()}".encode("latin-1")
    with TestClient(app, raise_server_exceptions=False, cookies=client.cookies) as sender:
        response = sender.post(
            f"/a/{world.token_a}/consultation",
            content=content,
            headers={"content-type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )
    assert response.status_code == 400
    assert "This was not sent" in response.text and "cannot be read" in response.text
    assert _consultations(app) == before


def test_a_clean_form_still_goes_through_the_check(client: BrowserClient, world: World) -> None:
    response = client.post(f"/a/{world.token_a}/consultation", data=CONSULTATION, follow_redirects=False)
    assert response.status_code == 303
