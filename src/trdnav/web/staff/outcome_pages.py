"""Routes: measurement-based care for staff. The clinician's outcomes page for one patient (chart,
scores, status, halfway flag, check-ins, open alerts with a link to close each on the assessment
page, `trdnav.web.staff.alert_pages`) with score entry, and the
clinic's response and remission rates per therapy (page and CSV). The patient's check-in is in
`trdnav.web.patient.check_in`.

A PHQ-9 item 9 above 0 (the instrument's urgent alert in the knowledge base) entered by a clinician
raises an urgent suicide-risk alert at once, even in a form refused for another answer (the queue
puts the patient first). Staff routes see only their own clinic: other clinics' records answer 404
and nothing is written. Every read or write of patient data appends one audit entry per record, in
the request's transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from trdnav.courses import outcomes as rules
from trdnav.courses.rates import INTERVAL_METHOD, TherapyRates, eligibility, therapy_rates
from trdnav.courses.score_entry import (
    check_clinician_entry,
    entry_alerts,
)
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.alerts import KINDS as ALERT_KINDS
from trdnav.store.alerts import open_alerts, raise_alert
from trdnav.store.models import Assessment, Clinic, OutcomeScore
from trdnav.store.outcome_scores import (
    add_score,
    alert_refused_risk_answer,
    clinic_course_results,
    course_outcome,
)
from trdnav.web.dependencies import DbSession, Knowledge, Now
from trdnav.web.form_models import form_lists
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.principal import Principal, StaffPrincipal, own_assessment
from trdnav.web.staff.router import router

CSV_COLUMNS = (
    "therapy",
    "n",
    "responders",
    "response_rate",
    "response_ci_low",
    "response_ci_high",
    "remitters",
    "remission_rate",
    "remission_ci_low",
    "remission_ci_high",
)
EVIDENCE_WORDS = {
    "verified": "verified",
    "secondary": "secondary source",
    "unverified": "unverified",
    "clinical_opinion": "clinical opinion",
}


# --- One patient's outcomes, for the clinician ---------------------------------------------------


def outcome_definitions(kb: KnowledgeBase) -> dict[str, Any]:
    """The response and remission definitions with their sources, and the thresholds for the pages'
    own rules ("improving", the halfway flag), all from the knowledge base."""
    data = kb.outcome_rules
    cited = dict.fromkeys(data.response_percent.citations + data.remission_below.citations)
    sources = [kb.citations[c] for c in cited]
    return {
        "definitions": (data.rules.response_definition, data.rules.remission_definition),
        "definitions_source": "; ".join(f"{c.title} ({c.source}, {c.year})" for c in sources),
        "outcome_rules": data.rules,
    }


def _outcomes_page(
    request: Request,
    session: Session,
    principal: Principal,
    kb: KnowledgeBase,
    assessment: Assessment,
    now: dt.datetime,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    given: dict[str, str] | None = None,
) -> HTMLResponse:
    """Showing the page is one read of the assessment (its scores, courses and alerts with it)."""
    principal.record_read(session, "read", "assessment", assessment.id)
    outcome = course_outcome(kb, assessment, now)
    scores: list[OutcomeScore] = sorted(assessment.outcome_scores, key=lambda s: (s.taken_at, s.id))
    return render_staff(
        request,
        "staff/outcomes.html",
        principal,
        status_code=status_code,
        assessment=assessment,
        outcome=outcome,
        scores=scores,
        therapy_names={t.id: t.name for t in kb.therapies.values()},
        protocol_names={p.id: p.name for p in kb.protocols.values()},
        alerts=open_alerts(session, assessment.id),
        alert_kinds=ALERT_KINDS,
        state_words=rules.CHECKIN_STATE_WORDS,
        **outcome_definitions(kb),
        errors=errors or {},
        given=given or {},
        today=now.astimezone(outcome.zone).date().isoformat(),
    )


@router.get("/staff/assessments/{assessment_id}/outcomes", response_class=HTMLResponse)
def outcomes_page(
    request: Request,
    assessment_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    kb: Knowledge,
    now: Now,
) -> HTMLResponse:
    assessment = own_assessment(session, principal, assessment_id)
    return _outcomes_page(request, session, principal, kb, assessment, now)


@router.post("/staff/assessments/{assessment_id}/scores", response_model=None)
async def score_submit(
    request: Request,
    assessment_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    kb: Knowledge,
    now: Now,
) -> Response:
    """A clinician enters a PHQ-9 or GAD-7: the total, or every item; item 9 above 0 raises the alert."""
    assessment = own_assessment(session, principal, assessment_id)
    fields = form_lists(await request.form())
    outcome_zone = course_outcome(kb, assessment, now).zone
    checked = check_clinician_entry(fields, now.astimezone(outcome_zone).date(), kb.urgent_instruments)
    if checked.entry is None or checked.taken_on is None:
        if checked.alerts:  # item 9 above 0 alerts at once, even though the entry is refused
            alert_refused_risk_answer(session, principal.actor(), assessment)
        return _outcomes_page(
            request,
            session,
            principal,
            kb,
            assessment,
            now,
            status_code=422,
            errors=checked.errors,
            given=checked.values,
        )
    # a score taken on a past day is placed at noon local time on that day
    taken_at = dt.datetime.combine(checked.taken_on, dt.time(12, 0), tzinfo=outcome_zone)
    if checked.taken_on == now.astimezone(outcome_zone).date():
        taken_at = now
    score = add_score(
        session,
        principal.actor(),
        assessment,
        checked.entry,
        taken_at=taken_at,
        source="clinician",
        entered_by=principal.staff_id,
    )
    for alert in entry_alerts(checked.entry, kb.urgent_instruments):
        raise_alert(
            session,
            principal.actor(),
            assessment,
            alert["id"],
            source_type="outcome_score",
            source_id=score.id,
        )
    return RedirectResponse(f"/staff/assessments/{assessment.id}/outcomes#scores", status_code=303)


# --- The clinic's rates --------------------------------------------------------------------------


def _clinic_rates(
    session: Session, kb: KnowledgeBase, principal: Principal, now: dt.datetime
) -> list[TherapyRates]:
    clinic = session.get(Clinic, principal.clinic_id)
    results = clinic_course_results(session, kb, principal.clinic_id, now)
    wanted = set(clinic.therapies if clinic else ()) | {r.therapy for r in results}
    order = [t for t in kb.therapies if t in wanted] + sorted(wanted - set(kb.therapies))
    return therapy_rates(results, order, kb.outcome_rules.rules)


def _published(kb: KnowledgeBase, therapy: str) -> list[dict[str, Any]]:
    """The knowledge base's published benefit figures for a therapy, with their sources."""
    found = kb.therapies.get(therapy)
    if found is None:
        return []
    return [
        {
            "text": fact.clinician_text or fact.text,
            "evidence": EVIDENCE_WORDS[fact.evidence],
            "uncertainty": fact.uncertainty,
            "sources": [kb.citations[c] for c in fact.citations if c in kb.citations],
        }
        for fact in found.benefits
    ]


@router.get("/staff/outcomes", response_class=HTMLResponse)
def clinic_outcomes(
    request: Request, principal: StaffPrincipal, session: DbSession, kb: Knowledge, now: Now
) -> HTMLResponse:
    rates = _clinic_rates(session, kb, principal, now)
    principal.record_read(session, "read", "clinic_outcomes", None)
    return render_staff(
        request,
        "staff/clinic_outcomes.html",
        principal,
        rates=rates,
        therapy_names={t.id: t.name for t in kb.therapies.values()},
        published={r.therapy: _published(kb, r.therapy) for r in rates},
        **outcome_definitions(kb),
        eligibility=eligibility(kb.outcome_rules.rules),
        interval_method=INTERVAL_METHOD,
    )


def _fraction(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@router.get("/staff/outcomes.csv")
def clinic_outcomes_csv(principal: StaffPrincipal, session: DbSession, kb: Knowledge, now: Now) -> Response:
    """One row per therapy; rates and interval bounds as fractions (0-1), blank when n is 0."""
    rates = _clinic_rates(session, kb, principal, now)
    principal.record_read(session, "export", "clinic_outcomes", None)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rates:
        row: list[str | int] = [r.therapy, r.n]
        for rate in (r.response, r.remission):
            interval = rate.interval
            row += [
                rate.k,
                _fraction(rate.value),
                _fraction(interval.low if interval else None),
                _fraction(interval.high if interval else None),
            ]
        writer.writerow(row)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="trd-navigator-clinic-outcomes.csv"',
        },
    )
