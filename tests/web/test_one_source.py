"""One source for clinical content (hazard H18): a threshold changed in the knowledge-base data is
followed by every path that uses it. The item-9 alert of the PHQ-9 is raised above 1 instead of
above 0, and remission is a PHQ-9 below 8 instead of below 5; then the intake form, the API, the
patient's check-in (complete or refused), the clinician's score entry (stored or refused) and the
outcome status words must all follow the changed data, none keeping a copy of its own.
Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select

import trdnav
from tests.web.conftest import BrowserClient, World, build_world, signed_in
from trdnav.knowledge.loader import KnowledgeBase, load_from
from trdnav.settings import Settings
from trdnav.store.models import Assessment, ClinicAlert, Course, CourseVisit, OutcomeScore
from trdnav.store.repository import create_assessment
from trdnav.web.app import create_app

NOW = dt.datetime.now(dt.UTC)
CALM = {f"phq9_{n}": "0" for n in range(1, 9)}
GAD7 = {f"gad7_{n}": "0" for n in range(1, 8)}


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name}: expected one {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def shifted_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The shipped knowledge base with item 9 alerting above 1 and remission below 8."""
    folder = tmp_path_factory.mktemp("knowledge") / "data"
    with resources.as_file(resources.files("trdnav.knowledge").joinpath("data")) as shipped:
        shutil.copytree(shipped, folder)
    _replace_once(
        folder / "instruments" / "phq9.yaml", "    item: 9\n    above: 0\n", "    item: 9\n    above: 1\n"
    )
    _replace_once(
        folder / "outcome_rules.yaml", "remission_below:\n  value: 5\n", "remission_below:\n  value: 8\n"
    )
    return load_from(folder)


@pytest.fixture
def shifted(
    database_url: str, shifted_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FastAPI, World]]:
    """An app that stores API documents for clinic "north" (made first, in the world of two
    clinics) and runs on the shifted knowledge base."""
    monkeypatch.setattr(trdnav, "load", lambda: shifted_kb)  # the engine behind the API and the results
    monkeypatch.setattr("trdnav.web.app.load", lambda: shifted_kb)  # the app's knowledge base
    first = create_app(Settings(database_url=database_url))
    world = build_world(first)
    first.state.engine.dispose()
    application = create_app(Settings(database_url=database_url, default_clinic="north"))
    yield application, world
    application.state.engine.dispose()


def _fresh(app: FastAPI, clinic_id: int) -> tuple[int, str]:
    """A new assessment of the clinic, with no answers yet: its id and private link."""
    with app.state.sessions.begin() as session:
        assessment, token = create_assessment(
            session,
            therapies=["tms", "iv_ketamine"],
            knowledge_version="test",
            contract_version=1,
            answers={},
            clinic_id=clinic_id,
        )
        return assessment.id, token


def _alerted(app: FastAPI, assessment_id: int) -> bool:
    """The assessment is flagged for suicide risk, or its clinic has a suicide-risk alert for it."""
    with app.state.sessions.begin() as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        alerts = session.scalars(select(ClinicAlert).where(ClinicAlert.assessment_id == assessment_id))
        return assessment.suicide_risk_alert or any(a.kind == "suicide_risk" for a in alerts)


def _every_path(app: FastAPI, world: World, item_9: int) -> dict[str, bool]:
    """Send a PHQ-9 with item 9 = ``item_9`` down every path; whether each path raised the alert."""
    raised: dict[str, bool] = {}
    patient = BrowserClient(app)
    clinician = signed_in(app, world.clinician_a)
    today = NOW.date().isoformat()
    items = {f"item_{n}": "0" for n in range(1, 9)} | {"item_9": str(item_9)}

    assessment, token = _fresh(app, world.clinic_a)
    patient.post(f"/a/{token}/feelings", data=CALM | {"phq9_9": str(item_9)})
    raised["intake form"] = _alerted(app, assessment)

    stored = patient.post("/api/v1/assessments", json={"version": 1, "answers": {"phq9": [0] * 8 + [item_9]}})
    assert stored.status_code == 201, stored.text
    with app.state.sessions.begin() as session:
        newest = session.scalars(select(Assessment.id).order_by(Assessment.id.desc())).first()
    assert newest is not None
    raised["API result"] = any(a["id"] == "suicide_risk" for a in stored.json()["result"]["alerts"])
    raised["API stored"] = _alerted(app, newest)

    assessment, token = _fresh(app, world.clinic_a)
    patient.post(f"/a/{token}/check-in", data=CALM | {"phq9_9": str(item_9)} | GAD7)
    raised["check-in"] = _alerted(app, assessment)

    assessment, token = _fresh(app, world.clinic_a)
    refused = patient.post(f"/a/{token}/check-in", data=CALM | {"phq9_9": str(item_9)})  # no GAD-7
    assert refused.status_code == 422
    raised["check-in refused"] = _alerted(app, assessment)

    assessment, _ = _fresh(app, world.clinic_a)
    clinician.post(
        f"/staff/assessments/{assessment}/scores", data={"instrument": "phq9", "taken_on": today} | items
    )
    raised["score entry"] = _alerted(app, assessment)

    assessment, _ = _fresh(app, world.clinic_a)
    refused = clinician.post(f"/staff/assessments/{assessment}/scores", data={"instrument": "phq9"} | items)
    assert refused.status_code == 422  # no date taken
    raised["score entry refused"] = _alerted(app, assessment)
    patient.close()
    clinician.close()
    return raised


PATHS = (
    "intake form",
    "API result",
    "API stored",
    "check-in",
    "check-in refused",
    "score entry",
    "score entry refused",
)


def test_item_9_at_1_alerts_on_no_path_when_the_data_says_above_1(shifted: tuple[FastAPI, World]) -> None:
    assert _every_path(*shifted, 1) == dict.fromkeys(PATHS, False)


def test_item_9_at_2_alerts_on_every_path_when_the_data_says_above_1(shifted: tuple[FastAPI, World]) -> None:
    assert _every_path(*shifted, 2) == dict.fromkeys(PATHS, True)


def test_outcome_status_words_chart_and_rates_follow_the_remission_cut_off_in_the_data(
    shifted: tuple[FastAPI, World],
) -> None:
    """Baseline 18, latest 7: a 61% fall, "responding" at the shipped cut-off (below 5), but
    "remitted" when the data says remission is below 8."""
    shifted_app, world = shifted
    with shifted_app.state.sessions.begin() as session:
        first = NOW - dt.timedelta(days=10)
        course = Course(
            assessment_id=world.assessment_a,
            protocol_id="tms_10hz",
            start_date=first.date(),
            timezone="America/New_York",
            unavailable_dates=[],
            created_by=world.clinician_a,
        )
        session.add(course)
        for n in range(20):
            status = "done" if n < 10 else "planned"
            course.visits.append(
                CourseVisit(number=n + 1, starts_at=first + dt.timedelta(days=n), status=status)
            )
        for total, days_ago in ((18, 12), (7, 1)):
            session.add(
                OutcomeScore(
                    assessment_id=world.assessment_a,
                    instrument="phq9",
                    total=total,
                    taken_at=NOW - dt.timedelta(days=days_ago),
                    source="clinician",
                )
            )
    clinician = signed_in(shifted_app, world.clinician_a)
    page = clinician.get(f"/staff/assessments/{world.assessment_a}/outcomes").text
    assert "Remitted (PHQ-9 below 8)" in page
    assert "Remission: PHQ-9 total below 8." in page  # the definitions shown with it
    assert "Remission: PHQ-9 below 8" in page  # the chart's remission line
    assert "the solid line at 8 marks remission" in page  # the chart's caption
    assert not re.search(r"below 5\b", page)
    rows = {r["therapy"]: r for r in csv.DictReader(io.StringIO(clinician.get("/staff/outcomes.csv").text))}
    assert (rows["tms"]["n"], rows["tms"]["remitters"]) == ("1", "1")
