"""Outcomes: the patient's check-in, the clinician's outcomes page and score entry, alerts, and the
clinic's response and remission rates (page and CSV). Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
import textstat
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import World, error_summary_links, signed_in
from trdnav.knowledge.loader import load
from trdnav.store.models import Assessment, AuditEvent, ClinicAlert, Course, CourseVisit, OutcomeScore
from trdnav.store.repository import create_assessment

NOW = dt.datetime.now(dt.UTC)
PHQ9_CALM = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "0"}
GAD7 = {f"gad7_{n}": "1" for n in range(1, 8)}


def add_course(
    app: FastAPI,
    assessment_id: int,
    staff_id: int,
    *,
    protocol: str = "tms_10hz",
    done: int = 10,
    planned: int = 10,
) -> int:
    """A course whose first session was `done` days ago, one visit a day."""
    with app.state.sessions.begin() as session:
        first = NOW - dt.timedelta(days=done)
        course = Course(
            assessment_id=assessment_id,
            protocol_id=protocol,
            start_date=first.date(),
            timezone="America/New_York",
            unavailable_dates=[],
            created_by=staff_id,
        )
        session.add(course)
        for n in range(done + planned):
            course.visits.append(
                CourseVisit(
                    number=n + 1,
                    starts_at=first + dt.timedelta(days=n),
                    status="done" if n < done else "planned",
                )
            )
        session.flush()
        return course.id


def add_score(
    app: FastAPI, assessment_id: int, total: int, days_ago: float, instrument: str = "phq9"
) -> None:
    with app.state.sessions.begin() as session:
        session.add(
            OutcomeScore(
                assessment_id=assessment_id,
                instrument=instrument,
                total=total,
                taken_at=NOW - dt.timedelta(days=days_ago),
                source="clinician",
            )
        )


def new_assessment(app: FastAPI, clinic_id: int, phq9: list[int]) -> int:
    kb = load()
    with app.state.sessions.begin() as session:
        assessment, _ = create_assessment(
            session,
            therapies=["tms", "iv_ketamine"],
            knowledge_version=kb.version,
            contract_version=kb.manifest.contract_version,
            answers={"phq9": phq9},
            clinic_id=clinic_id,
        )
        return assessment.id


def last_seq(app: FastAPI) -> int:
    with app.state.sessions.begin() as session:
        return session.scalar(select(func.max(AuditEvent.seq))) or 0


def audit_since(app: FastAPI, seq: int) -> list[tuple[Any, ...]]:
    with app.state.sessions.begin() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq))
        return [(e.actor, e.action, e.record_type, e.record_id, e.clinic_id) for e in rows]


def count(app: FastAPI, model: type) -> int:
    with app.state.sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# --- The patient's check-in ----------------------------------------------------------------------


def test_checkin_page_asks_both_questionnaires_with_their_wording(
    app: FastAPI, world: World, client: TestClient
) -> None:
    add_course(app, world.assessment_a, world.clinician_a, done=3, planned=17)
    seq = last_seq(app)
    page = client.get(f"/a/{world.token_a}/check-in")
    assert page.status_code == 200
    assert "Thoughts that you would be better off dead or of hurting yourself in some way" in page.text
    assert "Not being able to stop or control worrying" in page.text
    assert "educational grant from Pfizer" in page.text
    assert "When to check in" in page.text  # the reminder schedule of the course
    assert page.headers["Cache-Control"] == "no-store"
    assert audit_since(app, seq) == [("patient", "read", "assessment", world.assessment_a, world.clinic_a)]
    assert client.get("/a/not-a-real-token/check-in").status_code == 404


def test_checkin_stores_both_scores_in_the_active_course(
    app: FastAPI, world: World, client: TestClient
) -> None:
    course_id = add_course(app, world.assessment_a, world.clinician_a)
    seq = last_seq(app)
    sent = client.post(f"/a/{world.token_a}/check-in", data=PHQ9_CALM | GAD7, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"/a/{world.token_a}/check-in/done"
    with app.state.sessions.begin() as session:
        scores = session.scalars(select(OutcomeScore).order_by(OutcomeScore.id)).all()
        assert [(s.instrument, s.total, s.source, s.course_id) for s in scores] == [
            ("phq9", 8, "patient", course_id),
            ("gad7", 7, "patient", course_id),
        ]
        ids = [s.id for s in scores]
    assert audit_since(app, seq) == [
        ("patient", "create", "outcome_score", ids[0], world.clinic_a),
        ("patient", "create", "outcome_score", ids[1], world.clinic_a),
    ]
    assert count(app, ClinicAlert) == 0
    done = client.get(sent.headers["location"])
    assert done.status_code == 200 and 'class="crisis"' not in done.text


def test_checkin_with_item_9_above_0_alerts_the_clinic_and_shows_crisis_help_first(
    app: FastAPI, world: World, client: TestClient
) -> None:
    newer = new_assessment(app, world.clinic_a, [1] * 9)  # would come first in the queue otherwise
    seq = last_seq(app)
    sent = client.post(f"/a/{world.token_a}/check-in", data=PHQ9_CALM | {"phq9_9": "2"} | GAD7)
    assert sent.status_code == 200
    assert sent.text.index('class="crisis"') < sent.text.index('<main id="main">')
    assert "988" in sent.text
    with app.state.sessions.begin() as session:
        (alert,) = session.scalars(select(ClinicAlert)).all()
        phq9 = session.scalars(select(OutcomeScore).where(OutcomeScore.instrument == "phq9")).one()
        assert (alert.kind, alert.source_type, alert.source_id) == ("suicide_risk", "outcome_score", phq9.id)
        assessment = session.get(Assessment, world.assessment_a)
        assert assessment is not None and assessment.suicide_risk_alert
        alert_id = alert.id
    assert ("patient", "create", "alert", alert_id, world.clinic_a) in audit_since(app, seq)
    queue = signed_in(app, world.clinician_a).get("/staff/")
    listed = [int(n) for n in re.findall(r'href="/staff/assessments/(\d+)"', queue.text)]
    assert listed.index(world.assessment_a) < listed.index(newer)


def test_an_unfinished_checkin_is_refused_and_nothing_is_stored(
    app: FastAPI, world: World, client: TestClient
) -> None:
    seq = last_seq(app)
    answers = PHQ9_CALM | GAD7
    del answers["gad7_4"]
    refused = client.post(f"/a/{world.token_a}/check-in", data=answers)
    assert refused.status_code == 422
    assert "GAD-7: Please choose one answer for each question." in refused.text
    assert 'href="#gad7_4-0"' in refused.text
    assert 'id="phq9_3-1" name="phq9_3" value="1" checked' in refused.text  # answers kept
    assert count(app, OutcomeScore) == 0
    assert audit_since(app, seq) == [("patient", "read", "assessment", world.assessment_a, world.clinic_a)]


def suicide_risk_alerts(app: FastAPI) -> list[tuple[str, int | None, bool]]:
    with app.state.sessions.begin() as session:
        alerts = session.scalars(select(ClinicAlert).order_by(ClinicAlert.id))
        return [
            (a.source_type, a.source_id, a.handled_at is None) for a in alerts if a.kind == "suicide_risk"
        ]


@pytest.mark.parametrize("answer", ["1", "2", "3"])
def test_an_unfinished_checkin_with_item_9_above_0_still_alerts_at_once_and_shows_crisis_help_first(
    app: FastAPI, world: World, client: TestClient, answer: str
) -> None:
    answers = PHQ9_CALM | {"phq9_9": answer} | GAD7 | {"gad7_7": ""}
    seq = last_seq(app)
    refused = client.post(f"/a/{world.token_a}/check-in", data=answers)
    assert refused.status_code == 422
    assert refused.text.index('class="crisis"') < refused.text.index('<main id="main">')
    assert "988" in refused.text and "We have told your care team about this answer." in refused.text
    assert "GAD-7: Please choose one answer for each question." in refused.text
    assert count(app, OutcomeScore) == 0
    assert suicide_risk_alerts(app) == [("assessment", world.assessment_a, True)]
    with app.state.sessions.begin() as session:
        assessment = session.get(Assessment, world.assessment_a)
        assert assessment is not None and assessment.suicide_risk_alert
        alert_id = session.scalars(select(ClinicAlert.id)).one()
    assert audit_since(app, seq) == [
        ("patient", "read", "assessment", world.assessment_a, world.clinic_a),
        ("patient", "create", "alert", alert_id, world.clinic_a),
    ]
    # sent again, still unfinished: the open alert stands, no second one
    assert client.post(f"/a/{world.token_a}/check-in", data=answers).status_code == 422
    assert len(suicide_risk_alerts(app)) == 1


def test_an_unfinished_checkin_with_item_9_at_0_alerts_nobody(
    app: FastAPI, world: World, client: TestClient
) -> None:
    refused = client.post(f"/a/{world.token_a}/check-in", data=PHQ9_CALM | GAD7 | {"gad7_7": ""})
    assert refused.status_code == 422 and 'class="crisis"' not in refused.text
    assert suicide_risk_alerts(app) == []


def test_a_risk_answer_after_the_intake_alert_was_handled_alerts_the_clinic_again(
    app: FastAPI, world: World, client: TestClient
) -> None:
    """The intake's alert (flag already set) was handled; a later check-in's item 9 must alert anew."""
    with app.state.sessions.begin() as session:
        assessment = session.get(Assessment, world.assessment_a)
        assert assessment is not None
        assessment.suicide_risk_alert = True
        session.add(
            ClinicAlert(
                assessment=assessment,
                kind="suicide_risk",
                source_type="assessment",
                source_id=assessment.id,
                handled_at=NOW,
            )
        )
    refused = client.post(f"/a/{world.token_a}/check-in", data=PHQ9_CALM | {"phq9_9": "1"} | {"gad7_1": "1"})
    assert refused.status_code == 422
    assert suicide_risk_alerts(app) == [
        ("assessment", world.assessment_a, False),
        ("assessment", world.assessment_a, True),
    ]


# --- The clinician's outcomes page ---------------------------------------------------------------


def test_outcomes_page_shows_chart_status_and_halfway_flag(app: FastAPI, world: World) -> None:
    add_course(app, world.assessment_a, world.clinician_a, done=10, planned=10)
    add_score(app, world.assessment_a, 18, days_ago=12)  # baseline: before the first session
    add_score(app, world.assessment_a, 15, days_ago=1)  # 16.7% better at halfway
    add_score(app, world.assessment_a, 9, days_ago=1, instrument="gad7")
    client = signed_in(app, world.clinician_a)
    seq = last_seq(app)
    page = client.get(f"/staff/assessments/{world.assessment_a}/outcomes")
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text and 'role="img"' in page.text
    assert "Remission: PHQ-9 below 5" in page.text and "Response: 50% below baseline (9)" in page.text
    assert "Not improving (PHQ-9 less than 20% below baseline)" in page.text
    assert "Flag: less than 20% improvement" in page.text
    assert "last PHQ-9 before the first session" in page.text
    assert "Patient check-ins" in page.text
    assert audit_since(app, seq) == [("staff", "read", "assessment", world.assessment_a, world.clinic_a)]


def test_clinician_enters_a_total(app: FastAPI, world: World) -> None:
    client = signed_in(app, world.clinician_a)
    seq = last_seq(app)
    today = NOW.date().isoformat()
    sent = client.post(
        f"/staff/assessments/{world.assessment_a}/scores",
        data={"instrument": "gad7", "total": "21", "taken_on": today},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    with app.state.sessions.begin() as session:
        score = session.scalars(select(OutcomeScore)).one()
        assert (score.instrument, score.total, score.item_answers, score.source, score.entered_by) == (
            "gad7",
            21,
            None,
            "clinician",
            world.clinician_a,
        )
        score_id = score.id
    assert audit_since(app, seq) == [("staff", "create", "outcome_score", score_id, world.clinic_a)]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"instrument": "phq9", "total": "28"},
            "total",
            "Enter the PHQ-9 total as a whole number from 0 to 27.",
        ),
        (
            {"instrument": "gad7", "total": "22"},
            "total",
            "Enter the GAD-7 total as a whole number from 0 to 21.",
        ),
        (
            {"instrument": "phq9", "total": ""},
            "total",
            "Enter the PHQ-9 total (0 to 27) or every item score.",
        ),
        ({"instrument": "bdi", "total": "3"}, "instrument", "Choose the instrument: PHQ-9 or GAD-7."),
        (
            {"instrument": "phq9", "total": "5", "taken_on": "2999-01-01"},
            "taken_on",
            "The date taken cannot be in the future.",
        ),
        (
            {"instrument": "phq9", "total": "5", "taken_on": "03/02/2026"},
            "taken_on",
            "Enter the date the score was taken as YYYY-MM-DD",
        ),
        (
            {"instrument": "phq9", **{f"item_{n}": "1" for n in range(1, 8)}, "item_8": "4", "item_9": "0"},
            "items",
            "check item 8",
        ),
        (
            {"instrument": "phq9", "total": "10", **{f"item_{n}": "1" for n in range(1, 9)}, "item_9": "0"},
            "total",
            "The total (10) is not the sum of the items (8)",
        ),
    ],
)
def test_score_entry_refuses_wrong_values_next_to_the_field(
    app: FastAPI, world: World, data: dict[str, str], field: str, message: str
) -> None:
    client = signed_in(app, world.clinician_a)
    seq = last_seq(app)
    refused = client.post(
        f"/staff/assessments/{world.assessment_a}/scores", data={"taken_on": NOW.date().isoformat()} | data
    )
    assert refused.status_code == 422
    assert re.search(
        rf'<p class="field-error" id="score-{field}-error">[^<]*{re.escape(message)}', refused.text
    )
    assert f'aria-describedby="score-{field}-error"' in refused.text
    assert f'action="/staff/assessments/{world.assessment_a}/scores#score-entry"' in refused.text
    assert 'id="score-entry"' in refused.text, "the refused form comes back at the form"
    links = error_summary_links(refused.text, "score-errors")
    assert [message in words for words in links.values()] == [True], "one linked error, this one"
    assert count(app, OutcomeScore) == 0
    assert audit_since(app, seq) == [("staff", "read", "assessment", world.assessment_a, world.clinic_a)]


def test_clinician_items_with_item_9_raise_an_alert_closed_with_an_outcome(
    app: FastAPI, world: World
) -> None:
    client = signed_in(app, world.clinician_a)
    items = {f"item_{n}": "2" for n in range(1, 9)} | {"item_9": "1"}
    seq = last_seq(app)
    client.post(
        f"/staff/assessments/{world.assessment_a}/scores",
        data={"instrument": "phq9", "taken_on": NOW.date().isoformat(), **items},
        follow_redirects=False,
    )
    with app.state.sessions.begin() as session:
        score = session.scalars(select(OutcomeScore)).one()
        alert = session.scalars(select(ClinicAlert)).one()
        assert (score.total, score.item_answers[8] if score.item_answers else None) == (17, 1)
        assert (alert.kind, alert.source_id) == ("suicide_risk", score.id)
        score_id, alert_id = score.id, alert.id
    assert audit_since(app, seq) == [
        ("staff", "create", "outcome_score", score_id, world.clinic_a),
        ("staff", "create", "alert", alert_id, world.clinic_a),
    ]
    page = client.get(f"/staff/assessments/{world.assessment_a}/outcomes")
    assert f"Close alert {alert_id} with an outcome and a note" in page.text

    seq = last_seq(app)
    handled = client.post(
        f"/staff/alerts/{alert_id}/close",
        data={"outcome": "reached_safe", "note": "Called; safety plan reviewed."},
        follow_redirects=False,
    )
    assert handled.status_code == 303
    assert audit_since(app, seq) == [("staff", "update", "alert", alert_id, world.clinic_a)]
    with app.state.sessions.begin() as session:
        alert = session.get(ClinicAlert, alert_id)
        assert alert is not None and alert.handled_at is not None and alert.handled_by == world.clinician_a
    assert "No open alerts." in client.get(f"/staff/assessments/{world.assessment_a}/outcomes").text


@pytest.mark.parametrize(
    "wrong",
    [{"taken_on": "03/02/2026"}, {"item_4": "7"}, {"total": "26"}, {"taken_on": "2999-01-01"}],
)
def test_a_refused_clinician_entry_with_item_9_above_0_still_alerts_the_clinic(
    app: FastAPI, world: World, wrong: dict[str, str]
) -> None:
    client = signed_in(app, world.clinician_a)
    items = {f"item_{n}": "1" for n in range(1, 9)} | {"item_9": "2"}
    data = {"instrument": "phq9", "taken_on": NOW.date().isoformat(), **items} | wrong
    seq = last_seq(app)
    refused = client.post(f"/staff/assessments/{world.assessment_a}/scores", data=data)
    assert refused.status_code == 422
    assert count(app, OutcomeScore) == 0
    assert suicide_risk_alerts(app) == [("assessment", world.assessment_a, True)]
    with app.state.sessions.begin() as session:
        alert_id = session.scalars(select(ClinicAlert.id)).one()
    assert audit_since(app, seq) == [
        ("staff", "create", "alert", alert_id, world.clinic_a),
        ("staff", "read", "assessment", world.assessment_a, world.clinic_a),
    ]
    assert f"Close alert {alert_id} with an outcome" in refused.text  # listed on the page shown again
    client.post(f"/staff/assessments/{world.assessment_a}/scores", data=data)
    assert len(suicide_risk_alerts(app)) == 1  # not twice while it is open


def test_another_clinic_gets_404_and_nothing_is_written(app: FastAPI, world: World) -> None:
    with app.state.sessions.begin() as session:
        assessment = session.get(Assessment, world.assessment_a)
        assert assessment is not None
        alert = ClinicAlert(
            assessment=assessment, kind="suicide_risk", source_type="outcome_score", source_id=None
        )
        session.add(alert)
        session.flush()
        alert_id = alert.id
    other = signed_in(app, world.clinician_b)
    seq = last_seq(app)
    assert other.get(f"/staff/assessments/{world.assessment_a}/outcomes").status_code == 404
    sent = other.post(
        f"/staff/assessments/{world.assessment_a}/scores",
        data={"instrument": "phq9", "total": "3", "taken_on": NOW.date().isoformat()},
    )
    assert sent.status_code == 404
    closing = {"outcome": "reached_safe", "note": "Called."}
    assert other.post(f"/staff/alerts/{alert_id}/close", data=closing).status_code == 404
    assert other.get("/staff/assessments/999999/outcomes").status_code == 404
    assert audit_since(app, seq) == []
    assert count(app, OutcomeScore) == 0
    with app.state.sessions.begin() as session:
        found = session.get(ClinicAlert, alert_id)
        assert found is not None and found.handled_at is None


# --- The clinic's rates --------------------------------------------------------------------------


def test_clinic_rates_page_and_csv(app: FastAPI, world: World) -> None:
    # TMS: baselines 20 (intake) -> 10 (response), 20 -> 4 (response, remission), 20 -> 15 (neither);
    # one course without a score since its start is not counted. IV ketamine: 20 -> 5 (response only).
    for latest in (10, 4, 15, None):
        assessment = new_assessment(app, world.clinic_a, [3, 3, 3, 3, 2, 2, 2, 2, 0])
        add_course(app, assessment, world.clinician_a, done=5, planned=5)
        if latest is not None:
            add_score(app, assessment, latest, days_ago=1)
    ketamine = new_assessment(app, world.clinic_a, [3, 3, 3, 3, 2, 2, 2, 2, 0])
    add_course(app, ketamine, world.clinician_a, protocol="iv_ketamine_twice_weekly", done=3, planned=3)
    add_score(app, ketamine, 5, days_ago=1)
    elsewhere = new_assessment(app, world.clinic_b, [3] * 9)  # another clinic's course is not counted
    add_course(app, elsewhere, world.clinician_b)
    add_score(app, elsewhere, 0, days_ago=1)

    client = signed_in(app, world.clinician_a)
    seq = last_seq(app)
    page = client.get("/staff/outcomes")
    assert page.status_code == 200
    row = re.search(r'<tr id="rates-tms">(.*?)</tr>', page.text, re.S)
    assert row is not None
    assert "2 of 3 (67%; 95% CI 21% to 94%)" in row.group(1)
    assert "1 of 3 (33%; 95% CI 6% to 79%)" in row.group(1)
    assert "Response: PHQ-9 total at least 50% below baseline." in page.text
    assert "Remission: PHQ-9 total below 5." in page.text
    assert "Wilson" in page.text and "Published figures" in page.text
    assert audit_since(app, seq) == [("staff", "read", "clinic_outcomes", None, world.clinic_a)]

    seq = last_seq(app)
    exported = client.get("/staff/outcomes.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = {r["therapy"]: r for r in csv.DictReader(io.StringIO(exported.text))}
    assert rows["tms"] | {} == {
        "therapy": "tms",
        "n": "3",
        "responders": "2",
        "response_rate": "0.6667",
        "response_ci_low": "0.2077",
        "response_ci_high": "0.9385",
        "remitters": "1",
        "remission_rate": "0.3333",
        "remission_ci_low": "0.0615",
        "remission_ci_high": "0.7923",
    }
    assert (
        rows["iv_ketamine"]["n"],
        rows["iv_ketamine"]["responders"],
        rows["iv_ketamine"]["remitters"],
    ) == (
        "1",
        "1",
        "0",
    )
    assert audit_since(app, seq) == [("staff", "export", "clinic_outcomes", None, world.clinic_a)]


def test_a_later_course_s_scores_do_not_count_for_an_earlier_course_s_rates(
    app: FastAPI, world: World
) -> None:
    """IV ketamine (intake 20, then 18 during it), then TMS from 10 days ago (3 during it): the
    ketamine course neither responded nor remitted; the TMS course (baseline 18) did both."""
    assessment = new_assessment(app, world.clinic_a, [3, 3, 3, 3, 2, 2, 2, 2, 0])
    add_course(app, assessment, world.clinician_a, protocol="iv_ketamine_twice_weekly", done=20, planned=0)
    add_course(app, assessment, world.clinician_a, done=10, planned=5)
    add_score(app, assessment, 18, days_ago=15)
    add_score(app, assessment, 3, days_ago=2)
    client = signed_in(app, world.clinician_a)
    rows = {r["therapy"]: r for r in csv.DictReader(io.StringIO(client.get("/staff/outcomes.csv").text))}
    assert [rows["iv_ketamine"][k] for k in ("n", "responders", "remitters")] == ["1", "0", "0"]
    assert [rows["tms"][k] for k in ("n", "responders", "remitters")] == ["1", "1", "1"]


def test_the_rates_pages_draw_no_chart(app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    add_course(app, world.assessment_a, world.clinician_a, done=5, planned=5)
    add_score(app, world.assessment_a, 4, days_ago=1)
    drawn: list[str] = []
    monkeypatch.setattr("trdnav.web.outcome_view.scores_chart", lambda *a, **k: drawn.append("chart") or "")
    client = signed_in(app, world.clinician_a)
    assert client.get("/staff/outcomes").status_code == 200
    assert client.get("/staff/outcomes.csv").status_code == 200
    assert drawn == []
    assert client.get(f"/staff/assessments/{world.assessment_a}/outcomes").status_code == 200
    assert drawn == ["chart"]


def test_checkin_pages_read_at_grade_8_or_lower(app: FastAPI, world: World, client: TestClient) -> None:
    from tests.web.test_page_readability import GRADE_LIMIT, _Blocks, _knowledge_texts, _own_sentences, _words

    add_course(app, world.assessment_a, world.clinician_a, done=3, planned=17)
    known = _knowledge_texts()
    too_hard = []
    form = client.get(f"/a/{world.token_a}/check-in").text
    refused = client.post(f"/a/{world.token_a}/check-in", data={"phq9_1": "1"}).text
    done = client.post(f"/a/{world.token_a}/check-in", data=PHQ9_CALM | {"phq9_9": "1"} | GAD7).text
    for page in (form, refused, done):
        parser = _Blocks()
        parser.feed(page)
        for block in parser.blocks:
            own = _own_sentences(block, known)
            if _words(own) >= 4 and textstat.flesch_kincaid_grade(own) > GRADE_LIMIT:
                too_hard.append(own)
    assert too_hard == []
    assert done.count("<h1") == form.count("<h1") == 1


def test_assessment_page_shows_outcome_status_flag_and_link(app: FastAPI, world: World) -> None:
    add_course(app, world.assessment_a, world.clinician_a, done=10, planned=10)
    add_score(app, world.assessment_a, 20, days_ago=12)
    add_score(app, world.assessment_a, 17, days_ago=1)
    page = signed_in(app, world.clinician_a).get(f"/staff/assessments/{world.assessment_a}")
    assert "Not improving (PHQ-9 less than 20% below baseline): latest PHQ-9 17" in page.text
    assert "Flag: less than 20% improvement" in page.text
    assert f'href="/staff/assessments/{world.assessment_a}/outcomes"' in page.text


def test_the_chart_marks_the_sessions_given_and_only_those(app: FastAPI, world: World) -> None:
    course_id = add_course(app, world.assessment_a, world.clinician_a, done=4, planned=6)
    with app.state.sessions.begin() as session:
        visit = session.scalars(
            select(CourseVisit).where(CourseVisit.course_id == course_id, CourseVisit.number == 5)
        ).one()
        visit.status = "missed"
    add_score(app, world.assessment_a, 18, days_ago=6)
    add_score(app, world.assessment_a, 12, days_ago=1, instrument="gad7")
    page = signed_in(app, world.clinician_a).get(f"/staff/assessments/{world.assessment_a}/outcomes").text
    assert page.count('<polygon class="session-mark"') == 4, "4 done; missed and planned visits unmarked"
    assert "Sessions given (4), marked under the time axis" in page
    assert "GAD-7, on its own scale of 0 to 21 in the lower panel: " in page
