"""The intake as an SDC Questionnaire, generated from the knowledge base: a pure mapping.

Served at ``GET /fhir/Questionnaire/trdnav-intake``. It holds every contract item (the same items,
link ids, types, answer options and LOINC codes as the Questionnaire each exported
QuestionnaireResponse contains, `trdnav.fhir.questionnaire_response.questionnaire`), in the order
of the intake's steps, with what a form filler needs beyond core R4:

- ``meta.profile`` the SDC Questionnaire profile;
- whole-number items carry the core ``minValue``/``maxValue`` extensions from the knowledge base;
- PHQ-9 and GAD-7 answer options carry ``ordinalValue`` (the 0-3 score of each LOINC answer), and
  the total item is read-only with an SDC ``calculatedExpression`` summing them (standards.md:
  the SDC PHQ-9 example; ``ordinalValue`` is the R4-era form a scorer should accept);
- a help text as a ``display`` item with the ``help`` item control.

``enableWhen``: the knowledge base's intake asks every question on its step without conditions
(a question never depends on another's answer), so no item carries one; an unanswered item stays
unanswered, as the contract requires.
"""

from __future__ import annotations

import copy
from typing import Any

from trdnav.fhir.questionnaire_response import BASE, questionnaire
from trdnav.knowledge.loader import KnowledgeBase

INTAKE_ID = "trdnav-intake"
INTAKE_URL = f"{BASE}/Questionnaire/{INTAKE_ID}"
SDC_PROFILE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
CALCULATED = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"


def _step_order(kb: KnowledgeBase) -> list[str]:
    """Contract item ids in the order the intake asks them; any item no step places comes last."""
    order: list[str] = []
    for step in kb.steps:
        for group in step.groups:
            order += [i for i in group.items if i in kb.items and i not in order]
        if step.others is not None:
            section = step.others.section
            order += [i.id for i in kb.items.values() if i.section == section and i.id not in order]
    return order + [i for i in kb.items if i not in order]


def _decorate(kb: KnowledgeBase, definition: dict[str, Any]) -> dict[str, Any]:
    item = kb.items[definition["linkId"]]
    extensions: list[dict[str, Any]] = []
    if item.kind == "integer":
        extensions = [
            {"url": MIN_VALUE, "valueInteger": item.minimum},
            {"url": MAX_VALUE, "valueInteger": item.maximum},
        ]
    instrument = kb.instruments.get(item.id)
    if instrument is not None:
        scores = {o.loinc: o.value for o in instrument.answers}
        for question in definition["item"]:
            for option in question.get("answerOption", []):
                value = scores[option["valueCoding"]["code"]]
                option["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": value}]
        total = definition["item"][-1]
        total["extension"] = [
            {
                "url": CALCULATED,
                "valueExpression": {
                    "language": "text/fhirpath",
                    "expression": f"%resource.item.where(linkId='{item.id}').item"
                    f".where(linkId!='{total['linkId']}').answer.value.ordinal().sum()",
                },
            }
        ]
    if extensions:
        definition["extension"] = extensions
    if item.help:
        definition.setdefault("item", []).append(
            {
                "linkId": f"{item.id}_help",
                "text": item.help,
                "type": "display",
                "extension": [
                    {
                        "url": ITEM_CONTROL,
                        "valueCodeableConcept": {"coding": [{"system": ITEM_CONTROL_SYSTEM, "code": "help"}]},
                    }
                ],
            }
        )
    return definition


def intake_questionnaire(kb: KnowledgeBase, contract_version: int) -> dict[str, Any]:
    """The SDC Questionnaire (a JSON-ready dict; validate with ``fhir.resources.R4B``)."""
    base = copy.deepcopy(questionnaire(kb, contract_version))
    by_id = {definition["linkId"]: definition for definition in base["item"]}
    return {
        "resourceType": "Questionnaire",
        "id": INTAKE_ID,
        "meta": {"profile": [SDC_PROFILE]},
        "url": INTAKE_URL,
        "version": kb.version,
        "name": "TRDNavigatorIntake",
        "title": "TRD Navigator intake",
        "status": "active",
        "subjectType": ["Patient"],
        "description": f"Every question of the TRD Navigator decision aid (contract v{contract_version}, "
        f"knowledge base {kb.version}), in the order the intake asks them.",
        "item": [_decorate(kb, by_id[item_id]) for item_id in _step_order(kb)],
    }
