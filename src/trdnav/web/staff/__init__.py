"""Pages for signed-in staff: sign-in, workspace, admin, courses, session records, outcomes, reports.

Every module puts its routes on `router` (staff principal required) or, for the few steps before
sign-in is complete, on `before_sign_in` (`trdnav.web.staff.router`); `routes` holds both, for the
app. Importing the package imports every module.
"""

from starlette.routing import BaseRoute

from trdnav.web.staff import (
    admin,
    alert_pages,
    cds_admin,
    course_files,
    course_pages,
    course_report_pages,
    dose_pages,
    link_pages,
    outcome_pages,
    password_pages,
    patient_data,
    record_pages,
    session_record_pages,
    signin_pages,
    workspace,
)
from trdnav.web.staff.router import before_sign_in, router

routes: list[BaseRoute] = [*before_sign_in.routes, *router.routes]

__all__ = [
    "admin",
    "alert_pages",
    "cds_admin",
    "course_files",
    "course_pages",
    "course_report_pages",
    "dose_pages",
    "link_pages",
    "outcome_pages",
    "password_pages",
    "patient_data",
    "record_pages",
    "routes",
    "session_record_pages",
    "signin_pages",
    "workspace",
]
