"""The intake as an SDC Questionnaire, and the round trip answers -> QuestionnaireResponse -> answers
for every item of the knowledge base: the evaluation equals ``trdnav.assess`` of the answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given
from hypothesis import strategies as st

import trdnav
from tests.test_properties import documents
from trdnav.fhir.assessment_bundle import assessment_bundle
from trdnav.fhir.intake_questionnaire import INTAKE_URL, SDC_PROFILE, intake_questionnaire
from trdnav.fhir.questionnaire_response import LOINC, questionnaire_response
from trdnav.fhir.response_answers import ResponseNotReadable, answers_document
from trdnav.knowledge.loader import load
from trdnav.knowledge.schema import Item

KB = load()
THERAPIES = list(KB.therapies)
AUTHORED = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)


def _samples(item: Item) -> list[Any]:
    """Every kind of valid answer the item takes: each choice, the bounds, the extreme scores."""
    if item.kind == "yes_no":
        return ["yes", "no", "unsure"]
    if item.kind == "integer":
        return [item.minimum, item.maximum]
    if item.kind == "word":
        return list(item.choices)
    if item.kind == "words":
        most = item.maximum or len(item.choices)
        return [[], [next(iter(item.choices))], list(item.choices)[:most]]
    length, top = item.length or 0, item.maximum or 0
    return [[0] * length, [top] * length, [n % (top + 1) for n in range(length)]]


CASES = [(item.id, value) for item in KB.items.values() for value in _samples(item)]


def _round_trip(answers: dict[str, Any]) -> dict[str, Any]:
    response = questionnaire_response(
        KB, assessment_id=1, answers=answers, last_step="results", contract_version=1, authored=AUTHORED
    )
    QuestionnaireResponse.model_validate(response)
    return answers_document(KB, response)


def test_the_intake_is_a_valid_sdc_questionnaire_of_every_item_with_loinc_codes() -> None:
    resource = intake_questionnaire(KB, 1)
    parsed = Questionnaire.model_validate(resource)
    assert parsed.url == INTAKE_URL and resource["meta"]["profile"] == [SDC_PROFILE]
    assert {item["linkId"] for item in resource["item"]} == set(KB.items)
    assert [i["linkId"] for i in resource["item"]][:4] == list(KB.steps[0].groups[0].items)
    for instrument in KB.instruments.values():
        group = next(i for i in resource["item"] if i["linkId"] == instrument.id)
        assert group["code"][0] == {
            "system": LOINC,
            "code": instrument.loinc_panel,
            "display": instrument.name,
        }
        questions = [q for q in group["item"] if q["type"] == "choice"]
        assert [q["code"][0]["code"] for q in questions] == [q.loinc for q in instrument.items]
        ordinals = [o["extension"][0]["valueDecimal"] for o in questions[0]["answerOption"]]
        assert ordinals == [option.value for option in instrument.answers]
        total = group["item"][len(instrument.items)]
        assert total["readOnly"] is True and total["code"][0]["code"] == instrument.loinc_total
    age = next(i for i in resource["item"] if i["linkId"] == "age")
    assert [e["valueInteger"] for e in age["extension"]] == [KB.items["age"].minimum, KB.items["age"].maximum]
    seizure = next(i for i in resource["item"] if i["linkId"] == "seizure_history")
    assert [o["valueCoding"]["code"] for o in seizure["answerOption"]] == ["yes", "no", "unsure"]
    assert not any("enableWhen" in item for item in resource["item"]), "the intake has no conditions"


@pytest.mark.parametrize(("item_id", "value"), CASES, ids=[f"{i}={v}" for i, v in CASES])
def test_every_item_survives_the_round_trip_and_evaluates_the_same(item_id: str, value: Any) -> None:
    answers = {item_id: value}
    document = _round_trip(answers)  # a multiple choice with none chosen: the item without answers
    assert document == {"version": 1, "answers": answers}
    assert trdnav.assess(document, THERAPIES) == trdnav.assess({"version": 1, "answers": answers}, THERAPIES)


def test_a_whole_intake_evaluates_the_same_with_its_scores_and_its_unanswered_items() -> None:
    answers = {item.id: _samples(item)[-1] for item in KB.items.values()}
    answers["phq9"] = [1, 2, 0, 3, 1, 0, 2, 1, 2]
    answers["seizure_history"] = "unsure"
    del answers["cardiac_device"]
    document = _round_trip(answers)
    assert document["answers"] == answers
    via_fhir = trdnav.assess(document, THERAPIES)
    assert via_fhir == trdnav.assess({"version": 1, "answers": answers}, THERAPIES)
    assert via_fhir["scores"]["phq9"]["total"] == 12
    assert any("cardiac_device" in t["unanswered"] for t in via_fhir["therapies"].values())
    assert [alert["id"] for alert in via_fhir["alerts"]] == ["suicide_risk"]


def test_items_nested_in_step_groups_of_the_intake_are_read_too() -> None:
    response = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": INTAKE_URL,
        "status": "completed",
        "item": [
            {
                "linkId": "about",
                "item": [
                    {"linkId": "age", "answer": [{"valueInteger": 40}]},
                    {"linkId": "seizure_history", "answer": [{"valueBoolean": True}]},
                ],
            }
        ],
    }
    QuestionnaireResponse.model_validate(response)
    assert answers_document(KB, response)["answers"] == {"age": 40, "seizure_history": "yes"}


def test_an_unknown_item_or_a_wrong_answer_is_refused_by_the_contract_check_by_name() -> None:
    response = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": INTAKE_URL,
        "status": "completed",
        "item": [
            {"linkId": "age", "answer": [{"valueInteger": 400}]},
            {"linkId": "shoe_size", "answer": [{"valueInteger": 9}]},
            {
                "linkId": "phq9",
                "item": [{"linkId": "phq9_1", "answer": [{"valueCoding": {"code": "LA6568-5"}}]}],
            },
        ],
    }
    with pytest.raises(trdnav.InvalidAnswers) as refused:
        trdnav.assess(answers_document(KB, response))
    assert {problem.item for problem in refused.value.problems} == {"age", "shoe_size", "phq9"}


@pytest.mark.parametrize(
    ("resource", "field"),
    [
        ([], "resourceType"),
        ({"resourceType": "Patient"}, "resourceType"),
        (
            {"resourceType": "QuestionnaireResponse", "questionnaire": "http://x/Questionnaire/other"},
            "questionnaire",
        ),
        ({"resourceType": "QuestionnaireResponse"}, "questionnaire"),
        ({"resourceType": "QuestionnaireResponse", "questionnaire": {}}, "questionnaire"),  # was a 500
        ({"resourceType": "QuestionnaireResponse", "questionnaire": INTAKE_URL, "item": [[None]]}, "item"),
        ({"resourceType": "QuestionnaireResponse", "questionnaire": INTAKE_URL, "item": {}}, "item"),
        ({"resourceType": "QuestionnaireResponse", "questionnaire": INTAKE_URL, "status": 1}, "status"),
    ],
)
def test_what_is_not_a_response_to_our_questionnaire_is_refused_naming_the_field(
    resource: Any, field: str
) -> None:
    with pytest.raises(ResponseNotReadable) as refused:
        answers_document(KB, resource)
    assert [problem.item for problem in refused.value.problems] == [field]


@given(documents(), st.lists(st.sampled_from(THERAPIES), min_size=1, unique=True))
def test_any_answers_document_evaluates_the_same_through_a_questionnaire_response(
    document: dict[str, Any], therapies: list[str]
) -> None:
    via_fhir = _round_trip(document["answers"])
    assert via_fhir == document
    assert trdnav.assess(via_fhir, therapies) == trdnav.assess(document, therapies)


@given(documents())
def test_the_bundle_of_any_answers_document_validates(document: dict[str, Any]) -> None:
    answers = document["answers"]
    bundle = assessment_bundle(
        KB,
        assessment_id=3,
        answers=answers,
        result=trdnav.assess(document, THERAPIES),
        last_step="results",
        contract_version=1,
        authored=AUTHORED,
        exported_at=AUTHORED,
        software_version=trdnav.__version__,
    )
    Bundle.model_validate(bundle)
    flags = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert bool(flags) == (answers.get("phq9", [0] * 9)[8] > 0)
