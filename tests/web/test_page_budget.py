"""What a page costs to send: every page is at most 100 KB of HTML and CSS (the page plus the
stylesheets it links), and responses are gzip-compressed when the browser asks for it.

The pages are rendered for a realistic assessment: five options offered, a cochlear implant and an
unsure answer about seizures (so reasons and open questions are shown), priorities and a practical
barrier, a consultation request and a course under way."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import all_no
from tests.web.conftest import World, signed_in
from trdnav.knowledge.loader import load
from trdnav.store.models import Clinic, Course, CourseVisit
from trdnav.store.repository import create_assessment, request_consultation

KB = load()
PAGE_BUDGET = 100_000  # bytes of HTML plus every stylesheet the page links
# Pages known to be over the budget, each with the size it may not grow past: none since the results
# page with five options came under (137 KB to 98 KB: its list of sources moved to a page of its own,
# leaner markup for the facts and icon arrays, stylesheets sent minified, the questions' rules in
# their own stylesheet). Strict both ways: a page that goes over fails, and so does a listed page that
# comes under, so the entry is removed with the change that does it.
KNOWN_OVER: dict[str, int] = {}
ANSWERS: dict[str, Any] = all_no()["answers"] | {
    "age": 47,
    "conditions": ["depression", "chronic_pain"],
    "failed_antidepressant_trials": 3,
    "phq9": [2, 2, 1, 3, 1, 2, 1, 0, 0],
    "gad7": [1, 1, 2, 0, 1, 0, 1],
    "cochlear_implant": "yes",
    "seizure_history": "unsure",
    "needs_fast_relief": "yes",
    "can_attend_daily_sessions": "no",
    "has_ride_home": "unsure",
    "dislikes_needles": "yes",
    "insurance": "covers_tms",
}
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


def _five_options(app: FastAPI, world: World) -> tuple[int, str]:
    """Clinic A offers all five options; a patient of it compared them, asked for a visit and is
    in a TMS course."""
    with app.state.sessions.begin() as session:
        clinic = session.get(Clinic, world.clinic_a)
        assert clinic is not None
        clinic.therapies = list(KB.manifest.therapies)
        assessment, token = create_assessment(
            session,
            therapies=list(KB.manifest.therapies),
            knowledge_version=KB.version,
            contract_version=KB.manifest.contract_version,
            answers=ANSWERS,
            clinic_id=clinic.id,
        )
        assessment.last_step = "results"
        request_consultation(
            session,
            assessment,
            name="Sam Example",
            phone="555-0100",
            email="sam@example.org",
            preferred_times="Weekday mornings",
            message="I would like to talk about TMS.",
        )
        first = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
        course = Course(
            assessment_id=assessment.id,
            protocol_id="tms_10hz",
            start_date=first.date(),
            timezone="America/New_York",
            unavailable_dates=[],
            created_by=world.clinician_a,
        )
        session.add(course)
        for n in range(30):
            status = "done" if n < 5 else "planned"
            course.visits.append(
                CourseVisit(number=n + 1, starts_at=first + dt.timedelta(days=n), status=status)
            )
        session.flush()
        return assessment.id, token


def _size(client: TestClient, url: str) -> tuple[int, int]:
    """The bytes a browser fetches for the page (HTML plus its stylesheets), raw and gzip-compressed."""
    page = client.get(url)
    assert page.status_code == 200, url
    assert page.headers["content-type"].startswith("text/html"), url
    parts = [page.content] + [client.get(href).content for href in STYLESHEET.findall(page.text)]
    return sum(map(len, parts)), sum(len(gzip.compress(part, 6)) for part in parts)


def _patient_pages(token: str) -> list[str]:
    steps = [step.id for step in KB.steps]
    pages = [*steps, "review", "results", "print", "sources", "consultation", "check-in", "courses"]
    return ["/", *(f"/a/{token}/{page}" for page in pages)]


def test_every_page_is_at_most_100_kb_of_html_and_css(app: FastAPI, world: World, client: TestClient) -> None:
    assessment, token = _five_options(app, world)
    sizes = {url.replace(token, "{token}"): _size(client, url) for url in _patient_pages(token)}
    staff = signed_in(app, world.admin_a)
    for url in (
        "/staff/",
        f"/staff/assessments/{assessment}",
        f"/staff/assessments/{assessment}/summary",
        f"/staff/assessments/{assessment}/outcomes",
        "/staff/admin/",
    ):
        sizes[url.replace(str(assessment), "{id}")] = _size(staff, url)

    for url, (raw, packed) in sizes.items():  # for docs/performance.md: pytest -s shows them
        print(f"{url}: {raw:,} bytes, {packed:,} gzip")
    over = {url: raw for url, (raw, _) in sizes.items() if raw > PAGE_BUDGET}
    assert set(over) == set(KNOWN_OVER), f"pages over {PAGE_BUDGET:,} bytes of HTML and CSS: {over}"
    grown = {url: raw for url, raw in over.items() if raw > KNOWN_OVER[url]}
    assert grown == {}, f"pages grown past their known size: {grown}"


def test_responses_are_compressed_only_when_the_browser_asks(
    app: FastAPI, world: World, client: TestClient
) -> None:
    _, token = _five_options(app, world)
    asked = client.get(f"/a/{token}/results", headers={"Accept-Encoding": "gzip"})
    plain = client.get(f"/a/{token}/results", headers={"Accept-Encoding": "identity"})

    assert asked.headers["content-encoding"] == "gzip"
    assert int(asked.headers["content-length"]) < len(asked.content) / 3, "HTML compresses well"
    assert "content-encoding" not in plain.headers
    assert asked.text == plain.text, "the same page, decoded by the browser"
    for response in (asked, plain):  # the headers every response gets still apply
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert response.headers["x-request-id"]
    css = client.get("/static/results.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["content-encoding"] == "gzip"


def test_a_pdf_download_is_sent_whole_and_uncompressed(
    app: FastAPI, world: World, client: TestClient
) -> None:
    _, token = _five_options(app, world)
    pdf = client.get(f"/a/{token}/summary.pdf", headers={"Accept-Encoding": "gzip"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert "content-encoding" not in pdf.headers, "a PDF is compressed inside already"
    assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
