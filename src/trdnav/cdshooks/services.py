"""The CDS services this app offers, as the discovery endpoint describes them (CDS Hooks 2.0).

Each service asks for the same prefetch: the Patient and the Conditions, MedicationRequests,
Observations (PHQ-9, GAD-7 and blood pressure, by the knowledge base's LOINC codes) and Devices
that the record import reads. A client that cannot prefetch sends ``fhirServer`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trdnav.knowledge.loader import KnowledgeBase


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    title: str
    description: str
    orders: bool
    """An order hook: cards only about orders of the therapies in cds.yaml."""


SERVICES: dict[str, Service] = {
    s.id: s
    for s in (
        Service(
            id="trdnav-patient-view",
            hook="patient-view",
            title="TRD Navigator: treatment-resistant depression safety screen",
            description="When a chart with a current depression diagnosis (or a PHQ-9 self-harm answer) "
            "opens: the safety screen for TMS, IV ketamine and the clinic's other options, from the "
            "record, with the decision aid one click away. Silent otherwise.",
            orders=False,
        ),
        Service(
            id="trdnav-order-select",
            hook="order-select",
            title="TRD Navigator: safety screen for a selected ketamine, esketamine, TMS or ECT order",
            description="When one of these orders is selected: contraindications and findings that need "
            "review for that therapy, from the record. Silent for any other order.",
            orders=True,
        ),
        Service(
            id="trdnav-order-sign",
            hook="order-sign",
            title="TRD Navigator: safety screen before signing a ketamine, esketamine, TMS or ECT order",
            description="Before such an order is signed: contraindications and findings that need review "
            "for that therapy, from the record. Silent for any other order.",
            orders=True,
        ),
    )
}


def observation_codes(kb: KnowledgeBase) -> list[str]:
    """The LOINC codes the record import reads: PHQ-9 and GAD-7 panels, totals and items, and the
    blood pressure panel with its components."""
    codes: list[str] = []
    for instrument in kb.instruments.values():
        codes += [instrument.loinc_panel, instrument.loinc_total, *(q.loinc for q in instrument.items)]
    if kb.value_sets is not None:
        bp = kb.value_sets.blood_pressure
        codes += [bp.panel, bp.systolic, bp.diastolic]
    return list(dict.fromkeys(codes))


def prefetch_templates(kb: KnowledgeBase) -> dict[str, str]:
    """The prefetch keys and their FHIR query templates (the same for every service)."""
    patient = "{{context.patientId}}"
    loinc = ",".join(f"http://loinc.org|{code}" for code in observation_codes(kb))
    return {
        "patient": f"Patient/{patient}",
        "conditions": f"Condition?patient={patient}",
        "medications": f"MedicationRequest?patient={patient}",
        "observations": f"Observation?patient={patient}&code={loinc}",
        "devices": f"Device?patient={patient}",
    }


def discovery(kb: KnowledgeBase) -> dict[str, Any]:
    """The discovery response: ``{"services": [...]}`` per CDS Hooks 2.0."""
    prefetch = prefetch_templates(kb)
    return {
        "services": [
            {
                "hook": s.hook,
                "id": s.id,
                "title": s.title,
                "description": s.description,
                "prefetch": prefetch,
                "usageRequirements": "The CDS client must be registered with the clinic as a trusted "
                "client (its issuer and JWKS) and sign each call with a JWT (RS384 or ES384).",
            }
            for s in SERVICES.values()
        ]
    }
