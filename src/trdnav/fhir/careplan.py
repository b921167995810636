"""A treatment course as a FHIR R4 CarePlan: a pure mapping, no database, no clock.

The plan (``intent`` "plan") names the protocol as its title and each visit as one activity:
``detail.kind`` "Appointment", ``detail.code.text`` the protocol's name, ``detail.scheduledPeriod``
the visit's start and end (session plus observation) with the clinic's UTC offset, and
``detail.status`` "scheduled" for a planned visit, "completed" for one done, and "cancelled" with
the status reason "Missed" for one missed. The CarePlan's ``period`` spans the first visit's start
to the last visit's end.

The subject is a logical reference with a display text only: the file carries no patient data and
no identifier of the person (the course's own id is given under our naming system, so a system
that imports the file can match a later export of the same course). No codes are invented: the
knowledge base lists none verified for these protocols, so activities carry text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from trdnav.core.protocol import Protocol

BASE = "https://trdnav.example/fhir"
COURSE_IDENTIFIER_SYSTEM = f"{BASE}/NamingSystem/course"
PLAN_STATUSES = {"active": "active", "completed": "completed", "stopped": "revoked"}
VISIT_STATUSES = {"planned": "scheduled", "done": "completed", "missed": "cancelled"}


@dataclass(frozen=True, slots=True)
class CarePlanVisit:
    number: int
    phase: str
    starts_at: dt.datetime  # aware
    status: str  # planned, done, missed


def _instant(moment: dt.datetime, zone: ZoneInfo) -> str:
    if moment.tzinfo is None:
        raise ValueError("visit starts_at: expected an aware datetime")
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _activity(protocol: Protocol, visit: CarePlanVisit, zone: ZoneInfo) -> dict[str, Any]:
    length = dt.timedelta(minutes=protocol.session_minutes + protocol.observation_minutes)
    phase = f", {visit.phase} phase" if visit.phase else ""
    detail: dict[str, Any] = {
        "kind": "Appointment",
        "code": {"text": protocol.name},
        "status": VISIT_STATUSES[visit.status],
        "scheduledPeriod": {
            "start": _instant(visit.starts_at, zone),
            "end": _instant(visit.starts_at + length, zone),
        },
        "description": f"Visit {visit.number}{phase}: {protocol.session_minutes} minutes of treatment, "
        f"then {protocol.observation_minutes} minutes of observation.",
    }
    if visit.status == "missed":
        detail["statusReason"] = {"text": "Missed"}
    return {"detail": detail}


def course_careplan(
    *,
    course_id: int,
    course_status: str,
    protocol: Protocol,
    visits: Sequence[CarePlanVisit],
    timezone: str,
    created: dt.datetime,
) -> dict[str, Any]:
    """The CarePlan resource as JSON-ready data (validate with ``fhir.resources.R4B``)."""
    zone = ZoneInfo(timezone)
    ordered = sorted(visits, key=lambda v: v.starts_at)
    length = dt.timedelta(minutes=protocol.session_minutes + protocol.observation_minutes)
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": f"course-{course_id}",
        "identifier": [{"system": COURSE_IDENTIFIER_SYSTEM, "value": str(course_id)}],
        "status": PLAN_STATUSES.get(course_status, "unknown"),
        "intent": "plan",
        "title": protocol.name,
        "description": f"A course of {protocol.name}: {len(ordered)} visits in the plan, "
        f"times in the clinic's time zone ({timezone}).",
        "subject": {"type": "Patient", "display": "The patient (not identified in this file)"},
        "created": _instant(created, zone),
    }
    if ordered:
        resource["period"] = {
            "start": _instant(ordered[0].starts_at, zone),
            "end": _instant(ordered[-1].starts_at + length, zone),
        }
        resource["activity"] = [_activity(protocol, visit, zone) for visit in ordered]
    return resource
