"""The patient's way into their course from the results page: the next visit, the next check-in, and
links to their visits and the check-in. Runs on SQLite and PostgreSQL.

The `care` course: IV ketamine twice weekly from Monday 2026-10-19, 08:00 New York time, 6 visits,
visit 1 done (its infusion was recorded).
"""

from __future__ import annotations

import datetime as dt
import re

import textstat
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import Care, World
from trdnav.store.models import AuditEvent

BEFORE_COURSE = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
DURING_COURSE = dt.datetime(2026, 10, 22, 12, tzinfo=dt.UTC)  # Thursday: visit 2 (Wednesday) is past


def _section(page: str) -> str:
    found = re.search(r'<section class="treatment".*?</section>', page, re.DOTALL)
    assert found, "the results page shows the treatment section"
    return found.group(0)


def _at(app: FastAPI, moment: dt.datetime) -> None:
    app.state.clock = lambda: moment


def test_the_results_page_shows_the_next_visit_and_check_in(
    app: FastAPI, world: World, care: Care, client: TestClient
) -> None:
    _at(app, DURING_COURSE)
    page = client.get(f"/a/{world.token_a}/results")
    assert page.status_code == 200
    section = _section(page.text)
    assert "Your next visit is on Monday, October 26, 2026, at 08:00 clinic time." in section
    assert "Your next check-in is due on October 26, 2026." in section  # 7 days after visit 1
    assert f'href="/a/{world.token_a}/courses">Your visits</a>' in section
    assert f'href="/a/{world.token_a}/check-in">Check in: how are you feeling?</a>' in section
    # after the alerts, before the comparison
    assert page.text.index('id="treatment"') < page.text.index('id="comparison"')


def test_a_check_in_due_now_is_said_so(app: FastAPI, world: World, care: Care, client: TestClient) -> None:
    _at(app, dt.datetime(2026, 10, 26, 15, tzinfo=dt.UTC))  # the first check-in's day
    section = _section(client.get(f"/a/{world.token_a}/results").text)
    assert "A check-in is due now." in section


def test_before_and_after_the_visits(app: FastAPI, world: World, care: Care, client: TestClient) -> None:
    _at(app, BEFORE_COURSE)
    section = _section(client.get(f"/a/{world.token_a}/results").text)
    assert "Monday, October 19, 2026, at 08:00 clinic time" not in section  # visit 1 is done already
    assert "Your next visit is on Wednesday, October 21, 2026, at 08:00 clinic time." in section
    _at(app, dt.datetime(2027, 1, 4, 12, tzinfo=dt.UTC))
    section = _section(client.get(f"/a/{world.token_a}/results").text)
    assert "You have no more visits planned." in section


def test_the_section_reads_at_grade_8_or_lower(
    app: FastAPI, world: World, care: Care, client: TestClient
) -> None:
    for moment in (BEFORE_COURSE, dt.datetime(2026, 10, 26, 15, tzinfo=dt.UTC), dt.datetime(2027, 1, 4)):
        _at(app, moment.replace(tzinfo=dt.UTC))
        section = _section(client.get(f"/a/{world.token_a}/results").text)
        for block in re.findall(r"<(?:p|li|h2)[^>]*>(.*?)</(?:p|li|h2)>", section, re.DOTALL):
            words = " ".join(re.sub(r"<[^>]+>", " ", block).split())
            assert textstat.flesch_kincaid_grade(words) <= 8, words


def test_not_shown_without_a_course(app: FastAPI, world: World, client: TestClient) -> None:
    page = client.get(f"/a/{world.token_a}/results").text
    assert 'id="treatment"' not in page
    assert "/check-in" not in page


def test_not_in_the_print_view(app: FastAPI, world: World, care: Care, client: TestClient) -> None:
    assert 'id="treatment"' not in client.get(f"/a/{world.token_a}/print").text


def test_the_results_page_still_writes_one_read_of_the_assessment(
    app: FastAPI, world: World, care: Care, client: TestClient
) -> None:
    with app.state.sessions() as session:
        before = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
    assert client.get(f"/a/{world.token_a}/results").status_code == 200
    with app.state.sessions() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.record_type, AuditEvent.record_id).where(
                AuditEvent.seq > before
            )
        ).all()
    assert [tuple(r) for r in rows] == [("read", "assessment", world.assessment_a)]
