"""Routes: the course summary report, as a printable page and as a PDF. It gathers one course's
calendar kept (with adherence), the sessions recorded (each as it stands now, corrections marked),
the scores chart and table, and the outcome, in the course's time zone.

A signed-in clinician or admin of the course's clinic may see it; another clinic's course answers
404 like an unknown id, and nothing is written. The page is one audited read of the course, the PDF
one audited export of it (the course's visits, session records and scores are shown as part of it).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from trdnav.courses import outcomes as rules
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.course_report import CourseReport, course_report
from trdnav.web.dependencies import DbSession, Knowledge, Now
from trdnav.web.outcome_view import INSTRUMENT_NAMES, SOURCE_WORDS
from trdnav.web.pdf import render_pdf
from trdnav.web.staff.outcome_pages import outcome_definitions
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.patient_banner import patient_identity
from trdnav.web.staff.principal import Principal, StaffPrincipal, own_course
from trdnav.web.staff.router import router
from trdnav.web.staff.session_record_view import record_rows
from trdnav.web.summary import long_date
from trdnav.web.templating import templates

PDF_FILENAME = "trd-navigator-course-{id}-summary.pdf"
KIND_NAMES = {"iv_ketamine": "IV ketamine infusion", "tms": "TMS session"}


def _percent(fraction: float | None) -> str:
    return "not yet (no visit done or missed)" if fraction is None else f"{fraction * 100:.0f}%"


def _yes_no(value: bool | None) -> str:
    return "cannot be said" if value is None else ("yes" if value else "no")


def _context(kb: KnowledgeBase, report: CourseReport) -> dict[str, Any]:
    course = report.course
    return {
        "report": report,
        "course": course,
        "assessment": course.assessment,
        "clinic_name": course.assessment.clinic.name if course.assessment.clinic else "",
        "adherence": _percent(report.counts.adherence),
        "response": _yes_no(report.response),
        "remission": _yes_no(report.remission),
        **outcome_definitions(kb),
        "state_words": rules.CHECKIN_STATE_WORDS,
        "instrument_names": INSTRUMENT_NAMES,
        "source_words": SOURCE_WORDS,
        "kind_names": KIND_NAMES,
        "record_rows": record_rows,
        "long_date": long_date,
    }


@router.get("/staff/courses/{course_id}/summary", response_class=HTMLResponse)
def course_summary_page(
    request: Request,
    course_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    kb: Knowledge,
    now: Now,
) -> HTMLResponse:
    """The course summary, ready for the browser's Print command."""
    course = own_course(session, principal, course_id)
    principal.record_read(session, "read", "course", course.id)
    report = course_report(session, kb, course, now)
    return render_staff(request, "staff/course_summary.html", principal, **_context(kb, report))


def course_summary_html(kb: KnowledgeBase, report: CourseReport, principal: Principal) -> str:
    """The HTML the PDF is made from (the same content as the page, without the site's frame)."""
    return templates.get_template("staff/course_summary_pdf.html").render(
        principal=principal, patient=patient_identity(report.course.assessment), **_context(kb, report)
    )


@router.get("/staff/courses/{course_id}/summary.pdf")
def course_summary_pdf(
    request: Request,
    course_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    kb: Knowledge,
    now: Now,
) -> Response:
    """The same summary as a PDF (WeasyPrint, no scripts, nothing fetched); an export in the audit trail."""
    course = own_course(session, principal, course_id)
    principal.record_read(session, "export", "course", course.id)
    report = course_report(session, kb, course, now)
    pdf = render_pdf(course_summary_html(kb, report, principal), base_url=str(request.base_url))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{PDF_FILENAME.format(id=course.id)}"',
        },
    )
