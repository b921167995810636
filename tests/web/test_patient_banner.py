"""Who a staff page is about: every staff page and staff PDF about one person names them (the name
of their latest consultation request, their age as answered), with the assessment and the clinic.

The walks take the routes from the app's route table, so a page added later is checked too.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI

from tests.web.conftest import Care, World, signed_in
from tests.web.staff_routes import fill, staff_routes
from trdnav.store.models import Assessment, ConsultationRequest
from trdnav.web.pdf import lay_out, render_pdf
from trdnav.web.staff.patient_banner import NO_NAME

BANNER = re.compile(r'<section class="patient-banner" aria-label="Patient">(.*?)</section>', re.S)


def _banner(page: str) -> str:
    found = BANNER.findall(page)
    assert len(found) == 1, f"{len(found)} patient banners"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[0])).strip()


def test_every_staff_page_about_one_person_shows_who_it_is(
    app: FastAPI, world: World, care: Care, extra_staff: int, unassigned: int
) -> None:
    """GET pages, and the forms re-rendered after a refused POST (sent empty), as an admin of the
    clinic (who may use every route); downloads and redirects carry no page."""
    admin = signed_in(app, world.admin_a)
    routes = sorted(
        (r for r in staff_routes(app) if r.about_one_person), key=lambda r: (r.method != "GET", r.path)
    )
    shown: list[str] = []
    for route in routes:
        path = fill(route.path, world, care, extra_staff, unassigned)
        if route.method == "GET":
            response = admin.get(path)
        else:
            response = admin.post(path, data={}, follow_redirects=False)
        assert response.status_code < 500, f"{route.method} {path}: {response.status_code}"
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        assert response.status_code not in (403, 404), f"{route.method} {path}: {response.status_code}"
        banner = _banner(response.text)
        assert "Patient Sam Example" in banner, f"{route.method} {path}: {banner}"
        assert "Age 45 (as answered on " in banner, f"{route.method} {path}: {banner}"
        assert f"Assessment {world.assessment_a}" in banner and "Clinic North Clinic" in banner
        shown.append(f"{route.method} {route.path}")
    # The walk reached the pages the issue names (a broken walk must not pass by checking nothing).
    for page in (
        "GET /staff/assessments/{assessment_id}",
        "GET /staff/assessments/{assessment_id}/courses/new",
        "GET /staff/assessments/{assessment_id}/outcomes",
        "GET /staff/assessments/{assessment_id}/summary",
        "GET /staff/assessments/{assessment_id}/delete",
        "GET /staff/courses/{course_id}",
        "GET /staff/courses/{course_id}/summary",
        "GET /staff/courses/{course_id}/sessions/new",
        "GET /staff/session-records/{record_id}",
        "GET /staff/session-records/{record_id}/correct",
        "POST /staff/assessments/{assessment_id}/notes",
    ):
        assert page in shown, f"{page} was not walked"


def test_pages_about_nobody_in_particular_have_no_banner(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    for path in ("/staff/", "/staff/outcomes", "/staff/admin/", "/staff/admin/audit", "/staff/admin/staff"):
        page = admin.get(path)
        assert page.status_code == 200, path
        assert "patient-banner" not in page.text, path


def test_without_a_consultation_request_the_banner_says_no_name_was_given(app: FastAPI, world: World) -> None:
    with app.state.sessions.begin() as session:
        assessment = session.get(Assessment, world.assessment_a)
        assert assessment is not None
        for request in list(assessment.consultations):
            session.delete(request)
        assessment.answers = {k: v for k, v in assessment.answers.items() if k != "age"}
    banner = _banner(signed_in(app, world.clinician_a).get(f"/staff/assessments/{world.assessment_a}").text)
    assert f"Patient {NO_NAME}" in banner and "Age Not given" in banner


def test_the_latest_consultation_request_names_the_person(app: FastAPI, world: World) -> None:
    with app.state.sessions.begin() as session:
        session.add(ConsultationRequest(assessment_id=world.assessment_a, name="Samantha Example-Reyes"))
    banner = _banner(signed_in(app, world.clinician_a).get(f"/staff/assessments/{world.assessment_a}").text)
    assert "Patient Samantha Example-Reyes" in banner


def _pdf_text(html: str, base_url: str) -> str:
    document = lay_out(html, base_url=base_url)
    boxes = [box for page in document.pages for box in page._page_box.descendants()]
    return " ".join(box.text for box in boxes if type(box).__name__ == "TextBox")


def test_every_staff_pdf_names_the_person_and_their_age(
    app: FastAPI, world: World, care: Care, extra_staff: int, unassigned: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each staff PDF route's HTML is laid out by WeasyPrint as the PDF is, and its text read."""
    pdf_routes = [r for r in staff_routes(app) if r.method == "GET" and r.path.endswith(".pdf")]
    assert len(pdf_routes) >= 2  # the clinician summary and the course summary
    client = signed_in(app, world.clinician_a)
    fed: list[tuple[str, str]] = []

    def keep(html: str, *, base_url: str, **options: Any) -> bytes:
        fed.append((html, base_url))
        return render_pdf(html, base_url=base_url, **options)

    for route in pdf_routes:
        fed.clear()
        monkeypatch.setattr(f"{route.module}.render_pdf", keep)
        response = client.get(fill(route.path, world, care, extra_staff, unassigned))
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), route.path
        assert len(fed) == 1, route.path
        text = re.sub(r"\s+", " ", _pdf_text(*fed[0]))
        assert "Sam Example" in text, route.path
        assert "45 (as answered on" in text, route.path
