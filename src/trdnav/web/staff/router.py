"""The routers of the staff pages, with their guards set once.

Every staff route requires the signed-in staff principal by default: `router` carries
`current_principal` as a dependency, so a route added to it cannot forget the check (routes that
need more, an admin, still say so; FastAPI runs the check once a request); and `patient_in_view`,
so a page whose path names one person's record shows that person's banner. The few routes that must
work before sign-in is complete are on `before_sign_in` instead, and only these: the sign-in page
and form, signing out, the second sign-in step, and a password reset link's page (the link is
the key). Every staff response, from either router,
carries `STAFF_HEADERS` (``Cache-Control: no-store``): staff pages show patients' records and must
not stay in a shared browser's cache.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from trdnav.web.route_headers import route_adding
from trdnav.web.staff.patient_banner import patient_in_view
from trdnav.web.staff.principal import current_principal

STAFF_HEADERS = {"Cache-Control": "no-store"}
_StaffRoute = route_adding(STAFF_HEADERS)

router = APIRouter(
    include_in_schema=False,
    route_class=_StaffRoute,
    dependencies=[Depends(current_principal), Depends(patient_in_view)],
)
before_sign_in = APIRouter(include_in_schema=False, route_class=_StaffRoute)
