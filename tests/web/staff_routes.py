"""The staff routes from the app's own route table, and the records to fill their paths with: the
walks over every staff page (patient banner, clinic times) use these, so a new route is walked too."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.web.conftest import Care, World

# Path parameters that name one person's record (trdnav.web.staff.patient_banner.PERSON_PARAMETERS).
PERSON_PARAMETERS = ("assessment_id", "course_id", "record_id", "consultation_id", "alert_id")


@dataclass(frozen=True)
class StaffRoute:
    method: str
    path: str  # the template, e.g. /staff/courses/{course_id}
    module: str  # the endpoint's module

    @property
    def about_one_person(self) -> bool:
        return any("{" + name + "}" in self.path for name in PERSON_PARAMETERS)


def staff_routes(app: FastAPI) -> list[StaffRoute]:
    routes = []
    for route in app.routes:
        if isinstance(route, APIRoute) and route.endpoint.__module__.startswith("trdnav.web.staff"):
            for method in sorted(route.methods - {"HEAD"}):
                routes.append(StaffRoute(method, route.path, route.endpoint.__module__))
    return routes


def fill(path: str, world: World, care: Care, extra_staff: int, unassigned: int) -> str:
    values = {
        "assessment_id": world.assessment_a,
        "consultation_id": world.consultation_a,
        "course_id": care.course,
        "visit_id": care.visit,
        "record_id": care.record,
        "alert_id": care.alert,
        "staff_id": extra_staff,
        "unassigned_id": unassigned,
        "upload_id": care.upload,
        "token": "not-a-reset-link",  # a password reset link's page: 404 for a made-up one
    }
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, f"{path}: a path parameter this walk does not know how to fill"
    return path
