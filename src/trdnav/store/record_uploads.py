"""Health records uploaded by clinicians, and assessments started from one of their patients.

An upload keeps, per patient, what identifies them on the list (name, birth date, sex, record id)
and the answers document the record import made (contract §4: answers with their sources), never
the raw record; it expires after `KEEP_HOURS` and is then deleted (`delete_expired`, also run by
`trdnav retention apply`). Starting an assessment from a patient stores the document as the
assessment's `record_prefill`: the intake shows those answers pre-selected, with their sources,
and only what the person submits becomes an answer. Each step is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.models import Assessment, Clinic, RecordUpload
from trdnav.store.repository import create_assessment

KEEP_HOURS = 24


def save_upload(
    session: Session,
    actor: audit.Actor,
    clinic: Clinic,
    source_name: str,
    patients: Sequence[dict[str, Any]],
    now: dt.datetime,
) -> RecordUpload:
    upload = RecordUpload(
        clinic_id=clinic.id,
        staff_id=actor.staff_id,
        source_name=source_name[:200],
        created_at=now,
        expires_at=now + dt.timedelta(hours=KEEP_HOURS),
        patients=list(patients),
    )
    session.add(upload)
    session.flush()
    audit.record(session, actor, "create", "record_upload", upload.id, clinic_id=clinic.id)
    return upload


def upload_of(session: Session, clinic_id: int, upload_id: int, now: dt.datetime) -> RecordUpload | None:
    """The clinic's upload, unless it has expired (another clinic's is None, like an unknown one)."""
    upload = session.get(RecordUpload, upload_id)
    if upload is None or upload.clinic_id != clinic_id or upload.expires_at <= now:
        return None
    return upload


def uploads_of(session: Session, clinic_id: int, now: dt.datetime) -> list[RecordUpload]:
    query = (
        select(RecordUpload)
        .where(RecordUpload.clinic_id == clinic_id, RecordUpload.expires_at > now)
        .order_by(RecordUpload.created_at.desc())
    )
    return list(session.scalars(query))


def start_from_record(
    session: Session,
    actor: audit.Actor,
    clinic: Clinic,
    upload: RecordUpload,
    patient_id: str,
    *,
    knowledge_version: str,
    contract_version: int,
) -> tuple[Assessment, str] | None:
    """A new assessment for the clinic, prefilled from one patient of the upload (None: no such
    patient, or one the import refused); returns it with its private token, shown once."""
    patient = next((p for p in upload.patients if p["id"] == patient_id and p.get("document")), None)
    if patient is None:
        return None
    assessment, token = create_assessment(
        session,
        therapies=list(clinic.therapies),
        knowledge_version=knowledge_version,
        contract_version=contract_version,
        clinic_id=clinic.id,
    )
    document = patient["document"]
    assessment.record_prefill = {
        "patient": f"Patient/{patient_id}",
        "name": patient.get("name") or "",
        "answers": document["answers"],
        "sources": document["sources"],
    }
    session.flush()
    audit.record(
        session, actor, "create", "assessment", assessment.id, clinic_id=clinic.id, detail="from_record"
    )
    return assessment, token


def delete_expired(session: Session, now: dt.datetime) -> int:
    """Delete the uploads past their time, each audited as done by the system; returns how many."""
    expired = list(
        session.execute(select(RecordUpload.id, RecordUpload.clinic_id).where(RecordUpload.expires_at <= now))
    )
    for upload_id, clinic_id in expired:
        audit.record(session, audit.SYSTEM, "delete", "record_upload", upload_id, clinic_id=clinic_id)
    session.execute(delete(RecordUpload).where(RecordUpload.id.in_([upload_id for upload_id, _ in expired])))
    return len(expired)
