"""Who a staff page is about: the patient banner (name, age, assessment reference, clinic), built in
one place and shown by the staff layout on every page about one person.

`patient_in_view` is a dependency of every staff route (`trdnav.web.staff.router`): when the path
names a record of one person (an assessment, a course, a session record, a consultation request, a
clinic alert) of the principal's clinic, it puts that person's `PatientIdentity` on the request, and
`render_staff` hands it to `staff/base.html`, which shows `staff/patient_banner.html` above the
content. A new page under such a path cannot forget it. The staff PDFs include the same partial from
`patient_identity(assessment)`.

The name is the one given in the latest consultation request ("No name given" otherwise); the age
is the person's answer to the intake's age question, on the day they answered. The app holds no date
of birth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from trdnav.store.models import Assessment, ClinicAlert, ConsultationRequest, Course, SessionRecord
from trdnav.web.dependencies import DbSession
from trdnav.web.staff.principal import StaffPrincipal

NO_NAME = "No name given"


@dataclass(frozen=True, slots=True)
class PatientIdentity:
    assessment_id: int
    name: str  # NO_NAME when no consultation request gave one
    age: int | None  # as answered at the intake
    answered_at: dt.datetime  # when the assessment was started: the age is as of that day
    clinic_name: str

    @property
    def named(self) -> bool:
        return self.name != NO_NAME


def patient_identity(assessment: Assessment) -> PatientIdentity:
    """The banner's facts for one assessment's person."""
    names = [assessment.record_name, *(c.name.strip() for c in assessment.consultations)]
    names = [name for name in names if name]
    age = assessment.answers.get("age")
    return PatientIdentity(
        assessment_id=assessment.id,
        name=names[-1] if names else NO_NAME,
        age=age if isinstance(age, int) and not isinstance(age, bool) else None,
        answered_at=assessment.created_at,
        clinic_name=assessment.clinic.name if assessment.clinic else "",
    )


def _owner(model: type[Any]) -> Callable[[Session, int], Assessment | None]:
    def find(session: Session, record_id: int) -> Assessment | None:
        record = session.get(model, record_id)
        if record is None:
            return None
        if isinstance(record, Assessment):
            return record
        if isinstance(record, SessionRecord):
            return record.course.assessment
        owner: Assessment = record.assessment
        return owner

    return find


# The path parameters that name one person's record, and how to reach the person's assessment.
PERSON_PARAMETERS: dict[str, Callable[[Session, int], Assessment | None]] = {
    "assessment_id": _owner(Assessment),
    "course_id": _owner(Course),
    "record_id": _owner(SessionRecord),
    "consultation_id": _owner(ConsultationRequest),
    "alert_id": _owner(ClinicAlert),
}


def assessment_in_path(session: Session, clinic_id: int, params: Mapping[str, Any]) -> Assessment | None:
    """The assessment the path is about, if it is the clinic's (another clinic's is not shown: the
    route answers 404 for it)."""
    for name, find in PERSON_PARAMETERS.items():
        text = str(params.get(name, ""))
        if text.isascii() and text.isdigit():
            assessment = find(session, int(text))
            if assessment is not None and assessment.clinic_id == clinic_id:
                return assessment
            return None
    return None


def patient_in_view(request: Request, principal: StaffPrincipal, session: DbSession) -> None:
    """Put the identity of the person the path is about on the request (``request.state.patient``)."""
    assessment = assessment_in_path(session, principal.clinic_id, request.path_params)
    request.state.patient = None if assessment is None else patient_identity(assessment)


def patient_of(request: Request) -> PatientIdentity | None:
    patient: PatientIdentity | None = getattr(request.state, "patient", None)
    return patient
