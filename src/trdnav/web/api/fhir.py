"""The intake as a FHIR resource, and a QuestionnaireResponse evaluated like an answers document.

``GET /fhir/Questionnaire/trdnav-intake`` (public, ``application/fhir+json``) serves the SDC
Questionnaire generated from the knowledge base (`trdnav.fhir.intake_questionnaire`); it is a FHIR
resource, not an API operation, so it is left out of the OpenAPI schema, like the static files.

``POST /api/v1/fhir/QuestionnaireResponse/$evaluate`` takes a QuestionnaireResponse to that
Questionnaire (or to the one an exported response contains), reads it into the contract's answers
document (`trdnav.fhir.response_answers`) and answers exactly as ``/api/v1/assessments:evaluate``
does for that document: the same result, the same 422 naming each wrong item, the same alerts and
crisis resources. Nothing is stored.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from trdnav.core.answers import InputProblem
from trdnav.core.result import AssessmentResult
from trdnav.fhir.intake_questionnaire import INTAKE_ID, intake_questionnaire
from trdnav.fhir.response_answers import KNOWN_QUESTIONNAIRES, ResponseNotReadable, answers_document
from trdnav.web.api.routes import _assess, _FastJSONResponse, _is_json, _read_document, _Refused
from trdnav.web.api.schemas import REQUEST
from trdnav.web.problem_details import problem, problem_responses

router = APIRouter(tags=["fhir"])

FHIR_JSON = "application/fhir+json"
NOT_A_RESPONSE = "The body is not a QuestionnaireResponse to the TRD Navigator intake."

_RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A FHIR R4 QuestionnaireResponse to the Questionnaire at "
    f"/fhir/Questionnaire/{INTAKE_ID} (its canonical URL in `questionnaire`): each answered item's "
    "linkId is a contract item id; PHQ-9 and GAD-7 answers are items phq9_1 ... inside the item phq9.",
    "required": ["resourceType", "questionnaire"],
    "properties": {
        "resourceType": {"const": "QuestionnaireResponse"},
        "questionnaire": {"enum": sorted(KNOWN_QUESTIONNAIRES)},
        "status": {"type": "string"},
        "item": {"type": "array", "items": {"type": "object"}},
    },
}
_REQUEST: dict[str, Any] = {
    "parameters": REQUEST["parameters"],
    "requestBody": {
        "required": True,
        "content": {
            FHIR_JSON: {"schema": _RESPONSE_SCHEMA},
            "application/json": {"schema": _RESPONSE_SCHEMA},
        },
    },
}


@router.get(f"/fhir/Questionnaire/{INTAKE_ID}", include_in_schema=False)
def intake(request: Request) -> Response:
    """The intake as an SDC Questionnaire (public: it holds only the questions)."""
    kb = request.app.state.kb
    body = intake_questionnaire(kb, kb.engine.contract_version)
    return Response(orjson.dumps(body), media_type=FHIR_JSON)


@router.post(
    "/api/v1/fhir/QuestionnaireResponse/$evaluate",
    operation_id="evaluate_questionnaire_response",
    summary="Assess a FHIR QuestionnaireResponse to the intake (nothing is stored)",
    response_model=AssessmentResult,
    responses=problem_responses(400, 413, 415, 422),
    openapi_extra=_REQUEST,
)
async def evaluate_response(request: Request) -> Response:
    """A QuestionnaireResponse in, the contract v1 assessment of its answers out: the same as
    ``/api/v1/assessments:evaluate`` of the answers document it holds."""
    if not _is_json(request.headers.get("content-type", "")):
        return problem(
            415,
            f"Send the QuestionnaireResponse as FHIR JSON, with the header Content-Type: {FHIR_JSON}.",
            [InputProblem("Content-Type", f"expected {FHIR_JSON} or application/json")],
        )
    try:
        resource = await _read_document(request)
        try:
            document = answers_document(
                request.app.state.kb, resource, request.app.state.kb.engine.contract_version
            )
        except ResponseNotReadable as unreadable:
            return problem(422, NOT_A_RESPONSE, unreadable.problems)
        result = await _assess(request, document)
    except _Refused as refused:
        return refused.response
    return _FastJSONResponse(result)
