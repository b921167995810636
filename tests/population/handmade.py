"""Small patients, each built for one rule of the record import, written as a bulk export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ICD = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
PHQ9_ITEMS = [
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
]


def status(code: str) -> dict[str, Any]:
    return {"coding": [{"code": code}]}


def condition(pid: str, n: int, system: str, code: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"{pid}-c{n}",
        "subject": {"reference": f"Patient/{pid}"},
        "code": {"coding": [{"system": system, "code": code}]},
        "onsetDateTime": "2024-05-01",
        **extra,
    }


def request(pid: str, n: int, concept: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "MedicationRequest",
        "id": f"{pid}-m{n}",
        "status": "completed",
        "intent": "order",
        "subject": {"reference": f"Patient/{pid}"},
        **extra,
    }
    if concept is not None:
        resource["medicationCodeableConcept"] = concept
    return resource


def observation(pid: str, rid: str, when: str, code: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": when,
        "code": {"coding": [{"system": LOINC, "code": code}]},
        **extra,
    }


def phq9(pid: str, n: int, when: str, scores: list[int], *, panel: bool = True) -> list[dict[str, Any]]:
    items = list(zip(PHQ9_ITEMS, scores, strict=False))
    if panel:
        parts = [
            {"code": {"coding": [{"system": LOINC, "code": code}]}, "valueInteger": s} for code, s in items
        ]
        return [observation(pid, f"{pid}-o{n}", when, "44249-1", component=parts)]
    answers = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    return [
        observation(
            pid,
            f"{pid}-o{n}-{i}",
            when,
            code,
            valueCodeableConcept={"coding": [{"system": LOINC, "code": answers[score]}]},
        )
        for i, (code, score) in enumerate(items)
    ]


def records() -> list[dict[str, Any]]:
    """One patient per case; the comment says what the import must do."""
    out: list[dict[str, Any]] = []

    def patient(pid: str, born: str | None = "1980-06-15", **extra: Any) -> None:
        resource = {"resourceType": "Patient", "id": pid, **extra}
        if born:
            resource["birthDate"] = born
        out.append(resource)

    # seizure: ICD code under G40 with and without the dot, resolved (timing "ever" counts it)
    patient("seizure-resolved")
    out.append(condition("seizure-resolved", 1, ICD, "G40.909", clinicalStatus=status("resolved")))
    patient("seizure-nodot")
    out.append(condition("seizure-nodot", 1, ICD, "g40909"))
    # refuted and entered-in-error are ignored; unconfirmed makes it unsure
    patient("psychosis-refuted")
    out.append(condition("psychosis-refuted", 1, ICD, "F20.9", verificationStatus=status("refuted")))
    patient("psychosis-provisional")
    out.append(condition("psychosis-provisional", 1, ICD, "F20.9", verificationStatus=status("provisional")))
    # current-only sets: an abated pregnancy is not current; an active one is
    patient("pregnancy-abated", "1995-01-01")
    out.append(condition("pregnancy-abated", 1, ICD, "Z34.00", abatementDateTime="2025-01-01"))
    patient("pregnancy-active", "1995-01-01")
    out.append(condition("pregnancy-active", 1, ICD, "Z34.00", clinicalStatus=status("active")))
    # depression unconfirmed: no word; confirmed plus two adequate antidepressant trials: TRD
    patient("depression-unconfirmed")
    out.append(condition("depression-unconfirmed", 1, ICD, "F33.1", verificationStatus=status("unconfirmed")))
    patient("trd")
    out.append(condition("trd", 1, SNOMED, "370143000"))
    out.append(
        request(
            "trd",
            1,
            {"coding": [{"system": RXNORM, "code": "36437", "display": "sertraline"}]},
            authoredOn="2025-01-01",
            dispenseRequest={"expectedSupplyDuration": {"value": 30, "code": "d"}},
        )
    )
    # by name in a clinical drug's display; two requests 40 days apart make a trial
    out.append(
        request(
            "trd",
            2,
            {"coding": [{"system": RXNORM, "code": "310385", "display": "FLUoxetine 20 MG Oral Capsule"}]},
            authoredOn="2025-03-01",
        )
    )
    out.append(request("trd", 3, {"text": "fluoxetine 20 mg, capsule"}, authoredOn="2025-04-10"))
    # a third ingredient used only 20 days is not a trial; a cancelled request is ignored
    out.append(
        request(
            "trd",
            4,
            {"text": "paroxetine"},
            authoredOn="2025-06-01",
            dispenseRequest={"validityPeriod": {"start": "2025-06-01", "end": "2025-06-21"}},
        )
    )
    out.append(request("trd", 5, {"text": "paroxetine"}, status="cancelled", authoredOn="2025-09-01"))
    out.extend(phq9("trd", 1, "2026-11-20T10:00:00Z", [2, 2, 2, 2, 2, 2, 2, 2, 1]))
    out.extend(phq9("trd", 2, "2026-11-25T10:00:00Z", [3, 3, 3, 3], panel=True))  # incomplete: not used
    # a PHQ-9 as nine separate coded observations; one older than the window is left out
    patient("phq-separate")
    out.extend(phq9("phq-separate", 1, "2026-11-28T08:30:00+01:00", [1, 0, 1, 0, 1, 0, 1, 0, 0], panel=False))
    out.extend(phq9("phq-separate", 2, "2026-09-01T08:30:00Z", [3] * 9))
    # bupropion active (current set) counts; stopped does not
    patient("bupropion-active")
    out.append(
        request(
            "bupropion-active",
            1,
            {"text": "buPROPion 150 MG Extended Release Oral Tablet"},
            status="active",
            authoredOn="2026-10-01",
        )
    )
    patient("bupropion-stopped")
    out.append(
        request(
            "bupropion-stopped",
            1,
            {"coding": [{"system": RXNORM, "code": "42347"}]},
            status="stopped",
            authoredOn="2026-10-01",
        )
    )
    # a Medication named by reference, its ingredient by code
    out.append(
        {
            "resourceType": "Medication",
            "id": "med-sertraline",
            "code": {"text": "Zoloft"},
            "ingredient": [{"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": "36437"}]}}],
        }
    )
    patient("by-reference")
    out.append(
        request(
            "by-reference",
            1,
            None,
            medicationReference={"reference": "Medication/med-sertraline"},
            authoredOn="2025-01-01",
            dispenseRequest={"validityPeriod": {"start": "2025-01-01", "end": "2025-03-01"}},
        )
    )
    out.append(
        {
            "resourceType": "MedicationStatement",
            "id": "by-reference-s1",
            "status": "completed",
            "subject": {"reference": "Patient/by-reference"},
            "medicationCodeableConcept": {"text": "citalopram"},
            "effectivePeriod": {"start": "2024-01-01", "end": "2024-03-01"},
        }
    )
    # a Medication contained in the request (named '#id'), its ingredient by code, and one in a
    # statement by its name; a contained Organization and a missing '#id' are nothing
    patient("contained")
    sertraline = {
        "resourceType": "Medication",
        "id": "med",
        "ingredient": [{"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": "36437"}]}}],
    }
    out.append(
        request(
            "contained",
            1,
            None,
            contained=[{"resourceType": "Organization", "id": "org"}, sertraline],
            medicationReference={"reference": "#med"},
            authoredOn="2025-01-01",
            dispenseRequest={"validityPeriod": {"start": "2025-01-01", "end": "2025-03-01"}},
        )
    )
    gone = {"reference": "#gone"}
    out.append(request("contained", 2, None, medicationReference=gone, authoredOn="2025-05-01"))
    out.append(
        {
            "resourceType": "MedicationStatement",
            "id": "contained-s1",
            "status": "completed",
            "subject": {"reference": "Patient/contained"},
            "contained": [{"resourceType": "Medication", "id": "m", "code": {"text": "Escitalopram 10 mg"}}],
            "medicationReference": {"reference": "#m"},
            "effectivePeriod": {"start": "2024-01-01", "end": "2024-03-01"},
        }
    )
    # hypertension: unsure, with recent blood pressures listed; devices active and inactive
    patient("hypertension")
    out.append(condition("hypertension", 1, ICD, "I10"))
    systolic = {
        "code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
        "valueQuantity": {"value": 150, "unit": "mm[Hg]"},
    }
    out.append(observation("hypertension", "hypertension-bp1", "2026-11-01", "85354-9", component=[systolic]))
    out.append(observation("hypertension", "hypertension-bp2", "2025-01-01", "85354-9"))
    patient("devices")
    out.append(
        {
            "resourceType": "Device",
            "id": "devices-d1",
            "status": "active",
            "patient": {"reference": "Patient/devices"},
            "type": {"coding": [{"system": SNOMED, "code": "43252007"}]},
        }
    )
    out.append(
        {
            "resourceType": "Device",
            "id": "devices-d2",
            "status": "inactive",
            "patient": {"reference": "Patient/devices"},
            "type": {"coding": [{"system": SNOMED, "code": "441509002"}]},
        }
    )
    # references to the patient by absolute URL and with a version count, as getReferenceKey reads them
    patient("absolute-ref")
    out.append(
        condition(
            "absolute-ref",
            1,
            ICD,
            "F20.9",
            subject={"reference": "https://fhir.example.org/Patient/absolute-ref"},
        )
    )
    versioned = phq9("absolute-ref", 1, "2026-11-30T09:00:00Z", [1] * 9)
    versioned[0]["subject"] = {"reference": "Patient/absolute-ref/_history/2"}
    out.extend(versioned)
    # one administration answering item 9 twice: the higher answer counts
    patient("phq-twice")
    twice = phq9("phq-twice", 1, "2026-11-29T09:00:00Z", [0] * 9, panel=False)
    again = phq9("phq-twice", 2, "2026-11-29T09:00:00Z", [0] * 9, panel=False)[8]
    again["valueCodeableConcept"]["coding"][0]["code"] = "LA6570-1"  # more than half the days: 2
    out.extend([twice[0], again, *twice[1:]])
    # near misses the value sets leave out: nicotine, acute pain, the spinal cord, hoarding
    patient("near-misses")
    for n, code in enumerate(("F17.210", "G89.11", "D33.4", "F42.3")):
        out.append(condition("near-misses", n, ICD, code))
    # ages: a teenager, no birth date, a birth date in the future; a deceased patient is not screened
    patient("teen", "2010-12-04")
    patient("no-birth-date", None)
    patient("future", "2030-01-01")
    patient("deceased", deceasedDateTime="2024-01-01")
    out.append(condition("deceased", 1, ICD, "F20.9"))
    return out


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    by_type: dict[str, list[str]] = {}
    for resource in records():
        by_type.setdefault(resource["resourceType"], []).append(json.dumps(resource))
    for kind, lines in by_type.items():
        (folder / f"{kind}.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
