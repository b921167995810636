"""The keyed audit chain against someone who can write to the database but has no audit key.

Each attack is done as such a person would: drop the append-only triggers, change or delete rows,
then recompute ``seq``, ``prev_hash`` and ``hash`` with SHA-256 (the algorithm is public, the key is
not) and move the chain head. On SQLite and PostgreSQL, whose triggers differ.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.audit_checkpoint import check_checkpoint, make_checkpoint, read_checkpoint
from trdnav.store.audit_keys import DEVELOPMENT_KEYRING, AuditKeyring
from trdnav.store.database import session_factory
from trdnav.store.models import AuditEvent, AuditHead

KEY_A = "a-first-audit-key-of-at-least-32-characters"
KEY_B = "b-second-audit-key-of-at-least-32-characters"
RING_A = AuditKeyring.of(KEY_A)
DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"],
    "postgresql": ["DROP TRIGGER audit_events_no_change ON audit_events"],
}
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def write(engine: Engine, keyring: AuditKeyring, count: int, *, first_record: int = 1) -> None:
    with session_factory(engine, keyring).begin() as session:
        for record_id in range(first_record, first_record + count):
            audit.record(session, audit.SYSTEM, "read", "assessment", record_id, clinic_id=None)


def problems(engine: Engine, keyring: AuditKeyring) -> list[str]:
    with session_factory(engine, keyring)() as session:
        return audit.verify(session)


def drop_triggers(engine: Engine) -> None:
    with engine.begin() as connection:
        for statement in DROP_APPEND_ONLY[engine.dialect.name]:
            connection.execute(text(statement))


def rechain(engine: Engine, *, delete: int | None = None, keep_from: int = 1, legacy: bool = False) -> None:
    """Drop the triggers, delete entry ``delete``, renumber, and recompute every hash from entry
    ``keep_from`` on with SHA-256 (``legacy``: as key-less entries, i.e. a downgrade); move the head."""
    drop_triggers(engine)
    with Session(engine) as session, session.begin():
        if delete is not None:
            session.execute(text("DELETE FROM audit_events WHERE seq = :seq"), {"seq": delete})
        rows = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        prev = audit.GENESIS
        for number, event in enumerate(rows, start=1):
            event.seq = number
            if number >= keep_from:
                event.prev_hash = prev
                if legacy:
                    event.key_id = ""
                event.hash = audit._digest(prev, event)
            session.flush()
            prev = event.hash
        head = session.get(AuditHead, 1)
        assert head is not None
        head.seq, head.hash, head.key_id = len(rows), prev, rows[-1].key_id if rows else ""


@pytest.mark.parametrize("legacy", [False, True], ids=["sha256-rechained", "downgraded-to-legacy"])
def test_deleting_entries_and_rechaining_with_sha256_fails_verify(engine: Engine, legacy: bool) -> None:
    write(engine, RING_A, 5)
    assert problems(engine, RING_A) == []
    rechain(engine, delete=2, legacy=legacy)
    found = problems(engine, RING_A)
    if legacy:  # every entry now looks like one from before keys: nothing seals them
        assert any("are all plain SHA-256 entries" in problem for problem in found), found
    else:
        assert "entry 1 was edited: its contents no longer match its hash" in found


def test_a_legacy_segment_after_keyed_entries_fails(engine: Engine) -> None:
    write(engine, RING_A, 5)
    rechain(engine, delete=4, keep_from=3, legacy=True)
    found = problems(engine, RING_A)
    assert "entry 3 is a plain SHA-256 entry after keyed ones: the trail was re-chained without the key" in (
        found
    )


def _legacy_trail(engine: Engine, count: int) -> None:
    """``count`` entries as the app wrote them before keys (plain SHA-256, no key id)."""
    write(engine, RING_A, count)
    rechain(engine, legacy=True)


def test_a_legacy_prefix_verifies_once_a_rotation_entry_seals_it(engine: Engine) -> None:
    _legacy_trail(engine, 3)
    assert any("are all plain SHA-256 entries" in problem for problem in problems(engine, RING_A))
    write(engine, RING_A, 1, first_record=10)
    with session_factory(engine, RING_A)() as session:
        entries = list(audit.events(session))
        assert [(e.seq, e.key_id, e.action, e.detail) for e in entries[2:]] == [
            (3, "", "read", ""),
            (4, RING_A.current, "rotate_key", ""),
            (5, RING_A.current, "read", ""),
        ]
        assert audit.verify(session) == []
        assert audit.legacy_entries(session) == 3


def test_rotating_the_key_needs_the_old_one_to_verify_and_a_retired_key_chains_nothing(
    engine: Engine,
) -> None:
    write(engine, RING_A, 3)
    ring_b = AuditKeyring.of(KEY_B, KEY_A)
    with session_factory(engine, ring_b).begin() as session:
        assert audit.missing_key(session, ring_b) is None
        assert audit.missing_key(session, AuditKeyring.of(KEY_B)) is not None  # KEY_A would be lost
        rotation = audit.rotate_key(session)
        assert rotation is not None and (rotation.seq, rotation.detail) == (4, RING_A.current)
        assert audit.rotate_key(session) is None  # already chained with B
    write(engine, ring_b, 2)
    assert problems(engine, ring_b) == []
    without_a = problems(engine, AuditKeyring.of(KEY_B))
    assert any(f"chained with key {RING_A.current}, which is not in the keyring" in p for p in without_a)
    # Someone holding the retired key A (leaked, say) appends with it: found.
    write(engine, AuditKeyring.of(KEY_A, KEY_B), 1)
    assert any("goes back to retired key" in p for p in problems(engine, ring_b))


def test_entries_chained_with_the_development_key_fail_under_a_production_keyring(engine: Engine) -> None:
    write(engine, DEVELOPMENT_KEYRING, 2)
    assert problems(engine, DEVELOPMENT_KEYRING) == []
    assert any("not in the keyring" in p for p in problems(engine, RING_A))


def test_a_checkpoint_round_trips_and_catches_truncation_and_forgery(engine: Engine) -> None:
    write(engine, RING_A, 5)
    with session_factory(engine, RING_A)() as session:
        saved = read_checkpoint(make_checkpoint(session, NOW).to_json())
        assert (saved.seq, saved.key_id, saved.at) == (5, RING_A.current, NOW)
        assert check_checkpoint(session, saved) == []
        forged = read_checkpoint(saved.to_json().replace('"seq": 5', '"seq": 4'))
        assert "signature is wrong" in check_checkpoint(session, forged)[0]
        assert "not in the keyring" in check_checkpoint(session, saved, AuditKeyring.of(KEY_B))[0]
    write(engine, RING_A, 2, first_record=20)
    with session_factory(engine, RING_A)() as session:
        assert check_checkpoint(session, saved) == []  # later entries do not matter
    # Cut off the newest entries (6, 7 and the checkpoint's 5) and move the head back to entry 4.
    drop_triggers(engine)
    with Session(engine) as session, session.begin():
        session.execute(text("DELETE FROM audit_events WHERE seq >= 5"))
        four = session.scalars(select(AuditEvent).where(AuditEvent.seq == 4)).one()
        session.execute(text("UPDATE audit_head SET seq = 4, hash = :hash"), {"hash": four.hash})
    assert problems(engine, RING_A) == []  # the chain alone cannot tell
    with session_factory(engine, RING_A)() as session:
        [found] = check_checkpoint(session, saved)
    assert "no longer reaches the checkpoint" in found
    assert "saw entry 5" in found and "ends at entry 4" in found


def test_a_rewritten_past_no_longer_matches_the_checkpoint(engine: Engine) -> None:
    write(engine, RING_A, 5)
    with session_factory(engine, RING_A)() as session:
        saved = make_checkpoint(session, NOW)
    rechain(engine, delete=2, legacy=True)
    write(engine, RING_A, 2, first_record=30)  # the app writes on: a rotation entry seals the forgery
    assert problems(engine, RING_A) == []
    with session_factory(engine, RING_A)() as session:
        [found] = check_checkpoint(session, saved)
    assert "entry 5 no longer matches the checkpoint" in found
