"""The JSON API's contract in the OpenAPI schema: the answers document (contract v1, section 1),
a stored assessment, and the request description shared by the routes.

These models only describe the contract: the request body is read and validated by
``trdnav.assess`` itself. The answers document is built from the knowledge base's items, and the
assessment result is the core's own type (`trdnav.core.result.AssessmentResult`, which `evaluate`
returns), so neither the schema of the answers nor that of the result can drift from the code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, conint, conlist, conset, create_model

from trdnav.core.result import AssessmentResult
from trdnav.knowledge.loader import load
from trdnav.knowledge.schema import Item
from trdnav.web.problem_details import inline_json_schema

_KB = load()
_THERAPY_IDS = tuple(_KB.therapies)


# --- The answers document (contract v1, section 1), one optional property per item --------------


def _one_of(choices: Iterable[str]) -> Any:
    return cast(Any, Literal)[tuple(choices)]


def _value_type(item: Item) -> Any:
    if item.kind == "yes_no":
        return _one_of(["yes", "no", "unsure"])
    if item.kind == "integer":
        return conint(strict=True, ge=item.minimum, le=item.maximum)
    if item.kind == "scores":
        length = item.length
        return conlist(conint(strict=True, ge=0, le=item.maximum), min_length=length, max_length=length)
    if item.kind == "words":
        # a set: "uniqueItems" (and "maxItems" when the item limits the count) in the JSON Schema
        return conset(_one_of(item.choices), max_length=item.maximum)
    return _one_of(item.choices)


_ANSWER_FIELDS: dict[str, Any] = {
    item.id: (_value_type(item) | None, Field(default=None, description=item.question))
    for item in _KB.items.values()
}
Answers: type[BaseModel] = create_model(
    "Answers",
    __config__=ConfigDict(extra="forbid"),
    __doc__="Item id to answer. An item left out, or given as null, was not answered.",
    **_ANSWER_FIELDS,
)


class AnswersDocument(BaseModel):
    """A contract v1 answers document."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = Field(description="Contract version; must be 1")
    answers: Answers


# --- A stored assessment: its links and result (the result is typed once, in the core) -------------


class StoredAssessment(BaseModel):
    """A newly stored assessment and its private links (shown once; only a hash is kept)."""

    token: str = Field(description="The private token; anyone who has it can open the assessment")
    url: str = Field(description="The results page for the person")
    api_url: str = Field(description="This assessment in the API")
    result: AssessmentResult


class AssessmentRecord(BaseModel):
    """A stored assessment: the answers exactly as given, and their assessment today."""

    document: AnswersDocument
    therapies: list[str]
    result: AssessmentResult | None = Field(
        description="The assessment under the current knowledge base; null if the stored answers "
        "no longer pass its checks"
    )
    knowledge_version: str = Field(description="Knowledge version when the answers were last saved")
    contract_version: int
    created_at: dt.datetime
    url: str = Field(description="The results page for the person")


# --- Reading and checking a request --------------------------------------------------------------

_THERAPY_LIST = f"({'|'.join(_THERAPY_IDS)})"
# The query parameter is read from request.query_params, not declared as a FastAPI parameter:
# solving a declared parameter cost about a fifth of the evaluate operation's time.
REQUEST: dict[str, Any] = {
    "parameters": [
        {
            "name": "therapies",
            "in": "query",
            "required": False,
            "description": "Therapies to compare, comma-separated (default: "
            f"{','.join(_KB.manifest.default_therapies)}). Some of: {', '.join(_THERAPY_IDS)}.",
            "schema": {"type": "string", "pattern": f"^{_THERAPY_LIST}(,{_THERAPY_LIST})*$"},
        }
    ],
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": inline_json_schema(AnswersDocument)}},
    },
}
