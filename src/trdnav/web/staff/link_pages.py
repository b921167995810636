"""Staff replace (rotate) or turn off (revoke) a patient's private link, from the assessment page.

A new link is shown once, on the page the form returns (never in a redirect or an address), to be
given to the patient; the old one stops working at once. Both are audited by the store functions
(`trdnav.store.private_links`); showing the page after is a read of the assessment.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from trdnav.store.private_links import revoke_link, rotate_link
from trdnav.web.dependencies import DbSession, Knowledge, Now
from trdnav.web.staff.principal import StaffPrincipal, own_assessment
from trdnav.web.staff.router import router
from trdnav.web.staff.workspace import detail_page


@router.post("/staff/assessments/{assessment_id}/link/rotate", response_class=HTMLResponse)
def link_rotate(
    request: Request,
    assessment_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    kb: Knowledge,
    now: Now,
) -> HTMLResponse:
    assessment = own_assessment(session, principal, assessment_id)
    token = rotate_link(session, principal.actor(), assessment, now)
    principal.record_read(session, "read", "assessment", assessment.id)
    link = f"{str(request.base_url).rstrip('/')}/a/{token}"
    return detail_page(request, principal, kb, assessment, new_link=link)


@router.post("/staff/assessments/{assessment_id}/link/revoke", response_model=None)
def link_revoke(
    assessment_id: int, principal: StaffPrincipal, session: DbSession, now: Now
) -> RedirectResponse:
    assessment = own_assessment(session, principal, assessment_id)
    revoke_link(session, principal.actor(), assessment, now)
    return RedirectResponse(f"/staff/assessments/{assessment.id}#private-link", status_code=303)
