"""The queue shows who and why (name, reasons, request, progress, age), drafts in their own tab; an
urgent alert's box holds what a clinician needs to act; an alert closes only with an outcome and a
note, and its history stays on the assessment, in the audit trail and in the clinician summary."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.web.conftest import BrowserClient, Care, World, error_summary_links, signed_in
from trdnav.knowledge.loader import load
from trdnav.store.models import Assessment, AuditEvent, ClinicAlert
from trdnav.store.repository import create_assessment, request_consultation
from trdnav.web.staff.workspace import ago

KB = load()
FEELINGS_ITEM_9 = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "2"}
NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)


def _assessment(app: FastAPI, clinic_id: int, *, step: str, answers: dict[str, Any], name: str | None) -> int:
    with app.state.sessions.begin() as session:
        assessment, _ = create_assessment(
            session,
            therapies=["iv_ketamine", "tms"],
            knowledge_version=KB.version,
            contract_version=KB.manifest.contract_version,
            answers=answers,
            clinic_id=clinic_id,
        )
        assessment.last_step = step
        if name is not None:
            request_consultation(
                session,
                assessment,
                name=name,
                phone="+1 (555) 010-7788",
                email="",
                preferred_times="Tuesday after 4 pm",
                message="Please call before 6",
            )
        return assessment.id


def _row(page: str, assessment_id: int) -> str:
    for row in page.split('<tr class="queue-row')[1:]:
        if f'/staff/assessments/{assessment_id}"' in row:
            return row.split("</tr>", 1)[0]
    raise AssertionError(f"assessment {assessment_id} is not in the table")


def _ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<th scope="row"><a href="/staff/assessments/(\d+)"', page)]


def _alert_id(app: FastAPI, assessment_id: int) -> int:
    with app.state.sessions() as session:
        return session.scalars(select(ClinicAlert.id).where(ClinicAlert.assessment_id == assessment_id)).one()


def test_a_row_shows_the_name_the_reasons_the_request_the_progress_and_the_age(
    app: FastAPI, world: World
) -> None:
    nameless = _assessment(app, world.clinic_a, step="results", answers={"age": 50}, name=None)
    page = signed_in(app, world.clinician_a).get("/staff/").text
    row = _row(page, world.assessment_a)
    assert "Sam Example" in row and f"Assessment {world.assessment_a}" in row
    assert "New consultation request" in row
    assert '<a href="tel:5550100">555-0100</a>' in row and "Weekday mornings" in row
    assert "Intake complete" in row
    assert re.search(
        r'<time datetime="[^"]+" title="\d{1,2} \w{3} \d{4}, \d\d:\d\d E[SD]T">(just now|\d+ min ago)</time>',
        row,
    )
    assert "No name given" in _row(page, nameless)
    assert "Safety status needs review" in _row(page, nameless), "unanswered safety questions"


def test_the_age_reads_in_the_largest_whole_unit() -> None:
    assert [
        ago(NOW - delta, NOW)
        for delta in (
            dt.timedelta(seconds=20),
            dt.timedelta(minutes=5),
            dt.timedelta(hours=3, minutes=59),
            dt.timedelta(days=1, hours=2),
            dt.timedelta(days=9),
        )
    ] == ["just now", "5 min ago", "3 h ago", "1 day ago", "9 days ago"]


def test_drafts_have_their_own_tab_and_never_rank_above_real_requests(app: FastAPI, world: World) -> None:
    blank = _assessment(app, world.clinic_a, step="start", answers={}, name=None)
    middle_step = KB.steps[1]
    partial = _assessment(app, world.clinic_a, step=middle_step.id, answers={"age": 44}, name=None)
    requested = _assessment(app, world.clinic_a, step=middle_step.id, answers={"age": 44}, name="Kim Park")
    clinician = signed_in(app, world.clinician_a)

    main = clinician.get("/staff/").text
    assert blank not in _ids(main) and partial not in _ids(main)
    assert requested in _ids(main), "a request is real work even before the intake is finished"
    assert f"Step 2 of {len(KB.steps)} sent ({middle_step.title})" in _row(main, requested)
    tabs = main[main.index("queue-tabs") : main.index("</nav>", main.index("queue-tabs"))]
    assert "Incomplete drafts (2)</a>" in tabs and "Queue (2)</a>" in tabs, tabs

    drafts = clinician.get("/staff/?tab=drafts").text
    assert set(_ids(drafts)) == {blank, partial}
    assert "Not started" in _row(drafts, blank)
    assert 'aria-current="page">Incomplete drafts (2)' in drafts
    filtered = clinician.get("/staff/?tab=drafts&therapy=tms").text
    assert set(_ids(filtered)) == {blank, partial} and 'name="tab" value="drafts"' in filtered


def _raise_intake_alert(app: FastAPI, world: World, client: BrowserClient) -> int:
    client.post(f"/a/{world.token_a}/feelings", data=FEELINGS_ITEM_9)
    return _alert_id(app, world.assessment_a)


def test_the_urgent_alert_box_holds_name_phone_answer_when_and_request(
    app: FastAPI, world: World, client: BrowserClient
) -> None:
    alert_id = _raise_intake_alert(app, world, client)
    clinician = signed_in(app, world.clinician_a)
    for url in ("/staff/", f"/staff/assessments/{world.assessment_a}"):
        page = clinician.get(url).text
        start = page.index(f'id="alert-{alert_id}"')
        box = html.unescape(page[start : page.index("</section>", start)])
        assert "Sam Example" in box
        assert '<a href="tel:5550100">555-0100</a>' in box
        assert "PHQ-9 item 9" in box and "More than half the days" in box and "score 2 of 3" in box
        assert re.search(r"<time datetime=\"[^\"]+\">\d{1,2} \w{3} \d{4}, \d\d:\d\d E[SD]T</time>", box)
        assert "Preferred times: Weekday mornings" in box
    queue = clinician.get("/staff/").text
    assert _ids(queue)[0] == world.assessment_a
    assert "Urgent alert: suicide-risk answer" in _row(queue, world.assessment_a)


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        ({}, {"outcome": "Choose the outcome of this alert.", "note": "Write a note"}),
        ({"outcome": "reached_safe", "note": ""}, {"note": "Write a note"}),
        ({"outcome": "managed_at_clinic", "note": "Fine."}, {"outcome": "Choose the outcome"}),
        ({"outcome": "not_reached", "note": "Tried.", "attempts": ""}, {"attempts": "how many times"}),
        ({"outcome": "not_reached", "note": "Tried.", "attempts": "²"}, {"attempts": "how many times"}),
        ({"outcome": "reached_safe", "note": "x" * 2001}, {"note": "up to 2,000 characters"}),
    ],
)
def test_closing_without_an_outcome_or_a_note_is_refused_at_the_form(
    app: FastAPI, world: World, client: BrowserClient, form: dict[str, str], errors: dict[str, str]
) -> None:
    alert_id = _raise_intake_alert(app, world, client)
    clinician = signed_in(app, world.clinician_a)
    with app.state.sessions() as session:
        before = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    refused = clinician.post(f"/staff/alerts/{alert_id}/close", data=form)
    assert refused.status_code == 422
    assert f'action="/staff/alerts/{alert_id}/close#alert-{alert_id}"' in refused.text, "posts to its anchor"
    links = error_summary_links(refused.text, f"alert-{alert_id}-errors")
    shown = {
        target.removeprefix(f"alert-{alert_id}-").split("-")[0]: words for target, words in links.items()
    }
    assert set(shown) == set(errors)
    for field, words in errors.items():
        assert words in shown[field]
    with app.state.sessions() as session:
        alert = session.get(ClinicAlert, alert_id)
        assert alert is not None and alert.handled_at is None and alert.outcome is None
        written = session.scalars(select(AuditEvent).where(AuditEvent.seq > (before or 0))).all()
        assert [(e.action, e.record_type) for e in written] == [("read", "assessment")]


def test_a_closed_alert_keeps_its_history_on_the_assessment_the_audit_trail_and_the_summary(
    app: FastAPI, world: World, client: BrowserClient
) -> None:
    alert_id = _raise_intake_alert(app, world, client)
    clinician = signed_in(app, world.clinician_a)
    note = "Three calls, two voicemails; GP informed and letter sent."
    closed = clinician.post(
        f"/staff/alerts/{alert_id}/close",
        data={"outcome": "not_reached", "attempts": "3", "note": note},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert closed.headers["location"] == f"/staff/assessments/{world.assessment_a}#alert-{alert_id}"

    with app.state.sessions() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event is not None
        assert (event.action, event.record_type, event.record_id, event.detail) == (
            "update",
            "alert",
            alert_id,
            "not_reached",
        )
        assert event.staff_id == world.clinician_a
        assessment = session.get(Assessment, world.assessment_a)
        assert assessment is not None
        clinician_name = assessment.alerts[0].handler.name if assessment.alerts[0].handler else ""

    for url in (
        f"/staff/assessments/{world.assessment_a}",
        f"/staff/assessments/{world.assessment_a}/summary",
    ):
        page = html.unescape(clinician.get(url).text)
        history = page[page.index('id="alert-history"') :]
        history = history[: history.index("</section>")]
        assert "Suicide-risk answer (PHQ-9 item 9 above 0), in the intake questionnaire" in history
        assert "Not reached after repeated attempts; 3 attempts" in history
        assert note in history and clinician_name in history
        assert len(re.findall(r"\d\d:\d\d E[SD]T</time>", history)) == 2, (
            "raised and closed, each with its time"
        )
    exported_record = clinician.get(f"/staff/assessments/{world.assessment_a}/export.json").json()
    [kept] = [a for a in exported_record["clinic_alerts"] if a["id"] == alert_id]
    assert (kept["outcome"], kept["attempts"], kept["outcome_note"]) == ("not_reached", 3, note), (
        "the person's data"
    )
    admin = signed_in(app, world.admin_a)
    trail = admin.get("/staff/admin/audit", params={"record_type": "alert"}).text
    assert "update: not_reached" in trail and note not in trail
    exported = admin.get("/staff/admin/audit.csv").text
    assert exported.splitlines()[0].endswith(",detail") and ",not_reached" in exported
    assert note not in exported
    page = clinician.get(f"/staff/assessments/{world.assessment_a}").text
    assert "Open clinic alerts" not in page and f'action="/staff/alerts/{alert_id}/close' not in page
    pdf = clinician.get(f"/staff/assessments/{world.assessment_a}/summary.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    again = clinician.post(
        f"/staff/alerts/{alert_id}/close",
        data={"outcome": "reached_safe", "note": "x"},
        follow_redirects=False,
    )
    assert again.status_code == 303
    with app.state.sessions() as session:
        alert = session.get(ClinicAlert, alert_id)
        assert alert is not None and (alert.outcome, alert.outcome_note) == ("not_reached", note), (
            "closed once"
        )


def test_a_seizure_alert_takes_its_own_smaller_list_of_outcomes(
    app: FastAPI, world: World, care: Care
) -> None:
    clinician = signed_in(app, world.clinician_a)
    page = clinician.get(f"/staff/assessments/{world.assessment_a}").text
    start = page.index(f'id="alert-{care.alert}"')
    box = page[start : page.index("</section>", start)]
    offered = re.findall(r'name="outcome" value="([a-z_]+)"', box)
    assert offered == [o.id for o in KB.alert_outcomes.for_kind("adverse_event")]
    assert "reached_safe" not in offered and "attempts" not in box
    closed = clinician.post(
        f"/staff/alerts/{care.alert}/close",
        data={"outcome": "managed_at_clinic", "note": "Transient hypertension, settled in 20 minutes."},
        follow_redirects=False,
    )
    assert closed.status_code == 303
