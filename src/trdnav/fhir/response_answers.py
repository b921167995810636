"""A FHIR R4 QuestionnaireResponse read back into a contract v1 answers document: a pure mapping.

It reads a response to the intake (`trdnav.fhir.intake_questionnaire`, canonical
``.../Questionnaire/trdnav-intake``) or to the Questionnaire an exported QuestionnaireResponse
contains (``#questionnaire`` or ``.../Questionnaire/trd-navigator-answers-v1``). Items may be
nested in groups; an item whose ``linkId`` is a contract item id becomes that answer:
``valueCoding.code`` for yes/no and word choices (``valueBoolean`` also reads as yes/no), every
answer's code for a multiple choice, ``valueInteger`` for whole numbers, and for PHQ-9 and GAD-7
the questions ``phq9_1`` ... in order, each from its LOINC answer code (or a whole number). The
total item is ignored: the engine adds the score up itself.

The document then goes through the same checks as any answers document (``trdnav.assess``): an
unknown link id, a value out of range or a questionnaire missing a question is refused there,
naming the item. Only what is not a QuestionnaireResponse of ours at all is refused here, with
`ResponseNotReadable`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from trdnav.core.answers import InputProblem
from trdnav.fhir.intake_questionnaire import INTAKE_URL
from trdnav.fhir.questionnaire_response import CONTAINED_ID, questionnaire_url
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.knowledge.schema import Item

_MISSING = object()


class ResponseNotReadable(ValueError):
    """Not a QuestionnaireResponse to one of our Questionnaires; ``problems`` names each field."""

    def __init__(self, problems: list[InputProblem]) -> None:
        super().__init__("; ".join(f"{p.item}: {p.message}" for p in problems))
        self.problems = problems


def _known_questionnaires(contract_version: int) -> set[str]:
    return {INTAKE_URL, f"#{CONTAINED_ID}", questionnaire_url(contract_version)}


KNOWN_QUESTIONNAIRES = frozenset(_known_questionnaires(1))
"""The Questionnaires a contract v1 response may answer."""


def _walk(items: object) -> Iterator[dict[str, Any]]:
    if not isinstance(items, list):
        return
    for item in items:
        if isinstance(item, dict):
            yield item
            yield from _walk(item.get("item"))


def _values(item: dict[str, Any]) -> list[object]:
    answers = item.get("answer")
    if not isinstance(answers, list):
        return []
    values: list[object] = []
    for answer in answers:
        if not isinstance(answer, dict):
            values.append(answer)
            continue
        if "valueCoding" in answer:
            coding = answer["valueCoding"]
            values.append(coding.get("code") if isinstance(coding, dict) else coding)
        elif "valueBoolean" in answer:
            values.append({True: "yes", False: "no"}.get(answer["valueBoolean"], answer["valueBoolean"]))
        else:
            values.append(next((v for k, v in answer.items() if k.startswith("value")), None))
    return values


def _score(kb: KnowledgeBase, item_id: str, value: object) -> object:
    instrument = kb.instruments.get(item_id)
    if instrument is not None and isinstance(value, str):
        return next((option.value for option in instrument.answers if option.loinc == value), value)
    return value


def _scores(kb: KnowledgeBase, item: Item, by_link: dict[str, dict[str, Any]]) -> object:
    scores: list[object] = []
    for number in range(1, (item.length or 0) + 1):
        question = by_link.get(f"{item.id}_{number}")
        given = _values(question) if question is not None else []
        scores.append(_score(kb, item.id, given[0]) if len(given) == 1 else None)
    return scores


def _answer(
    kb: KnowledgeBase, item: Item, node: dict[str, Any], by_link: dict[str, dict[str, Any]]
) -> object:
    if item.kind == "scores":
        return _scores(kb, item, by_link)
    given = _values(node)
    if item.kind == "words":
        return given
    return given[0] if len(given) == 1 else (given or _MISSING)


def answers_document(kb: KnowledgeBase, resource: object, contract_version: int = 1) -> dict[str, Any]:
    """The contract answers document ``{"version": 1, "answers": {...}}`` a response holds.
    Raises `ResponseNotReadable` when ``resource`` is not a QuestionnaireResponse to ours."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        raise ResponseNotReadable(
            [InputProblem("resourceType", "expected a FHIR R4 QuestionnaireResponse (a JSON object)")]
        )
    known = _known_questionnaires(contract_version)
    given = resource.get("questionnaire")
    if not isinstance(given, str) or given not in known:
        raise ResponseNotReadable(
            [InputProblem("questionnaire", f"expected one of {', '.join(sorted(known))}")]
        )
    items = resource.get("item", [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ResponseNotReadable([InputProblem("item", "expected a list of items (JSON objects)")])
    if not isinstance(resource.get("status", ""), str):
        raise ResponseNotReadable([InputProblem("status", "expected a status code (text)")])
    nodes = list(_walk(items))
    by_link = {node["linkId"]: node for node in nodes if isinstance(node.get("linkId"), str)}
    answers: dict[str, object] = {}
    for link_id, node in by_link.items():
        item = kb.items.get(link_id)
        if item is None:
            if "answer" in node and not _is_part(kb, link_id):
                answers[link_id] = _values(node)  # unknown: refused by the contract check, by name
            continue
        value = _answer(kb, item, node, by_link)
        if value is not _MISSING:
            answers[link_id] = value
    return {"version": contract_version, "answers": answers}


def _is_part(kb: KnowledgeBase, link_id: str) -> bool:
    """A question, total or help text inside an item (``phq9_3``, ``phq9_total``, ``age_help``)."""
    head, _, tail = link_id.rpartition("_")
    return head in kb.items and (tail.isdigit() or tail in ("total", "help"))
