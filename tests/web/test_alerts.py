"""A suicide-risk answer alerts the clinic at once, and the patient stays first in its queue until a
clinician marks the alert handled; a later positive answer alerts the clinic again."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select

from tests.web.conftest import BrowserClient, World, default_clinic_app, signed_in
from trdnav.store.models import Assessment, Clinic, ClinicAlert

FEELINGS_ITEM_9 = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "2"}


def _alerts(app: FastAPI, assessment_id: int) -> list[tuple[str, bool]]:
    with app.state.sessions() as session:
        rows = session.scalars(select(ClinicAlert).where(ClinicAlert.assessment_id == assessment_id))
        return [(alert.kind, alert.handled_at is None) for alert in rows]


def _first_in_queue(app: FastAPI, world: World) -> str:
    page = signed_in(app, world.clinician_a).get("/staff/")
    row = page.text.split('<tr class="queue-row', 1)[1].split("</tr>", 1)[0]
    return row


def test_item_9_at_intake_alerts_the_clinic_until_a_clinician_handles_it(
    app: FastAPI, world: World, client: BrowserClient
) -> None:
    client.post(f"/a/{world.token_a}/feelings", data=FEELINGS_ITEM_9)
    assert _alerts(app, world.assessment_a) == [("suicide_risk", True)]
    first = _first_in_queue(app, world)
    assert f"Assessment {world.assessment_a}<" in first and "Urgent alert: suicide-risk answer" in first

    clinician = signed_in(app, world.clinician_a)
    page = clinician.get(f"/staff/assessments/{world.assessment_a}")
    assert "Open clinic alerts" in page.text
    with app.state.sessions() as session:
        [alert_id] = session.scalars(select(ClinicAlert.id))
    answer = clinician.post(
        f"/staff/alerts/{alert_id}/close",
        data={"outcome": "reached_safe", "note": "Spoke by phone; safety plan reviewed."},
        follow_redirects=False,
    )
    assert answer.headers["location"] == f"/staff/assessments/{world.assessment_a}#alert-{alert_id}"
    assert _alerts(app, world.assessment_a) == [("suicide_risk", False)]
    assert "Suicide-risk alert closed" in signed_in(app, world.clinician_a).get("/staff/").text
    with app.state.sessions() as session:
        assessment = session.get(Assessment, world.assessment_a)
        assert assessment is not None and assessment.suicide_risk_alert, "the patient still sees crisis help"

    client.post(f"/a/{world.token_a}/feelings", data=FEELINGS_ITEM_9)
    assert _alerts(app, world.assessment_a) == [("suicide_risk", False)], "one intake alert, not one per save"


def test_an_item_9_answer_stored_through_the_api_alerts_the_default_clinic(
    app: FastAPI, world: World
) -> None:
    with default_clinic_app(app, "north") as north_app, BrowserClient(north_app) as client:
        stored = client.post("/api/v1/assessments", json={"version": 1, "answers": {"phq9": [1] * 9}})
    assert stored.status_code == 201
    with app.state.sessions() as session:
        assessment = session.scalars(select(Assessment).order_by(Assessment.id.desc())).first()
        assert assessment is not None and assessment.clinic_id == world.clinic_a
        assert assessment.suicide_risk_alert
        assert [(a.kind, a.handled_at) for a in assessment.alerts] == [("suicide_risk", None)]


def test_a_refused_item_9_answer_through_the_api_still_alerts_the_default_clinic(
    app: FastAPI, world: World
) -> None:
    """Hazard H17: the answers are refused (one answer too many), but item 9 is above 0."""
    with app.state.sessions.begin() as session:
        before = session.scalars(select(Assessment.id)).all()
        north = session.get(Clinic, world.clinic_a)
        assert north is not None
        north.crisis_text = "Call the North Clinic crisis line on 555-0100, day or night."
    with default_clinic_app(app, "north") as north_app, BrowserClient(north_app) as client:
        refused = client.post(
            "/api/v1/assessments", json={"version": 1, "answers": {"phq9": [0] * 8 + [2, 0]}}
        )
    assert refused.status_code == 422
    body = refused.json()
    assert body["clinic_alerted"] is True and body["alerts"][0]["id"] == "suicide_risk"
    assert body["crisis"]["text"] == "Call the North Clinic crisis line on 555-0100, day or night."
    with app.state.sessions() as session:
        [new] = [a for a in session.scalars(select(Assessment)) if a.id not in before]
        assert new.clinic_id == world.clinic_a and new.answers == {}, "nothing refused is kept"
        assert new.suicide_risk_alert
        assert [(a.kind, a.handled_at) for a in new.alerts] == [("suicide_risk", None)]
