"""One person's answers as a FHIR R4 QuestionnaireResponse: a pure mapping, no database.

Each answered contract item becomes one item whose ``linkId`` is the contract item id and whose
``text`` is the question from the knowledge base. Answers keep their type: whole numbers as
``valueInteger``; PHQ-9 and GAD-7 answers as ``valueCoding`` with the LOINC answer codes
(LA6568-5 ... LA6571-9), one item per question (``phq9_1`` ... ``phq9_9``) inside a group, and
the total score last (``phq9_total``). Yes/no/not-sure answers and word choices are codings in
code systems of our own (``https://trdnav.example/fhir/CodeSystem/...``): the knowledge base has
no standard codes for them, and standards.md lists none that were verified.

In R4 a QuestionnaireResponse item has no ``code``: codes belong to the Questionnaire. So the
resource carries its Questionnaire as a contained resource (``questionnaire`` = ``#questionnaire``)
whose items hold the LOINC codes: the panel (44249-1 for PHQ-9), each question (44250-9 for
PHQ-9 item 1, as the knowledge base lists) and the total (44261-6). The file then stands alone.

Stored answers the knowledge base no longer accepts (an item removed, a value out of range) are
left out; the JSON export keeps them exactly as given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from trdnav.core.answers import check_value
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.knowledge.schema import Instrument, Item

LOINC = "http://loinc.org"
BASE = "https://trdnav.example/fhir"
YES_NO_SYSTEM = f"{BASE}/CodeSystem/yes-no-unsure"
YES_NO_DISPLAY = {"yes": "Yes", "no": "No", "unsure": "Not sure"}
IDENTIFIER_SYSTEM = f"{BASE}/NamingSystem/assessment"
CONTAINED_ID = "questionnaire"
# Steps after which every question has been put to the person.
COMPLETED_STEPS = frozenset({"review", "results"})
QUESTION_TYPES = {"yes_no": "choice", "integer": "integer", "words": "choice", "word": "choice"}


def choice_system(item_id: str) -> str:
    """The code system of one word-choice item's answers, e.g. .../CodeSystem/insurance."""
    return f"{BASE}/CodeSystem/{item_id.replace('_', '-')}"


def questionnaire_url(contract_version: int) -> str:
    return f"{BASE}/Questionnaire/trd-navigator-answers-v{contract_version}"


def _utc_instant(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("authored: expected an aware datetime")
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _loinc(code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": LOINC, "code": code}
    if display:
        coding["display"] = display
    return coding


# --- The contained Questionnaire: what was asked, with the LOINC codes --------------------------


def _answer_options(item: Item) -> list[dict[str, Any]]:
    if item.kind == "yes_no":
        return [{"valueCoding": _yes_no(value)} for value in YES_NO_DISPLAY]
    return [{"valueCoding": _choice(item, word)} for word in item.choices]


def _question_definition(item: Item) -> dict[str, Any]:
    definition: dict[str, Any] = {"linkId": item.id, "text": item.question, "type": QUESTION_TYPES[item.kind]}
    if item.kind == "integer":
        return definition
    definition["answerOption"] = _answer_options(item)
    if item.kind == "words":
        definition["repeats"] = True
    return definition


def _instrument_definition(item: Item, instrument: Instrument) -> dict[str, Any]:
    options = [{"valueCoding": _loinc(o.loinc, o.text)} for o in instrument.answers]
    questions: list[dict[str, Any]] = [
        {
            "linkId": f"{item.id}_{question.number}",
            "code": [_loinc(question.loinc, question.text)],
            "text": question.text,
            "type": "choice",
            "answerOption": options,
        }
        for question in instrument.items
    ]
    questions.append(
        {
            "linkId": f"{item.id}_total",
            "code": [_loinc(instrument.loinc_total)],
            "text": f"{instrument.name}: total score",
            "type": "integer",
            "readOnly": True,
        }
    )
    return {
        "linkId": item.id,
        "code": [_loinc(instrument.loinc_panel, instrument.name)],
        "text": item.question,
        "type": "group",
        "item": questions,
    }


def _scores_definition(item: Item) -> dict[str, Any]:
    """A scores item without an instrument in the knowledge base: numbered whole-number answers."""
    numbers = range(1, (item.length or 0) + 1)
    return {
        "linkId": item.id,
        "text": item.question,
        "type": "group",
        "item": [{"linkId": f"{item.id}_{n}", "type": "integer"} for n in numbers],
    }


def questionnaire(kb: KnowledgeBase, contract_version: int) -> dict[str, Any]:
    """Every contract item as a Questionnaire (contained in each QuestionnaireResponse)."""
    items = []
    for item in kb.items.values():
        if item.kind != "scores":
            items.append(_question_definition(item))
        elif item.id in kb.instruments:
            items.append(_instrument_definition(item, kb.instruments[item.id]))
        else:
            items.append(_scores_definition(item))
    return {
        "resourceType": "Questionnaire",
        "id": CONTAINED_ID,
        "url": questionnaire_url(contract_version),
        "version": kb.version,
        "name": f"TRDNavigatorAnswersV{contract_version}",
        "title": f"TRD Navigator questions (contract v{contract_version})",
        "status": "active",
        "item": items,
    }


# --- The answers ------------------------------------------------------------------------------


def _yes_no(value: str) -> dict[str, str]:
    return {"system": YES_NO_SYSTEM, "code": value, "display": YES_NO_DISPLAY[value]}


def _choice(item: Item, word: str) -> dict[str, str]:
    return {"system": choice_system(item.id), "code": word, "display": item.choices[word]}


def _instrument_answers(item: Item, instrument: Instrument, scores: list[int]) -> dict[str, Any]:
    options = {option.value: option for option in instrument.answers}
    questions: list[dict[str, Any]] = [
        {
            "linkId": f"{item.id}_{question.number}",
            "text": question.text,
            "answer": [{"valueCoding": _loinc(options[score].loinc, options[score].text)}],
        }
        for question, score in zip(instrument.items, scores, strict=True)
    ]
    questions.append(
        {
            "linkId": f"{item.id}_total",
            "text": f"{instrument.name}: total score",
            "answer": [{"valueInteger": sum(scores)}],
        }
    )
    return {"linkId": item.id, "text": item.question, "item": questions}


def _answer_item(kb: KnowledgeBase, item: Item, value: Any) -> dict[str, Any]:
    if item.kind == "scores":
        scores = [int(score) for score in value]
        if item.id in kb.instruments:
            return _instrument_answers(item, kb.instruments[item.id], scores)
        numbered = [
            {"linkId": f"{item.id}_{n}", "answer": [{"valueInteger": score}]}
            for n, score in enumerate(scores, start=1)
        ]
        return {"linkId": item.id, "text": item.question, "item": numbered}
    answers: list[dict[str, Any]]
    if item.kind == "yes_no":
        answers = [{"valueCoding": _yes_no(value)}]
    elif item.kind == "integer":
        answers = [{"valueInteger": int(value)}]
    else:
        words = value if item.kind == "words" else [value]
        answers = [{"valueCoding": _choice(item, word)} for word in words]
    if not answers:  # none of the choices: the item without answers (FHIR JSON has no empty arrays)
        return {"linkId": item.id, "text": item.question}
    return {"linkId": item.id, "text": item.question, "answer": answers}


def _usable(kb: KnowledgeBase, item_id: str, value: Any) -> bool:
    spec = kb.engine.items.get(item_id)
    return value is not None and spec is not None and check_value(spec, value) is None


def questionnaire_response(
    kb: KnowledgeBase,
    *,
    assessment_id: int,
    answers: Mapping[str, Any],
    last_step: str,
    contract_version: int,
    authored: dt.datetime,
) -> dict[str, Any]:
    """The QuestionnaireResponse (a JSON-ready dict) of one assessment's stored answers.

    ``status`` is "completed" once the person reached the review or results step, else
    "in-progress"; ``authored`` is when the answers were last changed.
    """
    items = [
        _answer_item(kb, item, answers[item.id])
        for item in kb.items.values()
        if _usable(kb, item.id, answers.get(item.id))
    ]
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": f"trdnav-assessment-{assessment_id}",
        "contained": [questionnaire(kb, contract_version)],
        "identifier": {"system": IDENTIFIER_SYSTEM, "value": str(assessment_id)},
        "questionnaire": f"#{CONTAINED_ID}",
        "status": "completed" if last_step in COMPLETED_STEPS else "in-progress",
        "authored": _utc_instant(authored),
    }
    if items:
        resource["item"] = items
    return resource
