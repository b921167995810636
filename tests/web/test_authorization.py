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
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.routing import Mount, Route

from tests.web.conftest import BrowserClient, Care, World, signed_in
from trdnav.store.models import Base
from trdnav.web.staff.principal import current_principal

PERSONAS = ("anonymous", "link_holder", "clinician_a", "clinician_b", "admin_a")

Category = Literal["public", "link", "staff", "clinic_a", "admin_a", "reset_link", "cds_client"]

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
    # Whoever holds a password reset link an admin made (none of the personas: a made-up one is 404).
    "reset_link": set(),
    # A CDS client (an EHR) with a JWT signed by a key its clinic trusts: none of the personas
    # (tests/web/test_cds_hooks.py calls these as an EHR does).
    "cds_client": set(),
}

ACCESS: dict[tuple[str, str], Category] = {
    ("GET", "/openapi.json"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/docs/swagger-ui/{file}"): "public",
    ("POST", "/api/v1/assessments:evaluate"): "public",
    ("POST", "/api/v1/assessments"): "public",
    ("POST", "/api/v1/fhir/QuestionnaireResponse/$evaluate"): "public",
    ("GET", "/fhir/Questionnaire/trdnav-intake"): "public",
    ("GET", "/cds-services"): "public",
    ("POST", "/cds-services/{service_id}"): "cds_client",
    ("POST", "/cds-services/{service_id}/feedback"): "cds_client",
    ("GET", "/staff/records"): "staff",  # each clinic's own uploads
    ("POST", "/staff/records"): "staff",
    ("GET", "/staff/records/{upload_id}"): "clinic_a",
    ("POST", "/staff/records/{upload_id}/start"): "clinic_a",
    ("GET", "/staff/admin/cds"): "admin_a",
    ("POST", "/staff/admin/cds/clients"): "admin_a",
    ("POST", "/staff/admin/cds/clients/remove"): "admin_a",
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
    ("GET", "/a/{token}/sources"): "link",
    ("POST", "/a/{token}/sure"): "link",
    ("GET", "/a/{token}/summary.pdf"): "link",
    ("GET", "/a/{token}/sources.pdf"): "link",
    ("GET", "/a/{token}/consultation"): "link",
    ("POST", "/a/{token}/consultation"): "link",
    ("GET", "/a/{token}/consultation/done"): "link",
    ("GET", "/a/{token}/email"): "link",
    ("POST", "/a/{token}/email"): "link",
    ("POST", "/a/{token}/email/delete"): "link",
    ("GET", "/static/{file}"): "public",
    ("GET", "/staff/login"): "public",
    ("POST", "/staff/login"): "public",
    ("POST", "/staff/logout"): "public",  # signing out without a session does nothing
    ("GET", "/staff/two-factor"): "staff",
    ("POST", "/staff/two-factor"): "staff",
    ("GET", "/staff/two-factor/setup"): "staff",
    ("POST", "/staff/two-factor/setup"): "staff",
    ("POST", "/staff/two-factor/disable"): "staff",
    ("GET", "/staff/password"): "staff",
    ("POST", "/staff/password"): "staff",
    ("GET", "/staff/reset/{token}"): "reset_link",
    ("POST", "/staff/reset/{token}"): "reset_link",
    ("GET", "/staff/"): "staff",
    ("GET", "/staff/assessments/{assessment_id}"): "clinic_a",
    ("POST", "/staff/assessments/{assessment_id}/reviews"): "clinic_a",
    ("POST", "/staff/assessments/{assessment_id}/notes"): "clinic_a",
    ("POST", "/staff/assessments/{assessment_id}/link/rotate"): "clinic_a",
    ("POST", "/staff/assessments/{assessment_id}/link/revoke"): "clinic_a",
    ("POST", "/staff/consultations/{consultation_id}/status"): "clinic_a",
    ("GET", "/staff/assessments/{assessment_id}/summary"): "clinic_a",
    ("GET", "/staff/assessments/{assessment_id}/summary.pdf"): "clinic_a",
    ("GET", "/staff/assessments/{assessment_id}/export.json"): "clinic_a",
    ("GET", "/staff/assessments/{assessment_id}/questionnaire-response.json"): "clinic_a",
    ("GET", "/staff/assessments/{assessment_id}/export.fhir.json"): "clinic_a",
    ("GET", "/staff/assessments/{assessment_id}/delete"): "admin_a",
    ("POST", "/staff/assessments/{assessment_id}/delete"): "admin_a",
    ("GET", "/staff/admin/"): "admin_a",
    ("POST", "/staff/admin/settings"): "admin_a",
    ("GET", "/staff/admin/staff"): "admin_a",
    ("POST", "/staff/admin/staff"): "admin_a",
    ("POST", "/staff/admin/staff/{staff_id}/deactivate"): "admin_a",
    ("POST", "/staff/admin/staff/{staff_id}/activate"): "admin_a",
    ("POST", "/staff/admin/staff/{staff_id}/role"): "admin_a",
    ("POST", "/staff/admin/staff/{staff_id}/reset"): "admin_a",
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
    ("GET", "/staff/courses/{course_id}/doses/new"): "clinic_a",
    ("POST", "/staff/courses/{course_id}/doses"): "clinic_a",
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
    ("POST", "/staff/alerts/{alert_id}/close"): "clinic_a",
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
        "service_id": "trdnav-patient-view",
        "upload_id": str(care.upload),
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


# --- Guards set once per audience ------------------------------------------------------------------

# The staff routes that work before sign-in is complete: everything else under /staff requires the
# staff principal by default (trdnav.web.staff.router).
STAFF_BEFORE_SIGN_IN = {
    ("GET", "/staff/login"),
    ("POST", "/staff/login"),
    ("POST", "/staff/logout"),
    ("GET", "/staff/two-factor"),
    ("POST", "/staff/two-factor"),
    ("GET", "/staff/reset/{token}"),
    ("POST", "/staff/reset/{token}"),
}

# Unsafe requests the CSRF check lets through without a token: the JSON API (JSON bodies only).
CSRF_EXEMPT = {
    ("POST", "/api/v1/assessments:evaluate"),
    ("POST", "/api/v1/assessments"),
    ("POST", "/api/v1/fhir/QuestionnaireResponse/$evaluate"),
    ("POST", "/cds-services/{service_id}"),
    ("POST", "/cds-services/{service_id}/feedback"),
}


def _api_routes(app: FastAPI, package: str) -> list[APIRoute]:
    return [r for r in app.routes if isinstance(r, APIRoute) and r.endpoint.__module__.startswith(package)]


def test_every_staff_route_requires_the_principal_unless_it_comes_before_sign_in(
    app: FastAPI, world: World, extra_staff: int, care: Care, unassigned: int
) -> None:
    staff_routes = _api_routes(app, "trdnav.web.staff.")
    served = {(m, r.path) for r in staff_routes for m in r.methods - {"HEAD"}}
    assert served >= STAFF_BEFORE_SIGN_IN, "the exempt list names only staff routes the app serves"
    assert {path for _, path in served} == {c.path for c in served_routes(app) if c.path.startswith("/staff")}
    wrong = []
    for route in staff_routes:
        for method in sorted(route.methods - {"HEAD"}):
            guarded = any(d.call is current_principal for d in route.dependant.dependencies[:1])
            if guarded == ((method, route.path) in STAFF_BEFORE_SIGN_IN):
                wrong.append(f"{method} {route.path}: router guard {'set' if guarded else 'missing'}")
            anonymous = _outcome(
                app, Call(method, route.path), "anonymous", world, extra_staff, care, unassigned
            )
            if (method, route.path) not in STAFF_BEFORE_SIGN_IN and anonymous != "deny":
                wrong.append(f"{method} {route.path}: an anonymous request was not refused")
    assert not wrong, "\n".join(wrong)


def test_every_patient_and_staff_response_carries_its_private_headers(
    app: FastAPI, world: World, extra_staff: int, care: Care, unassigned: int
) -> None:
    """Every route of the patient package (private-link pages: noindex, nofollow and no-store) and of
    the staff package (no-store), for a request its audience may make; every private-link path is
    served by the patient package."""
    patient_routes = _api_routes(app, "trdnav.web.patient.")
    assert {r.path for r in patient_routes} >= {
        c.path for c in served_routes(app) if c.path.startswith("/a/")
    }
    missing = []
    for routes, persona, wanted in (
        (patient_routes, "link_holder", {"cache-control": "no-store", "x-robots-tag": "noindex, nofollow"}),
        (_api_routes(app, "trdnav.web.staff."), "admin_a", {"cache-control": "no-store"}),
    ):
        for route in routes:
            for method in sorted(route.methods - {"HEAD"}):
                path = _fill(route.path, persona, world, extra_staff, care, unassigned)
                with _client(app, persona, world) as client:
                    send = client.get if method == "GET" else client.post
                    response = send(path, follow_redirects=False)
                got = {name: response.headers.get(name) for name in wanted}
                if got != wanted:
                    missing.append(f"{method} {route.path} ({response.status_code}): {got}")
    assert not missing, "\n".join(missing)


def _state(app: FastAPI) -> tuple[int, ...]:
    """Row counts of every table: a refused request must leave each the same."""
    with app.state.sessions() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        )


def test_every_unsafe_request_without_the_csrf_token_is_refused_and_changes_nothing(
    app: FastAPI, world: World, extra_staff: int, care: Care, unassigned: int
) -> None:
    """The "no CSRF token" persona: a signed-in admin of clinic A who also holds the patient's link
    (so every route would otherwise let the request through) sends each unsafe request with the
    CSRF cookie but without the token. Each must answer 403 and write nothing, except the exempt
    JSON API."""
    unsafe = [c for c in served_routes(app) if c.method in {"POST", "PUT", "PATCH", "DELETE"}]
    assert {(c.method, c.path) for c in unsafe} >= CSRF_EXEMPT
    wrong = []
    with _client(app, "admin_a", world) as client:
        client.form_token()  # the browser has its CSRF cookie; the forms below leave the token out
        for call in unsafe:
            if (call.method, call.path) in CSRF_EXEMPT:
                continue
            path = _fill(call.path, "link_holder", world, extra_staff, care, unassigned)
            before = _state(app)
            response = TestClient.request(client, call.method, path, data={}, follow_redirects=False)
            if response.status_code != 403 or _state(app) != before:
                wrong.append(
                    f"{call.method} {call.path}: {response.status_code}, wrote: {_state(app) != before}"
                )
    assert not wrong, "\n".join(wrong)
