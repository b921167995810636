"""A CDS Hooks 2.0 client for the tests, built from the specification: it signs each call with a
JWT (RS384 or ES384, ``iss``/``aud``/``exp``/``iat``/``jti``, ``kid`` in the header), sends hook
requests with prefetch built from a bulk FHIR export, and sends feedback."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from trdnav.fhir.record_reading import read_resources

SYNTHEA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "synthea-sample-10"
BASE = "http://testserver"


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: Any

    @classmethod
    def rsa(cls, kid: str = "rsa-1") -> SigningKey:
        return cls(kid, "RS384", rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def ec(cls, kid: str = "ec-1") -> SigningKey:
        return cls(kid, "ES384", ec.generate_private_key(ec.SECP384R1()))

    def public_jwk(self) -> dict[str, Any]:
        algorithm = jwt.algorithms.RSAAlgorithm if self.alg == "RS384" else jwt.algorithms.ECAlgorithm
        jwk: dict[str, Any] = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}


@dataclass
class EhrClient:
    http: TestClient
    issuer: str
    key: SigningKey
    extra_headers: dict[str, Any] = field(default_factory=dict)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.public_jwk()]}

    def token(self, audience: str, *, expires_in: int = 300, jti: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "sub": "ehr-client",
            "aud": audience,
            "exp": now + expires_in,
            "iat": now,
            "jti": jti or str(uuid.uuid4()),
            **claims,
        }
        headers = {"kid": self.key.kid, "typ": "JWT", **self.extra_headers}
        return jwt.encode(payload, self.key.private, algorithm=self.key.alg, headers=headers)

    def call(self, service: str, body: Mapping[str, Any], token: str | None = None) -> Any:
        path = f"/cds-services/{service}"
        bearer = token if token is not None else self.token(BASE + path)
        return self.http.post(path, json=dict(body), headers={"Authorization": f"Bearer {bearer}"})

    def feedback(self, service: str, items: list[dict[str, Any]]) -> Any:
        path = f"/cds-services/{service}/feedback"
        return self.http.post(
            path, json={"feedback": items}, headers={"Authorization": f"Bearer {self.token(BASE + path)}"}
        )


def synthea_resources() -> list[dict[str, Any]]:
    return read_resources(SYNTHEA)


def patient_ids(resources: list[dict[str, Any]], living: bool = True) -> list[str]:
    return [
        r["id"]
        for r in resources
        if r["resourceType"] == "Patient"
        and (not living or ("deceasedDateTime" not in r and r.get("deceasedBoolean") is not True))
    ]


def _bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def prefetch_for(resources: list[dict[str, Any]], patient_id: str) -> dict[str, Any]:
    """The service's prefetch keys filled from an export, as a client with a FHIR server would."""
    reference = f"Patient/{patient_id}"
    own = [r for r in resources if (r.get("subject") or r.get("patient") or {}).get("reference") == reference]

    def of(kind: str) -> list[dict[str, Any]]:
        return [r for r in own if r["resourceType"] == kind]

    patient = next(r for r in resources if r["resourceType"] == "Patient" and r["id"] == patient_id)
    return {
        "patient": patient,
        "conditions": _bundle(of("Condition")),
        "medications": _bundle(of("MedicationRequest")),
        "observations": _bundle(of("Observation")),
        "devices": _bundle(of("Device")),
    }


def hook_body(hook: str, patient_id: str, prefetch: Mapping[str, Any] | None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "userId": "Practitioner/dr-1",
        "patientId": patient_id,
        **extra.pop("context", {}),
    }
    body: dict[str, Any] = {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context, **extra}
    if prefetch is not None:
        body["prefetch"] = dict(prefetch)
    return body


def condition(patient_id: str, system: str, code: str, display: str, **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"c-{uuid.uuid4().hex[:12]}",
        "subject": {"reference": f"Patient/{patient_id}"},
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "verificationStatus": {"coding": [{"code": "confirmed"}]},
        "code": {"coding": [{"system": system, "code": code, "display": display}]},
        "recordedDate": dt.date(2019, 3, 2).isoformat(),
        **fields,
    }
