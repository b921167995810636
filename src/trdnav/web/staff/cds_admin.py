"""EHR decision support for admins (clinicians get 403): the CDS Hooks clients the clinic trusts,
and how often each kind of card the service returned was followed or overridden, and why.

Adding or removing a client is audited ("create"/"delete" "cds_client", `store/cds_clients.py`);
viewing the page is audited too ("read" "cds_settings"). A client's public keys are pasted as a JWK
Set or given as the URL where the EHR publishes them (the page refuses private keys).
"""

from __future__ import annotations

import json

from fastapi import HTTPException, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from trdnav.store import audit
from trdnav.store.cds_clients import CdsClientError, add_client, clients_of, remove_client
from trdnav.store.cds_feedback import override_rates
from trdnav.store.models import Clinic
from trdnav.web.dependencies import DbSession
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.principal import AdminPrincipal, Principal
from trdnav.web.staff.router import router

PAGE = "/staff/admin/cds"
NOTICES = {
    "added": "The client is trusted: its signed calls now get cards.",
    "removed": "The client is no longer trusted.",
}


def _page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    clinic = session.get(Clinic, principal.clinic_id)
    if clinic is None:
        raise HTTPException(404)
    audit.record_read(session, principal.actor(), "read", "cds_settings", None)
    kb = request.app.state.kb
    reasons = {r.code: r.display for r in kb.cds.override_reasons} if kb.cds else {}
    return render_staff(
        request,
        "staff/admin_cds.html",
        principal,
        status_code=status_code,
        admin_clinic=clinic,
        clients=clients_of(session, clinic.id),
        rates=override_rates(session, clinic.id),
        reasons=reasons,
        service_url=str(request.base_url).rstrip("/") + "/cds-services",
        values=values or {},
        errors=errors or {},
        notice=NOTICES.get(request.query_params.get("notice", "")),
    )


@router.get(PAGE, response_class=HTMLResponse)
def cds_settings(request: Request, session: DbSession, principal: AdminPrincipal) -> HTMLResponse:
    return _page(request, session, principal)


def _field(error: CdsClientError) -> str:
    return "issuer" if error.field == "issuer" else "jwks_url" if error.field == "jwks_url" else "jwks"


@router.post(PAGE + "/clients", response_model=None)
async def cds_client_add(request: Request, session: DbSession, principal: AdminPrincipal) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in ("issuer", "jwks_url", "jwks")}
    errors: dict[str, str] = {}
    jwks: object | None = None
    if values["jwks"]:
        try:
            jwks = json.loads(values["jwks"])
        except json.JSONDecodeError:
            errors["jwks"] = 'The public keys are not JSON. Paste the client\'s JWK Set, {"keys": [...]}.'
    if not errors:
        clinic = session.get(Clinic, principal.clinic_id)
        assert clinic is not None
        try:
            add_client(
                session,
                principal.actor(),
                clinic,
                values["issuer"],
                jwks=jwks,
                jwks_url=values["jwks_url"] or None,
            )
        except CdsClientError as error:
            errors[_field(error)] = f"{error.field}: {error.message}."
        else:
            return RedirectResponse(PAGE + "?notice=added", status_code=303)
    return _page(request, session, principal, values=values, errors=errors, status_code=422)


@router.post(PAGE + "/clients/remove", response_model=None)
async def cds_client_remove(request: Request, session: DbSession, principal: AdminPrincipal) -> Response:
    issuer = str((await request.form()).get("issuer", "")).strip()
    if not issuer:
        errors = {"remove": "Choose the EHR to stop trusting."}
        return _page(request, session, principal, errors=errors, status_code=422)
    if not remove_client(session, principal.actor(), principal.clinic_id, issuer):
        raise HTTPException(404)  # not one of this clinic's clients
    return RedirectResponse(PAGE + "?notice=removed", status_code=303)
