"""An assessment as a FHIR R4 Bundle: every resource valid, the screening shapes, the findings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.detectedissue import DetectedIssue
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.provenance import Provenance

import trdnav
from trdnav.fhir.assessment_bundle import KNOWLEDGE_EXTENSION, THERAPY_EXTENSION, assessment_bundle
from trdnav.fhir.questionnaire_response import LOINC
from trdnav.knowledge.loader import load

KB = load()
THERAPIES = ["iv_ketamine", "tms", "esketamine", "ect"]
AUTHORED = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)
EXPORTED = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
NO_RISKS: dict[str, Any] = {
    "age": 45,
    "phq9": [1, 2, 1, 2, 1, 1, 1, 0, 0],
    "gad7": [1, 1, 0, 0, 2, 1, 0],
    **{item.id: "no" for item in KB.items.values() if item.section == "safety"},
}
CONTRAINDICATED = {**NO_RISKS, "cochlear_implant": "yes"}
ITEM_9 = {**NO_RISKS, "phq9": [1, 2, 1, 2, 1, 1, 1, 0, 2]}


def _bundle(answers: dict[str, Any], assessment_id: int = 7) -> dict[str, Any]:
    result = trdnav.assess({"version": 1, "answers": answers}, THERAPIES)
    return assessment_bundle(
        KB,
        assessment_id=assessment_id,
        answers=answers,
        result=result,
        last_step="results",
        contract_version=1,
        authored=AUTHORED,
        exported_at=EXPORTED,
        software_version=trdnav.__version__,
    )


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize(
    "answers", [NO_RISKS, CONTRAINDICATED, ITEM_9, {}], ids=["none", "ci", "item9", "empty"]
)
def test_every_bundle_validates_with_the_r4_models(answers: dict[str, Any]) -> None:
    bundle = _bundle(answers)
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    ids = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"]]
    assert len(ids) == len(set(ids)), "resource ids are unique within the Bundle"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"].endswith(f"/{resource['resourceType']}/{resource['id']}")


def test_no_risks_gives_no_flag_and_an_issue_only_for_a_screen_the_knowledge_base_calls_incomplete() -> None:
    bundle = _bundle(NO_RISKS)
    (ect,) = _resources(bundle, "DetectedIssue")  # ECT's screen is partial: needs review, always
    assert ect["id"] == "trdnav-assessment-7-ect" and ect["severity"] == "moderate"
    assert "ECT.SCREEN.INCOMPLETE" in ect["detail"]
    assert _resources(bundle, "Flag") == []


def test_phq9_and_gad7_are_survey_observations_with_loinc_items_and_totals() -> None:
    bundle = _bundle(NO_RISKS)
    observations = {o["id"]: o for o in _resources(bundle, "Observation")}
    for instrument_id, answers in (("phq9", NO_RISKS["phq9"]), ("gad7", NO_RISKS["gad7"])):
        instrument = KB.instruments[instrument_id]
        total = Observation.model_validate(observations[f"trdnav-assessment-7-{instrument_id}"])
        assert total.status == "final" and total.valueInteger == sum(answers)
        assert total.category[0].coding[0].code == "survey"
        assert (total.code.coding[0].system, total.code.coding[0].code) == (LOINC, instrument.loinc_total)
        assert total.effectiveDateTime is not None and total.subject is not None
        assert total.derivedFrom[0].reference == "QuestionnaireResponse/trdnav-assessment-7"
        members = [observations[m.reference.split("/")[1]] for m in total.hasMember]
        assert [m["code"]["coding"][0]["code"] for m in members] == [q.loinc for q in instrument.items]
        answer_codes = [m["valueCodeableConcept"]["coding"][0]["code"] for m in members]
        assert answer_codes == [instrument.answers[v].loinc for v in answers]
    assert observations["trdnav-assessment-7-phq9"]["code"]["coding"][0]["code"] == "44261-6"


def test_a_contraindication_is_a_high_severity_detected_issue_naming_therapy_reasons_and_version() -> None:
    bundle = _bundle(CONTRAINDICATED)
    result = trdnav.assess({"version": 1, "answers": CONTRAINDICATED}, THERAPIES)
    expected = {t: r["safety"] for t, r in result["therapies"].items() if r["safety"] != "no_known_concerns"}
    assert expected.get("tms") == "contraindicated"
    issues = {}
    for raw in _resources(bundle, "DetectedIssue"):
        DetectedIssue.model_validate(raw)
        extensions = {e["url"]: e for e in raw["extension"]}
        therapy = extensions[THERAPY_EXTENSION]["valueCodeableConcept"]["coding"][0]["code"]
        assert extensions[KNOWLEDGE_EXTENSION]["valueString"] == KB.version
        issues[therapy] = raw
    assert {t: i["code"]["coding"][0]["code"] for t, i in issues.items()} == expected
    tms = issues["tms"]
    assert tms["severity"] == "high"
    for reason in result["therapies"]["tms"]["reasons"]:
        assert reason["rule"] in tms["detail"] and reason["clinician_text"] in tms["detail"]
    assert tms["evidence"][0]["detail"][0]["reference"] == "QuestionnaireResponse/trdnav-assessment-7"


def test_a_needs_review_therapy_is_moderate() -> None:
    answers = {**NO_RISKS, "seizure_history": "unsure"}
    result = trdnav.assess({"version": 1, "answers": answers}, THERAPIES)
    review = [t for t, r in result["therapies"].items() if r["safety"] == "needs_review"]
    assert review
    severities = {
        i["code"]["coding"][0]["code"]: i["severity"] for i in _resources(_bundle(answers), "DetectedIssue")
    }
    assert set(review) >= {"tms", "ect"}
    assert severities == {"needs_review": "moderate"}


def test_phq9_item_9_above_0_is_an_active_safety_flag() -> None:
    (flag,) = _resources(_bundle(ITEM_9), "Flag")
    parsed = Flag.model_validate(flag)
    assert parsed.status == "active"
    assert parsed.category[0].coding[0].code == "safety"
    assert flag["code"]["coding"][0]["code"] == "suicide_risk"
    assert flag["code"]["text"] == KB.instruments["phq9"].alerts[0].text
    assert flag["period"]["start"] == "2026-03-04T10:30:00+00:00"


def test_the_provenance_names_trd_navigator_with_its_knowledge_version_and_targets_every_finding() -> None:
    bundle = _bundle(ITEM_9)
    (provenance,) = _resources(bundle, "Provenance")
    Provenance.model_validate(provenance)
    (device,) = _resources(bundle, "Device")
    versions = {v["type"]["text"]: v["value"] for v in device["version"]}
    assert versions == {"software": trdnav.__version__, "knowledge base": KB.version}
    assert provenance["agent"][0]["who"]["reference"] == "Device/trd-navigator"
    assert device["deviceName"][0]["name"] == "TRD Navigator"
    findings = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in bundle["entry"]
        if e["resource"]["resourceType"] not in ("Provenance", "Device")
    }
    assert {t["reference"] for t in provenance["target"]} == findings
    assert provenance["recorded"] == "2026-03-05T09:00:00+00:00"
