"""Code lists that map a health record's codes to answer items (value_sets.yaml).

Each value set names where its codes come from (a VSAC/eCQM value set, a code system's hierarchy,
codes seen in use, or a clinician's list marked as such) and the items it can answer. The record
import (trdnav.fhir.record_import) reads them; the checks here run in `trdnav knowledge check`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Literal

from pydantic import Field, model_validator

from trdnav.knowledge.schema import SNAKE_ID, EvidenceLabel, Item, Strict

VALUE_SETS_FILE = "value_sets.yaml"

SYSTEMS: dict[str, str] = {
    "snomed": "http://snomed.info/sct",
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "loinc": "http://loinc.org",
}
"""The code systems a value set may use, by short name, with their FHIR system URIs."""

CodeSystem = Literal["snomed", "icd10cm", "rxnorm", "loinc"]
RecordResource = Literal["Condition", "Device", "MedicationRequest"]


def icd_key(code: str) -> str:
    """An ICD-10-CM code as compared: upper case, without the dot (G40.909 and G40909 are one)."""
    return code.replace(".", "").strip().upper()


class SetCode(Strict):
    system: CodeSystem
    code: str = Field(min_length=1)
    display: str = Field(min_length=1)
    descendants: bool = False
    """ICD-10-CM only: the code and every code under it in the hierarchy (G40 covers G40.909)."""

    @model_validator(mode="after")
    def _descendants_only_icd(self) -> SetCode:
        if self.descendants and self.system != "icd10cm":
            raise ValueError("descendants is only for ICD-10-CM codes (a prefix of the code)")
        return self

    def matches(self, system: str, code: str) -> bool:
        if SYSTEMS[self.system] != system:
            return False
        if self.system == "icd10cm":
            given, own = icd_key(code), icd_key(self.code)
            return given == own or (self.descendants and given.startswith(own))
        return code.strip() == self.code


class SetSource(Strict):
    kind: Literal["vsac", "code_system", "seen_in_use", "clinicians_list"]
    name: str = Field(min_length=1)
    where: str = Field(min_length=1, description="a URL, an OID URL or a repository path")


class Target(Strict):
    item: str
    word: str | None = None
    """For a `words` item (conditions): the word the record adds to the list."""


class ValueSet(Strict):
    id: str = Field(pattern=SNAKE_ID)
    name: str
    targets: list[Target] = Field(min_length=1)
    resources: list[RecordResource] = Field(min_length=1)
    timing: Literal["ever", "current"]
    """`ever`: an active or a past (resolved, inactive) record answers the item; `current`: only an
    active one (a resolved pregnancy is not a current one)."""
    record_says: Literal["yes", "unsure"] = "yes"
    """What a confirmed record of it says: `unsure` when the code alone cannot answer the item
    (hypertension says nothing about whether it is controlled)."""
    match_names: bool = False
    """RxNorm ingredients: also match a medicine whose coded display or text names the ingredient
    (a clinical drug code such as 'sertraline 50 MG Oral Tablet' carries its ingredient's name)."""
    shared_codes_with: list[str] = Field(default_factory=list)
    """Other value sets that may list the same codes (a medicine can be both an antidepressant and
    a seizure-threshold lowerer): any other code in two sets is reported."""
    source: SetSource
    evidence: EvidenceLabel
    basis: str = Field(min_length=1)
    codes: list[SetCode] = Field(min_length=1)

    @functools.cached_property
    def code_index(self) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
        """Where each code is in `codes` (the first place): by (system URI, code as compared), and
        the ICD-10-CM codes that cover their descendants by prefix. Built once per value set."""
        exact: dict[tuple[str, str], int] = {}
        prefixes: dict[str, int] = {}
        for place, c in enumerate(self.codes):
            key = icd_key(c.code) if c.system == "icd10cm" else c.code
            exact.setdefault((SYSTEMS[c.system], key), place)
            if c.descendants:
                prefixes.setdefault(key, place)
        return exact, prefixes

    def match(self, system: str, code: str) -> SetCode | None:
        """The first of `codes` that covers this code (as `SetCode.matches` says), found by index."""
        exact, prefixes = self.code_index
        icd = system == SYSTEMS["icd10cm"]
        key = icd_key(code) if icd else code.strip()
        places = [exact.get((system, key), len(self.codes))]
        if icd:
            places += [prefixes.get(key[:n], len(self.codes)) for n in range(1, len(key) + 1)]
        first = min(places)
        return self.codes[first] if first < len(self.codes) else None

    def match_name(self, text: str) -> SetCode | None:
        if not self.match_names:
            return None
        words = set(text.lower().replace("/", " ").replace(",", " ").split())
        return next((c for c in self.codes if c.display.lower() in words), None)


class BloodPressureCodes(Strict):
    panel: str
    systolic: str
    diastolic: str
    evidence: EvidenceLabel
    basis: str


class RecordWindows(Strict):
    scores_days: int = Field(ge=1, description="a PHQ-9 or GAD-7 item set older than this is not used")
    blood_pressure_days: int = Field(ge=1, description="a blood pressure older than this is not recent")
    adequate_trial_days: int = Field(ge=1, description="length of use that makes an antidepressant trial")
    evidence: EvidenceLabel
    basis: str = Field(min_length=1)


class ValueSetFile(Strict):
    windows: RecordWindows
    value_sets: list[ValueSet]
    blood_pressure: BloodPressureCodes

    def for_resource(self, resource_type: str) -> Iterable[ValueSet]:
        return (vs for vs in self.value_sets if resource_type in vs.resources)


def value_set_problems(value_sets: ValueSetFile, items: dict[str, Item]) -> list[str]:
    """Unknown items or words, item kinds a record cannot answer, and codes listed twice. (PHQ-9 and
    GAD-7 LOINC codes live with their instruments, instruments/*.yaml.)"""
    problems: list[str] = []
    where = VALUE_SETS_FILE
    ids = [vs.id for vs in value_sets.value_sets]
    for vs in value_sets.value_sets:
        if ids.count(vs.id) > 1:
            problems.append(f"{where}: {vs.id}: value set id used more than once")
        for other in vs.shared_codes_with:
            if other not in ids:
                problems.append(f"{where}: {vs.id}: shared_codes_with names an unknown value set {other!r}")
        for target in vs.targets:
            item = items.get(target.item)
            if item is None:
                problems.append(f"{where}: {vs.id}: unknown item id {target.item!r}")
                continue
            if item.kind == "words":
                if target.word not in item.choices:
                    problems.append(
                        f"{where}: {vs.id}: {target.item} needs a word from {sorted(item.choices)}, "
                        f"got {target.word!r}"
                    )
            elif target.word is not None:
                problems.append(f"{where}: {vs.id}: {target.item} takes no word")
            elif item.kind == "integer" and target.item != "failed_antidepressant_trials":
                problems.append(f"{where}: {vs.id}: a record cannot answer the number item {target.item}")
            elif item.kind not in ("yes_no", "integer"):
                problems.append(
                    f"{where}: {vs.id}: a record cannot answer the {item.kind} item {target.item}"
                )
    seen: dict[tuple[str, str], str] = {}
    for vs in value_sets.value_sets:
        for code in vs.codes:
            key = (code.system, icd_key(code.code) if code.system == "icd10cm" else code.code)
            first = seen.setdefault(key, vs.id)
            if first != vs.id:
                allowed = first in vs.shared_codes_with or vs.id in _shared(value_sets, first)
                if not allowed:
                    problems.append(
                        f"{where}: {vs.id}: {code.system} {code.code} is already in value set {first}"
                    )
    return problems


def _shared(value_sets: ValueSetFile, set_id: str) -> list[str]:
    return next((vs.shared_codes_with for vs in value_sets.value_sets if vs.id == set_id), [])
