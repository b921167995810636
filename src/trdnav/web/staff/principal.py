"""Who is asking: the signed-in staff member behind the session cookie, and the checks on them.

`current_principal` is the dependency every staff route uses. Without a live session it raises
`SignInRequired` (the app answers with a redirect to the sign-in page); when the clinic requires
two-factor sign-in and this session has not passed it, `TwoFactorRequired`; while the account's
password is a temporary one, `PasswordChangeRequired` (on every page but the one that changes it).
`admin_principal` also refuses clinicians (403). Records of another clinic are answered as not found, never as
forbidden, so nobody learns they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from trdnav.settings import Settings
from trdnav.store.accounts import find_session
from trdnav.store.audit import Actor, record_read
from trdnav.store.models import Assessment, Course
from trdnav.web.dependencies import DbSession

COOKIE = "trdnav_staff"


class SignInRequired(Exception):
    """No live staff session: sign in first."""


class PasswordChangeRequired(Exception):
    """Signed in with a temporary password (an admin's or the command line's): change it first."""


CHANGE_PASSWORD = "/staff/password"


class TwoFactorRequired(Exception):
    """Signed in with a password, but the second step (or setting it up) is still due."""

    def __init__(self, setup: bool) -> None:
        super().__init__("two-factor sign-in required")
        self.setup = setup


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


@dataclass(frozen=True, slots=True)
class Principal:
    staff_id: int
    clinic_id: int
    role: str
    name: str
    email: str
    session_id: int
    address: str
    timezone: str  # the clinic's (IANA): every time on staff pages is shown in it

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def actor(self) -> Actor:
        return Actor(
            kind="staff",
            role=self.role,
            staff_id=self.staff_id,
            clinic_id=self.clinic_id,
            address=self.address,
        )

    def record_read(self, session: Session, action: str, record_type: str, record_id: int | None) -> None:
        """Audit what this staff member was shown ("read") or took away ("export"), in the request's
        transaction. Changes are audited by the store functions that make them."""
        record_read(session, self.actor(), action, record_type, record_id, clinic_id=self.clinic_id)


def current_principal(request: Request, session: DbSession) -> Principal:
    settings: Settings = request.app.state.settings
    found = find_session(session, request.cookies.get(COOKIE, ""), settings)
    if found is None:
        raise SignInRequired
    staff = found.staff
    if staff.totp_enabled and not found.two_factor_done:
        raise TwoFactorRequired(setup=False)
    if (
        staff.clinic.require_two_factor
        and not staff.totp_enabled
        and request.url.path != "/staff/two-factor/setup"
    ):
        raise TwoFactorRequired(setup=True)
    if staff.must_change_password and request.url.path != CHANGE_PASSWORD:
        raise PasswordChangeRequired
    return Principal(
        staff_id=staff.id,
        clinic_id=staff.clinic_id,
        role=staff.role,
        name=staff.name,
        email=staff.email,
        session_id=found.id,
        address=client_address(request),
        timezone=staff.clinic.timezone,
    )


StaffPrincipal = Annotated[Principal, Depends(current_principal)]


def admin_principal(principal: StaffPrincipal) -> Principal:
    if not principal.is_admin:
        raise HTTPException(status_code=403, detail="Only the clinic's admins can do this.")
    return principal


AdminPrincipal = Annotated[Principal, Depends(admin_principal)]


def not_found() -> HTTPException:
    """The answer for unknown ids and other clinics' records alike."""
    return HTTPException(status_code=404, detail="Not found")


def own_assessment(session: Session, principal: Principal, assessment_id: int) -> Assessment:
    """The assessment if it belongs to the principal's clinic; 404 for unknown and foreign ids alike."""
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or assessment.clinic_id != principal.clinic_id:
        raise not_found()
    return assessment


def own_course(session: Session, principal: Principal, course_id: int) -> Course:
    """The course if its patient belongs to the principal's clinic; 404 for unknown and foreign ids."""
    course = session.get(Course, course_id)
    if course is None or course.assessment.clinic_id != principal.clinic_id:
        raise not_found()
    return course
