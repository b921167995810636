"""A clinician starts an assessment from a health record; the person confirms or changes each answer
the record gave; the clinician sees which answers came from where. Uploads are real files: the
Synthea bulk export (read in place), a Bundle, a zip."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import World, signed_in
from trdnav.store.models import Assessment, AuditEvent, RecordUpload

SYNTHEA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "synthea-sample-10"
SUBSTANCE_USE = "a4a401d1"  # Synthea: unhealthy alcohol drinking (active)
LINK = re.compile(r'<code id="new-link">([^<]+)</code>')


def _export_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("files", (p.name, p.read_bytes(), "application/x-ndjson")) for p in sorted(SYNTHEA.glob("*.ndjson"))
    ]


def _upload(client: TestClient, files: list[tuple[str, tuple[str, bytes, str]]]) -> object:
    return client.post("/staff/records", data={"csrf_token": client.form_token()}, files=files)  # type: ignore[attr-defined]


def _start(app: FastAPI, world: World) -> tuple[TestClient, str, int]:
    clinician = signed_in(app, world.clinician_a)
    listed = _upload(clinician, _export_files())
    assert listed.status_code == 200, listed.text[:500]  # type: ignore[attr-defined]
    upload_id = int(str(listed.url).rsplit("/", 1)[1])  # type: ignore[attr-defined]
    with app.state.sessions() as session:
        upload = session.get(RecordUpload, upload_id)
        assert upload is not None
        patient = next(p for p in upload.patients if p["id"].startswith(SUBSTANCE_USE))
    started = clinician.post(f"/staff/records/{upload_id}/start", data={"patient": patient["id"]})
    assert started.status_code == 200, started.text[:300]
    found = LINK.search(started.text)
    assert found, "the new private link is shown once"
    return clinician, found.group(1), upload_id


def test_a_bulk_export_lists_its_patients_and_refuses_the_deceased(app: FastAPI, world: World) -> None:
    clinician = signed_in(app, world.clinician_a)
    listed = _upload(clinician, _export_files())
    page = listed.text  # type: ignore[attr-defined]
    assert "13 patients" in page
    assert page.count("Start an assessment for") == 10
    assert page.count("The patient is recorded as deceased") == 3
    assert "Unhealthy alcohol drinking behavior (finding)" in page and "substance_use_current" in page


def test_the_person_sees_the_record_answers_prefilled_with_their_source_and_confirms_or_changes_them(
    app: FastAPI, world: World
) -> None:
    clinician, link, _ = _start(app, world)
    person = TestClient(app)
    token = link.rsplit("/", 1)[1]
    about = person.get(f"/a/{token}/about").text
    assert re.search(r'id="age"[^>]*value="\d+"', about), "age from the birth date is filled in"
    assert "Your health record says:" in about
    safety = person.get(f"/a/{token}/safety").text
    note = re.search(r'<p class="record-note" id="substance_use_current-record">([^<]+)</p>', safety)
    assert note and "Unhealthy alcohol drinking behavior, recorded 31 Mar 2015" in note.group(1)
    assert re.search(r'id="substance_use_current-yes"[^>]*checked', safety)
    assert 'aria-describedby="substance_use_current-record' in safety
    assert 'id="seizure_risk-yes" name="seizure_risk" value="yes" checked' not in safety  # not in the record
    with app.state.sessions() as session:
        assessment = session.scalars(select(Assessment).order_by(Assessment.id.desc())).first()
        assert assessment is not None
        assert assessment.answers == {}, "nothing from the record counts until the person sends the step"
        assessment_id = assessment.id
    page = clinician.get(f"/staff/assessments/{assessment_id}").text
    assert "From the health record" in page and "Not yet seen by the patient" in page

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', about)
    assert csrf
    age = re.search(r'id="age"[^>]*value="(\d+)"', about)
    assert age
    about_form = {"csrf_token": csrf.group(1), "age": age.group(1), "conditions": ["substance_use"]}
    assert re.search(r'id="conditions-substance_use"[^>]*checked', about), "the record's word is ticked"
    person.post(f"/a/{token}/about", data=about_form)
    person.post(f"/a/{token}/safety", data={"csrf_token": csrf.group(1), "substance_use_current": "no"})
    after = person.get(f"/a/{token}/safety").text
    assert "Your health record says" not in after, "once sent, the step shows the person's own answers"
    assert re.search(r'id="substance_use_current-no"[^>]*checked', after)
    page = clinician.get(f"/staff/assessments/{assessment_id}").text
    states = re.findall(r'<tr class="record-(\w+)"><th scope="row"><span class="rule-id">(\w+)', page)
    assert sorted(states) == [
        ("changed", "substance_use_current"),
        ("confirmed", "age"),
        ("confirmed", "conditions"),
    ]
    summary = clinician.get(f"/staff/assessments/{assessment_id}/summary").text
    assert "Changed by the patient" in summary and "Confirmed by the patient" in summary
    with app.state.sessions() as session:
        actions = [
            (e.action, e.record_type, e.detail)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.staff_id == world.clinician_a))
        ]
    assert ("create", "record_upload", "") in actions
    assert ("read", "record_upload", "") in actions
    assert ("create", "assessment", "from_record") in actions


def test_a_bundle_file_and_a_zip_of_the_export_upload_too(app: FastAPI, world: World) -> None:
    clinician = signed_in(app, world.clinician_a)
    patient = {
        "resourceType": "Patient",
        "id": "b1",
        "birthDate": "1980-01-01",
        "name": [{"text": "Bea Bundle"}],
    }
    seizure = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/b1"},
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {
            "coding": [
                {"system": "http://snomed.info/sct", "code": "128613002", "display": "Seizure disorder"}
            ]
        },
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": patient}, {"resource": seizure}],
    }
    page = _upload(clinician, [("files", ("bea.json", json.dumps(bundle).encode(), "application/json"))]).text  # type: ignore[attr-defined]
    assert "Bea Bundle" in page and "seizure_history" in page
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(SYNTHEA.glob("*.ndjson")):
            zipped.writestr(f"export/{path.name}", path.read_bytes())
    page = _upload(clinician, [("files", ("export.zip", archive.getvalue(), "application/zip"))]).text  # type: ignore[attr-defined]
    assert "13 patients" in page


def test_bad_uploads_are_refused_on_the_form_naming_the_file(app: FastAPI, world: World) -> None:
    clinician = signed_in(app, world.clinician_a)
    cases = [
        ([], "No file was uploaded"),
        ([("files", ("notes.txt", b"hello", "text/plain"))], "notes.txt: expected a FHIR Bundle"),
        ([("files", ("x.json", b"{not json", "application/json"))], "x.json: not JSON"),
        (
            [
                (
                    "files",
                    (
                        "p.json",
                        b'{"resourceType": "Patient", "id": "p", "meta": {"fhirVersion": "5.0.0"}}',
                        "application/json",
                    ),
                )
            ],
            "5.0.0 is not FHIR R4",
        ),
        (
            [
                (
                    "files",
                    (
                        "Condition.ndjson",
                        b'{"resourceType": "Condition"}\nnot json\n',
                        "application/x-ndjson",
                    ),
                )
            ],
            "Condition.ndjson line 2: not JSON",
        ),
        (
            [("files", ("e.json", b'{"resourceType": "Observation", "id": "o"}', "application/json"))],
            "the record has no Patient resource",
        ),
    ]
    for files, expected in cases:
        answer = _upload(clinician, files)
        assert answer.status_code == 422, expected  # type: ignore[attr-defined]
        assert "The record could not be read" in answer.text and expected in answer.text, (
            expected,
            answer.text[:800],
        )  # type: ignore[attr-defined]
        assert "/tmp" not in answer.text and "trdnav-upload-" not in answer.text  # type: ignore[attr-defined]
    with app.state.sessions() as session:
        assert session.scalars(select(RecordUpload)).all() == []


def test_an_upload_is_the_clinics_own_and_a_file_upload_needs_the_csrf_token(
    app: FastAPI, world: World
) -> None:
    clinician = signed_in(app, world.clinician_a)
    listed = _upload(clinician, _export_files())
    upload_id = int(str(listed.url).rsplit("/", 1)[1])  # type: ignore[attr-defined]
    other = signed_in(app, world.clinician_b)
    assert other.get(f"/staff/records/{upload_id}").status_code == 404
    assert other.post(f"/staff/records/{upload_id}/start", data={"patient": "x"}).status_code == 404
    dead = clinician.post(f"/staff/records/{upload_id}/start", data={"patient": "nobody"})
    assert dead.status_code == 422 and "Choose a patient from the list" in dead.text
    forged = TestClient.post(clinician, "/staff/records", files=_export_files())
    assert forged.status_code == 403


def test_an_upload_expires_after_a_day_and_is_then_deleted_audited(app: FastAPI, world: World) -> None:
    clinician = signed_in(app, world.clinician_a)
    listed = _upload(clinician, _export_files())
    upload_id = int(str(listed.url).rsplit("/", 1)[1])  # type: ignore[attr-defined]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    app.state.clock = lambda: later
    assert clinician.get(f"/staff/records/{upload_id}").status_code == 404
    assert "None. An upload is kept for 24 hours" in clinician.get("/staff/records").text
    again = _upload(clinician, _export_files())
    assert again.status_code == 200, again.text[:300]  # type: ignore[attr-defined]
    with app.state.sessions() as session:
        kept = session.scalars(select(RecordUpload)).all()
        assert [u.created_at >= later - dt.timedelta(minutes=1) for u in kept] == [True]  # only the new one
        deleted = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "delete", AuditEvent.record_type == "record_upload")
        ).all()
    assert [(e.record_id, e.actor) for e in deleted] == [(upload_id, "system")]
