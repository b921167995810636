"""A course as a FHIR R4 CarePlan: valid, with one activity per visit and no patient data."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources.R4B.careplan import CarePlan

from trdnav.core.protocol import Phase, Protocol
from trdnav.fhir.careplan import CarePlanVisit, course_careplan

NEW_YORK = ZoneInfo("America/New_York")
TMS = Protocol(
    id="tms_test",
    therapy="tms",
    name="TMS 10 Hz",
    phases=(Phase(name="acute", sessions=3, min_sessions=3, per_week=5),),
    session_minutes=40,
    observation_minutes=5,
    min_hours_between_days=20,
    same_day_gap_minutes=0,
    max_course_days=42,
)
VISITS = [
    CarePlanVisit(
        number=1, phase="acute", starts_at=dt.datetime(2026, 10, 30, 9, tzinfo=NEW_YORK), status="done"
    ),
    CarePlanVisit(
        number=2, phase="acute", starts_at=dt.datetime(2026, 11, 2, 9, tzinfo=NEW_YORK), status="missed"
    ),
    CarePlanVisit(
        number=3, phase="acute", starts_at=dt.datetime(2026, 11, 3, 9, tzinfo=NEW_YORK), status="planned"
    ),
]
CREATED = dt.datetime(2026, 10, 1, 15, 0, tzinfo=dt.UTC)


def _plan(status: str = "active") -> dict[str, Any]:
    return course_careplan(
        course_id=12,
        course_status=status,
        protocol=TMS,
        visits=VISITS,
        timezone="America/New_York",
        created=CREATED,
    )


def test_the_careplan_is_valid_fhir_r4_with_one_activity_per_visit() -> None:
    resource = _plan()
    parsed = CarePlan.model_validate(resource)
    assert parsed.status == "active"
    assert parsed.intent == "plan"
    assert parsed.title == "TMS 10 Hz"
    assert parsed.activity is not None and len(parsed.activity) == 3
    details = [activity.detail for activity in parsed.activity]
    assert [d.status for d in details if d is not None] == ["completed", "cancelled", "scheduled"]
    assert all(d is not None and d.code is not None and d.code.text == "TMS 10 Hz" for d in details)


def test_times_carry_the_clinics_offset_on_each_side_of_daylight_saving() -> None:
    resource = _plan()
    periods = [a["detail"]["scheduledPeriod"] for a in resource["activity"]]
    assert periods[0] == {"start": "2026-10-30T09:00:00-04:00", "end": "2026-10-30T09:45:00-04:00"}
    assert periods[2] == {"start": "2026-11-03T09:00:00-05:00", "end": "2026-11-03T09:45:00-05:00"}
    assert resource["period"] == {"start": "2026-10-30T09:00:00-04:00", "end": "2026-11-03T09:45:00-05:00"}


def test_a_missed_visit_says_so_and_a_stopped_course_is_revoked() -> None:
    missed = _plan()["activity"][1]["detail"]
    assert missed["statusReason"] == {"text": "Missed"}
    assert CarePlan.model_validate(_plan("stopped")).status == "revoked"
    assert CarePlan.model_validate(_plan("completed")).status == "completed"


def test_the_careplan_holds_no_patient_identifier() -> None:
    resource = _plan()
    assert resource["subject"] == {"type": "Patient", "display": "The patient (not identified in this file)"}
    text = json.dumps(resource)
    assert "reference" not in text, "no reference that could point to a person"


def test_a_course_without_visits_is_still_valid() -> None:
    resource = course_careplan(
        course_id=1,
        course_status="active",
        protocol=TMS,
        visits=[],
        timezone="America/New_York",
        created=CREATED,
    )
    assert CarePlan.model_validate(resource).activity is None
