"""The course summary report (printable page and PDF) for the clinician, on SQLite and PostgreSQL.

The `care` course: IV ketamine twice weekly from 2026-10-19 (New York time), one infusion of 35.0 mg
recorded at visit 1. Tests here mark visits, correct the record and add scores where they need them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from weasyprint import HTML  # type: ignore[import-untyped]

from tests.web.conftest import (
    KETAMINE_SESSION,
    Care,
    World,
    add_patient,
    review_screen,
    safety_all_no,
    signed_in,
)
from trdnav.courses.session_forms import check_dose, check_ketamine
from trdnav.knowledge.loader import load
from trdnav.store import audit
from trdnav.store.course_plans import create_course
from trdnav.store.course_report import course_report
from trdnav.store.models import (
    Assessment,
    AuditEvent,
    Clinic,
    Course,
    CourseVisit,
    OutcomeScore,
    SessionRecord,
)
from trdnav.store.outcome_scores import course_outcome
from trdnav.store.session_records import correct_record
from trdnav.store.stored_result import assess_stored
from trdnav.web.pdf import _refuse_fetch, _stylesheets, render_pdf

NEW_FIGURES = {
    "confirmed_dose_mg": "36.0",
    "confirmed_volume_ml": "36.00",
    "confirmed_rate_ml_per_hour": "54.0",
}


def _rows_since(app: FastAPI, seq: int) -> list[tuple[str, str, int | None, int | None, int | None]]:
    with app.state.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq))
        return [(e.action, e.record_type, e.record_id, e.clinic_id, e.staff_id) for e in events]


def _last_seq(app: FastAPI) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0))) or 0)


def _treated(app: FastAPI, world: World, care: Care) -> None:
    """Visit 1 done, visit 2 missed, the infusion corrected (weight 72 kg), two PHQ-9 and a GAD-7."""
    clinician = audit.Actor(
        kind="staff", role="clinician", staff_id=world.clinician_a, clinic_id=world.clinic_a
    )
    with app.state.sessions.begin() as session:
        course = session.get(Course, care.course)
        assert course is not None
        visits = sorted(course.visits, key=lambda v: v.number)
        visits[0].status, visits[1].status = "done", "missed"
        first = visits[0].starts_at
        first = first.replace(tzinfo=dt.UTC) if first.tzinfo is None else first
        original = session.get(SessionRecord, care.record)
        assert original is not None
        checked = check_ketamine(
            KETAMINE_SESSION,
            load().session_ranges.ranges,
            load().session_ranges.monitoring,
            check_dose(
                KETAMINE_SESSION | {"weight_kg": "72"} | NEW_FIGURES, load().dosing.iv_ketamine.limits
            ).data,
            planned=None,
            now=dt.datetime(2026, 10, 19, 20, 0, tzinfo=dt.UTC),
            timezone="America/New_York",
        )
        assert checked.storable, checked.errors
        correct_record(session, clinician, original, checked.data, "Weight was misread on the scale")
        for instrument, total, days in (("phq9", 16, -2), ("phq9", 10, 5), ("gad7", 9, 5)):
            session.add(
                OutcomeScore(
                    assessment_id=world.assessment_a,
                    course_id=course.id,
                    instrument=instrument,
                    total=total,
                    taken_at=first + dt.timedelta(days=days),
                    source="clinician",
                    entered_by=world.clinician_a,
                )
            )


def test_the_summary_page_shows_calendar_sessions_scores_and_outcome(
    app: FastAPI, world: World, care: Care
) -> None:
    clinician = signed_in(app, world.clinician_a)
    page = clinician.get(f"/staff/courses/{care.course}/summary")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert "IV ketamine" in text
    assert f"{world.assessment_a}, started" in text
    assert "35.0 mg" in text  # the infusion's computed dose
    assert "0.5 mg/kg" in text and "70 kg" in text and "52.5 mL/h" in text
    assert "128/82 mmHg" in text and "Dissociation, clinician rating 0 to 10</th><td>3<" in text
    assert "escort confirmed" in text
    assert "<td>Mon 19 Oct 2026</td><td>08:00 EDT</td><td>Done</td>" in text  # visit 1, New York time
    assert text.count("<td>Planned</td>") == 5
    assert "Done: 1. Missed: 0. Still planned: 5." in text  # recording the infusion marked visit 1 done
    assert "(done + missed)): 100%." in text
    assert 'class="scores-chart"' in text
    assert "knowledge version " + load().version in text
    assert "555-0100" not in text and "sam@example.org" not in text  # no contact details
    assert '<dd class="patient-name">Sam Example</dd>' in text  # who it is about: the banner
    assert f'href="/staff/courses/{care.course}/summary.pdf"' in text


def test_corrections_counts_scores_and_outcome_are_reported(app: FastAPI, world: World, care: Care) -> None:
    _treated(app, world, care)
    text = signed_in(app, world.clinician_a).get(f"/staff/courses/{care.course}/summary").text
    assert "Done: 1. Missed: 1. Still planned: 4." in text
    assert "Adherence (done ÷ (done + missed)): 50%." in text
    assert text.count("<td>Missed</td>") == 1 and text.count("<td>Done</td>") == 1
    assert "Corrected record" in text and "Weight was misread on the scale" in text
    assert "36.0 mg" in text and "35.0 mg" not in text  # the record as it stands now
    assert "Baseline PHQ-9 16" in text
    assert "Improving (PHQ-9 20% to under 50% below baseline)" in text  # 16 -> 10 is 37.5% down
    assert "38% below baseline" in text
    assert "<dt>Response</dt><dd>no</dd>" in text and "<dt>Remission</dt><dd>no</dd>" in text
    assert "Halfway not reached yet (1 of 5 sessions done)." in text
    assert "Entered by clinician" in text and "GAD-7" in text


def test_the_report_agrees_with_the_outcomes_page(app: FastAPI, world: World, care: Care) -> None:
    _treated(app, world, care)
    kb = load()
    now = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    with app.state.sessions() as session:
        course = session.get(Course, care.course)
        assessment = session.get(Assessment, world.assessment_a)
        assert course is not None and assessment is not None
        report = course_report(session, kb, course, now)
        outcome = course_outcome(kb, assessment, now)
    assert report.baseline == outcome.baseline
    assert report.latest == outcome.latest
    assert report.status == outcome.status
    assert report.halfway == outcome.halfway
    assert report.checkins == outcome.checkins
    assert report.counts.adherence == 0.5


def _laid_out(html: str) -> tuple[str, list[Any]]:
    """The text WeasyPrint lays out on the PDF's pages, and the replaced boxes (images, SVG) on them."""
    document = HTML(string=html, url_fetcher=_refuse_fetch, media_type="print").render(
        stylesheets=list(_stylesheets())
    )
    boxes = [box for page in document.pages for box in page._page_box.descendants()]
    text = " ".join(box.text for box in boxes if type(box).__name__ == "TextBox")
    return text, [box for box in boxes if type(box).__name__.endswith("ReplacedBox")]


def test_the_pdf_holds_the_dose_and_draws_the_chart(
    app: FastAPI, world: World, care: Care, monkeypatch: pytest.MonkeyPatch
) -> None:
    fed: list[str] = []

    def keep(html: str, *, base_url: str) -> bytes:
        fed.append(html)
        return render_pdf(html, base_url=base_url)

    monkeypatch.setattr("trdnav.web.staff.course_report_pages.render_pdf", keep)
    pdf = signed_in(app, world.clinician_a).get(f"/staff/courses/{care.course}/summary.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        f'attachment; filename="trd-navigator-course-{care.course}-summary.pdf"'
    )
    assert pdf.headers["cache-control"] == "no-store"
    assert len(fed) == 1
    assert "<script" not in fed[0] and "style=" not in fed[0] and "<style" not in fed[0]
    text, replaced = _laid_out(fed[0])
    assert "35.0 mg" in text
    assert "Calendar kept" in text and "Sessions recorded" in text and "Outcome" in text
    charts = [box for box in replaced if type(box.replacement).__name__ == "SVGImage"]
    assert len(charts) == 1 and charts[0].width > 0 and charts[0].height > 0


def test_each_view_is_one_audit_row_for_the_course(app: FastAPI, world: World, care: Care) -> None:
    clinician = signed_in(app, world.clinician_a)
    seq = _last_seq(app)
    assert clinician.get(f"/staff/courses/{care.course}/summary").status_code == 200
    assert _rows_since(app, seq) == [("read", "course", care.course, world.clinic_a, world.clinician_a)]
    seq = _last_seq(app)
    assert clinician.get(f"/staff/courses/{care.course}/summary.pdf").status_code == 200
    assert _rows_since(app, seq) == [("export", "course", care.course, world.clinic_a, world.clinician_a)]


def test_another_clinic_gets_404_and_nothing_is_written(app: FastAPI, world: World, care: Care) -> None:
    other = signed_in(app, world.clinician_b)
    seq = _last_seq(app)
    for path in (f"/staff/courses/{care.course}/summary", f"/staff/courses/{care.course}/summary.pdf"):
        assert other.get(path).status_code == 404
        assert other.get(path.replace(str(care.course), "999999")).status_code == 404
    assert _rows_since(app, seq) == []


def test_signed_out_is_sent_to_sign_in(app: FastAPI, world: World, care: Care) -> None:
    from tests.web.conftest import BrowserClient

    seq = _last_seq(app)
    response = BrowserClient(app).get(f"/staff/courses/{care.course}/summary", follow_redirects=False)
    assert response.status_code in (303, 401)
    assert _rows_since(app, seq) == []


def test_the_course_page_links_to_the_summary(app: FastAPI, world: World, care: Care) -> None:
    page = signed_in(app, world.clinician_a).get(f"/staff/courses/{care.course}").text
    assert f'href="/staff/courses/{care.course}/summary"' in page
    assert f'href="/staff/courses/{care.course}/summary.pdf"' in page


def test_a_tms_record_is_worded_with_its_own_fields(app: FastAPI, world: World, care: Care) -> None:
    with app.state.sessions.begin() as session:
        course = session.get(Course, care.course)
        assert course is not None
        course.protocol_id = "tms_10hz"
        visit = session.get(CourseVisit, care.visit)
        session.add(
            SessionRecord(
                course=course,
                visit_id=visit.id if visit else None,
                kind="tms",
                data={
                    "rmt_percent": 55,
                    "rmt_method": "visual",
                    "intensity_percent_mt": 120,
                    "output_percent": 66,
                    "pulses": 3000,
                    "protocol": "10 Hz",
                    "target": "left_dlpfc",
                    "scalp_pain": 2,
                    "headache": True,
                    "seizure": False,
                    "adverse_event": "",
                },
                recorded_by=world.clinician_a,
            )
        )
    text = signed_in(app, world.clinician_a).get(f"/staff/courses/{care.course}/summary").text
    assert "TMS session, visit 2" in text
    assert "120% of motor threshold" in text and "3,000" in text
    assert "Transcranial magnetic stimulation" in text


def test_the_summary_and_the_pdf_carry_the_safety_screen_and_the_review(
    app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A TMS course for a patient whose answers make TMS contraindicated, after a clinician's override."""
    kb = load()
    answers = safety_all_no() | {"cochlear_implant": "yes"}
    reason = "Implant removed in 2025; ENT letter on file."
    clinician = audit.Actor(
        kind="staff", role="clinician", staff_id=world.clinician_a, clinic_id=world.clinic_a
    )
    with app.state.sessions.begin() as session:
        clinic = session.get(Clinic, world.clinic_a)
        assert clinic is not None
        assessment = add_patient(session, clinic.id, answers)
        result, _ = assess_stored(answers, ["tms"])
        assert result["therapies"]["tms"]["safety"] == "contraindicated"
        rules = [r["rule"] for r in result["therapies"]["tms"]["reasons"]]
        review_screen(session, assessment, world.clinician_a, "tms", status="needs_review", reason=reason)
        course = create_course(
            session,
            clinician,
            assessment,
            clinic,
            kb.protocols["tms_10hz"].plan,
            staff_id=world.clinician_a,
            start=dt.date(2026, 11, 2),
            unavailable=[],
            taper=False,
        ).id
    wanted = [
        f"Safety screen for {kb.therapies['tms'].name}: Contraindicated",
        *rules,
        "Needs review (overridden)",
        "Ana North",
        reason,
    ]
    page = signed_in(app, world.clinician_a).get(f"/staff/courses/{course}/summary").text
    banner = page.split('id="course-safety"')[1].split("</section>")[0]
    assert all(words in banner for words in wanted), banner

    fed: list[str] = []
    monkeypatch.setattr(
        "trdnav.web.staff.course_report_pages.render_pdf",
        lambda html, *, base_url: fed.append(html) or render_pdf(html, base_url=base_url),
    )
    assert signed_in(app, world.clinician_a).get(f"/staff/courses/{course}/summary.pdf").status_code == 200
    text, _ = _laid_out(fed[0])
    assert all(words in text for words in wanted), text
