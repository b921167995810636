"""The JSON API: what a client program relies on (results, private links, problem+json errors)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.types import Message, Receive, Scope, Send

import trdnav
from trdnav.knowledge.loader import load
from trdnav.settings import Settings
from trdnav.store.models import Assessment
from trdnav.web.app import create_app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EVALUATE = "/api/v1/assessments:evaluate"
STORE = "/api/v1/assessments"
PROBLEM = "application/problem+json"


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return document


def stored_count(app: FastAPI) -> int:
    with app.state.sessions() as session:
        count: int = session.scalar(select(func.count()).select_from(Assessment))
        return count


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem document with the given status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    assert "Traceback" not in response.text
    return body


@pytest.mark.parametrize(
    "name", ["ketamine-leaning.json", "tms-leaning.json", "item9-positive.json", "just-started.json"]
)
def test_evaluate_returns_the_library_result(client: TestClient, name: str) -> None:
    document = example(name)
    response = client.post(EVALUATE, json=document)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    result = response.json()
    assert ("crisis" in result) == (name == "item9-positive.json")  # the crisis resources, if urgent
    result.pop("crisis", None)
    assert result == trdnav.assess(document)


def test_evaluate_compares_the_therapies_asked_for(client: TestClient) -> None:
    document = example("ketamine-leaning.json")
    response = client.post(EVALUATE, params={"therapies": "esketamine,tms,ect"}, json=document)
    assert response.status_code == 200
    assert list(response.json()["therapies"]) == ["esketamine", "tms", "ect"]
    assert response.json() == trdnav.assess(document, ["esketamine", "tms", "ect"])


def test_invalid_answers_get_422_with_one_entry_per_wrong_item(client: TestClient) -> None:
    document = {
        "version": 1,
        "answers": {"age": 300, "seizure_history": True, "phq9": [1, 2], "metal_in_hed": "no", "gad7": None},
    }
    body = assert_problem(client.post(EVALUATE, json=document), 422)
    with pytest.raises(trdnav.InvalidAnswers) as expected:
        trdnav.assess(document)
    assert body["errors"] == [{"item": p.item, "message": p.message} for p in expected.value.problems]
    assert [error["item"] for error in body["errors"]] == ["age", "seizure_history", "phq9", "metal_in_hed"]
    assert "Did you mean 'metal_in_head'?" in body["errors"][3]["message"]


@pytest.mark.parametrize(
    ("document", "item"),
    [([1, 2, 3], "(document)"), ({"answers": {}}, "version"), ({"version": 1}, "answers")],
)
def test_a_document_of_the_wrong_shape_gets_422_naming_the_field(
    client: TestClient, document: object, item: str
) -> None:
    body = assert_problem(client.post(EVALUATE, json=document), 422)
    assert [error["item"] for error in body["errors"]] == [item]


def test_whole_numbers_written_with_a_fraction_count_as_whole_numbers(client: TestClient) -> None:
    """JSON has one number type and JSON Schema counts 34.0 as an integer; 34.5 stays wrong."""
    document = example("tms-leaning.json")
    written = json.dumps(document).replace('"age": 52', '"age": 52.0').replace("[1, ", "[1e0, ")
    assert written != json.dumps(document)
    response = client.post(EVALUATE, content=written, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json() == trdnav.assess(document)
    document["answers"]["age"] = 52.5
    body = assert_problem(client.post(EVALUATE, json=document), 422)
    assert body["errors"][0]["item"] == "age"


def test_an_unknown_therapy_gets_422_naming_it(client: TestClient) -> None:
    response = client.post(EVALUATE, params={"therapies": "tms,laser"}, json=example("tms-leaning.json"))
    body = assert_problem(response, 422)
    assert body["errors"][0]["item"] == "therapies"
    assert "'laser' is not a therapy" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b'{"version": 1,}', b'{"version": NaN}', b"\xff\xfe\x00", b"[" * 20_000 + b"]" * 20_000],
)
def test_a_body_that_is_not_json_gets_400(client: TestClient, body: bytes) -> None:
    response = client.post(EVALUATE, content=body, headers={"content-type": "application/json"})
    problem = assert_problem(response, 400)
    assert problem["errors"][0]["item"] == "(document)"
    assert problem["errors"][0]["message"].startswith("not valid JSON")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_sent_as_json_gets_415(client: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(EVALUATE, content=json.dumps(example("tms-leaning.json")), headers=headers)
    body = assert_problem(response, 415)
    assert body["errors"] == [{"item": "Content-Type", "message": "expected application/json"}]


def test_a_wrong_method_gets_405_with_allow(client: TestClient) -> None:
    response = client.get(EVALUATE)
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"


def test_a_body_over_the_limit_gets_413_before_anything_is_stored(client: TestClient, app: FastAPI) -> None:
    limit = app.state.settings.max_body_bytes
    document = example("tms-leaning.json")
    document["padding"] = "x" * limit
    response = client.post(STORE, json=document)
    body = assert_problem(response, 413)
    assert str(limit) in body["detail"]
    assert stored_count(app) == 0


def test_store_returns_private_links_and_the_result(client: TestClient, app: FastAPI) -> None:
    document = example("ketamine-leaning.json")
    response = client.post(STORE, json=document)
    assert response.status_code == 201
    body = response.json()
    token = body["token"]
    assert len(token) >= 43  # 256 random bits, URL-safe base64
    assert body["url"] == f"http://testserver/a/{token}/results"
    assert body["api_url"] == f"http://testserver/api/v1/assessments/{token}"
    assert response.headers["location"] == body["api_url"]
    assert body["result"] == trdnav.assess(document)
    assert stored_count(app) == 1


def test_the_assessment_is_committed_before_the_201_is_sent(app: FastAPI) -> None:
    """A client that reads its new token back at once must find it."""
    committed_when_answered: list[int] = []

    async def spy(scope: Scope, receive: Receive, send: Send) -> None:
        async def spying_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                committed_when_answered.append(stored_count(app))  # another connection: committed rows
            await send(message)

        await app(scope, receive, spying_send)

    with TestClient(spy) as client:
        assert client.post(STORE, json=example("tms-leaning.json")).status_code == 201
    assert committed_when_answered == [1]


def test_a_stored_document_reads_back_exactly_as_given(client: TestClient) -> None:
    document = example("item9-positive.json")
    document["answers"]["insurance"] = None  # given as null: not answered, but kept as given
    created = client.post(STORE, params={"therapies": "tms,ect"}, json=document).json()

    response = client.get(f"/api/v1/assessments/{created['token']}")
    assert response.status_code == 200
    record = response.json()
    assert record["document"] == document
    assert list(record["document"]["answers"]) == list(document["answers"])
    assert record["therapies"] == ["tms", "ect"]
    assert record["result"].pop("crisis")["lines"][0] == {"label": "Call 911", "href": "tel:911"}
    assert record["result"] == trdnav.assess(document, ["tms", "ect"])
    assert record["result"]["alerts"][0]["id"] == "suicide_risk"
    assert record["knowledge_version"] == created["result"]["knowledge_version"]
    assert record["contract_version"] == 1
    assert record["created_at"].endswith("+00:00")
    assert record["url"] == created["url"]


def test_invalid_answers_are_not_stored(client: TestClient, app: FastAPI) -> None:
    body = assert_problem(client.post(STORE, json={"version": 1, "answers": {"age": -1}}), 422)
    assert body["errors"][0]["item"] == "age"
    assert_problem(client.post(STORE, content=b"{", headers={"content-type": "application/json"}), 400)
    assert stored_count(app) == 0


def test_unknown_and_malformed_tokens_get_the_same_404(client: TestClient) -> None:
    created = client.post(STORE, json=example("tms-leaning.json")).json()
    real = created["token"]
    unknown = ("A" if real[0] != "A" else "B") + real[1:]
    answers = [
        client.get(f"/api/v1/assessments/{token}")
        for token in (unknown, "not-a-token", "x" * 500, "%00", "a/b", "..%2F..%2Fetc")
    ]
    first = answers[0]
    assert_problem(first, 404)
    for other in answers[1:]:
        assert (other.status_code, other.headers["content-type"], other.content) == (
            first.status_code,
            first.headers["content-type"],
            first.content,
        )
    assert real not in first.text and unknown not in first.text


def test_no_traceback_reaches_a_client(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(document: object, therapies: object = None) -> dict[str, Any]:
        raise RuntimeError("internal detail that must stay on the server")

    monkeypatch.setattr(trdnav, "assess", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(EVALUATE, json=example("tms-leaning.json"))
    body = assert_problem(response, 500)
    assert "internal detail" not in response.text
    assert body["errors"] == []


def test_openapi_describes_the_operations_with_real_schemas(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    evaluate = paths[EVALUATE]["post"]
    body = evaluate["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["version", "answers"]
    answers = body["properties"]["answers"]
    assert answers["additionalProperties"] is False
    assert set(answers["properties"]) == set(load().items)
    assert {"enum": ["yes", "no", "unsure"], "type": "string"} in answers["properties"]["cochlear_implant"][
        "anyOf"
    ]
    assert evaluate["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AssessmentResult"
    }
    assert set(evaluate["responses"]["422"]["content"]) == {PROBLEM}
    [therapies] = evaluate["parameters"]
    assert (therapies["name"], therapies["in"], therapies["required"]) == ("therapies", "query", False)
    assert "esketamine" in therapies["schema"]["pattern"]
    assert "201" in paths[STORE]["post"]["responses"]
    assert "404" in paths["/api/v1/assessments/{token}"]["get"]["responses"]
    result = schema["components"]["schemas"]["AssessmentResult"]
    assert {"therapies", "leaning", "alerts", "scores"} <= set(result["required"])
    assert client.get("/docs").status_code == 200


# --- The crisis signal survives an input error (hazard H17) -------------------------------------

ITEM_9_ALERT = load().instruments["phq9"].alerts[0]  # item 9, above its threshold: urgent
PHQ9_LENGTH = len(load().instruments["phq9"].items)


def phq9_with_item_9(value: object, length: int = PHQ9_LENGTH) -> list[object]:
    answers: list[object] = [0] * length
    answers[ITEM_9_ALERT.item - 1] = value
    return answers


REFUSED_WITH_ITEM_9 = {
    "too many answers": {"phq9": phq9_with_item_9(ITEM_9_ALERT.above + 1, PHQ9_LENGTH + 1)},
    "another answer out of range": {"phq9": [7, *phq9_with_item_9(ITEM_9_ALERT.above + 1)[1:]]},
    "another item wrong": {"phq9": phq9_with_item_9(ITEM_9_ALERT.above + 1), "age": -1},
}


@pytest.mark.parametrize("answers", REFUSED_WITH_ITEM_9.values(), ids=REFUSED_WITH_ITEM_9.keys())
def test_refused_answers_with_item_9_above_the_threshold_still_return_the_crisis_resources(
    client: TestClient, answers: dict[str, Any]
) -> None:
    for address in (EVALUATE, STORE):
        body = assert_problem(client.post(address, json={"version": 1, "answers": answers}), 422)
        assert body["errors"], "the error is still reported"
        assert [alert["id"] for alert in body["alerts"]] == [ITEM_9_ALERT.id]
        assert body["crisis"]["lines"][0] == {"label": "Call 911", "href": "tel:911"}  # emergency first
        assert body["crisis"]["country"] == "US"
        assert body["clinic_alerted"] is False  # no default clinic: nobody was told, and it says so


def test_refused_answers_with_item_9_at_the_threshold_carry_no_crisis_members(client: TestClient) -> None:
    answers = {"phq9": phq9_with_item_9(ITEM_9_ALERT.above, PHQ9_LENGTH + 1)}
    body = assert_problem(client.post(EVALUATE, json={"version": 1, "answers": answers}), 422)
    assert "alerts" not in body and "crisis" not in body


def test_the_installation_country_picks_the_crisis_resources(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, country="GB"))
    try:
        with TestClient(app) as client:
            result = client.post(EVALUATE, json=example("item9-positive.json")).json()
            refused = client.post(
                EVALUATE, json={"version": 1, "answers": REFUSED_WITH_ITEM_9["too many answers"]}
            )
        assert result["crisis"]["lines"][0]["href"] == "tel:999"
        assert "Samaritans" in result["crisis"]["text"]
        assert refused.json()["crisis"] == result["crisis"]
    finally:
        app.state.engine.dispose()


# --- Input is never silently misread (hazard H15) ------------------------------------------------


@pytest.mark.parametrize(
    ("body", "item"),
    [
        (
            b'{"version": 1, "answers": {"seizure_history": "no", "seizure_history": "yes"}}',
            "answers.seizure_history",
        ),
        (b'{"version": 1, "version": 1, "answers": {}}', "version"),
    ],
)
def test_a_repeated_key_is_refused_naming_it(
    client: TestClient, app: FastAPI, body: bytes, item: str
) -> None:
    for address in (EVALUATE, STORE):
        response = client.post(address, content=body, headers={"content-type": "application/json"})
        problems = assert_problem(response, 422)["errors"]
        assert problems == [{"item": item, "message": problems[0]["message"]}]
        assert "twice" in problems[0]["message"]
    assert stored_count(app) == 0


def test_a_phq9_given_twice_is_refused_but_either_answer_raises_the_alert(client: TestClient) -> None:
    first, second = json.dumps(phq9_with_item_9(ITEM_9_ALERT.above + 1)), json.dumps(phq9_with_item_9(0))
    body = f'{{"version": 1, "answers": {{"phq9": {first}, "phq9": {second}}}}}'.encode()
    response = client.post(EVALUATE, content=body, headers={"content-type": "application/json"})
    problem_body = assert_problem(response, 422)
    assert problem_body["errors"][0]["item"] == "answers.phq9"
    assert [alert["id"] for alert in problem_body["alerts"]] == [ITEM_9_ALERT.id]


@pytest.mark.parametrize(
    "body",
    [
        b'{"version": 1, "answers": {"\\ud800": "yes"}}',
        b'{"version": 1, "answers": {"seizure_history": "\\ud800"}}',
        b'{"version": 1, "answers": {"seizure\\u0000history": "no"}}',
        b'{"version": 1, "answers": {"conditions": ["ocd\\u0000"]}, "\\udfff": 1}',
    ],
)
def test_a_nul_or_a_lone_surrogate_anywhere_in_the_body_is_a_clear_422(app: FastAPI, body: bytes) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        for address in (EVALUATE, STORE):
            response = client.post(address, content=body, headers={"content-type": "application/json"})
            problems = assert_problem(response, 422)["errors"]
            assert problems and all("NUL character or a lone surrogate" in p["message"] for p in problems)
    assert stored_count(app) == 0
