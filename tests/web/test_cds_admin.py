"""The admin page for EHR decision support: trust and stop trusting CDS clients, see override rates."""

from __future__ import annotations

import datetime as dt
import json

from fastapi import FastAPI
from sqlalchemy import select

from tests.web.cds_client import SigningKey
from tests.web.conftest import World, signed_in
from trdnav.store.cds_feedback import record_cards, record_feedback
from trdnav.store.models import AuditEvent, CdsClient


def test_an_admin_trusts_an_ehr_by_pasted_keys_or_url_and_stops_trusting_it(
    app: FastAPI, world: World
) -> None:
    admin = signed_in(app, world.admin_a)
    page = admin.get("/staff/admin/cds")
    assert page.status_code == 200
    assert "No EHR is trusted yet." in page.text and "http://testserver/cds-services" in page.text
    jwks = json.dumps({"keys": [SigningKey.ec().public_jwk()]})
    added = admin.post("/staff/admin/cds/clients", data={"issuer": "https://ehr.north.example", "jwks": jwks})
    assert added.status_code == 200 and "The client is trusted" in added.text
    assert "1 key(s) pasted here" in added.text
    by_url = admin.post(
        "/staff/admin/cds/clients",
        data={"issuer": "https://epic.example", "jwks_url": "https://epic.example/jwks"},
    )
    assert "Published at <code>https://epic.example/jwks</code>" in by_url.text
    removed = admin.post("/staff/admin/cds/clients/remove", data={"issuer": "https://epic.example"})
    assert "no longer trusted" in removed.text and "https://epic.example/jwks" not in removed.text
    with app.state.sessions() as session:
        actions = [
            e.action
            for e in session.scalars(select(AuditEvent).where(AuditEvent.record_type == "cds_client"))
        ]
    assert actions == ["create", "create", "delete"]


def test_bad_keys_are_refused_on_the_form_naming_the_field(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    private = {"keys": [{"kty": "RSA", "n": "x", "e": "AQAB", "d": "secret"}]}
    cases = [
        ({"issuer": "https://a.example", "jwks": "{not json"}, "are not JSON"),
        ({"issuer": "https://a.example", "jwks": json.dumps(private)}, "private key material"),
        ({"issuer": "https://a.example"}, "either the client&#39;s JWK Set or its JWKS URL"),
        ({"issuer": "", "jwks_url": "https://a.example/j"}, "issuer: expected"),
    ]
    for data, expected in cases:
        answer = admin.post("/staff/admin/cds/clients", data=data)
        assert answer.status_code == 422, data
        assert "Nothing was changed" in answer.text and expected in answer.text, (data, answer.text[:200])
    with app.state.sessions() as session:
        assert session.scalars(select(CdsClient)).all() == []


def test_clinicians_cannot_open_it_and_another_clinics_client_is_a_404(app: FastAPI, world: World) -> None:
    assert signed_in(app, world.clinician_a).get("/staff/admin/cds").status_code == 403
    with app.state.sessions.begin() as session:
        other = CdsClient(
            clinic_id=world.clinic_b, issuer="https://south.example", jwks_url="https://south.example/j"
        )
        session.add(other)
    admin = signed_in(app, world.admin_a)
    assert (
        admin.post("/staff/admin/cds/clients/remove", data={"issuer": "https://south.example"}).status_code
        == 404
    )
    assert admin.post("/staff/admin/cds/clients/remove", data={}).status_code == 422
    assert "https://south.example" not in admin.get("/staff/admin/cds").text


def test_override_rates_per_card_type_with_the_reasons_in_words(app: FastAPI, world: World) -> None:
    at = dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC)
    kb = app.state.kb
    reason = kb.cds.override_reasons[0]
    with app.state.sessions.begin() as session:
        cards = [(f"00000000-0000-0000-0000-00000000000{n}", "tms:needs_review", "warning") for n in range(4)]
        record_cards(session, world.clinic_a, "trdnav-order-sign", cards, at)
        codes = [r.code for r in kb.cds.override_reasons]
        for uuid, outcome in zip(
            [c[0] for c in cards[:3]], ["overridden", "overridden", "accepted"], strict=True
        ):
            chosen = reason.code if outcome == "overridden" else None
            record_feedback(session, world.clinic_a, "trdnav-order-sign", uuid, outcome, chosen, at, codes)
    page = signed_in(app, world.admin_a).get("/staff/admin/cds").text
    row = page.split("<code>tms:needs_review</code>")[1].split("</tr>")[0]
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[:-1]]
    assert cells[:4] == ["4", "1", "2", "67%"]
    assert f"{reason.display} (2)" in row
