"""One assessment as a FHIR R4 Bundle (``collection``): a pure mapping, no database, no clock.

The Bundle holds, in this order:

- the QuestionnaireResponse of the answers (`trdnav.fhir.questionnaire_response`);
- for PHQ-9 and GAD-7, the US Core screening-assessment shape: one Observation per instrument
  coded with the LOINC of its total (44261-6, 70274-6), ``valueInteger`` the total, the severity
  band as its interpretation text, ``hasMember`` one Observation per question (the question's LOINC,
  the answer's LOINC answer code), all with category ``survey``, status ``final`` and
  ``derivedFrom`` the QuestionnaireResponse;
- a DetectedIssue for each therapy the screen found contraindicated (severity ``high``) or in need
  of review (``moderate``): the reasons in ``detail``, the therapy and the knowledge version as
  extensions, the rules' sources in ``reference`` when a source has an address, and the
  QuestionnaireResponse as evidence;
- a Flag (category ``safety``, status ``active``) for each item alert, such as PHQ-9 item 9 above 0;
- a Device naming TRD Navigator with its software and knowledge versions, and a Provenance whose
  agent is that Device and whose targets are every resource above.

The subject is a logical reference with a display text only, as in the CarePlan export: the file
carries no patient data. So the Observations follow the US Core screening-assessment shape without
claiming its profile in ``meta.profile`` (US Core asks for a resolvable Patient reference); a system
that imports the Bundle for a known patient sets the subject. No code is invented: the safety
outcome and the therapy are codings in code systems of our own, as the knowledge base has no
standard codes for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from trdnav.core.result import AssessmentResult, Reason
from trdnav.fhir.questionnaire_response import BASE, LOINC, questionnaire_response
from trdnav.knowledge.loader import KnowledgeBase

SURVEY = {
    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
    "code": "survey",
    "display": "Survey",
}
FLAG_SAFETY = {
    "system": "http://terminology.hl7.org/CodeSystem/flag-category",
    "code": "safety",
    "display": "Safety",
}
SAFETY_SYSTEM = f"{BASE}/CodeSystem/safety-screen"
THERAPY_SYSTEM = f"{BASE}/CodeSystem/therapy"
ALERT_SYSTEM = f"{BASE}/CodeSystem/item-alert"
THERAPY_EXTENSION = f"{BASE}/StructureDefinition/therapy"
KNOWLEDGE_EXTENSION = f"{BASE}/StructureDefinition/knowledge-version"
BUNDLE_IDENTIFIER_SYSTEM = f"{BASE}/NamingSystem/assessment-bundle"
SEVERITY = {"contraindicated": "high", "needs_review": "moderate"}
SAFETY_DISPLAY = {"contraindicated": "Contraindicated", "needs_review": "Needs clinician review"}
SUBJECT = {"type": "Patient", "display": "The patient (not identified in this file)"}
DEVICE_ID = "trd-navigator"


def _utc(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _id(*parts: object) -> str:
    """A resource id (letters, digits, "-" and "." only) from its parts."""
    return "-".join(str(part).replace("_", "-") for part in parts)


def _ref(resource: Mapping[str, Any]) -> dict[str, str]:
    return {"reference": f"{resource['resourceType']}/{resource['id']}"}


def _observations(
    kb: KnowledgeBase, assessment_id: int, answers: Mapping[str, Any], result: AssessmentResult, when: str
) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    for instrument_id, score in result["scores"].items():
        instrument = kb.instruments.get(instrument_id)
        given = answers.get(instrument_id)
        if instrument is None or not isinstance(given, list) or len(given) != len(instrument.items):
            continue
        options = {option.value: option for option in instrument.answers}
        base = {
            "resourceType": "Observation",
            "status": "final",
            "category": [{"coding": [SURVEY]}],
            "subject": SUBJECT,
            "effectiveDateTime": when,
            "derivedFrom": [{"reference": f"QuestionnaireResponse/trdnav-assessment-{assessment_id}"}],
        }
        members = []
        for question, value in zip(instrument.items, given, strict=True):
            option = options[int(value)]
            members.append(
                {
                    **base,
                    "id": _id("trdnav-assessment", assessment_id, instrument_id, question.number),
                    "code": {"coding": [{"system": LOINC, "code": question.loinc, "display": question.text}]},
                    "valueCodeableConcept": {
                        "coding": [{"system": LOINC, "code": option.loinc, "display": option.text}],
                        "text": option.text,
                    },
                }
            )
        band = next((b.label for b in instrument.bands if b.severity == score["severity"]), score["severity"])
        total = {
            **base,
            "id": _id("trdnav-assessment", assessment_id, instrument_id),
            "code": {
                "coding": [{"system": LOINC, "code": instrument.loinc_total}],
                "text": f"{instrument.name} total score",
            },
            "valueInteger": score["total"],
            "interpretation": [{"text": band}],
            "hasMember": [_ref(member) for member in members],
        }
        made += [total, *members]
    return made


def _references(kb: KnowledgeBase, reasons: list[Reason]) -> str | None:
    for reason in reasons:
        for citation_id in reason["citations"]:
            citation = kb.citations.get(citation_id)
            if citation is not None and citation.url:
                return citation.url
            if citation is not None and citation.doi:
                return f"https://doi.org/{citation.doi}"
    return None


def _detected_issues(
    kb: KnowledgeBase, assessment_id: int, result: AssessmentResult, when: str, response: Mapping[str, Any]
) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    for therapy_id, therapy in result["therapies"].items():
        safety = therapy["safety"]
        if safety not in SEVERITY:
            continue
        name = kb.therapies[therapy_id].name if therapy_id in kb.therapies else therapy_id
        lines = [f"{reason['clinician_text']} [{reason['rule']}]" for reason in therapy["reasons"]]
        if therapy["unanswered"]:
            lines.append("Not answered or not sure: " + ", ".join(therapy["unanswered"]) + ".")
        issue: dict[str, Any] = {
            "resourceType": "DetectedIssue",
            "id": _id("trdnav-assessment", assessment_id, therapy_id),
            "extension": [
                {
                    "url": THERAPY_EXTENSION,
                    "valueCodeableConcept": {
                        "coding": [{"system": THERAPY_SYSTEM, "code": therapy_id, "display": name}],
                        "text": name,
                    },
                },
                {"url": KNOWLEDGE_EXTENSION, "valueString": result["knowledge_version"]},
            ],
            "status": "final",
            "code": {
                "coding": [{"system": SAFETY_SYSTEM, "code": safety, "display": SAFETY_DISPLAY[safety]}],
                "text": f"{name}: {SAFETY_DISPLAY[safety].lower()}",
            },
            "severity": SEVERITY[safety],
            "patient": SUBJECT,
            "identifiedDateTime": when,
            "evidence": [{"detail": [_ref(response)]}],
            "detail": " ".join(lines) or SAFETY_DISPLAY[safety],
        }
        reference = _references(kb, therapy["reasons"])
        if reference:
            issue["reference"] = reference
        issues.append(issue)
    return issues


def _flags(assessment_id: int, result: AssessmentResult, when: str) -> list[dict[str, Any]]:
    return [
        {
            "resourceType": "Flag",
            "id": _id("trdnav-assessment", assessment_id, alert["id"]),
            "status": "active",
            "category": [{"coding": [FLAG_SAFETY]}],
            "code": {"coding": [{"system": ALERT_SYSTEM, "code": alert["id"]}], "text": alert["text"]},
            "subject": SUBJECT,
            "period": {"start": when},
        }
        for alert in result["alerts"]
    ]


def _device(software_version: str, knowledge_version: str) -> dict[str, Any]:
    return {
        "resourceType": "Device",
        "id": DEVICE_ID,
        "deviceName": [{"name": "TRD Navigator", "type": "manufacturer-name"}],
        "type": {"text": "Decision aid software"},
        "version": [
            {"type": {"text": "software"}, "value": software_version},
            {"type": {"text": "knowledge base"}, "value": knowledge_version},
        ],
    }


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"{BASE}/{resource['resourceType']}/{resource['id']}", "resource": resource}


def assessment_bundle(
    kb: KnowledgeBase,
    *,
    assessment_id: int,
    answers: Mapping[str, Any],
    result: AssessmentResult,
    last_step: str,
    contract_version: int,
    authored: dt.datetime,
    exported_at: dt.datetime,
    software_version: str,
) -> dict[str, Any]:
    """The Bundle (a JSON-ready dict; validate with ``fhir.resources.R4B``) of one assessment:
    its answers as given and ``result``, the assessment of those answers."""
    when = _utc(authored)
    response = questionnaire_response(
        kb,
        assessment_id=assessment_id,
        answers=answers,
        last_step=last_step,
        contract_version=contract_version,
        authored=authored,
    )
    findings = [
        response,
        *_observations(kb, assessment_id, answers, result, when),
        *_detected_issues(kb, assessment_id, result, when, response),
        *_flags(assessment_id, result, when),
    ]
    device = _device(software_version, result["knowledge_version"])
    provenance = {
        "resourceType": "Provenance",
        "id": f"trdnav-assessment-{assessment_id}-provenance",
        "target": [_ref(resource) for resource in findings],
        "recorded": _utc(exported_at),
        "policy": [f"{BASE}/knowledge/{result['knowledge_version']}"],
        "agent": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                            "code": "assembler",
                            "display": "Assembler",
                        }
                    ]
                },
                "who": {**_ref(device), "display": f"TRD Navigator {software_version}"},
            }
        ],
    }
    return {
        "resourceType": "Bundle",
        "id": f"trdnav-assessment-{assessment_id}",
        "identifier": {"system": BUNDLE_IDENTIFIER_SYSTEM, "value": str(assessment_id)},
        "type": "collection",
        "timestamp": _utc(exported_at),
        "entry": [_entry(resource) for resource in [*findings, device, provenance]],
    }
