"""Routes: the patient's check-in through the private link (PHQ-9 and GAD-7 again, each score its own
record). A PHQ-9 item 9 above 0 (the instrument's urgent alert in the knowledge base) raises an
urgent suicide-risk alert at once, even in a form refused for another answer, and shows crisis
resources before anything else. Every read or write appends one audit entry per record, in the
request's transaction.
"""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from trdnav.courses import outcomes as rules
from trdnav.courses.score_entry import INSTRUMENTS, check_patient_checkin, checkin_alerts, entry_alerts
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.alerts import raise_alert
from trdnav.store.models import Assessment
from trdnav.store.outcome_scores import active_course, add_score, alert_refused_risk_answer, course_outcome
from trdnav.web.dependencies import (
    DbSession,
    Knowledge,
    Now,
    assessment_or_404,
    patient_actor,
)
from trdnav.web.form_models import form_lists
from trdnav.web.forms import FieldError
from trdnav.web.patient.router import router
from trdnav.web.summary import long_date
from trdnav.web.templating import render


def _checkin_page(
    request: Request,
    kb: KnowledgeBase,
    assessment: Assessment,
    token: str,
    now: dt.datetime,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, FieldError] | None = None,
    status_code: int = 200,
    risk_answer: bool = False,
) -> Response:
    outcome = course_outcome(kb, assessment, now)
    alerts = kb.instruments["phq9"].alerts
    return render(
        request,
        "checkin.html",
        status_code=status_code,
        token=token,
        crisis=assessment.suicide_risk_alert or risk_answer,
        risk_text=alerts[0].text if risk_answer and alerts else "",
        risk_sent=risk_answer and assessment.clinic_id is not None,
        checkins=outcome.checkins if active_course(assessment) else [],
        state_words=rules.CHECKIN_STATE_WORDS,
        long_date=long_date,
        values=values or {},
        errors=errors or {},
    )


@router.get("/a/{token}/check-in", response_model=None)
def checkin_form(request: Request, token: str, session: DbSession, kb: Knowledge, now: Now) -> Response:
    return _checkin_page(request, kb, assessment_or_404(request, session, token, "read"), token, now)


@router.post("/a/{token}/check-in", response_model=None)
async def checkin_submit(
    request: Request, token: str, session: DbSession, kb: Knowledge, now: Now
) -> Response:
    """Both questionnaires, every question answered; each score is its own record. An item 9 above 0
    alerts the clinic and shows crisis resources first even when the rest is refused."""
    fields = form_lists(await request.form())
    entries, problems = check_patient_checkin(fields)
    if problems:
        assessment = assessment_or_404(request, session, token, "read")
        risk_answer = bool(checkin_alerts(fields, kb.urgent_instruments))
        if risk_answer:
            alert_refused_risk_answer(session, patient_actor(request, assessment), assessment)
        errors = {}
        for instrument, first_blank in problems.items():
            name = INSTRUMENTS[instrument][0]
            message = "Please choose one answer for each question."
            errors[instrument] = FieldError(
                instrument, message, f"{instrument}_{first_blank}-0", f"{name}: {message}"
            )
        values = {key: given[-1] for key, given in fields.items() if given and key != "csrf_token"}
        return _checkin_page(
            request,
            kb,
            assessment,
            token,
            now,
            values=values,
            errors=errors,
            status_code=422,
            risk_answer=risk_answer,
        )
    assessment = assessment_or_404(request, session, token, None)
    for entry in entries:
        actor = patient_actor(request, assessment)
        score = add_score(session, actor, assessment, entry, taken_at=now, source="patient", entered_by=None)
        for alert in entry_alerts(entry, kb.urgent_instruments):
            raise_alert(
                session, actor, assessment, alert["id"], source_type="outcome_score", source_id=score.id
            )
    return RedirectResponse(f"/a/{token}/check-in/done", status_code=303)


@router.get("/a/{token}/check-in/done", response_model=None)
def checkin_done(request: Request, token: str, session: DbSession, kb: Knowledge, now: Now) -> Response:
    assessment = assessment_or_404(request, session, token, "read")
    outcome = course_outcome(kb, assessment, now)
    upcoming = [c for c in outcome.checkins if c.state == "upcoming"] if active_course(assessment) else []
    return render(
        request,
        "checkin_done.html",
        token=token,
        crisis=assessment.suicide_risk_alert,
        alert_text=kb.instruments["phq9"].alerts[0].text if kb.instruments["phq9"].alerts else "",
        next_checkin=upcoming[0].due if upcoming else None,
        long_date=long_date,
    )
