"""Problem details for the JSON API (RFC 9457): every API error is ``application/problem+json``.

A problem names the HTTP status in ``title`` (``type`` is ``about:blank``), says what went wrong in
``detail``, and lists one ``{"item", "message"}`` entry per wrong item in ``errors``. Refused answers
that still raise an urgent alert (PHQ-9 item 9 above 0) also carry ``alerts``, ``crisis`` and
``clinic_alerted``: a crisis signal is never lost in an input error. Only paths under ``/api/`` get
problem documents; the patient pages keep whatever handlers they had before.
"""

from __future__ import annotations

import copy
import http
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response

from trdnav.core.answers import InputProblem
from trdnav.core.result import Alert, CrisisResourcesBody

PROBLEM_MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/"
CDS_PREFIX = "/cds-services"  # the CDS Hooks service (trdnav.web.cds): JSON with a signed JWT
# One body for every 404 under /api/: an unknown token, a malformed one and a wrong address alike.
NOT_FOUND_DETAIL = "There is nothing at this address."

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


class ProblemItem(BaseModel):
    """One wrong item: which item or field, and what was expected."""

    item: str = Field(description="Item id (contract v1), or the field or part of the request")
    message: str = Field(description="What was wrong and what was expected, in plain words")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details with one entry per wrong item."""

    type: str = Field(default="about:blank", description="Problem type URI")
    title: str = Field(description="The HTTP status phrase")
    status: int = Field(ge=400, le=599, description="The HTTP status code")
    detail: str = Field(description="What went wrong, in plain words")
    errors: list[ProblemItem] = Field(default=[], description="One entry per wrong item")
    alerts: list[Alert] | None = Field(
        default=None, description="Urgent alerts the refused answers still raise (PHQ-9 item 9 above 0)"
    )
    crisis: CrisisResourcesBody | None = Field(default=None, description="Present with `alerts`")
    clinic_alerted: bool | None = Field(
        default=None, description="Present with `alerts`: whether a clinic received the alert"
    )


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    detail: str,
    errors: Iterable[InputProblem] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> ProblemResponse:
    """A problem+json response; ``title`` is the standard phrase for ``status``; ``extra`` adds
    members (RFC 9457 extension members)."""
    body = {
        "type": "about:blank",
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "errors": [{"item": p.item, "message": p.message} for p in errors],
        **(extra or {}),
    }
    return ProblemResponse(body, status_code=status, headers=dict(headers) if headers else None)


def inline_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema with every ``$ref`` replaced by its definition (no ``$defs``).

    OpenAPI resolves ``$ref`` against the whole document, so a schema placed by hand into an
    operation (request body, problem responses) must stand alone.
    """
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                target = copy.deepcopy(definitions[ref.removeprefix("#/$defs/")])
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return resolve({**target, **rest})
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


PROBLEM_SCHEMA = inline_json_schema(Problem)

_DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    404: "Not found. Unknown and malformed tokens get the same answer.",
    413: "The request body is too large.",
    415: "The body must be sent as application/json.",
    422: "The answers are not valid: one entry in `errors` per wrong item.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses, documented as problem+json."""
    return {
        status: {
            "description": _DESCRIPTIONS.get(status, http.HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


async def _call(handler: Handler, request: Request, exc: Exception) -> Response:
    response = handler(request, exc)
    if isinstance(response, Response):
        return response
    return await response


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error under ``/api/`` a problem document; never a traceback.

    Call it after any other exception handlers are installed: for paths outside ``/api/`` it
    hands over to the handler that was there before (FastAPI's default if none).
    """
    previous_http: Handler = app.exception_handlers[StarletteHTTPException]
    previous_validation: Handler = app.exception_handlers[RequestValidationError]
    previous_error: Handler | None = app.exception_handlers.get(Exception)

    async def http_error(request: Request, exc: Exception) -> Response:
        if not _is_api(request) or not isinstance(exc, StarletteHTTPException):
            return await _call(previous_http, request, exc)
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else http.HTTPStatus(status).description
        if status == 404:
            detail = NOT_FOUND_DETAIL
        elif status == 405:
            detail = f"This address does not accept {request.method} requests."
        return problem(status, detail, headers=exc.headers)

    async def validation_error(request: Request, exc: Exception) -> Response:
        if not _is_api(request) or not isinstance(exc, RequestValidationError):
            return await _call(previous_validation, request, exc)
        errors = [
            InputProblem(
                ".".join(str(part) for part in error.get("loc", ())[1:]) or "(request)",
                str(error.get("msg", "is not valid")),
            )
            for error in exc.errors()
        ]
        return problem(422, "The request is not valid.", errors)

    async def server_error(request: Request, exc: Exception) -> Response:
        if not _is_api(request):
            if previous_error is not None:
                return await _call(previous_error, request, exc)
            return PlainTextResponse("Internal Server Error", status_code=500)
        return problem(500, "Something went wrong on our side. Please try again later.")

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, server_error)
