"""The audit trail: who read or wrote which record, when, and from where; chained with a key.

Each entry's hash is an HMAC-SHA256, under a key kept outside the database (`audit_keys`), of the
previous entry's hash and the entry's own fields (the key's id among them), so editing or removing
any entry breaks the chain and `verify` names where, and someone who can write to the database but
lacks the key cannot re-chain what they changed. Cutting off the newest entries is found against a
signed checkpoint kept elsewhere (`audit_checkpoint`).

Keys change only at a rotation entry (`rotate_key`, detail: the previous key's id), chained with the
new key; a key once retired never chains again. Entries written before keys (plain SHA-256, no key
id) verify as a legacy prefix: never after a keyed entry, and a trail of legacy entries alone fails
until its first keyed entry (any write, or `trdnav audit rotate-key`) seals them.

Appends are serialised through the one-row `audit_head` table, locked for the rest of the
transaction, so the chain has no forks even under concurrent requests. Entries hold record ids,
never patient data. The keyring comes with the session (`session_factory(engine, keyring)`, in
``Session.info``); a session without one uses the public development keyring, which a production
keyring does not accept.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from trdnav.store.audit_keys import DEVELOPMENT_KEYRING, KEYRING, AuditKeyring
from trdnav.store.models import AuditEvent, AuditHead, now

GENESIS = "0" * 64
ROTATE = "rotate_key"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a staff member, a holder of a patient's private link, or the system."""

    kind: str  # "staff", "patient", "anonymous" or "system"
    role: str  # "clinician", "admin", "link_holder", "anonymous" or "system"
    staff_id: int | None = None
    clinic_id: int | None = None
    address: str = ""


SYSTEM = Actor(kind="system", role="system")


def keyring_of(session: Session) -> AuditKeyring:
    """The keyring the session was made with (`trdnav.store.database.session_factory`)."""
    keyring = session.info.get(KEYRING)
    return keyring if isinstance(keyring, AuditKeyring) else DEVELOPMENT_KEYRING


def _canonical(event: AuditEvent) -> str:
    fields: dict[str, object] = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "staff_id": event.staff_id,
        "role": event.role,
        "clinic_id": event.clinic_id,
        "record_type": event.record_type,
        "record_id": event.record_id,
        "action": event.action,
        "address": event.address,
    }
    if event.detail:  # only when given, so entries written before the column verify unchanged
        fields["detail"] = event.detail
    if event.key_id:
        fields["key_id"] = event.key_id
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def _digest(prev_hash: str, event: AuditEvent) -> str:
    """A legacy entry's hash: plain SHA-256, which anyone can recompute (kept to verify old trails)."""
    return hashlib.sha256((prev_hash + _canonical(event)).encode("utf-8")).hexdigest()


def _mac(secret: bytes, prev_hash: str, event: AuditEvent) -> str:
    """A keyed entry's hash: HMAC-SHA256 under the key that ``event.key_id`` names."""
    return hmac.new(secret, (prev_hash + _canonical(event)).encode("utf-8"), hashlib.sha256).hexdigest()


def _append(session: Session, head: AuditHead, keyring: AuditKeyring, event: AuditEvent) -> AuditEvent:
    secret = keyring.secret(keyring.current)
    assert secret is not None  # a keyring always holds its current key
    event.seq, event.prev_hash, event.key_id = head.seq + 1, head.hash, keyring.current
    event.hash = _mac(secret, head.hash, event)
    session.add(event)
    head.seq, head.hash, head.key_id = event.seq, event.hash, event.key_id
    session.flush()
    return event


def _locked_head(session: Session) -> AuditHead:
    """The chain head, locked for the rest of the transaction; a rotation entry first when the last
    entry was chained with another key (or none: the legacy prefix), so every key starts at one."""
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    keyring = keyring_of(session)
    if head.seq > 0 and head.key_id != keyring.current:
        rotation = AuditEvent(
            at=now(),
            actor=SYSTEM.kind,
            staff_id=None,
            role=SYSTEM.role,
            clinic_id=None,
            record_type="audit_key",
            record_id=None,
            action=ROTATE,
            address="",
            detail=head.key_id,
        )
        _append(session, head, keyring, rotation)
    return head


def rotate_key(session: Session) -> AuditEvent | None:
    """Start chaining with the keyring's current key now (the rotation entry), if the last entry
    was chained with another; None when it already is (or the trail is empty)."""
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    before = head.seq
    _locked_head(session)
    if head.seq == before:
        return None
    return session.scalars(select(AuditEvent).where(AuditEvent.seq == head.seq)).one()


def missing_key(session: Session, keyring: AuditKeyring) -> str | None:
    """Why the installation must not write with ``keyring`` (the newest entry's key is not in it, so
    rotating away from it would leave entries no one can verify), or None."""
    last = head_key(session)
    if not last or keyring.secret(last) is not None:
        return None
    return (
        f"TRDNAV_AUDIT_KEYS_FILE: the audit trail's newest entries were chained with key {last}, which is "
        "neither TRDNAV_AUDIT_KEY nor in TRDNAV_AUDIT_KEYS_FILE; put that key back (as TRDNAV_AUDIT_KEY, "
        "or in the keys file when rotating) so the trail stays verifiable"
    )


def head_key(session: Session) -> str:
    """The id of the key that chained the newest entry ("" when none did)."""
    head = session.get(AuditHead, 1)
    return head.key_id if head is not None else ""


def record(
    session: Session,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: int | None,
    *,
    clinic_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append one entry in the caller's transaction: it is kept exactly when the change is.

    ``clinic_id`` is the clinic the record belongs to (default: the actor's clinic). ``detail`` is a
    knowledge-base id saying what the change was (an alert's outcome), never patient data.
    """
    head = _locked_head(session)
    event = AuditEvent(
        at=now(),
        actor=actor.kind,
        staff_id=actor.staff_id,
        role=actor.role,
        clinic_id=clinic_id if clinic_id is not None else actor.clinic_id,
        record_type=record_type,
        record_id=record_id,
        action=action,
        address=actor.address[:64],
        detail=detail[:60],
    )
    return _append(session, head, keyring_of(session), event)


READ_ACTIONS = ("read", "export")


def record_read(
    session: Session,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: int | None,
    *,
    clinic_id: int | None = None,
) -> AuditEvent:
    """Record a read or an export (it changes nothing, so no store write goes with it).

    Changes are recorded by the store function that makes them, in the same transaction; this
    refuses any other action, so a change cannot be recorded apart from the change itself.
    """
    if action not in READ_ACTIONS:
        raise ValueError(f"action: record_read records {' or '.join(READ_ACTIONS)}, not {action!r}")
    return record(session, actor, action, record_type, record_id, clinic_id=clinic_id)


def trail_page(
    session: Session,
    actor: Actor,
    clinic_id: int | None,
    *,
    action: str = "",
    record_type: str = "",
    page: int = 1,
    size: int = 100,
) -> tuple[list[AuditEvent], int]:
    """One page of a clinic's entries, newest first, filtered by action and record type when given,
    with how many match; reading the trail is itself recorded (first, so it is on the page)."""
    record_read(session, actor, "read", "audit_trail", None, clinic_id=clinic_id)
    conditions: list[ColumnElement[bool]] = [AuditEvent.clinic_id == clinic_id]
    if action:
        conditions.append(AuditEvent.action == action)
    if record_type:
        conditions.append(AuditEvent.record_type == record_type)
    total = session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0
    entries = session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.seq.desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return list(entries), total


def export_csv(session: Session, actor: Actor, out: IO[str], clinic_id: int) -> int:
    """Write a clinic's whole trail as CSV (`write_csv`), up to and including the entry recording
    this export; return how many entries were written."""
    record_read(session, actor, "export", "audit_trail", None, clinic_id=clinic_id)
    return write_csv(session, out, clinic_id=clinic_id)


@dataclass(slots=True)
class _Keys:
    """What `verify` has seen of the keys so far."""

    used: list[str]
    unknown: set[str]


def _key_problem(event: AuditEvent, keys: _Keys, keyring: AuditKeyring) -> str | None:
    """Why ``event``'s key cannot chain it here, or None."""
    used = keys.used
    if not event.key_id:
        if used:
            return (
                f"entry {event.seq} is a plain SHA-256 entry after keyed ones: the trail was re-chained "
                "without the key"
            )
        return None
    if used and event.key_id != used[-1]:
        if event.key_id in used:
            return f"entry {event.seq} goes back to retired key {event.key_id}: a retired key chains nothing"
        if event.action != ROTATE or event.detail != used[-1]:
            return f"entry {event.seq} changes the key without a rotation entry: the trail was re-chained"
    elif not used and event.seq > 1 and (event.action != ROTATE or event.detail != ""):
        return f"entry {event.seq} starts the keyed chain without a rotation entry: the trail was re-chained"
    if event.key_id not in used:
        used.append(event.key_id)
    if keyring.secret(event.key_id) is None and event.key_id not in keys.unknown:
        keys.unknown.add(event.key_id)
        return (
            f"entry {event.seq} (and those after it with the same key) was chained with key {event.key_id}, "
            "which is not in the keyring (TRDNAV_AUDIT_KEY, TRDNAV_AUDIT_KEYS_FILE): they cannot be checked"
        )
    return None


def _checkable(event: AuditEvent, keyring: AuditKeyring) -> bool:
    """Whether the entry's hash can be recomputed here (a legacy one, or its key is in the ring)."""
    return not event.key_id or keyring.secret(event.key_id) is not None


def _expected_hash(event: AuditEvent, keyring: AuditKeyring) -> str:
    secret = keyring.secret(event.key_id) if event.key_id else None
    return _mac(secret, event.prev_hash, event) if secret is not None else _digest(event.prev_hash, event)


def verify(session: Session, keyring: AuditKeyring | None = None) -> list[str]:
    """Every break in the chain, in words; an empty list means the trail is intact.

    ``keyring``: every key that ever chained an entry (default: the session's)."""
    keyring = keyring or keyring_of(session)
    problems: list[str] = []
    keys = _Keys(used=[], unknown=set())
    expected_seq, prev_hash = 1, GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        if event.seq != expected_seq:
            problems.append(f"entries {expected_seq} to {event.seq - 1} are missing")
        elif event.prev_hash != prev_hash:
            problems.append(f"entry {event.seq} does not follow entry {event.seq - 1}: one was changed")
        problem = _key_problem(event, keys, keyring)
        if problem:
            problems.append(problem)
        if _checkable(event, keyring) and _expected_hash(event, keyring) != event.hash:
            problems.append(f"entry {event.seq} was edited: its contents no longer match its hash")
        expected_seq, prev_hash = event.seq + 1, event.hash
    if expected_seq > 1 and not keys.used:
        problems.append(
            f"entries 1 to {expected_seq - 1} are all plain SHA-256 entries from before the keyed chain, "
            "which anyone with database access could have rewritten: run `trdnav audit rotate-key` once "
            "to seal them under the key"
        )
    head = session.get(AuditHead, 1)
    if head is None:
        problems.append("the chain head is missing")
    elif head.seq != expected_seq - 1 or head.hash != prev_hash:
        problems.append(f"the trail ends at entry {expected_seq - 1} but {head.seq} were written")
    return problems


def legacy_entries(session: Session) -> int:
    """How many entries were written before the keyed chain (plain SHA-256)."""
    return session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.key_id == "")) or 0


def events(session: Session, clinic_id: int | None = None) -> Iterator[AuditEvent]:
    """The entries in order; only one clinic's when ``clinic_id`` is given."""
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if clinic_id is not None:
        query = query.where(AuditEvent.clinic_id == clinic_id)
    yield from session.scalars(query)


CSV_COLUMNS = (
    "seq",
    "at",
    "actor",
    "staff_id",
    "role",
    "clinic_id",
    "record_type",
    "record_id",
    "action",
    "address",
    "prev_hash",
    "hash",
    "key_id",
    "detail",
)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: one that would start a formula (``=``, ``+``, ``-``,
    ``@``, tab, carriage return; OWASP's CSV injection guidance) gets a leading single quote. An
    entry's address, for one, is whatever the client or a proxy header said."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(session: Session, out: IO[str], clinic_id: int | None = None) -> int:
    """Write the entries as CSV (RFC 4180, a header row, every cell `spreadsheet_safe`); return how
    many were written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for event in events(session, clinic_id):
        row = [getattr(event, column) for column in CSV_COLUMNS]
        row[1] = event.at.isoformat(timespec="microseconds")
        writer.writerow([spreadsheet_safe(value) for value in row])
        count += 1
    return count
