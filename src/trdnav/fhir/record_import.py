"""A FHIR R4 health record as a contract v1 answers document with `sources` (contract §4).

`import_record(source, patient_id=None)` reads a Bundle file, a bulk-export NDJSON folder or a
list of resource dicts (record_reading), and answers only what the knowledge base's value sets
cover (knowledge/data/value_sets.yaml). The rules:

- A record says `yes` or `unsure`, never `no`: an item without a matching record stays out.
- Refuted and entered-in-error records are ignored. A provisional, differential or unconfirmed
  Condition says `unsure` (and adds no word to `conditions`). A value set with
  `record_says: unsure` (hypertension: control unknown) says `unsure` even when confirmed, and
  blood pressures within the window are listed beside it for the clinician.
- A value set with timing `ever` counts resolved and inactive records (a seizure disorder resolved
  years ago is still a seizure history); one with timing `current` only active ones (a resolved
  pregnancy, or one with an abatement date, is not current).
- Age: whole years from `Patient.birthDate` to `today`.
- PHQ-9 / GAD-7: the most recent complete item set (the instruments' LOINC item codes, as
  standalone Observations or a panel's components, grouped by effective time) not older than
  `windows.scores_days`. The contract has no history field, so older sets are left out. An item
  answered twice in one set counts its higher (more severe) answer.
- Medicines come from MedicationRequests and MedicationStatements alike (drafts, cancelled,
  entered-in-error, and statements `not-taken` or only `intended` are ignored). What was given is
  the `medicationCodeableConcept`, or the Medication its `medicationReference` names (contained
  `#id`, `Medication/id`, or a transaction Bundle's `urn:uuid:`): its code and its ingredients'
  codes. A statement's dates are its effectivePeriod (or effectiveDateTime, or dateAsserted).
- failed_antidepressant_trials: the number of distinct antidepressant ingredients whose
  requests and statements span at least `windows.adequate_trial_days` days, from the first one's
  start (validityPeriod.start or authoredOn; a statement's effective start) to the last one's end
  (validityPeriod.end, or its start plus dispenseRequest.expectedSupplyDuration; a statement's
  effective end). Dose and response are not in the rule: it is a number the clinician confirms
  with the person (the CLI says so); set only when at least 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trdnav.fhir.record_reading import PatientRecord, RecordError, Resource, choose_patient, read_resources
from trdnav.knowledge.loader import KnowledgeBase, load
from trdnav.knowledge.value_sets import ValueSet, ValueSetFile

LOINC = "http://loinc.org"
IGNORED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
UNCONFIRMED = frozenset({"unconfirmed", "provisional", "differential"})
ACTIVE_CLINICAL = frozenset({"active", "recurrence", "relapse"})
IGNORED_STATUS = frozenset({"entered-in-error", "cancelled", "draft", "not-taken", "intended"})
CURRENT_MEDICATION = frozenset({"active", "on-hold"})
IGNORED_OBSERVATION = frozenset({"entered-in-error", "cancelled", "registered"})
MAX_TRIALS = 50
BLOOD_PRESSURE_VALUE_SET = "hypertension"
"""The value set whose records list recent blood pressures beside them."""
SUPPLY_DAYS = {"d": 1, "day": 1, "days": 1, "wk": 7, "week": 7, "mo": 30, "month": 30}

__all__ = ["RecordError", "import_record"]


def parse_date(text: object) -> dt.date | None:
    """The calendar date of a FHIR date or dateTime ('2019', '2019-03' and '2019-03-02T…' too)."""
    if not isinstance(text, str) or len(text) < 4:
        return None
    parts = text[:10].split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        return dt.date(year, month, day)
    except ValueError:
        return None


def _status(concept: object) -> str | None:
    if isinstance(concept, Mapping):
        for coding in concept.get("coding", []):
            if isinstance(coding, Mapping) and isinstance(coding.get("code"), str):
                return str(coding["code"])
    return None


def _codings(concept: object) -> list[Mapping[str, Any]]:
    if not isinstance(concept, Mapping):
        return []
    return [c for c in concept.get("coding", []) if isinstance(c, Mapping)]


@dataclass
class Found:
    answers: dict[str, object] = field(default_factory=dict)
    sources: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def add(self, item: str, value: object, source: dict[str, str]) -> None:
        if item == "conditions":
            words = self.answers.setdefault(item, [])
            assert isinstance(words, list)
            if value not in words:
                words.append(value)
        elif self.answers.get(item) != "yes":  # a yes stays; unsure gives way to yes
            self.answers[item] = value
        if source not in self.sources.setdefault(item, []):
            self.sources[item].append(source)


def _source(
    resource: Resource, coding: Mapping[str, Any] | None, date: object, status: str | None
) -> dict[str, str]:
    out = {"resource": f"{resource['resourceType']}/{resource['id']}"}
    if coding is not None:
        for key in ("system", "code", "display"):
            if isinstance(coding.get(key), str):
                out[key] = str(coding[key])
    if isinstance(date, str):
        out["date"] = date
    if status:
        out["status"] = status
    return out


def _match(vs: ValueSet, concept: object) -> Mapping[str, Any] | None:
    for coding in _codings(concept):
        system, code = coding.get("system"), coding.get("code")
        if isinstance(system, str) and isinstance(code, str) and vs.match(system, code) is not None:
            return coding
    return None


def _ingredient(vs: ValueSet, concept: object) -> tuple[str, Mapping[str, Any] | None] | None:
    """The value set's ingredient a medicine is: by code, or by name in a coding's display or the text."""
    for coding in _codings(concept):
        system, code = coding.get("system"), coding.get("code")
        own = vs.match(system, code) if isinstance(system, str) and isinstance(code, str) else None
        own = own or (vs.match_name(coding["display"]) if isinstance(coding.get("display"), str) else None)
        if own is not None:
            return own.code, coding
    if isinstance(concept, Mapping) and isinstance(concept.get("text"), str):
        own = vs.match_name(concept["text"])
        if own is not None:
            return own.code, None
    return None


def _conditions(found: Found, sets: ValueSetFile, resources: Iterable[Resource]) -> list[Resource]:
    """Conditions in the value sets; returns the hypertension ones (for the blood pressures)."""
    blood_pressure_sets: list[Resource] = []
    for resource in resources:
        verification = _status(resource.get("verificationStatus"))
        if verification in IGNORED_VERIFICATION:
            continue
        clinical = _status(resource.get("clinicalStatus"))
        abated = any(key.startswith("abatement") for key in resource)
        current = (clinical is None or clinical in ACTIVE_CLINICAL) and not abated
        unconfirmed = verification in UNCONFIRMED
        date = resource.get("onsetDateTime") or resource.get("recordedDate")
        status = ", ".join(s for s in (clinical, verification if unconfirmed else None) if s)
        for vs in sets.for_resource("Condition"):
            coding = _match(vs, resource.get("code"))
            if coding is None or (vs.timing == "current" and not current):
                continue
            source = _source(resource, coding, date, status)
            for target in vs.targets:
                if target.word is not None:
                    if not unconfirmed:
                        found.add(target.item, target.word, source)
                else:
                    found.add(target.item, "unsure" if unconfirmed else vs.record_says, source)
            if vs.record_says == "unsure" and vs.id == BLOOD_PRESSURE_VALUE_SET:
                blood_pressure_sets.append(resource)
    return blood_pressure_sets


def _devices(found: Found, sets: ValueSetFile, resources: Iterable[Resource]) -> None:
    for resource in resources:
        status = resource.get("status")
        if status not in (None, "active"):
            continue  # inactive (removed), entered-in-error or unknown
        for vs in sets.for_resource("Device"):
            coding = _match(vs, resource.get("type"))
            if coding is not None:
                source = _source(resource, coding, resource.get("manufactureDate"), status)
                for target in vs.targets:
                    found.add(target.item, vs.record_says, source)


def _span(resource: Resource) -> tuple[dt.date, dt.date] | None:
    if resource["resourceType"] == "MedicationStatement":
        period = resource.get("effectivePeriod", {})
        start = parse_date(period.get("start")) or parse_date(resource.get("effectiveDateTime"))
        start = start or parse_date(resource.get("dateAsserted"))
        if start is None:
            return None
        return start, max(start, parse_date(period.get("end")) or start)
    validity = resource.get("dispenseRequest", {}).get("validityPeriod", {})
    start = parse_date(validity.get("start")) or parse_date(resource.get("authoredOn"))
    if start is None:
        return None
    end = parse_date(validity.get("end")) or start
    supply = resource.get("dispenseRequest", {}).get("expectedSupplyDuration", {})
    unit = SUPPLY_DAYS.get(str(supply.get("code") or supply.get("unit") or ""))
    if isinstance(supply.get("value"), int | float) and unit is not None:
        end = max(end, start + dt.timedelta(days=float(supply["value"]) * unit))
    return start, end


def _medication_concepts(resource: Resource, medications: Mapping[str, Resource]) -> list[object]:
    """What a request or statement says was given: its medicationCodeableConcept, or the code and
    the ingredients' codes of the Medication its medicationReference names (contained ``#id``,
    ``Medication/id``, or a transaction Bundle's ``urn:uuid:``)."""
    if "medicationCodeableConcept" in resource:
        return [resource["medicationCodeableConcept"]]
    reference = resource.get("medicationReference", {}).get("reference")
    if not isinstance(reference, str):
        return []
    if reference.startswith("#"):
        contained = resource.get("contained", [])
        medication = next(
            (c for c in contained if isinstance(c, Mapping) and c.get("id") == reference[1:]), None
        )
    else:
        medication = medications.get(reference)
    if not isinstance(medication, Mapping):
        return []
    parts = [i.get("itemCodeableConcept") for i in medication.get("ingredient", []) if isinstance(i, Mapping)]
    return [medication.get("code"), *parts]


def _medicines(
    found: Found, sets: ValueSetFile, resources: Iterable[Resource], medications: Mapping[str, Resource]
) -> None:
    trials: dict[str, list[tuple[Resource, Mapping[str, Any] | None, tuple[dt.date, dt.date]]]] = {}
    for resource in resources:
        status = resource.get("status")
        if status in IGNORED_STATUS:
            continue
        concepts = _medication_concepts(resource, medications)
        for vs in sets.for_resource("MedicationRequest"):
            matched = next((m for m in (_ingredient(vs, c) for c in concepts) if m is not None), None)
            if matched is None:
                continue
            ingredient, coding = matched
            if vs.timing == "current" and status not in CURRENT_MEDICATION:
                continue
            if any(t.item == "failed_antidepressant_trials" for t in vs.targets):
                span = _span(resource)
                if span is not None:
                    trials.setdefault(ingredient, []).append((resource, coding, span))
                continue
            source = _source(resource, coding, _medicine_date(resource), status)
            for target in vs.targets:
                found.add(target.item, vs.record_says, source)
    adequate = [
        uses
        for uses in trials.values()
        if (max(s[1] for _, _, s in uses) - min(s[0] for _, _, s in uses)).days
        >= sets.windows.adequate_trial_days
    ]
    if adequate:
        found.answers["failed_antidepressant_trials"] = min(len(adequate), MAX_TRIALS)
        found.sources["failed_antidepressant_trials"] = [
            _source(r, coding, _medicine_date(r), r.get("status"))
            for uses in adequate
            for r, coding, _ in uses
        ]


def _medicine_date(resource: Resource) -> object:
    if resource["resourceType"] == "MedicationStatement":
        return resource.get("effectivePeriod", {}).get("start") or resource.get("effectiveDateTime")
    return resource.get("authoredOn")


def _observation_values(resource: Resource) -> Iterable[tuple[str, object]]:
    """(LOINC code, value) of the Observation and of each of its components."""
    for part in (resource, *resource.get("component", [])):
        if not isinstance(part, Mapping):
            continue
        value = part.get("valueInteger")
        if value is None and isinstance(part.get("valueQuantity"), Mapping):
            value = part["valueQuantity"].get("value")
        if value is None and isinstance(part.get("valueCodeableConcept"), Mapping):
            value = next(
                (c.get("code") for c in _codings(part["valueCodeableConcept"]) if c.get("code")), None
            )
        for coding in _codings(part.get("code")):
            if coding.get("system") == LOINC and isinstance(coding.get("code"), str):
                yield coding["code"], value


def _scores(found: Found, kb: KnowledgeBase, observations: Sequence[Resource], today: dt.date) -> None:
    window = kb.value_sets.windows.scores_days if kb.value_sets else 0
    for instrument in kb.instruments.values():
        if instrument.id not in kb.items:
            continue
        positions = {q.loinc: i for i, q in enumerate(instrument.items)}
        coded = {a.loinc: a.value for a in instrument.answers}
        top = len(instrument.answers) - 1
        sets: dict[str, tuple[dict[int, int], list[Resource]]] = {}
        for resource in observations:
            when = resource.get("effectiveDateTime")
            date = parse_date(when)
            if not isinstance(when, str) or date is None or not 0 <= (today - date).days <= window:
                continue
            for code, value in _observation_values(resource):
                if code not in positions:
                    continue
                score = coded.get(value) if isinstance(value, str) else value
                if isinstance(score, int | float) and float(score).is_integer() and 0 <= score <= top:
                    answers, used = sets.setdefault(when, ({}, []))
                    # one administration answering an item twice: the higher (more severe) counts
                    answers[positions[code]] = max(int(score), answers.get(positions[code], 0))
                    if resource not in used:
                        used.append(resource)
        complete = [(when, a, used) for when, (a, used) in sets.items() if len(a) == len(positions)]
        if complete:
            when, answers, used = max(complete, key=lambda entry: entry[0])
            found.answers[instrument.id] = [answers[i] for i in range(len(positions))]
            found.sources[instrument.id] = [
                _source(
                    r, _codings(r.get("code"))[0] if _codings(r.get("code")) else None, when, r.get("status")
                )
                for r in used
            ]


def _blood_pressures(
    found: Found, sets: ValueSetFile, observations: Sequence[Resource], today: dt.date
) -> None:
    codes = {sets.blood_pressure.panel, sets.blood_pressure.systolic, sets.blood_pressure.diastolic}
    for resource in observations:
        date = parse_date(resource.get("effectiveDateTime"))
        if date is None or not 0 <= (today - date).days <= sets.windows.blood_pressure_days:
            continue
        coding = next((c for c in _codings(resource.get("code")) if c.get("code") in codes), None)
        if coding is not None:
            source = _source(resource, coding, resource.get("effectiveDateTime"), resource.get("status"))
            found.add("high_blood_pressure_uncontrolled", "unsure", source)


def _age(found: Found, patient: Resource, today: dt.date) -> None:
    born = parse_date(patient.get("birthDate"))
    if born is None or born > today:
        return
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if 0 <= years <= 120:
        found.add("age", years, {"resource": f"Patient/{patient['id']}", "date": str(patient["birthDate"])})


def answers_from_record(record: PatientRecord, today: dt.date, kb: KnowledgeBase) -> dict[str, Any]:
    sets = kb.value_sets
    if sets is None:
        raise RecordError("knowledge base", "has no value sets (value_sets.yaml)")
    found = Found()
    by_type: dict[str, list[Resource]] = {}
    for resource in record.resources:
        by_type.setdefault(resource["resourceType"], []).append(resource)
    _age(found, record.patient, today)
    hypertension = _conditions(found, sets, by_type.get("Condition", []))
    _devices(found, sets, by_type.get("Device", []))
    medications = {
        name: m
        for m in by_type.get("Medication", [])
        for name in (f"Medication/{m['id']}", m.get("_fullUrl"))
        if isinstance(name, str)
    }
    medicine_records = by_type.get("MedicationRequest", []) + by_type.get("MedicationStatement", [])
    _medicines(found, sets, medicine_records, medications)
    observations = [r for r in by_type.get("Observation", []) if r.get("status") not in IGNORED_OBSERVATION]
    _scores(found, kb, observations, today)
    if hypertension:
        _blood_pressures(found, sets, observations, today)
    order = list(kb.items)
    words = found.answers.get("conditions")
    if isinstance(words, list):
        choices = list(kb.items["conditions"].choices)
        found.answers["conditions"] = sorted(words, key=lambda word: choices.index(str(word)))
    answers = {item: found.answers[item] for item in order if item in found.answers}
    return {"version": 1, "answers": answers, "sources": {item: found.sources[item] for item in answers}}


def import_record(
    source: str | Path | Sequence[Mapping[str, Any]],
    patient_id: str | None = None,
    *,
    today: dt.date | None = None,
    kb: KnowledgeBase | None = None,
) -> dict[str, Any]:
    """The answers document (contract v1 with `sources`) for one patient of a FHIR R4 record.

    Raises `RecordError` for a file that is not JSON or not FHIR R4, a record without a Patient,
    several patients and no `patient_id`, an unknown `patient_id`, or a deceased patient."""
    record = choose_patient(read_resources(source), patient_id)
    return answers_from_record(record, today or dt.date.today(), kb or load())
