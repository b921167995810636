"""``cds.yaml``: what the CDS Hooks service needs besides the rules.

- ``orders``: the order codes that make an order-select / order-sign call about a therapy (an
  order for anything else gets no card). Each list names its source, like the value sets.
- ``override_reasons``: the reasons a clinician may give for not following a card (CDS Hooks 2.0
  ``overrideReasons``), clinic protocol marked as such.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from trdnav.knowledge.schema import SNAKE_ID, EvidenceLabel, Sourced, Strict
from trdnav.knowledge.value_sets import SetSource

CDS_FILE = "cds.yaml"

ORDER_SYSTEMS: dict[str, str] = {
    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "cpt": "http://www.ama-assn.org/go/cpt",
    "snomed": "http://snomed.info/sct",
}
"""The code systems an order list may use, with their FHIR system URIs."""

OVERRIDE_SYSTEM = "https://trdnav.org/fhir/CodeSystem/cds-override-reason"


class OrderCode(Strict):
    system: Literal["rxnorm", "cpt", "snomed"]
    code: str = Field(min_length=1)
    display: str = Field(min_length=1)


class OrderList(Strict):
    therapy: str
    resources: list[Literal["MedicationRequest", "ServiceRequest"]] = Field(min_length=1)
    source: SetSource
    evidence: EvidenceLabel
    codes: list[OrderCode] = Field(min_length=1)

    def matches(self, resource_type: str, system: str, code: str) -> bool:
        return resource_type in self.resources and any(
            ORDER_SYSTEMS[c.system] == system and c.code == code.strip() for c in self.codes
        )


class OverrideReason(Sourced):
    noun: ClassVar[str] = "override reason"

    code: str = Field(pattern=SNAKE_ID, max_length=60)
    display: str = Field(min_length=3, max_length=120)
    basis: str = Field(min_length=1)


class CdsContent(Strict):
    orders: list[OrderList] = Field(min_length=1)
    override_reasons: list[OverrideReason] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> CdsContent:
        codes = [r.code for r in self.override_reasons]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"override reason codes must be unique: {', '.join(repeated)} repeated")
        return self

    def therapies_ordered(self, resource_type: str, system: str, code: str) -> list[str]:
        """The therapies an order with this code is for (none: the service stays silent)."""
        return [o.therapy for o in self.orders if o.matches(resource_type, system, code)]

    def entries(self) -> list[tuple[str, OverrideReason]]:
        return [(r.code, r) for r in self.override_reasons]
