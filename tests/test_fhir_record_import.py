"""Importing a FHIR R4 health record as answers with sources (trdnav.fhir.import_record), on the
Synthea sample in ../shared/data: every finding gives the value and sources the rules say, a
record never answers `no`, and adding a resource never makes a therapy safer."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle as FhirBundle
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import trdnav
from trdnav.fhir import RecordError, import_record
from trdnav.fhir.record_reading import read_resources
from trdnav.knowledge.loader import load

SAMPLE = Path(__file__).parents[1] / ".." / "shared" / "data" / "synthea-sample-10"
TODAY = dt.date(2026, 12, 1)
SAFETY_ORDER = {"no_known_concerns": 0, "needs_review": 1, "contraindicated": 2}
ALL_THERAPIES = list(load().manifest.therapies)

RESOURCES = read_resources(SAMPLE)  # read once for the module
PATIENTS = {r["id"]: r for r in RESOURCES if r["resourceType"] == "Patient"}


def _id(prefix: str) -> str:
    return next(pid for pid in PATIENTS if pid.startswith(prefix))


def _alive(prefix: str) -> list[dict[str, Any]]:
    """One sample patient's own resources, with the death date taken off (to test the findings of
    patients the sample records as deceased)."""
    pid = _id(prefix)
    patient = {k: v for k, v in PATIENTS[pid].items() if not k.startswith("deceased")}
    own = [
        r for r in RESOURCES if r.get("subject", r.get("patient", {})).get("reference") == f"Patient/{pid}"
    ]
    return [patient, *own]


def _import(source: Any, patient_id: str | None = None) -> dict[str, Any]:
    return import_record(source, patient_id, today=TODAY)


def test_every_living_patient_imports_and_every_deceased_one_is_refused() -> None:
    imported = refused = 0
    for pid, patient in PATIENTS.items():
        if "deceasedDateTime" in patient or patient.get("deceasedBoolean"):
            with pytest.raises(RecordError, match="deceased"):
                _import(RESOURCES, pid)
            refused += 1
        else:
            document = _import(RESOURCES, pid)
            assert document["version"] == 1
            assert trdnav.assess(document)["contract"] == 1  # the document is valid
            imported += 1
    assert (imported, refused) == (10, 3)


def test_no_item_is_ever_no() -> None:
    for pid in PATIENTS:
        prefix = pid[:8]
        document = _import(_alive(prefix))
        assert "no" not in document["answers"].values(), prefix
        assert set(document["sources"]) == set(document["answers"])
        assert all(document["sources"][item] for item in document["answers"])


def test_seizure_disorder_and_history_of_single_seizure_give_seizure_history_yes() -> None:
    document = _import(_alive("3af3708d"))
    assert document["answers"]["seizure_history"] == "yes"
    codes = {(s["code"], s["display"]) for s in document["sources"]["seizure_history"]}
    assert codes == {
        ("128613002", "Seizure disorder"),
        ("703151001", "History of single seizure (situation)"),
    }
    source = document["sources"]["seizure_history"][0]
    assert source["system"] == "http://snomed.info/sct"
    assert source["resource"].startswith("Condition/")
    assert source["date"].startswith("1970-07-20")
    assert source["status"] == "active"


def test_ischaemic_heart_disease_gives_heart_disease_yes() -> None:
    document = _import(_alive("129c6ac7"))
    assert document["answers"]["heart_disease"] == "yes"
    assert [s["code"] for s in document["sources"]["heart_disease"]] == ["414545008"]


def test_hypertension_without_a_recent_blood_pressure_is_unsure() -> None:
    document = _import(RESOURCES, _id("6a4160eb"))
    assert document["answers"]["high_blood_pressure_uncontrolled"] == "unsure"
    assert [s["code"] for s in document["sources"]["high_blood_pressure_uncontrolled"]] == ["59621000"]


def test_a_recent_blood_pressure_is_listed_beside_hypertension_and_it_stays_unsure() -> None:
    record = _alive("6a4160eb")
    pid = record[0]["id"]
    record.append(
        {
            "resourceType": "Observation",
            "id": "bp1",
            "status": "final",
            "subject": {"reference": f"Patient/{pid}"},
            "code": {
                "coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure"}]
            },
            "effectiveDateTime": "2026-11-20",
            "component": [],
        }
    )
    document = _import(record)
    assert document["answers"]["high_blood_pressure_uncontrolled"] == "unsure"
    assert "Observation/bp1" in [
        s["resource"] for s in document["sources"]["high_blood_pressure_uncontrolled"]
    ]


def test_drug_misuse_is_current_substance_use() -> None:
    document = _import(RESOURCES, _id("cbc86e51"))
    assert document["answers"]["substance_use_current"] == "yes"
    assert document["answers"]["conditions"] == ["substance_use"]
    assert [s["code"] for s in document["sources"]["substance_use_current"]] == ["361055000"]


def test_alcohol_use_counts_only_while_active() -> None:
    active = _import(RESOURCES, _id("a4a401d1"))
    assert active["answers"]["substance_use_current"] == "yes"
    assert active["sources"]["substance_use_current"][0]["code"] == "10939881000119105"
    resolved = _import(RESOURCES, _id("8e1a0a7c"))  # unhealthy drinking resolved in 2015
    assert "substance_use_current" not in resolved["answers"]


def test_a_resolved_pregnancy_is_not_a_current_one() -> None:
    for prefix in ("ca15b832", "a4a401d1"):  # normal pregnancies, all resolved
        assert "pregnant_or_breastfeeding" not in _import(RESOURCES, _id(prefix))["answers"]


def _condition(
    pid: str, code: str, clinical: str, verification: str, system: str = "http://snomed.info/sct"
) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"c-{code}-{clinical}-{verification}",
        "subject": {"reference": f"Patient/{pid}"},
        "clinicalStatus": {"coding": [{"code": clinical}]},
        "verificationStatus": {"coding": [{"code": verification}]},
        "code": {"coding": [{"system": system, "code": code, "display": "given"}]},
        "recordedDate": "2020-01-02",
    }


def _patient(pid: str = "p1", **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "birthDate": "1980-06-11", **extra}


def test_verification_status_decides_yes_unsure_or_nothing() -> None:
    record = [_patient(), _condition("p1", "58214004", "active", "provisional")]
    assert _import(record)["answers"]["psychosis_history"] == "unsure"
    record = [_patient(), _condition("p1", "58214004", "active", "refuted")]
    assert "psychosis_history" not in _import(record)["answers"]
    record = [
        _patient(),
        _condition("p1", "F20.9", "resolved", "confirmed", "http://hl7.org/fhir/sid/icd-10-cm"),
    ]
    assert _import(record)["answers"]["psychosis_history"] == "yes"  # ever: a past record counts
    record = [
        _patient(),
        _condition("p1", "G40.909", "active", "entered-in-error", "http://hl7.org/fhir/sid/icd-10-cm"),
    ]
    assert "seizure_history" not in _import(record)["answers"]


def test_age_is_whole_years_from_the_birth_date() -> None:
    document = _import([_patient()])
    assert document["answers"] == {"age": 46}
    assert document["sources"]["age"] == [{"resource": "Patient/p1", "date": "1980-06-11"}]


def _phq9_set(pid: str, when: str, scores: list[int], prefix: str) -> list[dict[str, Any]]:
    codes = [q.loinc for q in load().instruments["phq9"].items]
    return [
        {
            "resourceType": "Observation",
            "id": f"{prefix}{i}",
            "status": "final",
            "subject": {"reference": f"Patient/{pid}"},
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "effectiveDateTime": when,
            "valueInteger": score,
        }
        for i, (code, score) in enumerate(zip(codes, scores, strict=True))
    ]


def test_phq9_is_the_most_recent_complete_set_within_the_window() -> None:
    window = load().value_sets.windows.scores_days  # type: ignore[union-attr]
    recent = (TODAY - dt.timedelta(days=3)).isoformat()
    older = (TODAY - dt.timedelta(days=10)).isoformat()
    stale = (TODAY - dt.timedelta(days=window + 1)).isoformat()
    record = [
        _patient(),
        *_phq9_set("p1", older, [1] * 9, "old"),
        *_phq9_set("p1", recent, [2] * 9, "new")[:8],  # incomplete: item 9 missing
        *_phq9_set("p1", stale, [3] * 9, "stale"),
    ]
    document = _import(record)
    assert document["answers"]["phq9"] == [1] * 9
    assert {s["resource"] for s in document["sources"]["phq9"]} == {f"Observation/old{i}" for i in range(9)}
    assert "phq9" not in _import([_patient(), *_phq9_set("p1", stale, [3] * 9, "s")])["answers"]


def test_an_item_answered_twice_in_one_administration_counts_its_higher_answer() -> None:
    when = (TODAY - dt.timedelta(days=2)).isoformat()
    again = _phq9_set("p1", when, [0] * 8 + [2], "again")[8]  # item 9 answered 2 as well as 0
    for record in (
        [_patient(), *_phq9_set("p1", when, [0] * 9, "first"), again],
        [_patient(), again, *_phq9_set("p1", when, [0] * 9, "first")],  # in either order
    ):
        document = _import(record)
        assert document["answers"]["phq9"] == [0] * 8 + [2]
        assert "Observation/again8" in {s["resource"] for s in document["sources"]["phq9"]}
        assert any(a["level"] == "urgent" for a in trdnav.assess(document, ["tms"])["alerts"])


def test_absolute_and_versioned_references_to_the_patient_count() -> None:
    absolute = _condition("p1", "F20.9", "active", "confirmed", "http://hl7.org/fhir/sid/icd-10-cm")
    absolute["subject"] = {"reference": "https://fhir.example.org/r4/Patient/p1"}
    versioned = _condition("p1", "G40.909", "active", "confirmed", "http://hl7.org/fhir/sid/icd-10-cm")
    versioned["subject"] = {"reference": "Patient/p1/_history/3"}
    other = _condition("p1", "I10", "active", "confirmed", "http://hl7.org/fhir/sid/icd-10-cm")
    other["subject"] = {"reference": "https://fhir.example.org/r4/Patient/p11"}  # another patient
    answers = _import([_patient(), absolute, versioned, other])["answers"]
    assert answers["psychosis_history"] == "yes"
    assert answers["seizure_history"] == "yes"
    assert "high_blood_pressure_uncontrolled" not in answers


def _medication(pid: str, rid: str, display: str, authored: str, days: int | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "completed",
        "intent": "order",
        "subject": {"reference": f"Patient/{pid}"},
        "medicationCodeableConcept": {
            "coding": [
                {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "999", "display": display}
            ]
        },
        "authoredOn": authored,
    }
    if days is not None:
        resource["dispenseRequest"] = {"expectedSupplyDuration": {"value": days, "unit": "days", "code": "d"}}
    return resource


def test_failed_trials_count_ingredients_used_for_four_weeks_or_more() -> None:
    record = [
        _patient(),
        _medication("p1", "m1", "sertraline 50 MG Oral Tablet", "2024-01-01", 30),  # one request, 30 days
        _medication("p1", "m2", "24 HR venlafaxine 75 MG Extended Release Oral Capsule", "2024-03-01"),
        _medication(
            "p1", "m3", "24 HR venlafaxine 75 MG Extended Release Oral Capsule", "2024-04-15"
        ),  # 45 days
        _medication("p1", "m4", "bupropion hydrochloride 150 MG Oral Tablet", "2024-06-01", 14),  # too short
    ]
    document = _import(record)
    assert document["answers"]["failed_antidepressant_trials"] == 2
    assert {s["resource"] for s in document["sources"]["failed_antidepressant_trials"]} == {
        "MedicationRequest/m1",
        "MedicationRequest/m2",
        "MedicationRequest/m3",
    }


def test_a_bundle_file_and_a_gzipped_ndjson_folder_read_the_same(tmp_path: Path) -> None:
    record = _alive("cbc86e51")
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in record]}
    (tmp_path / "bundle.json").write_text(json.dumps(bundle), encoding="utf-8")
    folder = tmp_path / "bulk"
    folder.mkdir()
    (folder / "all.ndjson.gz").write_bytes(gzip.compress("\n".join(json.dumps(r) for r in record).encode()))
    expected = _import(record)
    assert _import(tmp_path / "bundle.json") == expected
    assert _import(folder) == expected


@pytest.mark.parametrize(
    ("source", "where", "message"),
    [
        ("not json", "bundle.json", "not JSON"),
        (
            json.dumps({"resourceType": "Bundle", "type": "document", "entry": []}),
            "Bundle.type",
            "expected one of",
        ),
        (
            json.dumps({"resourceType": "Patient", "id": "x", "meta": {"fhirVersion": "5.0.0"}}),
            "fhirVersion",
            "R4",
        ),
        (json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}), "Patient", "no Patient"),
    ],
)
def test_bad_files_raise_one_error_type_naming_where(
    tmp_path: Path, source: str, where: str, message: str
) -> None:
    (tmp_path / "bundle.json").write_text(source, encoding="utf-8")
    with pytest.raises(RecordError) as caught:
        _import(tmp_path / "bundle.json")
    assert where in caught.value.path and message in caught.value.message


def test_several_patients_need_a_choice_and_an_unknown_one_is_refused() -> None:
    with pytest.raises(RecordError, match="has 13 patients"):
        _import(RESOURCES)
    with pytest.raises(RecordError, match="no Patient with id 'nobody'"):
        _import(RESOURCES, "nobody")


# Property: adding any resource to a record never makes any therapy safer.
SAMPLE_ADDITIONS = [r for r in RESOURCES if r["resourceType"] in ("Condition", "Device", "MedicationRequest")]
VALUE_SETS = load().value_sets.value_sets  # type: ignore[union-attr]
BASE = _alive("ca15b832")


@st.composite
def additions(draw: st.DrawFn) -> dict[str, Any]:
    pid = BASE[0]["id"]
    if draw(st.booleans()):
        resource = copy.deepcopy(draw(st.sampled_from(SAMPLE_ADDITIONS)))
        resource["subject"] = {"reference": f"Patient/{pid}"}
        return resource
    value_set = draw(st.sampled_from(VALUE_SETS))  # a set first, so that one set's records meet
    resource_types, code = value_set.resources, draw(st.sampled_from(value_set.codes))
    kind = draw(st.sampled_from(resource_types))
    concept = {
        "coding": [
            {
                "system": {
                    "snomed": "http://snomed.info/sct",
                    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
                    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
                    "loinc": "http://loinc.org",
                }[code.system],
                "code": code.code + (".9" if code.descendants else ""),
                "display": code.display,
            }
        ]
    }
    status = draw(
        st.sampled_from(["active", "inactive", "resolved", "completed", "stopped", "entered-in-error", None])
    )
    resource: dict[str, Any] = {
        "resourceType": kind,
        "id": f"gen-{draw(st.integers(0, 10**6))}",
        "subject": {"reference": f"Patient/{pid}"},
    }
    if kind == "Condition":
        resource["code"] = concept
        if status:
            resource["clinicalStatus"] = {"coding": [{"code": status}]}
        verification = draw(
            st.sampled_from(["confirmed", "provisional", "refuted", "entered-in-error", None])
        )
        if verification:
            resource["verificationStatus"] = {"coding": [{"code": verification}]}
    elif kind == "Device":
        resource["type"] = concept
        resource["patient"] = resource.pop("subject")
        if status:
            resource["status"] = status
    elif draw(st.booleans()):  # a statement of use, naming a contained Medication or coded itself
        start = draw(st.sampled_from(["2024-01-01", "2024-02-15", "2026-11-01"]))
        resource.update(resourceType="MedicationStatement", status=status or "active")
        resource["effectivePeriod"] = {"start": start, "end": draw(st.sampled_from([start, "2024-06-30"]))}
        if draw(st.booleans()):
            resource["contained"] = [{"resourceType": "Medication", "id": "m", "code": concept}]
            resource["medicationReference"] = {"reference": "#m"}
        else:
            resource["medicationCodeableConcept"] = concept
    else:
        resource.update(
            medicationCodeableConcept=concept,
            status=status or "active",
            intent="order",
            authoredOn=draw(st.sampled_from(["2024-01-01", "2024-02-15", "2026-11-01"])),
        )
        resource["dispenseRequest"] = {
            "expectedSupplyDuration": {"value": draw(st.integers(1, 90)), "code": "d"}
        }
    return resource


def _safety(record: list[dict[str, Any]]) -> dict[str, int]:
    result = trdnav.assess(_import(record), ALL_THERAPIES)
    return {t: SAFETY_ORDER[entry["safety"]] for t, entry in result["therapies"].items()}


COCHLEAR_CONFIRMED = _condition("x", "Z96.21", "active", "confirmed", "http://hl7.org/fhir/sid/icd-10-cm")
COCHLEAR_PROVISIONAL = _condition("x", "Z96.21", "active", "provisional", "http://hl7.org/fhir/sid/icd-10-cm")
for _resource in (COCHLEAR_CONFIRMED, COCHLEAR_PROVISIONAL):
    _resource["subject"] = {"reference": f"Patient/{BASE[0]['id']}"}


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(additions(), min_size=1, max_size=6))
@example([COCHLEAR_CONFIRMED, COCHLEAR_PROVISIONAL])  # a later unsure never undoes a yes
def test_adding_any_resource_never_makes_a_therapy_safer(added: list[dict[str, Any]]) -> None:
    record = list(BASE)
    before = _safety(record)
    for resource in added:
        record = [*record, resource]
        after = _safety(record)
        assert all(after[t] >= before[t] for t in before), (resource, before, after)
        assert "no" not in _import(record)["answers"].values()
        before = after


def test_a_transaction_bundle_with_urn_uuid_references_imports(tmp_path: Path) -> None:
    patient = {"resourceType": "Patient", "birthDate": "1980-06-11"}
    condition = _condition("ignored", "128613002", "active", "confirmed")
    del condition["id"]
    condition["subject"] = {"reference": "urn:uuid:aaa-1"}
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:aaa-1",
                "resource": patient,
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:bbb-2",
                "resource": condition,
                "request": {"method": "POST", "url": "Condition"},
            },
        ],
    }
    FhirBundle.model_validate(bundle)  # the test's input is valid FHIR
    (tmp_path / "transaction.json").write_text(json.dumps(bundle), encoding="utf-8")
    document = _import(tmp_path / "transaction.json")
    assert document["answers"]["seizure_history"] == "yes"
    assert document["sources"]["seizure_history"][0]["resource"] == "Condition/bbb-2"
    assert document["sources"]["age"] == [{"resource": "Patient/aaa-1", "date": "1980-06-11"}]
    assert trdnav.assess(document)["sources"] == document["sources"]


def test_sources_never_change_the_assessment() -> None:
    document = _import(RESOURCES, _id("cbc86e51"))
    with_sources = trdnav.assess(document, ALL_THERAPIES)
    without = trdnav.assess({"version": 1, "answers": document["answers"]}, ALL_THERAPIES)
    assert with_sources.pop("sources") == document["sources"]  # type: ignore[misc]
    assert with_sources == without


ICD = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def test_a_benign_brain_tumour_chronic_pain_codes_and_an_insulin_pump_code_are_read() -> None:
    record = [
        _patient(),
        _condition("p1", "D33.2", "resolved", "confirmed", ICD),  # a brain tumour removed years ago
        _condition("p1", "G89.29", "active", "confirmed", ICD),
        _condition("p1", "Z96.41", "active", "confirmed", ICD),
    ]
    answers = _import(record)["answers"]
    assert answers["brain_condition"] == "yes"
    assert "chronic_pain" in answers["conditions"]
    # Z96.41 covers an external pump too; the item asks about an implanted one: the person answers.
    assert answers["medication_pump"] == "unsure"
    acute = [_patient(), _condition("p1", "G89.11", "active", "confirmed", ICD)]  # acute pain due to trauma
    assert "conditions" not in _import(acute)["answers"]


def _statement(
    rid: str, concept: dict[str, Any] | None, start: str, end: str, **extra: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "effectivePeriod": {"start": start, "end": end},
        **extra,
    }
    if concept is not None:
        resource["medicationCodeableConcept"] = concept
    return resource


def test_medication_statements_and_medication_references_count_as_trials() -> None:
    sertraline = {"coding": [{"system": RXNORM, "code": "36437", "display": "sertraline"}]}
    fluoxetine_product = {
        "resourceType": "Medication",
        "id": "med-fluox",
        "code": {"coding": [{"system": RXNORM, "code": "999001", "display": "Prozac 20 MG capsule"}]},
        "ingredient": [{"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": "4493"}]}}],
    }
    contained_bupropion = {
        "resourceType": "Medication",
        "id": "b",
        "code": {"coding": [{"system": RXNORM, "code": "42347", "display": "bupropion"}]},
    }
    record = [
        _patient(),
        _statement("s1", sertraline, "2024-01-01", "2024-03-01"),  # 60 days: a trial
        _statement(
            "s2", None, "2024-04-01", "2024-06-01", medicationReference={"reference": "Medication/med-fluox"}
        ),
        fluoxetine_product,  # names no patient: found through the reference
        {
            **_statement("s3", None, "2024-07-01", "2024-09-01"),
            "contained": [contained_bupropion],
            "medicationReference": {"reference": "#b"},
        },
        _statement("s4", sertraline, "2025-01-01", "2025-06-01", status="not-taken"),
        _statement(
            "s5",
            {"coding": [{"system": RXNORM, "code": "15996"}]},
            "2025-01-01",
            "2025-06-01",
            status="intended",
        ),
    ]
    document = _import(record)
    assert document["answers"]["failed_antidepressant_trials"] == 3
    resources = {s["resource"] for s in document["sources"]["failed_antidepressant_trials"]}
    assert resources == {"MedicationStatement/s1", "MedicationStatement/s2", "MedicationStatement/s3"}
    dates = {s["resource"]: s.get("date") for s in document["sources"]["failed_antidepressant_trials"]}
    assert dates["MedicationStatement/s2"] == "2024-04-01"


def test_a_medication_reference_in_a_transaction_bundle_resolves_by_its_urn(tmp_path: Path) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:pat-1", "resource": {"resourceType": "Patient", "birthDate": "1980-01-01"}},
            {
                "fullUrl": "urn:uuid:med-1",
                "resource": {
                    "resourceType": "Medication",
                    "code": {"coding": [{"system": RXNORM, "code": "39786", "display": "venlafaxine"}]},
                },
            },
            {
                "fullUrl": "urn:uuid:req-1",
                "resource": {
                    "resourceType": "MedicationRequest",
                    "status": "completed",
                    "intent": "order",
                    "subject": {"reference": "urn:uuid:pat-1"},
                    "medicationReference": {"reference": "urn:uuid:med-1"},
                    "authoredOn": "2024-01-01",
                    "dispenseRequest": {"expectedSupplyDuration": {"value": 60, "unit": "days", "code": "d"}},
                },
            },
        ],
    }
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    assert _import(path)["answers"]["failed_antidepressant_trials"] == 1
