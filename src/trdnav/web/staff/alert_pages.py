"""Route: closing a clinic alert with an outcome and a note (never with one click).

The form is on the assessment page, inside the alert's box; a missing outcome, note or number of
attempts re-renders that page (422) at the form with the error summary, and nothing is written.
Another clinic's alert answers 404 and nothing is written; an alert already closed is left as it
is. Closing is audited by the store with the outcome's id; the note stays on the alert.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from trdnav.store.alerts import close_alert
from trdnav.store.models import ClinicAlert
from trdnav.web.dependencies import DbSession, Knowledge
from trdnav.web.form_models import form_lists, read_form
from trdnav.web.staff.alert_view import AlertCloseForm
from trdnav.web.staff.principal import StaffPrincipal, not_found
from trdnav.web.staff.router import router
from trdnav.web.staff.workspace import detail_page


@router.post("/staff/alerts/{alert_id}/close", response_model=None)
async def alert_close(
    request: Request, alert_id: int, principal: StaffPrincipal, session: DbSession, kb: Knowledge
) -> Response:
    alert = session.get(ClinicAlert, alert_id)
    if alert is None or alert.assessment.clinic_id != principal.clinic_id:
        raise not_found()
    assessment = alert.assessment
    back = f"/staff/assessments/{assessment.id}#alert-{alert.id}"
    if alert.handled_at is not None:
        return RedirectResponse(back, status_code=303)
    outcomes = {o.id: o for o in kb.alert_outcomes.for_kind(alert.kind)}
    checked = read_form(
        AlertCloseForm,
        form_lists(await request.form()),
        {"outcomes": {o.id: o.asks_attempts for o in outcomes.values()}},
    )
    if checked.model is None:
        principal.record_read(session, "read", "assessment", assessment.id)
        name = f"alert-{alert.id}"
        return detail_page(
            request,
            principal,
            kb,
            assessment,
            status_code=422,
            errors={name: checked.errors},
            given={name: checked.values},
        )
    outcome = outcomes[checked.model.outcome]
    close_alert(
        session,
        principal.actor(),
        alert,
        outcome,
        note=checked.model.note,
        attempts=checked.model.attempts_number(outcome.asks_attempts),
    )
    return RedirectResponse(back, status_code=303)
