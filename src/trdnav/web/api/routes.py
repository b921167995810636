"""The JSON API: evaluate a contract v1 answers document, store it, read it back.

The request body is read and validated by ``trdnav.assess`` itself (one problem per wrong item),
not by a pydantic model: the models in `trdnav.web.api.schemas` only describe the contract in the
OpenAPI schema.
"""

from __future__ import annotations

import json
from typing import Any, cast

import orjson
from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

import trdnav
from trdnav.answers_text import JSON_DECODER
from trdnav.core.answers import DOCUMENT, InputProblem
from trdnav.core.result import AssessmentResult
from trdnav.crisis import CrisisResources, urgent, with_crisis
from trdnav.store.alerts import flag_suicide_risk
from trdnav.store.models import Clinic
from trdnav.store.repository import start_assessment
from trdnav.web.api.schemas import REQUEST, AssessmentRecord, StoredAssessment
from trdnav.web.clinic_view import clinic_view
from trdnav.web.default_clinic import default_clinic, named_clinic
from trdnav.web.dependencies import DbSession, link_holder, open_assessment, patient_actor
from trdnav.web.problem_details import (
    NOT_FOUND_DETAIL,
    problem,
    problem_responses,
)

router = APIRouter(tags=["assessments"])

# scope="function": the transaction is committed before the response is sent. FastAPI's default
# for a dependency with yield ends it after, so a client could hear "201 Created" for a write that
# then fails, or read its new token back before the write is committed.


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _is_json(content_type: str) -> bool:
    if content_type == "application/json":
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


# The standard library's reader (orjson keeps a repeated key's last value silently): its message
# names the line and column, and it reads whole numbers beyond 64 bits (which the contract's checks
# then refuse as out of range).
def _decode(body: bytes) -> object:
    return JSON_DECODER.decode(body.decode("utf-8"))  # JSON between systems is UTF-8 (RFC 8259)


class _FastJSONResponse(JSONResponse):
    """The same JSON as Starlette's, encoded by orjson (a fifteenth of the time for a result)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


async def _read_document(request: Request) -> object:
    if not _is_json(request.headers.get("content-type", "")):
        raise _Refused(
            problem(
                415,
                "Send the answers document as JSON, with the header Content-Type: application/json.",
                [InputProblem("Content-Type", "expected application/json")],
            )
        )
    body = await request.body()
    try:
        return _decode(body)
    except json.JSONDecodeError as error:
        message = f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
    except UnicodeDecodeError:
        message = "not valid JSON: the body is not UTF-8 text"
    except (ValueError, RecursionError):
        message = "not valid JSON: NaN and Infinity are not JSON, nor is nesting this deep"
    raise _Refused(problem(400, "The request body is not valid JSON.", [InputProblem(DOCUMENT, message)]))


INVALID_ANSWERS = "Some answers are not valid. Each wrong item is listed."


def _refused_with_alerts(
    invalid: trdnav.InvalidAnswers, crisis: CrisisResources, clinic_alerted: bool
) -> _Refused:
    """422 for invalid answers that still raise an urgent alert: the alerts and the crisis
    resources come with the error, and whether a clinic was told."""
    extra = {"alerts": invalid.alerts, "crisis": crisis.as_json(), "clinic_alerted": clinic_alerted}
    return _Refused(problem(422, INVALID_ANSWERS, invalid.problems, extra=extra))


def _crisis(request: Request, clinic: Clinic | None) -> CrisisResources:
    return clinic_view(clinic, request.app.state.settings).crisis


def _default_crisis(request: Request) -> CrisisResources:
    """The crisis resources for an answer that belongs to no stored assessment: the default
    clinic's (``TRDNAV_DEFAULT_CLINIC``; one that is gone falls back), or else the installation's
    country's."""
    with request.app.state.sessions() as session:
        return _crisis(request, named_clinic(session, request.app.state.settings))


async def _assess(request: Request, document: object) -> AssessmentResult:
    """The contract result, with the crisis resources when an alert is urgent (nothing stored)."""
    try:
        result = trdnav.assess(document, _therapies(request))
    except trdnav.InvalidAnswers as invalid:
        if urgent(invalid.alerts):
            crisis = await run_in_threadpool(_default_crisis, request)
            raise _refused_with_alerts(invalid, crisis, clinic_alerted=False) from None
        raise _Refused(problem(422, INVALID_ANSWERS, invalid.problems)) from None
    if urgent(result["alerts"]):
        with_crisis(result, await run_in_threadpool(_default_crisis, request))
    return result


def _therapies(request: Request) -> list[str] | None:
    if not request.scope["query_string"]:
        return None
    value = request.query_params.get("therapies")
    return None if value is None else [part.strip() for part in value.split(",")]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _store(request: Request, session: Session, document: object) -> tuple[str, AssessmentResult]:
    """Store a valid document for the default clinic (``TRDNAV_DEFAULT_CLINIC``, if any); audited.

    A refused document whose PHQ-9 item 9 is above the alert's threshold still alerts that clinic:
    an assessment holding no answers (nothing refused is kept) is stored for it with the alert, and
    the refusal carries the alerts and the crisis resources.
    """
    clinic = default_clinic(session, request.app.state.settings)
    try:
        result = trdnav.assess(document, _therapies(request))
    except trdnav.InvalidAnswers as invalid:
        if not urgent(invalid.alerts):
            raise _Refused(problem(422, INVALID_ANSWERS, invalid.problems)) from None
        if clinic is not None:
            engine = request.app.state.kb.engine
            assessment, _ = start_assessment(
                session,
                link_holder(request, clinic.id),
                therapies=list(request.app.state.settings.therapies),
                knowledge_version=engine.knowledge_version,
                contract_version=engine.contract_version,
                clinic_id=clinic.id,
            )
            flag_suicide_risk(session, patient_actor(request, assessment), assessment)
        raise _refused_with_alerts(
            invalid, _crisis(request, clinic), clinic_alerted=clinic is not None
        ) from None
    assessment, token = start_assessment(
        session,
        link_holder(request, clinic.id if clinic else None),
        therapies=list(result["therapies"]),
        knowledge_version=result["knowledge_version"],
        contract_version=result["contract"],
        answers=cast(dict[str, Any], document)["answers"],  # assess accepted it: a contract document
        clinic_id=clinic.id if clinic else None,
    )
    if urgent(result["alerts"]):
        flag_suicide_risk(session, patient_actor(request, assessment), assessment)
    return token, with_crisis(result, _crisis(request, clinic))


# --- Routes ---------------------------------------------------------------------------------------


@router.post(
    "/api/v1/assessments:evaluate",
    operation_id="evaluate_assessment",
    summary="Assess an answers document (nothing is stored)",
    response_model=AssessmentResult,
    responses=problem_responses(400, 413, 415, 422),
    openapi_extra=REQUEST,
)
async def evaluate(request: Request) -> Response:
    """A contract v1 answers document in, the contract v1 assessment out."""
    try:
        result = await _assess(request, await _read_document(request))
    except _Refused as refused:
        return refused.response
    return _FastJSONResponse(result)


@router.post(
    "/api/v1/assessments",
    operation_id="store_assessment",
    summary="Store an answers document and get its private link",
    status_code=201,
    response_model=StoredAssessment,
    responses=problem_responses(400, 413, 415, 422, 503),  # 503: TRDNAV_DEFAULT_CLINIC is gone
    openapi_extra={
        **REQUEST,
        "responses": {
            "201": {
                "headers": {
                    "Location": {
                        "description": "The stored assessment in the API",
                        "schema": {"type": "string"},
                    }
                },
                "links": {
                    "GetAssessment": {
                        "operationId": "get_assessment",
                        "parameters": {"token": "$response.body#/token"},
                    }
                },
            }
        },
    },
)
async def store(
    request: Request,
    session: DbSession,
) -> Response:
    """Check the document like `evaluate`; store it only when it is valid (answers kept as given).
    A refused document with PHQ-9 item 9 above 0 still alerts the default clinic, if any."""
    try:
        document = await _read_document(request)
        token, result = await run_in_threadpool(_store, request, session, document)
    except _Refused as refused:
        return refused.response
    api_url = f"{_base(request)}/api/v1/assessments/{token}"
    body = {
        "token": token,
        "url": f"{_base(request)}/a/{token}/results",
        "api_url": api_url,
        "result": result,
    }
    return _FastJSONResponse(body, status_code=201, headers={"Location": api_url})


@router.get(
    "/api/v1/assessments/{token}",
    operation_id="get_assessment",
    summary="Read a stored assessment by its private token",
    response_model=AssessmentRecord,
    responses=problem_responses(404),
)
def read(token: str, request: Request, session: DbSession) -> Response:
    """The answers document exactly as stored, and its assessment. Unknown and malformed tokens
    get the same 404."""
    assessment = open_assessment(request, session, token, "read")
    if assessment is None:
        return problem(404, NOT_FOUND_DETAIL)
    document = {"version": assessment.contract_version, "answers": assessment.answers}
    try:
        result: AssessmentResult | None = with_crisis(
            trdnav.assess(document, assessment.therapies), _crisis(request, assessment.clinic)
        )
    except trdnav.InvalidAnswers:
        result = None
    body = {
        "document": document,
        "therapies": assessment.therapies,
        "result": result,
        "knowledge_version": assessment.knowledge_version,
        "contract_version": assessment.contract_version,
        "created_at": assessment.created_at.isoformat(),
        "url": f"{_base(request)}/a/{token}/results",
    }
    return _FastJSONResponse(body)
