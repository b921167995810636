"""Clinic administration (admins only; clinicians get 403): settings, staff accounts, audit trail,
and the assessments that belong to no clinic, to assign to the admin's own.

An admin sees and changes only their own clinic: another clinic's staff id answers 404, like an
unknown one. Settings and account changes are audited ("update" "clinic", "create"/"update"
"staff"); viewing the audit trail is itself audited ("read" "audit_trail"), and so is its CSV
export ("export" "audit_trail"). Reading the unassigned list is audited ("read"
"unassigned_assessments"), and so is assigning one ("update" "assessment", `store/unassigned.py`).

The audit entry for a view or an export is appended before the entries are listed, in the same
transaction, so the page and the CSV file both end with the entry that records them: a file
always accounts for its own making, and two exports never disagree about what came before.
The CSV is built in memory because the request's database session ends when the handler returns.
"""

from __future__ import annotations

import io

from fastapi import HTTPException, Request
from sqlalchemy import select
from starlette.responses import HTMLResponse, RedirectResponse, Response

from trdnav.store import audit
from trdnav.store.accounts import ROLES, AccountError
from trdnav.store.clinic_admin import (
    EmailInUseElsewhere,
    StaffChangeError,
    add_staff,
    save_settings,
    set_active,
    set_role,
    settings_values,
    staff_in_clinic,
)
from trdnav.store.models import Clinic, Staff
from trdnav.store.password_changes import create_reset
from trdnav.store.signin import is_locked
from trdnav.store.unassigned import assign_to_clinic, count_unassigned, unassigned_assessments
from trdnav.web.dependencies import AppSettings, DbSession, Now, current_time
from trdnav.web.form_models import form_lists, read_form
from trdnav.web.staff.clinic_settings_form import (
    LINK_IDLE_MAX_DAYS,
    PRICE_MAX,
    RETENTION_MAX_DAYS,
    RETENTION_MIN_DAYS,
    WEEKDAY_NAMES,
    ClinicSettingsForm,
)
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.principal import AdminPrincipal, Principal
from trdnav.web.staff.router import router
from trdnav.web.staff.staff_account_forms import NewStaffForm, RoleForm, account_problem

AUDIT_PAGE_SIZE = 100
AUDIT_ACTIONS = (
    "read",
    "create",
    "update",
    "delete",
    "export",
    "sent",
    "retry",
    "failed",
    "cancelled",
    "sign_in_failed",
)
AUDIT_RECORD_TYPES = (
    "assessment",
    "consultation",
    "review",
    "note",
    "queue",
    "clinic",
    "staff",
    "staff_session",
    "audit_trail",
    "course",
    "course_visit",
    "session_record",
    "outcome_score",
    "alert",
    "unassigned_assessments",
    "private_link",
    "password_reset",
)
STAFF_NOTICES = {
    # The same words whether the account was added or its address has one at another clinic (which
    # must not be revealed): a new account shows in the list below.
    "added": "The account is added unless its e-mail address is already in use (then it is not in the "
    "list below: ask the person for another address). Give the person their temporary password in "
    "person or by phone: they choose their own when they first sign in.",
    "deactivated": "The account was deactivated and its sign-in sessions were ended.",
    "activated": "The account was reactivated.",
    "role": "The role was changed.",
}


def _clinic(session: DbSession, principal: Principal) -> Clinic:
    clinic = session.get(Clinic, principal.clinic_id)
    assert clinic is not None, "a signed-in account always has its clinic"
    return clinic


# --- Settings ----------------------------------------------------------------------------------


def _settings_page(
    request: Request,
    principal: Principal,
    clinic: Clinic,
    *,
    values: dict[str, object],
    errors: dict[str, str] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    kb = request.app.state.kb
    return render_staff(
        request,
        "staff/admin_settings.html",
        principal,
        status_code=status_code,
        admin_clinic=clinic,
        intake_link=f"{str(request.base_url).rstrip('/')}/c/{clinic.slug}/",
        therapy_choices=[(t, kb.therapies[t].name) for t in kb.manifest.therapies],
        values=values,
        errors=errors or {},
        saved=saved,
        retention_min=RETENTION_MIN_DAYS,
        retention_max=RETENTION_MAX_DAYS,
        link_idle_max=LINK_IDLE_MAX_DAYS,
        weekday_names=WEEKDAY_NAMES,
        price_max=PRICE_MAX,
    )


@router.get("/staff/admin/", response_class=HTMLResponse)
def settings_form(request: Request, session: DbSession, principal: AdminPrincipal) -> HTMLResponse:
    clinic = _clinic(session, principal)
    saved = request.query_params.get("saved") == "1"
    return _settings_page(request, principal, clinic, values=settings_values(clinic), saved=saved)


@router.post("/staff/admin/settings", response_model=None)
async def save_settings_form(request: Request, session: DbSession, principal: AdminPrincipal) -> Response:
    clinic = _clinic(session, principal)
    kb = request.app.state.kb
    context = {"therapies": {t: kb.therapies[t].name for t in kb.manifest.therapies}}
    submitted = read_form(ClinicSettingsForm, form_lists(await request.form()), context)
    if submitted.model is None:
        return _settings_page(
            request, principal, clinic, values=submitted.values, errors=submitted.errors, status_code=422
        )
    save_settings(session, principal.actor(), clinic, submitted.model.settings())
    return RedirectResponse("/staff/admin/?saved=1", status_code=303)


# --- Staff -------------------------------------------------------------------------------------


def _staff_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    row_errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    clinic = _clinic(session, principal)
    moment = current_time(request)
    members = session.scalars(
        select(Staff).where(Staff.clinic_id == clinic.id).order_by(Staff.name, Staff.id)
    )
    return render_staff(
        request,
        "staff/admin_staff.html",
        principal,
        status_code=status_code,
        admin_clinic=clinic,
        members=[(member, is_locked(member, moment)) for member in members],
        roles=ROLES,
        values=values or {"role": "clinician"},
        errors=errors or {},
        row_errors=row_errors or {},
        notice=STAFF_NOTICES.get(request.query_params.get("notice", "")),
    )


@router.get("/staff/admin/staff", response_class=HTMLResponse)
def staff_list(request: Request, session: DbSession, principal: AdminPrincipal) -> HTMLResponse:
    return _staff_page(request, session, principal)


@router.post("/staff/admin/staff", response_model=None)
async def staff_add(request: Request, session: DbSession, principal: AdminPrincipal) -> Response:
    submitted = read_form(NewStaffForm, form_lists(await request.form()))
    if submitted.model is not None:
        try:
            add_staff(session, principal.actor(), _clinic(session, principal), **submitted.model.model_dump())
        except AccountError as error:  # the email address is taken (in this clinic)
            field, message = account_problem(error)
            submitted.errors[field] = message
        except EmailInUseElsewhere:  # answered exactly like an added account (`add_staff`)
            return RedirectResponse("/staff/admin/staff?notice=added", status_code=303)
        else:
            return RedirectResponse("/staff/admin/staff?notice=added", status_code=303)
    shown = {**submitted.values, "password": ""}  # a password is never sent back to the browser
    return _staff_page(request, session, principal, values=shown, errors=submitted.errors, status_code=422)


def _member_or_404(session: DbSession, staff_id: int, principal: Principal) -> Staff:
    member = staff_in_clinic(session, staff_id, principal.clinic_id)
    if member is None:
        raise HTTPException(status_code=404, detail="Not found")
    return member


def _refused(
    request: Request, session: DbSession, principal: Principal, member: Staff, message: str
) -> HTMLResponse:
    return _staff_page(request, session, principal, row_errors={member.id: message}, status_code=422)


@router.post("/staff/admin/staff/{staff_id}/deactivate", response_model=None)
def staff_deactivate(
    request: Request, staff_id: int, session: DbSession, principal: AdminPrincipal
) -> Response:
    member = _member_or_404(session, staff_id, principal)
    try:
        set_active(session, principal.actor(), member, active=False)
    except StaffChangeError as error:
        return _refused(request, session, principal, member, str(error))
    return RedirectResponse("/staff/admin/staff?notice=deactivated", status_code=303)


@router.post("/staff/admin/staff/{staff_id}/activate", response_model=None)
def staff_activate(
    request: Request, staff_id: int, session: DbSession, principal: AdminPrincipal
) -> Response:
    member = _member_or_404(session, staff_id, principal)
    set_active(session, principal.actor(), member, active=True)
    return RedirectResponse("/staff/admin/staff?notice=activated", status_code=303)


@router.post("/staff/admin/staff/{staff_id}/role", response_model=None)
async def staff_role(
    request: Request, staff_id: int, session: DbSession, principal: AdminPrincipal
) -> Response:
    member = _member_or_404(session, staff_id, principal)
    submitted = read_form(RoleForm, form_lists(await request.form()))
    if submitted.model is None:
        return _refused(request, session, principal, member, submitted.errors["role"])
    try:
        set_role(session, principal.actor(), member, submitted.model.role)
    except StaffChangeError as error:
        return _refused(request, session, principal, member, str(error))
    if member.id == principal.staff_id and submitted.model.role != "admin":
        return RedirectResponse("/staff/", status_code=303)  # no longer an admin: these pages are closed
    return RedirectResponse("/staff/admin/staff?notice=role", status_code=303)


@router.post("/staff/admin/staff/{staff_id}/reset", response_class=HTMLResponse)
def staff_reset_link(
    request: Request, staff_id: int, session: DbSession, config: AppSettings, principal: AdminPrincipal
) -> HTMLResponse:
    """A one-time password reset link for an account of the clinic, shown this once to pass on."""
    member = _member_or_404(session, staff_id, principal)
    token, reset = create_reset(session, principal.actor(), member, config)
    return render_staff(
        request,
        "staff/admin_reset_link.html",
        principal,
        member=member,
        link=f"{str(request.base_url).rstrip('/')}/staff/reset/{token}",
        expires_at=reset.expires_at,
    )


# --- Audit trail -------------------------------------------------------------------------------


def _chosen(request: Request, name: str, allowed: tuple[str, ...]) -> str:
    value = request.query_params.get(name, "")
    return value if value in allowed else ""


def _page_number(request: Request) -> int:
    given = request.query_params.get("page", "1")
    return int(given) if given.isascii() and given.isdigit() and 0 < int(given) < 10**6 else 1


def _audit_query_url(action: str, record_type: str, page: int) -> str:
    parts = [f"action={action}" if action else "", f"record_type={record_type}" if record_type else ""]
    parts.append(f"page={page}")
    return "/staff/admin/audit?" + "&".join(p for p in parts if p)


@router.get("/staff/admin/audit", response_class=HTMLResponse)
def audit_trail(request: Request, session: DbSession, principal: AdminPrincipal) -> HTMLResponse:
    """The clinic's audit entries, newest first, 100 a page; filters by action and record type."""
    action = _chosen(request, "action", AUDIT_ACTIONS)
    record_type = _chosen(request, "record_type", AUDIT_RECORD_TYPES)
    page = _page_number(request)
    entries, total = audit.trail_page(
        session,
        principal.actor(),
        principal.clinic_id,
        action=action,
        record_type=record_type,
        page=page,
        size=AUDIT_PAGE_SIZE,
    )
    clinic = _clinic(session, principal)
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    return render_staff(
        request,
        "staff/admin_audit.html",
        principal,
        admin_clinic=clinic,
        entries=entries,
        staff_names={member.id: member.name for member in clinic.staff},
        actions=AUDIT_ACTIONS,
        record_types=AUDIT_RECORD_TYPES,
        action=action,
        record_type=record_type,
        page=page,
        pages=pages,
        total=total,
        previous_url=_audit_query_url(action, record_type, page - 1) if page > 1 else None,
        next_url=_audit_query_url(action, record_type, page + 1) if page < pages else None,
    )


@router.get("/staff/admin/audit.csv")
def audit_csv(session: DbSession, principal: AdminPrincipal, now: Now) -> Response:
    """The clinic's whole audit trail as CSV, up to and including the entry for this export."""
    out = io.StringIO()
    audit.export_csv(session, principal.actor(), out, principal.clinic_id)
    clinic = _clinic(session, principal)
    day = now.date().isoformat()
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="trd-navigator-audit-{clinic.slug}-{day}.csv"',
        },
    )


# --- Assessments that belong to no clinic --------------------------------------------------------


@router.get("/staff/admin/unassigned", response_class=HTMLResponse)
def unassigned_list(request: Request, session: DbSession, principal: AdminPrincipal) -> HTMLResponse:
    """Assessments started at a standalone ``/``: what identifies them, suicide-risk answers first."""
    rows = unassigned_assessments(session, principal.actor())
    return render_staff(
        request,
        "staff/admin_unassigned.html",
        principal,
        admin_clinic=_clinic(session, principal),
        rows=rows,
        total=count_unassigned(session),
        assigned=request.query_params.get("assigned", ""),
    )


@router.post("/staff/admin/unassigned/{unassigned_id}/assign", response_model=None)
def unassigned_assign(unassigned_id: int, session: DbSession, principal: AdminPrincipal) -> Response:
    """Make an unassigned assessment this admin's clinic's (404 when it already has a clinic)."""
    if assign_to_clinic(session, principal.actor(), unassigned_id, _clinic(session, principal)) is None:
        raise HTTPException(status_code=404, detail="Not found")
    return RedirectResponse(f"/staff/admin/unassigned?assigned={unassigned_id}", status_code=303)
