"""Stored moments: every datetime column gives back an aware moment in UTC on SQLite and PostgreSQL,
converts aware moments in other zones to UTC, and refuses a naive moment rather than guess its zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from trdnav.store.models import Base, LoginFailure, UTCDateTime

NEW_YORK = ZoneInfo("America/New_York")


def test_every_datetime_column_is_utc_aware() -> None:
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if column.type.python_type is dt.datetime:
                assert isinstance(column.type, UTCDateTime), f"{table.name}.{column.name}"


def test_a_stored_moment_comes_back_aware_in_utc(sessions: sessionmaker[Session]) -> None:
    in_new_york = dt.datetime(2026, 3, 3, 9, 0, tzinfo=NEW_YORK)
    with sessions.begin() as session:
        session.add(LoginFailure(address="203.0.113.9", at=in_new_york))
    with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":  # answers come in the connection's zone
            session.execute(text("SET TIME ZONE 'Asia/Tokyo'"))
        stored = session.scalars(select(LoginFailure.at)).one()
    assert stored.tzinfo is dt.UTC
    assert stored == dt.datetime(2026, 3, 3, 14, 0, tzinfo=dt.UTC)


def test_queries_compare_moments_in_utc(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add(LoginFailure(address="203.0.113.9", at=dt.datetime(2026, 3, 3, 14, 0, tzinfo=dt.UTC)))
    with sessions() as session:
        just_before = dt.datetime(2026, 3, 3, 8, 59, tzinfo=NEW_YORK)  # 13:59 UTC
        just_after = dt.datetime(2026, 3, 3, 9, 1, tzinfo=NEW_YORK)  # 14:01 UTC
        assert session.scalars(select(LoginFailure).where(LoginFailure.at > just_before)).all() != []
        assert session.scalars(select(LoginFailure).where(LoginFailure.at > just_after)).all() == []


def test_a_naive_moment_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        session.add(LoginFailure(address="203.0.113.9", at=dt.datetime(2026, 3, 3, 9, 0)))
        with pytest.raises(StatementError, match="expected an aware datetime"):
            session.flush()
