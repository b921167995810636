"""The FHIR R4 QuestionnaireResponse of one person's answers: valid, coded, and exactly as given."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from trdnav.fhir.questionnaire_response import LOINC, YES_NO_SYSTEM, questionnaire_response
from trdnav.knowledge.loader import load

KB = load()
PHQ9 = [0, 1, 2, 3, 0, 1, 2, 3, 1]
ANSWERS: dict[str, Any] = {
    "age": 45,
    "phq9": PHQ9,
    "seizure_history": "unsure",
    "conditions": ["depression", "ptsd"],
    "insurance": "self_pay",
}
AUTHORED = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)


def _response(answers: dict[str, Any], last_step: str = "results") -> dict[str, Any]:
    return questionnaire_response(
        KB, assessment_id=7, answers=answers, last_step=last_step, contract_version=1, authored=AUTHORED
    )


def _item(resource: dict[str, Any], link_id: str) -> dict[str, Any]:
    return next(item for item in resource["item"] if item["linkId"] == link_id)


def test_the_response_is_valid_fhir_and_says_when_and_whether_complete() -> None:
    resource = _response(ANSWERS)
    parsed = QuestionnaireResponse.model_validate(resource)
    assert parsed.status == "completed"
    assert resource["authored"] == "2026-03-04T10:30:00+00:00"
    assert resource["questionnaire"] == "#questionnaire", "the contained Questionnaire describes the items"
    assert _response(ANSWERS, last_step="safety")["status"] == "in-progress"


def test_phq9_answers_carry_loinc_item_and_answer_codes_as_given() -> None:
    resource = _response(ANSWERS)
    group = _item(resource, "phq9")
    assert group["text"] == KB.items["phq9"].question
    phq9 = KB.instruments["phq9"]
    answer_codes = {option.value: option.loinc for option in phq9.answers}
    for number, score in enumerate(PHQ9, start=1):
        item = group["item"][number - 1]
        assert item["linkId"] == f"phq9_{number}"
        assert item["answer"] == [
            {
                "valueCoding": {
                    "system": LOINC,
                    "code": answer_codes[score],
                    "display": phq9.answers[score].text,
                }
            }
        ]
    assert group["item"][-1] == {
        "linkId": "phq9_total",
        "text": f"{phq9.name}: total score",
        "answer": [{"valueInteger": sum(PHQ9)}],
    }
    definition = next(i for i in resource["contained"][0]["item"] if i["linkId"] == "phq9")
    assert definition["code"][0]["code"] == "44249-1"
    item_codes = [i["code"][0]["code"] for i in definition["item"]]
    assert item_codes[0] == "44250-9"
    assert item_codes == [q.loinc for q in phq9.items] + ["44261-6"]


def test_other_answers_keep_their_type() -> None:
    resource = _response(ANSWERS)
    assert _item(resource, "age")["answer"] == [{"valueInteger": 45}]
    assert _item(resource, "age")["text"] == "How old are you?"
    seizure = _item(resource, "seizure_history")["answer"][0]["valueCoding"]
    assert (seizure["system"], seizure["code"]) == (YES_NO_SYSTEM, "unsure")
    conditions = _item(resource, "conditions")["answer"]
    assert [answer["valueCoding"]["code"] for answer in conditions] == ["depression", "ptsd"]
    assert _item(resource, "insurance")["answer"][0]["valueCoding"]["code"] == "self_pay"
    assert {item["linkId"] for item in resource["item"]} == set(ANSWERS)


def test_answers_the_knowledge_base_does_not_accept_are_left_out() -> None:
    resource = _response({"age": 45, "phq9_9": 0, "seizure_history": True, "retired_item": "yes"})
    QuestionnaireResponse.model_validate(resource)
    assert [item["linkId"] for item in resource["item"]] == ["age"]


def test_no_answers_yet_is_still_a_valid_response() -> None:
    resource = _response({}, last_step="start")
    QuestionnaireResponse.model_validate(resource)
    assert "item" not in resource and resource["status"] == "in-progress"
