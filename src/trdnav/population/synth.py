"""`write_export`: a synthetic FHIR R4 bulk export for tests and benchmarks.

Patient, Condition, Device, MedicationRequest and Observation NDJSON files, written one patient at
a time (memory stays flat as N grows) from one seeded random generator (the same seed, size and
date give the same bytes). The make-up is in `knowledge/data/synthetic_population.yaml`, every
figure labelled an assumption; the codes come from the knowledge base's value sets and
instruments, so each rule of the record import is met: confirmed, unconfirmed, refuted and
resolved conditions, ICD-10-CM codes with and without the dot and their descendants, devices
active and removed, antidepressants by code, by a clinical drug's name or by text, with supply
durations and validity periods, PHQ-9 panels and single items, complete and not, recent and old.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import yaml
from pydantic import Field

from trdnav.knowledge.loader import KnowledgeBase, load
from trdnav.knowledge.schema import Strict
from trdnav.knowledge.value_sets import SYSTEMS, SetCode, ValueSet

TYPES = ("Patient", "Condition", "Device", "MedicationRequest", "Observation")
LOINC = SYSTEMS["loinc"]
RXNORM = SYSTEMS["rxnorm"]
SNOMED = SYSTEMS["snomed"]
VERIFICATION = {
    "confirmed": 80, "unconfirmed": 4, "provisional": 3, "differential": 2, "refuted": 4,
    "entered-in-error": 2, None: 5,
}  # fmt: skip
CLINICAL = {
    "active": 70,
    "recurrence": 3,
    "relapse": 2,
    "resolved": 12,
    "inactive": 5,
    "remission": 4,
    None: 4,
}
DEVICE_STATUS = {"active": 80, "inactive": 10, "entered-in-error": 5, None: 5}
MEDICATION_STATUS = {
    "active": 25, "completed": 35, "stopped": 25, "on-hold": 5, "cancelled": 4, "draft": 3,
    "entered-in-error": 3,
}  # fmt: skip
OBSERVATION_STATUS = {"final": 85, "amended": 5, "preliminary": 4, "entered-in-error": 3, "cancelled": 3}
NOISE_CONDITIONS = (
    (SNOMED, "444814009", "Viral sinusitis (disorder)"),
    (SNOMED, "195662009", "Acute viral pharyngitis (disorder)"),
    # near misses the value sets leave out on purpose: nicotine is not a substance-use problem the
    # ketamine rules mean, acute pain is not chronic, the spinal cord is not the brain, hoarding is not OCD
    (SYSTEMS["icd10cm"], "F17.210", "Nicotine dependence, cigarettes, uncomplicated"),
    (SYSTEMS["icd10cm"], "G89.11", "Acute pain due to trauma"),
    (SYSTEMS["icd10cm"], "D33.4", "Benign neoplasm of spinal cord"),
    (SYSTEMS["icd10cm"], "F42.3", "Hoarding disorder"),
)
NOISE_MEDICINES = (("314076", "lisinopril 10 MG Oral Tablet"), ("197361", "amlodipine 5 MG Oral Tablet"))
STRENGTHS = ("10 MG", "20 MG", "25 MG", "50 MG", "100 MG", "150 MG")


class Prevalence(Strict):
    value: float = Field(ge=0, le=1)
    assumption: bool
    basis: str


class Ingredients(Strict):
    weights: list[float] = Field(min_length=1)
    assumption: bool
    basis: str


class Phq9Recorded(Strict):
    with_depression: float = Field(ge=0, le=1)
    without_depression: float = Field(ge=0, le=1)
    item9_positive: float = Field(ge=0, le=1)
    assumption: bool
    basis: str


class MakeUp(Strict):
    prevalences: dict[str, Prevalence]
    antidepressant_ingredients: Ingredients
    phq9_recorded: Phq9Recorded


def make_up() -> MakeUp:
    text = (
        resources.files("trdnav.knowledge").joinpath("data", "synthetic_population.yaml").read_text("utf-8")
    )
    return MakeUp.model_validate(yaml.safe_load(text))


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _status(code: str | None) -> dict[str, Any] | None:
    return {"coding": [{"code": code}]} if code else None


class _Writer:
    """One patient's resources, written to the open files as they are made."""

    def __init__(
        self, kb: KnowledgeBase, shape: MakeUp, rng: random.Random, today: dt.date, out: Mapping[str, TextIO]
    ):
        assert kb.value_sets is not None
        self.rng, self.today, self.out, self.shape = rng, today, out, shape
        self.sets = {vs.id: vs for vs in kb.value_sets.value_sets}
        self.instruments = [kb.instruments[i] for i in ("phq9", "gad7") if i in kb.instruments]
        self.blood_pressure = kb.value_sets.blood_pressure
        self.counts = dict.fromkeys(TYPES, 0)

    def emit(self, resource: dict[str, Any]) -> None:
        clean = {key: value for key, value in resource.items() if value is not None}
        self.out[resource["resourceType"]].write(json.dumps(clean, separators=(",", ":")) + "\n")
        self.counts[resource["resourceType"]] += 1

    def day(self, back_from: int, back_to: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(back_from, back_to))

    def moment(self, day: dt.date) -> str:
        return f"{day.isoformat()}T{self.rng.randrange(7, 19):02d}:{self.rng.randrange(60):02d}:00Z"

    def coding(self, code: SetCode) -> dict[str, str]:
        text = code.code
        if code.system == "icd10cm":
            if code.descendants and self.rng.random() < 0.5:
                text += ("" if "." in text else ".") + str(self.rng.randrange(10))
            if self.rng.random() < 0.3:
                text = text.replace(".", "")
            if self.rng.random() < 0.05:
                text = text.lower()
        return {"system": SYSTEMS[code.system], "code": text, "display": code.display}

    def patient(self, number: int) -> None:
        rng = self.rng
        pid = f"pat-{number:07d}"
        gender = rng.choice(("female", "male"))
        age = rng.randint(13, 17) if rng.random() < 0.01 else rng.randint(18, 90)
        born = self.today.replace(year=self.today.year - age) - dt.timedelta(days=rng.randrange(365))
        deceased = rng.random() < 0.01
        self.emit(
            {
                "resourceType": "Patient",
                "id": pid,
                "gender": gender,
                "birthDate": None if rng.random() < 0.005 else born.isoformat(),
                "deceasedDateTime": self.moment(self.day(10, 400)) if deceased else None,
            }
        )
        found = 0
        drawn: set[str] = set()
        for set_id, prevalence in self.shape.prevalences.items():
            vs = self.sets[set_id]
            if set_id == "pregnancy" and not (gender == "female" and 15 <= age <= 50):
                continue
            if rng.random() >= prevalence.value:
                continue
            drawn.add(set_id)
            if "MedicationRequest" in vs.resources:
                found += self.medicine(pid, found, vs, rng.randint(1, 2))
            elif "Device" in vs.resources and rng.random() < 0.5:
                self.device(pid, found, vs)
                found += 1
            else:
                self.condition(pid, found, vs)
                found += 1
        for _ in range(rng.randint(0, 2)):
            system, code, display = rng.choice(NOISE_CONDITIONS)
            self.condition(pid, found, None, {"system": system, "code": code, "display": display})
            found += 1
        depressed = "depression" in drawn
        if depressed:
            ingredients = self.shape.antidepressant_ingredients.weights
            count = rng.choices(range(len(ingredients)), weights=ingredients)[0]
            for ingredient in rng.sample(self.sets["antidepressants"].codes, count):
                found += self.medicine(
                    pid, found, self.sets["antidepressants"], rng.randint(1, 4), ingredient
                )
        for _ in range(rng.randint(0, 2)):
            code, display = rng.choice(NOISE_MEDICINES)
            self.request(pid, found, {"coding": [{"system": RXNORM, "code": code, "display": display}]})
            found += 1
        recorded = self.shape.phq9_recorded
        if rng.random() < (recorded.with_depression if depressed else recorded.without_depression):
            for instrument in self.instruments:
                if instrument.id == "phq9" or rng.random() < 0.4:
                    found += self.scores(pid, found, instrument)
        if rng.random() < (0.8 if "hypertension" in drawn else 0.25):
            found += self.blood_pressures(pid, found)

    def condition(self, pid: str, n: int, vs: ValueSet | None, coding: dict[str, str] | None = None) -> None:
        rng = self.rng
        codings = [coding or self.coding(rng.choice(vs.codes if vs else []))]
        if rng.random() < 0.2:
            codings.append({"system": SNOMED, "code": "404684003", "display": "Clinical finding (finding)"})
            rng.shuffle(codings)
        onset = self.day(30, 3000)
        self.emit(
            {
                "resourceType": "Condition",
                "id": f"{pid}-c{n}",
                "clinicalStatus": _status(_pick(rng, CLINICAL)),
                "verificationStatus": _status(_pick(rng, VERIFICATION)),
                "code": {"coding": codings},
                "subject": {"reference": f"Patient/{pid}"},
                "onsetDateTime": self.moment(onset) if rng.random() < 0.9 else None,
                "recordedDate": self.moment(onset),
                "abatementDateTime": self.moment(self.day(1, 29)) if rng.random() < 0.08 else None,
            }
        )

    def device(self, pid: str, n: int, vs: ValueSet) -> None:
        code = self.rng.choice(vs.codes)
        self.emit(
            {
                "resourceType": "Device",
                "id": f"{pid}-d{n}",
                "status": _pick(self.rng, DEVICE_STATUS),
                "type": {"coding": [self.coding(code)], "text": code.display},
                "patient": {"reference": f"Patient/{pid}"},
                "manufactureDate": self.moment(self.day(400, 4000)),
            }
        )

    def medicine(self, pid: str, n: int, vs: ValueSet, uses: int, code: SetCode | None = None) -> int:
        """Requests for one ingredient of `vs`, spread over weeks; returns how many."""
        rng = self.rng
        ingredient = code or rng.choice(vs.codes)
        start = self.day(60, 1100)
        for use in range(uses):
            strength = rng.choice(STRENGTHS)
            style = rng.random()
            if style < 0.4:
                concept: dict[str, Any] = {
                    "coding": [{"system": RXNORM, "code": ingredient.code, "display": ingredient.display}]
                }
            elif style < 0.75:
                drug = f"{ingredient.display} {strength} Oral Tablet"
                concept = {
                    "coding": [
                        {"system": RXNORM, "code": str(rng.randrange(100000, 999999)), "display": drug}
                    ],
                    "text": drug,
                }
            else:
                concept = {"text": f"{ingredient.display.capitalize()} {strength.lower()} tablet"}
            authored = start + dt.timedelta(days=use * rng.randint(10, 45))
            self.request(pid, n + use, concept, authored)
        return uses

    def request(self, pid: str, n: int, concept: dict[str, Any], authored: dt.date | None = None) -> None:
        rng = self.rng
        authored = authored or self.day(1, 1500)
        dispense: dict[str, Any] = {}
        shape = rng.random()
        if shape < 0.4:
            unit, days = rng.choice((("d", 30), ("d", 14), ("wk", 4), ("mo", 1)))
            dispense["expectedSupplyDuration"] = {
                "value": days,
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            }
        elif shape < 0.65:
            end = authored + dt.timedelta(days=rng.choice((20, 30, 60, 90)))
            dispense["validityPeriod"] = {"start": authored.isoformat(), "end": end.isoformat()}
        self.emit(
            {
                "resourceType": "MedicationRequest",
                "id": f"{pid}-m{n}",
                "status": _pick(rng, MEDICATION_STATUS),
                "intent": "order",
                "medicationCodeableConcept": concept,
                "subject": {"reference": f"Patient/{pid}"},
                "authoredOn": self.moment(authored),
                "dispenseRequest": dispense or None,
            }
        )

    def scores(self, pid: str, n: int, instrument: Any) -> int:
        """1 to 4 administrations of an instrument in the last 120 days; returns resources written."""
        rng = self.rng
        written = 0
        level = rng.randint(0, len(instrument.answers) - 1)
        for _ in range(rng.randint(1, 4)):
            when = self.moment(self.day(0, 120))
            answers = [
                max(0, min(len(instrument.answers) - 1, level + rng.randint(-1, 1))) for _ in instrument.items
            ]
            if instrument.id == "phq9":
                answers[-1] = (
                    rng.randint(1, 3) if rng.random() < self.shape.phq9_recorded.item9_positive else 0
                )
            items = list(zip(instrument.items, answers, strict=True))
            if rng.random() < 0.1:
                items.pop(rng.randrange(len(items)))  # an incomplete set: not used
            status = _pick(rng, OBSERVATION_STATUS)
            coded = rng.random() < 0.3

            def value(score: int, coded: bool = coded) -> dict[str, Any]:
                if coded:
                    answer = instrument.answers[score]
                    return {
                        "valueCodeableConcept": {
                            "coding": [{"system": LOINC, "code": answer.loinc, "display": answer.text}]
                        }
                    }
                return {"valueInteger": score}

            base = {
                "resourceType": "Observation",
                "status": status,
                "subject": {"reference": f"Patient/{pid}"},
                "effectiveDateTime": when,
            }
            if rng.random() < 0.6:
                components = [
                    {"code": {"coding": [{"system": LOINC, "code": q.loinc}]}, **value(s)} for q, s in items
                ]
                panel = {
                    "coding": [{"system": LOINC, "code": instrument.loinc_panel, "display": instrument.name}]
                }
                self.emit({**base, "id": f"{pid}-o{n + written}", "code": panel, "component": components})
                written += 1
            else:
                for q, s in items:
                    code = {"coding": [{"system": LOINC, "code": q.loinc}]}
                    self.emit({**base, "id": f"{pid}-o{n + written}", "code": code, **value(s)})
                    written += 1
        return written

    def blood_pressures(self, pid: str, n: int) -> int:
        bp = self.blood_pressure
        count = self.rng.randint(1, 3)
        for number in range(count):
            systolic, diastolic = self.rng.randint(105, 175), self.rng.randint(60, 105)
            quantity = {"unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
            self.emit(
                {
                    "resourceType": "Observation",
                    "id": f"{pid}-o{n + number}",
                    "status": "final",
                    "code": {"coding": [{"system": LOINC, "code": bp.panel}]},
                    "subject": {"reference": f"Patient/{pid}"},
                    "effectiveDateTime": self.moment(self.day(0, 200)),
                    "component": [
                        {
                            "code": {"coding": [{"system": LOINC, "code": bp.systolic}]},
                            "valueQuantity": {"value": systolic, **quantity},
                        },
                        {
                            "code": {"coding": [{"system": LOINC, "code": bp.diastolic}]},
                            "valueQuantity": {"value": diastolic, **quantity},
                        },
                    ],
                }
            )
        return count


def write_export(
    out: Path,
    patients: int,
    seed: int,
    today: dt.date,
    *,
    progress: Callable[[int], None] | None = None,
    kb: KnowledgeBase | None = None,
) -> dict[str, int]:
    """Write the five NDJSON files into `out`; the number of resources written per type."""
    if patients < 1:
        raise ValueError(f"patients must be at least 1, got {patients}")
    out.mkdir(parents=True, exist_ok=True)
    files = {kind: (out / f"{kind}.ndjson").open("w", encoding="utf-8") for kind in TYPES}
    try:
        writer = _Writer(kb or load(), make_up(), random.Random(seed), today, files)
        for number in range(patients):
            writer.patient(number)
            if progress is not None and (number + 1) % 1000 == 0:
                progress(number + 1)
    finally:
        for handle in files.values():
            handle.close()
    return writer.counts
