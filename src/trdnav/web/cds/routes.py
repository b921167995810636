"""The CDS Hooks 2.0 endpoints: discovery, the services, and feedback.

- ``GET /cds-services``: the services and their prefetch templates (public: it holds no patient data).
- ``POST /cds-services/{id}``: a hook call from a trusted client (`cds_caller`), JSON only. The
  record is the prefetch, with what is missing fetched from ``fhirServer`` (412 when neither);
  the answer is ``{"cards": [...]}``, empty when nothing is relevant.
- ``POST /cds-services/{id}/feedback``: what the clinician did with each card (accepted, or
  overridden with one of the card's ``overrideReasons``); stored per card type, not per patient.
Every call is audited by the client check (`cds_caller`: the service id only), and bad bodies get
a 400 problem naming the field. Free text (a feedback's ``userComment``) is not stored: it may hold
patient data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal, TypeVar

import orjson
from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import Response

from trdnav.cdshooks.cards import CardLinks, cards_for
from trdnav.cdshooks.prefetch import FhirAccess, MissingData, gather
from trdnav.cdshooks.services import SERVICES, discovery, prefetch_templates
from trdnav.core.answers import InputProblem
from trdnav.fhir.record_reading import RecordError, choose_patient
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.cds_feedback import FeedbackError, record_cards, record_feedback
from trdnav.store.models import Clinic
from trdnav.web.cds.caller import CdsCaller, CdsRefused, cds_caller
from trdnav.web.problem_details import CDS_PREFIX, problem

router = APIRouter(tags=["cds-hooks"], include_in_schema=False)  # CDS Hooks 2.0 is its own spec: docs/api.md
M = TypeVar("M", bound=BaseModel)
Caller = Annotated[CdsCaller, Depends(cds_caller)]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class FhirAuthorization(_Loose):
    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str


class HookRequest(_Loose):
    hook: str
    hookInstance: str = Field(min_length=1)
    fhirServer: str | None = Field(default=None, pattern=r"^https?://")
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None


class Coding(_Loose):
    code: str
    system: str | None = None
    display: str | None = None


class OverrideReason(_Loose):
    reason: Coding | None = None
    userComment: str | None = None


class CardFeedback(_Loose):
    card: str = Field(min_length=1, max_length=36)
    outcome: Literal["accepted", "overridden"]
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: dt.datetime


class FeedbackRequest(_Loose):
    feedback: list[CardFeedback] = Field(min_length=1)


def _json(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def _read(request_body: bytes, content_type: str, model: type[M]) -> M | Response:
    if content_type.split(";")[0].strip().lower() != "application/json":
        return problem(415, "Send the request as application/json.")
    try:
        parsed = orjson.loads(request_body)  # then validated as Python: far faster on a big prefetch
    except orjson.JSONDecodeError:
        return problem(400, "The request body is not JSON.")
    try:
        return model.model_validate(parsed)
    except ValidationError as error:
        problems = [InputProblem(_field(e["loc"]), e["msg"]) for e in error.errors(include_input=False)]
        return problem(400, "The request does not follow CDS Hooks 2.0.", problems)


@router.get(CDS_PREFIX, summary="CDS Hooks discovery: the services and their prefetch templates")
def list_services(request: Request) -> Response:
    return _json(discovery(request.app.state.kb))


def _links(request: Request, clinic: Clinic) -> CardLinks:
    base = str(request.base_url).rstrip("/")
    return CardLinks(decision_aid=f"{base}/c/{clinic.slug}/", rules=f"{base}/docs/rules")


@router.post(CDS_PREFIX + "/{service_id}", summary="Call a CDS service (a hook)")
async def call_service(service_id: str, request: Request, caller: Caller) -> Response:
    service = SERVICES.get(service_id)
    if service is None:
        return problem(404, f"No CDS service {service_id!r}; GET {CDS_PREFIX} lists them.")
    body = _read(await request.body(), request.headers.get("content-type", ""), HookRequest)
    if isinstance(body, Response):
        return body
    if body.hook != service.hook:
        return problem(400, f"hook: this service answers {service.hook!r}, not {body.hook!r}.")
    patient_id = body.context.get("patientId")
    if not isinstance(patient_id, str) or not patient_id:
        return problem(400, "context.patientId: expected the id of the patient (a string).")
    kb: KnowledgeBase = request.app.state.kb
    access = None
    if body.fhirServer is not None:
        token = body.fhirAuthorization.access_token if body.fhirAuthorization else None
        access = FhirAccess(body.fhirServer, token, getattr(request.app.state, "cds_fhir_transport", None))
    try:
        resources = gather(prefetch_templates(kb), body.prefetch, body.context, access)
    except MissingData as missing:
        return problem(412, f"prefetch {missing.key!r}: {missing.why}.")
    try:
        record = choose_patient([dict(r) for r in resources if isinstance(r.get("id"), str)], patient_id)
    except RecordError as error:
        if "deceased" in error.message:
            return _json({"cards": []})
        return problem(412, f"prefetch 'patient': the record has no Patient {patient_id!r}.")
    now: dt.datetime = request.app.state.clock()
    with request.app.state.sessions() as session:
        clinic = session.get(Clinic, caller.clinic_id)
        assert clinic is not None  # a client row belongs to a clinic (ON DELETE CASCADE)
        offered, links = list(clinic.therapies), _links(request, clinic)
    issued = cards_for(
        kb, service, record, body.context, offered, links, now.date(), lambda: str(uuid.uuid4())
    )
    if issued:  # silence writes nothing
        with request.app.state.sessions.begin() as session:
            kept = [(c.card["uuid"], c.card_type, c.card["indicator"]) for c in issued]
            record_cards(session, caller.clinic_id, service.id, kept, now)
    return _json({"cards": [c.card for c in issued]})


@router.post(CDS_PREFIX + "/{service_id}/feedback", summary="Feedback on the cards a service returned")
async def feedback(service_id: str, request: Request, caller: Caller) -> Response:
    if service_id not in SERVICES:
        return problem(404, f"No CDS service {service_id!r}; GET {CDS_PREFIX} lists them.")
    body = _read(await request.body(), request.headers.get("content-type", ""), FeedbackRequest)
    if isinstance(body, Response):
        return body
    kb: KnowledgeBase = request.app.state.kb
    known = [r.code for r in kb.cds.override_reasons] if kb.cds else []
    try:
        with request.app.state.sessions.begin() as session:  # all or nothing
            for index, item in enumerate(body.feedback):
                given = item.overrideReason.reason if item.overrideReason else None
                reason = given.code if given else None
                try:
                    record_feedback(
                        session,
                        caller.clinic_id,
                        service_id,
                        item.card,
                        item.outcome,
                        reason,
                        item.outcomeTimestamp,
                        known,
                    )
                except FeedbackError as error:
                    raise FeedbackError(
                        f"feedback[{index}].{error.field}", error.message, error.status
                    ) from None
    except FeedbackError as error:
        return problem(error.status, f"{error.field}: {error.message}.")
    return _json({})


def install_cds_handlers(app: FastAPI) -> None:
    """A refused CDS client gets 401 with ``WWW-Authenticate`` (RFC 6750), saying which check failed."""

    def refused(request: Request, exc: Exception) -> Response:
        reason = exc.reason if isinstance(exc, CdsRefused) else "the token is not valid"
        header = f'Bearer error="invalid_token", error_description="{reason}"'
        return problem(401, f"The CDS client is not trusted: {reason}.", headers={"WWW-Authenticate": header})

    app.add_exception_handler(CdsRefused, refused)
