"""The repository on SQLite and PostgreSQL: answers kept as given, private links, consultation requests."""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import Engine, MetaData, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from trdnav.store.models import Assessment, ConsultationRequest
from trdnav.store.private_links import TOKEN_BYTES
from trdnav.store.repository import (
    create_assessment,
    find_by_token,
    request_consultation,
    save_answers,
    save_sure,
)

ANSWERS: dict[str, Any] = {
    "age": 47,
    "conditions": ["épilepsie", "glaucoma", "日本語", "😀 emoji"],
    "failed_antidepressant_trials": 3,
    "episode_months": 0,
    "phq9": [0, 1, 2, 3, 3, 2, 1, 0, 1],
    "gad7": [3, 3, 3, 3, 3, 3, 3],
    "metal_in_head": "no",
    "insurance": "medicare",
    "needs_fast_relief": "yes",
}


def _new(sessions: sessionmaker[Session], **answers: Any) -> str:
    with sessions.begin() as session:
        _, token = create_assessment(
            session,
            therapies=["tms", "iv_ketamine"],
            knowledge_version="2026.11.0",
            contract_version=1,
            answers=answers,
        )
    return token


def _stored(sessions: sessionmaker[Session], token: str) -> Assessment:
    with sessions() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None
        assessment.consultations  # noqa: B018 - load before the session closes
        return assessment


def test_an_assessment_keeps_its_answers_exactly_as_given(sessions: sessionmaker[Session]) -> None:
    token = _new(sessions, **ANSWERS)
    stored = _stored(sessions, token)
    assert stored.answers == ANSWERS
    assert [type(stored.answers[key]) for key in ANSWERS] == [type(value) for value in ANSWERS.values()]
    assert stored.therapies == ["tms", "iv_ketamine"]
    assert (stored.knowledge_version, stored.contract_version) == ("2026.11.0", 1)
    assert (stored.last_step, stored.suicide_risk_alert, stored.sure_answers) == ("start", False, {})


def test_a_new_assessment_may_start_empty(sessions: sessionmaker[Session]) -> None:
    assert _stored(sessions, _new(sessions)).answers == {}


def test_the_private_link_has_256_random_bits_in_43_characters(sessions: sessionmaker[Session]) -> None:
    """What docs/security.md says: 32 random bytes (256 bits), 43 URL-safe base64 characters."""
    assert TOKEN_BYTES * 8 == 256
    tokens = [_new(sessions) for _ in range(20)]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token), token
        assert _stored(sessions, token) is not None


def test_only_a_hash_of_the_private_link_is_stored(engine: Engine, sessions: sessionmaker[Session]) -> None:
    token = _new(sessions, **ANSWERS)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        everything = [
            str(value)
            for table in metadata.sorted_tables
            for row in connection.execute(select(table))
            for value in row
        ]
    assert everything, "the database should hold the assessment"
    assert not any(token in value for value in everything)
    assert _stored(sessions, token).token_hash != token


def test_unknown_empty_and_overlong_links_find_nothing(sessions: sessionmaker[Session]) -> None:
    token = _new(sessions, age=30)
    with sessions() as session:
        assert find_by_token(session, secrets.token_urlsafe(TOKEN_BYTES)) is None
        assert find_by_token(session, "") is None
        assert find_by_token(session, token * 100) is None
        assert find_by_token(session, "x" * 100_000) is None
        assert find_by_token(session, token[:-1]) is None
        assert find_by_token(session, token + "A") is None
        assert find_by_token(session, token.upper() if token != token.upper() else token.lower()) is None
        found = find_by_token(session, token)
        assert found is not None and found.answers == {"age": 30}


def test_saving_a_step_merges_new_answers_and_clears_blank_ones(sessions: sessionmaker[Session]) -> None:
    token = _new(sessions, age=30, conditions=["asthma"], episode_months=12)
    with sessions.begin() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None
        save_answers(
            session,
            assessment,
            {"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 2], "age": 31},
            clear=("episode_months", "never_answered"),
            step="feelings",
            knowledge_version="2026.12.0",
            suicide_risk=True,
        )
    stored = _stored(sessions, token)
    assert stored.answers == {"age": 31, "conditions": ["asthma"], "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 2]}
    assert (stored.last_step, stored.knowledge_version, stored.suicide_risk_alert) == (
        "feelings",
        "2026.12.0",
        True,
    )


def test_an_answer_given_again_in_the_same_step_replaces_the_old_one(sessions: sessionmaker[Session]) -> None:
    token = _new(sessions, conditions=["asthma", "migraine"])
    with sessions.begin() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None
        save_answers(
            session,
            assessment,
            {"conditions": []},
            step="about",
            knowledge_version="2026.11.0",
            suicide_risk=False,
        )
    assert _stored(sessions, token).answers == {"conditions": []}


def test_sure_answers_are_stored(sessions: sessionmaker[Session]) -> None:
    token = _new(sessions)
    sure = {"sure_of_choice": "yes", "know_benefits_risks": "no", "clear_values": "yes", "support": "no"}
    with sessions.begin() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None
        save_sure(session, assessment, sure)
    assert _stored(sessions, token).sure_answers == sure


def _request(session: Session, assessment: Assessment, name: str) -> ConsultationRequest:
    return request_consultation(
        session,
        assessment,
        name=name,
        phone="+1 555 0100",
        email="zoë@example.org",
        preferred_times="Weekday mornings; not Friday",
        message="Questions about TMS — and the drive home.",
    )


def test_consultation_requests_are_stored_with_their_assessment(sessions: sessionmaker[Session]) -> None:
    token = _new(sessions)
    with sessions.begin() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None
        _request(session, assessment, "Zoë Ñúñez")
        _request(session, assessment, "Second request")
    requests = _stored(sessions, token).consultations
    assert [r.name for r in requests] == ["Zoë Ñúñez", "Second request"]
    first = requests[0]
    assert (first.phone, first.email, first.preferred_times, first.message) == (
        "+1 555 0100",
        "zoë@example.org",
        "Weekday mornings; not Friday",
        "Questions about TMS — and the drive home.",
    )


def _count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_deleting_an_assessment_deletes_its_consultation_requests(sessions: sessionmaker[Session]) -> None:
    kept, removed = _new(sessions), _new(sessions)
    with sessions.begin() as session:
        for token in (kept, removed):
            assessment = find_by_token(session, token)
            assert assessment is not None
            _request(session, assessment, token[:5])
    with sessions.begin() as session:
        session.delete(find_by_token(session, removed))
    assert _count(sessions, ConsultationRequest) == 1
    assert [r.name for r in _stored(sessions, kept).consultations] == [kept[:5]]


def test_the_database_itself_cascades_deletes(sessions: sessionmaker[Session]) -> None:
    """ON DELETE CASCADE in the schema, not only in the ORM (SQLite needs foreign_keys=ON for this)."""
    token = _new(sessions)
    with sessions.begin() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None
        _request(session, assessment, "Someone")
    with sessions.begin() as session:
        session.execute(delete(Assessment))
    assert (_count(sessions, Assessment), _count(sessions, ConsultationRequest)) == (0, 0)
