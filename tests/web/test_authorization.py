"""The authorization matrix, built from the app's own route table.

Every route the app serves must be listed in ``ACCESS`` with who may use it; the test fails on a
route that is not listed (so a new route cannot be missed), on a listed route that no longer
exists, and on any request whose outcome differs from the matrix. Each route is called by five
personas:

- ``anonymous``: no sign-in, and a made-up private link;
- ``link_holder``: no sign-in, holding clinic A's patient's private link;
- ``clinician_a`` and ``admin_a``: staff of clinic A (the records in the paths are clinic A's);
- ``clinician_b``: a clinician of clinic B, asking for clinic A's records.

"allow" means the request got past the access checks (any status below 400 except a redirect to
sign-in, or a 422 for the deliberately empty form); "deny" means a redirect to sign-in, 403 or 404.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from tests.web.conftest import BrowserClient, Care, World, signed_in

PERSONAS = ("anonymous", "link_holder", "clinician_a", "clinician_b", "admin_a")

Category = Literal["public", "link", "staff", "clinic_a", "admin_a"]

ALLOWED: dict[Category, set[str]] = {
    # Anyone: the start pages, the stateless API, sign-in, static files and the API docs.
    "public": set(PERSONAS),
    # Whoever holds the patient's private link, and nobody else (staff do not get patients' links).
    "link": {"link_holder"},
    # Any signed-in staff member of any clinic (pages about themselves, not about patients).
    "staff": {"clinician_a", "clinician_b", "admin_a"},
    # Staff of the clinic that owns the record.
    "clinic_a": {"clinician_a", "admin_a"},
    # Admins of the clinic that owns the record or setting.
    "admin_a": {"admin_a"},
}

ACCESS: dict[tuple[str, str], Category] = {
    ("GET", "/openapi.json"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/docs/swagger-ui/{file}"): "public",
    ("POST", "/api/v1/assessments:evaluate"): "public",
    ("POST", "/api/v1/assessments"): "public",
    ("GET", "/api/v1/assessments/{token}"): "link",
    ("GET", "/"): "public",
    ("POST", "/start"): "public",
    ("GET", "/c/{slug}/"): "public",
    ("POST", "/c/{slug}/start"): "public",
    ("GET", "/a/{token}"): "link",
    ("GET", "/a/{token}/about"): "link",
    ("POST", "/a/{token}/about"): "link",
    ("GET", "/a/{token}/feelings"): "link",
    ("POST", "/a/{token}/feelings"): "link",
    ("GET", "/a/{token}/safety"): "link",
    ("POST", "/a/{token}/safety"): "link",
    ("GET", "/a/{token}/priorities"): "link",
    ("POST", "/a/{token}/priorities"): "link",
    ("GET", "/a/{token}/review"): "link",
    ("GET", "/a/{token}/results"): "link",
    ("GET", "/a/{token}/print"): "link",
    ("POST", "/a/{token}/sure"): "link",
    ("GET", "/a/{token}/summary.pdf"): "link",
    ("GET", "/a/{token}/consultation"): "link",
    ("POST", "/a/{token}/consultation"): "link",
    ("GET", "/a/{token}/consultation/done"): "link",
    ("GET", "/static/{file}"): "public",
    ("GET", "/staff/login"): "public",
    ("POST", "/staff/login"): "public",
    ("POST", "/staff/logout"): "public",  # signing out without a session does nothing
    ("GET", "/staff/two-factor"): "staff",
    ("POST", "/staff/two-factor"): "staff",
    ("GET", "/staff/two-factor/setup"): "staff",
    ("POST", "/staff/two-factor/setup"): "staff",
    ("POST", "/staff/two-factor/disable"): "staff",
    ("GET", "/staff/"): "staff",
    ("GET", "/staff/assessments/{assessment_id}"): "clinic_a",
    ("POST", "/staff/assessments/{assessment_id}/reviews"): "clinic_a",
    ("POST", "/staff/assessments/{assessment_id}/notes"): "clinic_a",
    ("POST", "/staff/consultations/{consultation_id}/status"): "clinic_a",
    ("GET", "/staff/assessments/{assessment_id}/summary"): "clinic_a",
    ("GET", "/staff/assessments/{assessment_id}/summary.pdf"): "clinic_a",
    ("GET", "/staff/assessments/{assessment_id}/export.json"): "clinic_a",
    ("GET", "/staff/assessments/{assessment_id}/questionnaire-response.json"): "clinic_a",
    ("GET", "/staff/assessments/{assessment_id}/delete"): "admin_a",
    ("POST", "/staff/assessments/{assessment_id}/delete"): "admin_a",
    ("GET", "/staff/admin/"): "admin_a",
    ("POST", "/staff/admin/settings"): "admin_a",
    ("GET", "/staff/admin/staff"): "admin_a",
    ("POST", "/staff/admin/staff"): "admin_a",
    ("POST", "/staff/admin/staff/{staff_id}/deactivate"): "admin_a",
    ("POST", "/staff/admin/staff/{staff_id}/activate"): "admin_a",
    ("POST", "/staff/admin/staff/{staff_id}/role"): "admin_a",
    ("GET", "/staff/admin/audit"): "admin_a",
    ("GET", "/staff/admin/audit.csv"): "admin_a",
    # Assessments of no clinic: any clinic's admins, to assign to their own clinic.
    ("GET", "/staff/admin/unassigned"): "admin_a",
    ("POST", "/staff/admin/unassigned/{unassigned_id}/assign"): "admin_a",
    # Treatment courses, session records and outcomes.
    ("GET", "/staff/assessments/{assessment_id}/courses/new"): "clinic_a",
    ("POST", "/staff/assessments/{assessment_id}/courses/new"): "clinic_a",
    ("GET", "/staff/courses/{course_id}"): "clinic_a",
    ("POST", "/staff/courses/{course_id}/visits/{visit_id}/status"): "clinic_a",
    ("POST", "/staff/courses/{course_id}/visits/{visit_id}/move"): "clinic_a",
    ("GET", "/staff/courses/{course_id}/calendar.ics"): "clinic_a",
    ("GET", "/staff/courses/{course_id}/careplan.json"): "clinic_a",
    ("GET", "/staff/courses/{course_id}/summary"): "clinic_a",
    ("GET", "/staff/courses/{course_id}/summary.pdf"): "clinic_a",
    ("GET", "/a/{token}/courses"): "link",
    ("GET", "/a/{token}/courses/{course_id}/calendar.ics"): "link",
    ("GET", "/staff/courses/{course_id}/sessions/new"): "clinic_a",
    ("POST", "/staff/courses/{course_id}/sessions"): "clinic_a",
    ("GET", "/staff/session-records/{record_id}"): "clinic_a",
    ("GET", "/staff/session-records/{record_id}/correct"): "clinic_a",
    ("POST", "/staff/session-records/{record_id}/correct"): "clinic_a",
    ("GET", "/a/{token}/check-in"): "link",
    ("POST", "/a/{token}/check-in"): "link",
    ("GET", "/a/{token}/check-in/done"): "link",
    ("GET", "/staff/assessments/{assessment_id}/outcomes"): "clinic_a",
    ("POST", "/staff/assessments/{assessment_id}/scores"): "clinic_a",
    ("POST", "/staff/alerts/{alert_id}/handled"): "clinic_a",
    ("GET", "/staff/outcomes"): "staff",  # each clinic's own figures
    ("GET", "/staff/outcomes.csv"): "staff",
}

# A file served under each mount, for the calls to mounts.
MOUNT_SAMPLES = {"/static/{file}": "style.css", "/docs/swagger-ui/{file}": "swagger-ui.css"}

SIGN_IN = "/staff/login"


def _sends_to_sign_in(location: str) -> bool:
    """A redirect to sign in (or to the second step) first; other redirects are answers."""
    return location in (SIGN_IN, "/staff/two-factor") or location.startswith(
        (SIGN_IN + "?next=", "/staff/two-factor?next=")
    )


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # the route's template, e.g. /a/{token}/results


def served_routes(app: FastAPI) -> list[Call]:
    """Every (method, path template) the app answers, from its route table; HEAD is GET's twin."""
    calls: list[Call] = []
    for route in app.routes:
        if isinstance(route, Mount):  # files: one call for the mount, with a sample file
            calls.append(Call("GET", route.path + "/{file}"))
        elif isinstance(route, APIRoute | Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                calls.append(Call(method, route.path))
    return calls


def _fill(template: str, persona: str, world: World, extra_staff: int, care: Care, unassigned: int) -> str:
    values = {
        "token": world.token_a if persona == "link_holder" else secrets.token_urlsafe(16),
        "slug": "north",
        "assessment_id": str(world.assessment_a),
        "consultation_id": str(world.consultation_a),
        "staff_id": str(extra_staff),
        "course_id": str(care.course),
        "visit_id": str(care.visit),
        "record_id": str(care.record),
        "alert_id": str(care.alert),
        "unassigned_id": str(unassigned),
        "file": MOUNT_SAMPLES.get(template, ""),
    }
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"{template}: a path parameter this test does not know how to fill"
    return path


def _client(app: FastAPI, persona: str, world: World) -> BrowserClient:
    staff = {"clinician_a": world.clinician_a, "clinician_b": world.clinician_b, "admin_a": world.admin_a}
    return signed_in(app, staff[persona]) if persona in staff else BrowserClient(app)


def _outcome(
    app: FastAPI, call: Call, persona: str, world: World, extra_staff: int, care: Care, unassigned: int
) -> str:
    path = _fill(call.path, persona, world, extra_staff, care, unassigned)
    with _client(app, persona, world) as client:
        if call.method == "GET":
            response = client.get(path, follow_redirects=False)
        elif path.startswith("/api/"):
            response = client.post(path, json={"version": 1, "answers": {}}, follow_redirects=False)
        else:
            response = client.post(path, data={}, follow_redirects=False)
    assert response.status_code < 500, f"{call.method} {path} as {persona}: {response.status_code}"
    location = response.headers.get("location", "")
    if response.status_code in (401, 403, 404) or _sends_to_sign_in(location):
        return "deny"
    return "allow"


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    served = {(call.method, call.path) for call in served_routes(app)}
    unlisted = sorted(served - ACCESS.keys())
    stale = sorted(ACCESS.keys() - served)
    assert not unlisted, f"routes with no entry in ACCESS (say who may use them): {unlisted}"
    assert not stale, f"ACCESS lists routes the app no longer serves: {stale}"


def test_every_route_allows_exactly_the_personas_the_matrix_names(
    app: FastAPI, world: World, extra_staff: int, care: Care, unassigned: int
) -> None:
    calls = sorted(served_routes(app), key=lambda call: (call.method != "GET", call.path))
    differences = []
    for call in calls:
        category = ACCESS[(call.method, call.path)]
        for persona in PERSONAS:
            expected = "allow" if persona in ALLOWED[category] else "deny"
            actual = _outcome(app, call, persona, world, extra_staff, care, unassigned)
            if actual != expected:
                differences.append(
                    f"{call.method} {call.path} as {persona}: expected {expected}, got {actual}"
                )
    assert not differences, "\n".join(differences)
