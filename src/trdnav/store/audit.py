"""The audit trail: who read or wrote which record, when, and from where; hash-chained.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields, so editing
or removing any entry (or the newest ones) breaks the chain, and `verify` names where. Appends are
serialised through the one-row `audit_head` table, locked for the rest of the transaction, so the
chain has no forks even under concurrent requests. Entries hold record ids, never patient data.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from trdnav.store.models import AuditEvent, AuditHead, now

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a staff member, a holder of a patient's private link, or the system."""

    kind: str  # "staff", "patient", "anonymous" or "system"
    role: str  # "clinician", "admin", "link_holder", "anonymous" or "system"
    staff_id: int | None = None
    clinic_id: int | None = None
    address: str = ""


SYSTEM = Actor(kind="system", role="system")


def _digest(prev_hash: str, event: AuditEvent) -> str:
    fields = {
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
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


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
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    event = AuditEvent(
        seq=head.seq + 1,
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
        prev_hash=head.hash,
    )
    event.hash = _digest(head.hash, event)
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    session.flush()
    return event


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


def verify(session: Session) -> list[str]:
    """Every break in the chain, in words; an empty list means the trail is intact."""
    problems: list[str] = []
    expected_seq, prev_hash = 1, GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        if event.seq != expected_seq:
            problems.append(f"entries {expected_seq} to {event.seq - 1} are missing")
        elif event.prev_hash != prev_hash:
            problems.append(f"entry {event.seq} does not follow entry {event.seq - 1}: one was changed")
        if _digest(event.prev_hash, event) != event.hash:
            problems.append(f"entry {event.seq} was edited: its contents no longer match its hash")
        expected_seq, prev_hash = event.seq + 1, event.hash
    head = session.get(AuditHead, 1)
    if head is None:
        problems.append("the chain head is missing")
    elif head.seq != expected_seq - 1 or head.hash != prev_hash:
        problems.append(f"the trail ends at entry {expected_seq - 1} but {head.seq} were written")
    return problems


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
