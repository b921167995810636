"""A NUL character anywhere a person or a program can type is a clear error, never a 500: PostgreSQL
refuses NUL in text and in JSON, so it must never reach the database (every test here runs on
SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
import re

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.conftest import BrowserClient, World, signed_in

NUL = "\x00"


def test_a_nul_in_the_json_apis_strings_is_refused_as_a_problem_naming_where(app: FastAPI) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    documents = [
        {"version": 1, "answers": {"age": 40, "sex": "fe" + NUL + "male"}},
        {"version": 1, "answers": {"age": 40, "x" + NUL: "no"}},
        {"version": 1, "answers": {"age": 40}, "therapies": ["tms" + NUL]},
        {"version": 1, "answers": {"age": 40}, "notes" + NUL: 1},
    ]
    for path in ("/api/v1/assessments", "/api/v1/assessments:evaluate"):
        for document in documents:
            response = client.post(
                path, content=json.dumps(document), headers={"content-type": "application/json"}
            )
            assert 400 <= response.status_code < 500, (path, document, response.status_code)
            assert response.headers["content-type"].startswith("application/problem+json")


def test_a_nul_in_any_patient_or_staff_form_field_is_refused_never_a_500(app: FastAPI, world: World) -> None:
    patient = BrowserClient(app, raise_server_exceptions=False)
    staff = signed_in(app, world.admin_a)
    staff_client = BrowserClient(app, raise_server_exceptions=False)
    staff_client.cookies = staff.cookies
    posts = [
        (patient, "/staff/login", {"email": "ana@north.example" + NUL, "password": "x"}),
        (patient, f"/a/{world.token_a}/consultation", {"name": "Sam" + NUL, "phone": "555", "email": ""}),
        (patient, f"/a/{world.token_a}/about", {"age": "4" + NUL + "0"}),
        (
            staff_client,
            "/staff/admin/staff",
            {
                "email": "n@north.example",
                "name": "N" + NUL,
                "role": "clinician",
                "password": "a long password here",
            },
        ),
        (staff_client, f"/staff/assessments/{world.assessment_a}/notes", {"text": "note" + NUL}),
    ]
    for client, path, data in posts:
        response = client.post(path, data=data)
        assert response.status_code == 400, (path, response.status_code)
        assert "holds a character that cannot be read" in response.text


def test_a_nul_in_a_path_or_query_value_is_never_a_500(app: FastAPI, world: World) -> None:
    """Every GET route, its path parameters and query values holding a NUL (a NUL in a clinic's
    slug, ``/c/a%00b/``, was a 500 on PostgreSQL)."""
    staff = BrowserClient(app, raise_server_exceptions=False)
    staff.cookies = signed_in(app, world.admin_a).cookies
    anonymous = BrowserClient(app, raise_server_exceptions=False)
    failures = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        names = re.findall(r"\{(\w+)\}", route.path)
        query = (
            "&".join(f"{field.name}=a%00b" for field in route.dependant.query_params) or "notice=a%00b&q=%00"
        )
        path = route.path
        for name in names:
            path = path.replace("{" + name + "}", "a%00b")
        for client in (staff, anonymous):
            for url in (f"{path}?{query}", path.replace("a%00b", "1") + f"?{query}"):
                response = client.get(url)
                if response.status_code >= 500:
                    failures.append(f"{url}: {response.status_code}")
    assert not failures, "\n".join(failures)
