"""The CDS Hooks 2.0 service, called as an EHR would: discovery, the hooks with Synthea patients as
prefetch or behind a FHIR server, signed JWTs and their refusals, cards, silence, and feedback."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request as WerkzeugRequest
from werkzeug import Response as WerkzeugResponse

from tests.web.cds_client import (
    BASE,
    EhrClient,
    SigningKey,
    condition,
    hook_body,
    patient_ids,
    prefetch_for,
    synthea_resources,
)
from trdnav.knowledge.loader import load
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_clinic
from trdnav.store.cds_clients import add_client
from trdnav.store.cds_feedback import override_rates
from trdnav.store.models import AuditEvent, CdsCard, CdsFeedback

SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CPT = "http://www.ama-assn.org/go/cpt"
RESOURCES = synthea_resources()
LIVING = patient_ids(RESOURCES)
SUBSTANCE_USE = next(p for p in LIVING if p.startswith("a4a401d1"))  # Synthea: unhealthy alcohol drinking
PLAIN = next(p for p in LIVING if p.startswith("7bc002fa"))  # Synthea: nothing the screen covers
DECEASED = next(p for p in patient_ids(RESOURCES, living=False) if p not in LIVING)


@pytest.fixture
def ehr(app: FastAPI) -> Iterator[EhrClient]:
    with TestClient(app) as http:
        client = EhrClient(http, "https://ehr.north.example", SigningKey.rsa())
        with app.state.sessions.begin() as session:
            clinic = create_clinic(session, slug="north", name="North Clinic", settings=Settings())
            clinic.therapies = ["iv_ketamine", "tms", "esketamine", "ect"]
            add_client(session, audit.SYSTEM, clinic, client.issuer, jwks=client.jwks())
        yield client


def depressed(patient_id: str, *more: dict[str, Any]) -> dict[str, Any]:
    prefetch = prefetch_for(RESOURCES, patient_id)
    mdd = condition(patient_id, SNOMED, "370143000", "Major depressive disorder")
    prefetch["conditions"]["entry"] += [{"resource": r} for r in (mdd, *more)]
    return prefetch


def orders(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def ketamine_order(order_id: str = "ket-1") -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": order_id,
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "6130", "display": "ketamine"}]},
    }


def tms_order(order_id: str = "tms-1") -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": order_id,
        "status": "draft",
        "intent": "order",
        "code": {"coding": [{"system": CPT, "code": "90868"}]},
    }


def statin_order() -> dict[str, Any]:
    concept = {"coding": [{"system": RXNORM, "code": "83367", "display": "atorvastatin"}]}
    return {
        "resourceType": "MedicationRequest",
        "id": "other-1",
        "status": "draft",
        "medicationCodeableConcept": concept,
    }


def test_discovery_lists_the_three_services_with_prefetch_from_the_knowledge_base(client: TestClient) -> None:
    services = client.get("/cds-services").json()["services"]
    assert {(s["id"], s["hook"]) for s in services} == {
        ("trdnav-patient-view", "patient-view"),
        ("trdnav-order-select", "order-select"),
        ("trdnav-order-sign", "order-sign"),
    }
    prefetch = services[0]["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert set(prefetch) == {"patient", "conditions", "medications", "observations", "devices"}
    phq9 = load().instruments["phq9"]
    assert f"http://loinc.org|{phq9.loinc_total}" in prefetch["observations"]
    assert all(s["title"] and s["description"] for s in services)


def test_patient_view_is_silent_without_depression_and_for_a_deceased_patient(ehr: EhrClient) -> None:
    for patient in (SUBSTANCE_USE, PLAIN):
        answer = ehr.call(
            "trdnav-patient-view", hook_body("patient-view", patient, prefetch_for(RESOURCES, patient))
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"cards": []}
    dead = ehr.call(
        "trdnav-patient-view", hook_body("patient-view", DECEASED, prefetch_for(RESOURCES, DECEASED))
    )
    assert dead.json() == {"cards": []}


def test_patient_view_with_depression_warns_about_ketamine_for_substance_use_with_its_record(
    ehr: EhrClient,
) -> None:
    answer = ehr.call(
        "trdnav-patient-view", hook_body("patient-view", SUBSTANCE_USE, depressed(SUBSTANCE_USE))
    )
    cards = answer.json()["cards"]
    by_summary = {c["summary"].split(" ")[0] + " " + c["summary"].split(" ")[1]: c for c in cards}
    assert {c["indicator"] for c in cards} == {"warning"}
    ketamine = by_summary["IV ketamine"]
    assert "KETAMINE.SAFETY.SUBSTANCE_USE" in ketamine["detail"]
    assert "10939881000119105" in ketamine["detail"]  # the Synthea record it came from
    assert ketamine["source"]["label"] == f"TRD Navigator knowledge base {load().version}"
    assert ketamine["links"][0]["url"] == f"{BASE}/c/north/"
    assert {r["code"] for r in ketamine["overrideReasons"]} == {r.code for r in load().cds.override_reasons}
    for card in cards:
        assert len(card["summary"]) < 140
        assert len(card["uuid"]) == 36
        assert "does not replace" in card["detail"]


def test_patient_view_with_depression_and_nothing_found_gives_one_info_card(ehr: EhrClient) -> None:
    cards = ehr.call("trdnav-patient-view", hook_body("patient-view", PLAIN, depressed(PLAIN))).json()[
        "cards"
    ]
    assert [c["indicator"] for c in cards] == ["info"]
    assert "no contraindication found" in cards[0]["summary"]
    assert "overrideReasons" not in cards[0]


def test_a_psychosis_record_makes_ketamine_critical_and_a_seizure_record_sends_tms_for_review(
    ehr: EhrClient,
) -> None:
    psychosis = condition(PLAIN, SNOMED, "58214004", "Schizophrenia")
    seizure = condition(PLAIN, SNOMED, "128613002", "Seizure disorder")
    cards = ehr.call(
        "trdnav-patient-view", hook_body("patient-view", PLAIN, depressed(PLAIN, psychosis, seizure))
    ).json()["cards"]
    indicators = {c["summary"].split(":")[0]: c["indicator"] for c in cards}
    assert indicators["IV ketamine contraindicated"] == "critical"
    assert indicators["TMS needs review"] == "warning"
    tms = next(c for c in cards if c["summary"].startswith("TMS"))
    assert "128613002" in tms["detail"] and "2019-03-02" in tms["detail"]


def test_a_phq9_self_harm_answer_in_the_record_is_a_critical_card_even_without_a_diagnosis(
    ehr: EhrClient,
) -> None:
    phq9 = load().instruments["phq9"]
    when = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    items = [
        {
            "resourceType": "Observation",
            "id": f"phq-{n}",
            "status": "final",
            "subject": {"reference": f"Patient/{PLAIN}"},
            "effectiveDateTime": when,
            "code": {"coding": [{"system": "http://loinc.org", "code": question.loinc}]},
            "valueInteger": 2 if question.number == 9 else 1,
        }
        for n, question in enumerate(phq9.items)
    ]
    prefetch = prefetch_for(RESOURCES, PLAIN)
    prefetch["observations"]["entry"] = [{"resource": r} for r in items]
    cards = ehr.call("trdnav-patient-view", hook_body("patient-view", PLAIN, prefetch)).json()["cards"]
    assert [c["indicator"] for c in cards] == ["critical"]
    assert "item 9" in cards[0]["summary"] and when in cards[0]["summary"]


def test_order_hooks_speak_only_about_the_ordered_therapy_and_stay_silent_for_other_orders(
    ehr: EhrClient,
) -> None:
    prefetch = prefetch_for(RESOURCES, SUBSTANCE_USE)
    sign = ehr.call(
        "trdnav-order-sign",
        hook_body("order-sign", SUBSTANCE_USE, prefetch, context={"draftOrders": orders(ketamine_order())}),
    ).json()["cards"]
    assert [(c["summary"].split(":")[0], c["indicator"]) for c in sign] == [
        ("IV ketamine needs review", "warning")
    ]
    tms = ehr.call(
        "trdnav-order-sign",
        hook_body("order-sign", SUBSTANCE_USE, prefetch, context={"draftOrders": orders(tms_order())}),
    ).json()["cards"]
    assert [c["indicator"] for c in tms] == ["info"] and tms[0]["summary"].startswith("TMS")
    other = ehr.call(
        "trdnav-order-sign",
        hook_body("order-sign", SUBSTANCE_USE, prefetch, context={"draftOrders": orders(statin_order())}),
    )
    assert other.json() == {"cards": []}
    selected = {"draftOrders": orders(ketamine_order(), tms_order()), "selections": ["ServiceRequest/tms-1"]}
    chosen = ehr.call(
        "trdnav-order-select", hook_body("order-select", SUBSTANCE_USE, prefetch, context=selected)
    )
    assert [(c["summary"].split(":")[0], c["indicator"]) for c in chosen.json()["cards"]] == [("TMS", "info")]


def _fhir_server(httpserver: HTTPServer, patient: str, failures: int) -> list[str]:
    """A FHIR server holding the Synthea patient; it answers 503 ``failures`` times first."""
    prefetch = prefetch_for(RESOURCES, patient)
    seen: list[str] = []
    by_type = {"Patient": prefetch["patient"], "Condition": prefetch["conditions"]}

    def handler(request: WerkzeugRequest) -> WerkzeugResponse:
        seen.append(request.headers.get("Authorization", ""))
        if len(seen) <= failures:
            return WerkzeugResponse("busy", status=503)
        kind = request.path.split("/fhir/")[1].split("/")[0]
        body = by_type.get(kind, {"resourceType": "Bundle", "type": "searchset", "entry": []})
        return WerkzeugResponse(json.dumps(body), content_type="application/fhir+json")

    httpserver.expect_request(re.compile(r"^/fhir/.*"), method="GET").respond_with_handler(handler)
    return seen


def test_missing_prefetch_is_fetched_from_fhir_server_with_its_token_and_one_retry(
    ehr: EhrClient, httpserver: HTTPServer
) -> None:
    seen = _fhir_server(httpserver, SUBSTANCE_USE, failures=1)
    body = hook_body(
        "order-sign",
        SUBSTANCE_USE,
        None,
        context={"draftOrders": orders(ketamine_order())},
        fhirServer=httpserver.url_for("/fhir"),
        fhirAuthorization={
            "access_token": "server-token",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "trdnav",
        },
    )
    answer = ehr.call("trdnav-order-sign", body)
    assert answer.status_code == 200, answer.text
    assert [c["indicator"] for c in answer.json()["cards"]] == ["warning"]
    assert len(seen) == 1 + 5  # one 503, then the five prefetch queries
    assert set(seen) == {"Bearer server-token"}


def test_a_fhir_server_that_keeps_failing_or_no_server_at_all_is_a_412_naming_the_key(
    ehr: EhrClient, httpserver: HTTPServer
) -> None:
    _fhir_server(httpserver, PLAIN, failures=100)
    failing = ehr.call(
        "trdnav-patient-view", hook_body("patient-view", PLAIN, None, fhirServer=httpserver.url_for("/fhir"))
    )
    assert failing.status_code == 412
    assert "'patient'" in failing.json()["detail"] and "503" in failing.json()["detail"]
    partial = prefetch_for(RESOURCES, PLAIN)
    del partial["devices"]
    missing = ehr.call("trdnav-patient-view", hook_body("patient-view", PLAIN, partial))
    assert missing.status_code == 412
    assert "'devices'" in missing.json()["detail"] and PLAIN not in missing.text


def test_bad_bodies_get_a_400_naming_the_field(ehr: EhrClient) -> None:
    no_context = {"hook": "patient-view", "hookInstance": "x"}
    assert ehr.call("trdnav-patient-view", no_context).json()["errors"][0]["item"] == "context"
    wrong_hook = hook_body("order-sign", PLAIN, prefetch_for(RESOURCES, PLAIN))
    assert "hook" in ehr.call("trdnav-patient-view", wrong_hook).json()["detail"]
    no_patient = hook_body("patient-view", PLAIN, prefetch_for(RESOURCES, PLAIN))
    del no_patient["context"]["patientId"]
    answer = ehr.call("trdnav-patient-view", no_patient)
    assert answer.status_code == 400 and "context.patientId" in answer.json()["detail"]
    assert ehr.call("trdnav-nothing", no_patient).status_code == 404


def _refused(answer: Any, reason: str) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert reason in answer.json()["detail"], answer.json()["detail"]


def test_tokens_are_refused_when_bad_expired_replayed_foreign_or_untrusted(
    ehr: EhrClient, app: FastAPI
) -> None:
    body = hook_body("patient-view", PLAIN, depressed(PLAIN))
    url = BASE + "/cds-services/trdnav-patient-view"
    _refused(ehr.http.post("/cds-services/trdnav-patient-view", json=body), "no bearer token")
    _refused(ehr.call("trdnav-patient-view", body, token="not-a-jwt"), "not a JWT")
    _refused(ehr.call("trdnav-patient-view", body, token=ehr.token(url, expires_in=-120)), "expired")
    _refused(ehr.call("trdnav-patient-view", body, token=ehr.token(BASE + "/cds-services/other")), "aud")
    replayed = ehr.token(url)
    assert ehr.call("trdnav-patient-view", body, token=replayed).status_code == 200
    _refused(ehr.call("trdnav-patient-view", body, token=replayed), "replay")
    stranger = EhrClient(ehr.http, "https://ehr.unknown.example", SigningKey.ec())
    _refused(stranger.call("trdnav-patient-view", body), "issuer is not a trusted")
    impostor = EhrClient(ehr.http, ehr.issuer, SigningKey.rsa(kid=ehr.key.kid))  # the right iss, another key
    _refused(impostor.call("trdnav-patient-view", body), "signature")
    now = int(time.time())
    claims = {"iss": ehr.issuer, "aud": url, "exp": now + 60, "iat": now, "jti": "hs"}
    _refused(
        ehr.call("trdnav-patient-view", body, token=jwt.encode(claims, "secret" * 8, algorithm="HS256")),
        "algorithm",
    )
    unsigned = jwt.encode(claims, None, algorithm="none")
    _refused(ehr.call("trdnav-patient-view", body, token=unsigned), "algorithm")
    jku = EhrClient(ehr.http, ehr.issuer, ehr.key, extra_headers={"jku": "https://attacker.example/jwks"})
    _refused(jku.call("trdnav-patient-view", body), "jku")
    no_jti = jwt.encode(
        {k: v for k, v in claims.items() if k != "jti"},
        ehr.key.private,
        algorithm="RS384",
        headers={"kid": ehr.key.kid},
    )
    _refused(ehr.call("trdnav-patient-view", body, token=no_jti), "jti")
    with app.state.sessions() as session:
        refusals = session.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()
        assert len(refusals) == 11 and {e.record_type for e in refusals} == {"cds_call"}


def test_an_es384_client_whose_keys_are_published_at_a_url_is_trusted_and_keys_may_rotate(
    app: FastAPI, httpserver: HTTPServer
) -> None:
    first, second = SigningKey.ec("ec-1"), SigningKey.ec("ec-2")
    published = {"keys": [first.public_jwk()]}
    httpserver.expect_request("/jwks.json").respond_with_handler(
        lambda request: WerkzeugResponse(json.dumps(published), content_type="application/json")
    )
    with TestClient(app) as http:
        client = EhrClient(http, "https://ehr.south.example", first)
        with app.state.sessions.begin() as session:
            clinic = create_clinic(session, slug="south", name="South Clinic", settings=Settings())
            add_client(
                session, audit.SYSTEM, clinic, client.issuer, jwks_url=httpserver.url_for("/jwks.json")
            )
        body = hook_body("patient-view", PLAIN, depressed(PLAIN))
        assert client.call("trdnav-patient-view", body).status_code == 200
        published["keys"] = [second.public_jwk()]  # the EHR rotates its key
        client.key = second
        assert client.call("trdnav-patient-view", body).status_code == 200
        client.key = SigningKey.ec("ec-3")
        _refused(client.call("trdnav-patient-view", body), "kid")


def test_feedback_is_stored_per_card_and_the_clinic_sees_override_rates(ehr: EhrClient, app: FastAPI) -> None:
    psychosis = condition(PLAIN, SNOMED, "58214004", "Schizophrenia")
    cards = ehr.call(
        "trdnav-patient-view", hook_body("patient-view", PLAIN, depressed(PLAIN, psychosis))
    ).json()["cards"]
    critical = [c for c in cards if c["indicator"] == "critical"]
    assert critical
    at = "2026-12-02T10:00:00Z"
    reason = {"reason": critical[0]["overrideReasons"][1], "userComment": "Patient name here"}
    answer = ehr.feedback(
        "trdnav-patient-view",
        [
            {
                "card": critical[0]["uuid"],
                "outcome": "overridden",
                "overrideReason": reason,
                "outcomeTimestamp": at,
            }
        ],
    )
    assert answer.status_code == 200, answer.text
    for other in critical[1:]:
        ehr.feedback(
            "trdnav-patient-view", [{"card": other["uuid"], "outcome": "accepted", "outcomeTimestamp": at}]
        )
    unknown = ehr.feedback(
        "trdnav-patient-view", [{"card": "0" * 36, "outcome": "accepted", "outcomeTimestamp": at}]
    )
    assert unknown.status_code == 404 and "feedback[0].card" in unknown.json()["detail"]
    made_up = {"reason": {"code": "because", "system": "x"}}
    wrong = ehr.feedback(
        "trdnav-patient-view",
        [
            {
                "card": critical[0]["uuid"],
                "outcome": "overridden",
                "overrideReason": made_up,
                "outcomeTimestamp": at,
            }
        ],
    )
    assert wrong.status_code == 400 and "overrideReason" in wrong.json()["detail"]
    with app.state.sessions() as session:
        stored = session.scalars(select(CdsFeedback)).all()
        assert len(stored) == len(critical)
        assert "Patient name here" not in repr([vars(f) for f in stored])
        assert session.scalar(select(CdsCard).where(CdsCard.uuid == critical[0]["uuid"])) is not None
        clinic_id = session.scalars(select(CdsCard.clinic_id)).first()
        assert clinic_id is not None
        rates = {r.card_type: r for r in override_rates(session, clinic_id)}
    ketamine = rates["iv_ketamine:contraindicated"]
    assert (ketamine.shown, ketamine.overridden) == (1, 1)
    assert ketamine.override_rate == 1.0
    assert ketamine.reasons.most_common(1)[0][0] == critical[0]["overrideReasons"][1]["code"]


def test_every_call_is_audited_by_service_without_patient_data(ehr: EhrClient, app: FastAPI) -> None:
    ehr.call("trdnav-patient-view", hook_body("patient-view", PLAIN, depressed(PLAIN)))
    with app.state.sessions() as session:
        calls = session.scalars(select(AuditEvent).where(AuditEvent.record_type == "cds_call")).all()
    assert [(e.action, e.detail, e.role) for e in calls] == [("call", "trdnav-patient-view", "cds_client")]
