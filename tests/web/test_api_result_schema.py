"""The API's published result schema is the core's result type, not a copy that could drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_type_hints

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from trdnav.core import result as core_result
from trdnav.core.assessment import evaluate
from trdnav.core.result import AssessmentResult

EVALUATE = "/api/v1/assessments:evaluate"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# Each component of the OpenAPI document that describes the result, and the core type it must be.
RESULT_TYPES: dict[str, Any] = {
    "AssessmentResult": core_result.AssessmentResult,
    "TherapyResult": core_result.TherapyResult,
    "Reason": core_result.Reason,
    "BarrierDetail": core_result.BarrierDetail,
    "Priority": core_result.Priority,
    "TherapyTally": core_result.TherapyTally,
    "TallyLine": core_result.TallyLine,
    "Alert": core_result.Alert,
    "Score": core_result.Score,
    "CrisisResourcesBody": core_result.CrisisResourcesBody,
    "CrisisLineBody": core_result.CrisisLineBody,
}


@pytest.fixture
def components(client: TestClient) -> dict[str, Any]:
    schemas: dict[str, Any] = client.get("/openapi.json").json()["components"]["schemas"]
    return schemas


def test_evaluate_is_typed_to_return_the_core_result() -> None:
    assert get_type_hints(evaluate)["return"] is AssessmentResult


@pytest.mark.parametrize("name", RESULT_TYPES)
def test_each_result_component_has_the_keys_of_its_core_type(components: dict[str, Any], name: str) -> None:
    typed = RESULT_TYPES[name]
    schema = components[name]
    assert set(schema["properties"]) == set(typed.__annotations__)
    assert set(schema.get("required", [])) == set(typed.__required_keys__)


def test_the_operations_answer_with_the_core_result(client: TestClient, components: dict[str, Any]) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    reference = {"$ref": "#/components/schemas/AssessmentResult"}
    evaluate_200 = paths[EVALUATE]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert evaluate_200 == reference
    stored = components["StoredAssessment"]
    assert stored["properties"]["result"] == reference


def test_the_core_types_docstrings_are_the_published_descriptions(components: dict[str, Any]) -> None:
    therapy = components["TherapyResult"]
    assert therapy["description"] == core_result.TherapyResult.__doc__
    assert therapy["properties"]["unanswered"]["description"] == (
        "Safety items for this therapy not answered, or unsure"
    )
    assert components["AssessmentResult"]["properties"]["leaning"]["description"] == (
        "The option the person's own priorities point to, if any"
    )


def test_the_core_types_bounds_are_published(components: dict[str, Any]) -> None:
    assert components["Score"]["properties"]["total"]["minimum"] == 0
    assert components["TherapyTally"]["properties"]["total"]["minimum"] == 0
    assert components["TallyLine"]["properties"]["multiplier"]["minimum"] == 1


@pytest.mark.parametrize("name", ["item9-positive.json", "tms-leaning.json"])
def test_a_real_result_is_an_instance_of_the_core_type(client: TestClient, name: str) -> None:
    document = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    body = client.post(EVALUATE, json=document).json()
    # strict: an extra key or a wrong type anywhere in the result is refused
    adapter = TypeAdapter(AssessmentResult)
    assert adapter.validate_python(body, strict=True, extra="forbid") == body
