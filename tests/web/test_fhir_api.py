"""The intake served as an SDC Questionnaire, and a QuestionnaireResponse evaluated over HTTP exactly
like the answers document it holds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from fastapi import FastAPI
from fhir.resources.R4B.questionnaire import Questionnaire
from sqlalchemy import func, select

from trdnav.fhir.intake_questionnaire import INTAKE_URL
from trdnav.fhir.questionnaire_response import questionnaire_response
from trdnav.knowledge.loader import load
from trdnav.store.models import AuditEvent

KB = load()
INTAKE = "/fhir/Questionnaire/trdnav-intake"
EVALUATE_RESPONSE = "/api/v1/fhir/QuestionnaireResponse/$evaluate"
EVALUATE = "/api/v1/assessments:evaluate"
FHIR = {"Content-Type": "application/fhir+json"}


def _audit_rows(app: FastAPI) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _response(answers: dict[str, Any]) -> dict[str, Any]:
    return questionnaire_response(
        KB,
        assessment_id=1,
        answers=answers,
        last_step="results",
        contract_version=1,
        authored=dt.datetime(2026, 3, 4, tzinfo=dt.UTC),
    )


def test_the_intake_questionnaire_is_public_fhir_json_and_audits_nothing(app: FastAPI, client: Any) -> None:
    before = _audit_rows(app)
    response = client.get(INTAKE)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json"
    parsed = Questionnaire.model_validate(response.json())
    assert parsed.url == INTAKE_URL and parsed.version == KB.version
    assert _audit_rows(app) == before


def test_a_response_evaluates_exactly_as_its_answers_document(app: FastAPI, client: Any) -> None:
    answers = {
        "age": 52,
        "phq9": [2, 2, 1, 1, 0, 1, 2, 1, 1],
        "cochlear_implant": "yes",
        "conditions": ["anxiety"],
    }
    body = orjson.dumps(_response(answers))
    via_fhir = client.post(f"{EVALUATE_RESPONSE}?therapies=tms,ect", content=body, headers=FHIR)
    plain = client.post(f"{EVALUATE}?therapies=tms,ect", json={"version": 1, "answers": answers})
    assert via_fhir.status_code == plain.status_code == 200
    assert via_fhir.json() == plain.json()
    result = via_fhir.json()
    assert result["therapies"]["tms"]["safety"] == "contraindicated"
    assert result["crisis"]["lines"], "item 9 above 0: the crisis resources come with the result"
    assert via_fhir.headers["cache-control"] == "no-store"


def test_a_response_to_the_intake_with_a_wrong_answer_gets_the_same_problem_as_the_document(
    client: Any,
) -> None:
    response = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": INTAKE_URL,
        "status": "completed",
        "item": [{"linkId": "age", "answer": [{"valueInteger": 130}]}],
    }
    via_fhir = client.post(EVALUATE_RESPONSE, content=orjson.dumps(response), headers=FHIR)
    plain = client.post(EVALUATE, json={"version": 1, "answers": {"age": 130}})
    assert via_fhir.status_code == 422
    assert via_fhir.json() == plain.json()


def test_what_is_not_a_response_to_the_intake_is_refused_naming_the_field(client: Any) -> None:
    patient = client.post(EVALUATE_RESPONSE, content=b'{"resourceType": "Patient"}', headers=FHIR)
    assert patient.status_code == 422
    assert patient.headers["content-type"].startswith("application/problem+json")
    assert [e["item"] for e in patient.json()["errors"]] == ["resourceType"]
    other = {"resourceType": "QuestionnaireResponse", "questionnaire": "http://x.example/Questionnaire/q"}
    refused = client.post(EVALUATE_RESPONSE, content=orjson.dumps(other), headers=FHIR)
    assert [e["item"] for e in refused.json()["errors"]] == ["questionnaire"]
    assert client.post(EVALUATE_RESPONSE, content=b"{", headers=FHIR).status_code == 400
    wrong_type = client.post(EVALUATE_RESPONSE, content=b"{}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415 and "application/fhir+json" in wrong_type.json()["detail"]
