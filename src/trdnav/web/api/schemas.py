"""The JSON API's contract in the OpenAPI schema: the answers document (contract v1, section 1),
the assessment result, a stored assessment, and the request description shared by the routes.

These models only describe the contract: the request body is read and validated by
``trdnav.assess`` itself. They are built from the knowledge base's items, so the schema and the
validation cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, conint, conlist, conset, create_model

from trdnav.knowledge.loader import load
from trdnav.knowledge.schema import EvidenceLabel, Item
from trdnav.web.api.problems import CrisisResourcesBody, inline_json_schema

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


# --- The assessment result (contract v1, section 3) ---------------------------------------------


class Reason(BaseModel):
    rule: str
    outcome: Literal["contraindicated", "needs_review", "information"]
    text: str = Field(description="Why, in plain words")
    clinician_text: str
    citations: list[str]
    evidence: EvidenceLabel


class BarrierDetail(BaseModel):
    id: str
    text: str
    clinician_text: str
    citations: list[str]


class TherapyResult(BaseModel):
    safety: Literal["contraindicated", "needs_review", "no_known_concerns"]
    reasons: list[Reason]
    notes: list[Reason] = Field(description="Information that does not change the safety status")
    unanswered: list[str] = Field(description="Safety items for this therapy not answered, or unsure")
    practical: Literal["ok", "barriers"]
    barriers: list[str]
    barrier_details: list[BarrierDetail]
    favoured_by: list[str] = Field(description="Ids of the person's priorities that point to this therapy")


class Alert(BaseModel):
    id: str
    level: Literal["urgent", "warning"]
    text: str


class Score(BaseModel):
    total: int = Field(ge=0)
    severity: str


class Priority(BaseModel):
    id: str
    favours: list[str]
    weight: int
    text: str
    clinician_text: str
    citations: list[str]
    evidence: EvidenceLabel
    items: list[str] = Field(description="The person's answers (item ids) this priority comes from")
    top_priority: bool = Field(description="The person listed it under top_priorities")
    points: int = Field(
        ge=0, description="Weight, times the top-priority multiplier; 0 for information notes"
    )


class TallyLine(BaseModel):
    priority: str = Field(description="The priority (consideration) id")
    items: list[str]
    weight: int = Field(ge=1)
    multiplier: int = Field(ge=1, description="The top-priority multiplier, or 1")
    points: int = Field(ge=1)


class TherapyTally(BaseModel):
    total: int = Field(ge=0)
    remaining: bool = Field(description="Not contraindicated and no practical barrier: can be the leaning")
    points: list[TallyLine]


class AssessmentResult(BaseModel):
    """The contract v1 assessment: safety screen per therapy, leaning, alerts and scores."""

    contract: Literal[1]
    knowledge_version: str
    therapies: dict[str, TherapyResult] = Field(description="Therapy id to its result, in the order asked")
    leaning: str | None = Field(description="The option the person's own priorities point to, if any")
    leaning_basis: Literal["priorities", "only_option", "none_remaining", "no_priorities", "not_clear"] = (
        Field(
            description="Why: priorities clearly favour it; the only option left after the safety screen and"
            " practical barriers; no option left; no stated priority points to a remaining option; or no"
            " option leads by the margin"
        )
    )
    tally: dict[str, TherapyTally] = Field(description="Therapy id to the points each priority gave it")
    alerts: list[Alert]
    scores: dict[str, Score] = Field(description="Instrument id (phq9, gad7) to total and severity")
    priorities: list[Priority]
    crisis: CrisisResourcesBody | None = Field(
        default=None,
        description="Present when an alert is urgent: the crisis resources to show first (the "
        "clinic's own, or the installation's country's)",
    )


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
