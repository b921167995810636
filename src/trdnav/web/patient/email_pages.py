"""Routes: e-mail on request. A person may ask for their private link and next steps to be e-mailed
now, and opt into reminders before visits and when a check-in is due (`trdnav reminders send`).

Only with an SMTP host set (``TRDNAV_SMTP_HOST``); otherwise the page says e-mail is not offered
and nothing is kept. The address is kept only for this, shown back to the person, and deletable
(which cancels what is still queued). "Send my link now" tries at once with a short timeout; when
the server does not take it, the message stays queued for the command's next run.
"""

from __future__ import annotations

from fastapi import Request
from pydantic import ValidationInfo, field_validator
from starlette.responses import RedirectResponse, Response

from trdnav.store.email_outbox import delete_contact, queue_link, save_contact
from trdnav.store.models import Assessment
from trdnav.web.dependencies import (
    AppSettings,
    DbSession,
    Knowledge,
    Now,
    assessment_or_404,
    audit_patient,
    patient_actor,
)
from trdnav.web.email_delivery import REQUEST_TIMEOUT_SECONDS, try_send
from trdnav.web.form_models import FormModel, form_lists, plain, read_form
from trdnav.web.patient.consultation import EMAIL
from trdnav.web.patient.router import router
from trdnav.web.templating import render

CHOICES = "choices"  # the error key for "choose at least one thing to send"
DONE_WORDS = {
    "sent": "We sent the e-mail. If you do not see it soon, check your spam folder.",
    "queued": "We could not send the e-mail just now. We will try again in a few minutes.",
    "saved": "Your choices are saved.",
    "deleted": "Your e-mail address is deleted. We will not e-mail you.",
}


class EmailForm(FormModel):
    """An address, at least one thing to send, and the person's explicit yes."""

    address: str
    send_link: str
    visit_reminders: str
    checkin_reminders: str
    consent: str

    @field_validator("address")
    @classmethod
    def _address(cls, address: str) -> str:
        if not address:
            raise plain("Please type your e-mail address.")
        if len(address) > 254 or not EMAIL.match(address):
            raise plain("Please check your e-mail address. It should look like name@example.com.")
        return address

    @field_validator("checkin_reminders")
    @classmethod
    def _something(cls, checkin: str, info: ValidationInfo) -> str:
        if not (checkin or info.data.get("send_link") or info.data.get("visit_reminders")):
            raise plain("Please choose at least one thing to e-mail you.", under=CHOICES)
        return checkin

    @field_validator("consent")
    @classmethod
    def _consent(cls, consent: str) -> str:
        if consent != "yes":
            raise plain("Please tick the box to say yes, you want these e-mails.")
        return consent


def private_link(request: Request, token: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/a/{token}/results"


def _page(
    request: Request,
    assessment: Assessment,
    token: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    contact = assessment.email_contact
    return render(
        request,
        "email.html",
        status_code=status_code,
        crisis=assessment.suicide_risk_alert,
        token=token,
        enabled=request.app.state.settings.email_enabled,
        contact=contact,
        values=values or {},
        errors=errors or {},
        choices_error=CHOICES,
        done=DONE_WORDS.get(request.query_params.get("done", ""), ""),
    )


@router.get("/a/{token}/email", response_model=None)
def email_form(request: Request, token: str, session: DbSession) -> Response:
    return _page(request, assessment_or_404(request, session, token, "read"), token)


@router.post("/a/{token}/email", response_model=None)
async def email_submit(
    request: Request, token: str, session: DbSession, kb: Knowledge, settings: AppSettings, now: Now
) -> Response:
    form = read_form(EmailForm, form_lists(await request.form()))
    assessment = assessment_or_404(request, session, token, None)
    if not settings.email_enabled or form.model is None:
        audit_patient(request, session, assessment, "read")
        return _page(
            request,
            assessment,
            token,
            values=form.values,
            errors=form.errors,
            status_code=409 if not settings.email_enabled else 422,
        )
    chosen = form.model
    connected = assessment.clinic_id is not None  # reminders need a clinic's visits and check-ins
    actor = patient_actor(request, assessment)
    save_contact(
        session,
        actor,
        assessment,
        address=chosen.address,
        visit_reminders=connected and bool(chosen.visit_reminders),
        checkin_reminders=connected and bool(chosen.checkin_reminders),
        now=now,
    )
    done = "saved"
    if chosen.send_link:
        message = queue_link(session, actor, assessment, private_link(request, token), now)
        status = try_send(session, kb, settings, message, now, actor=actor, timeout=REQUEST_TIMEOUT_SECONDS)
        done = "sent" if status == "sent" else "queued"
    return RedirectResponse(f"/a/{token}/email?done={done}", status_code=303)


@router.post("/a/{token}/email/delete", response_model=None)
def email_delete(request: Request, token: str, session: DbSession) -> Response:
    assessment = assessment_or_404(request, session, token, None)
    if not delete_contact(session, patient_actor(request, assessment), assessment):
        audit_patient(request, session, assessment, "read")
    return RedirectResponse(f"/a/{token}/email?done=deleted", status_code=303)
