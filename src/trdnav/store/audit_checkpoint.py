"""Signed checkpoints of the audit trail: where it had got to, kept somewhere else.

A checkpoint is a small JSON document (the sequence number and hash of the newest entry, the time,
the id of the audit key, and an HMAC-SHA256 signature over them with that key). Kept away from the
database (another host, write-once storage), it catches what the chain alone cannot: the newest
entries cut off and the head moved back, or the whole database rolled back to a backup. The trail
reaches a checkpoint when its entry at the checkpoint's sequence number still has that hash; since
each hash chains every entry before it, the whole trail up to the checkpoint is then unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.store.audit import keyring_of
from trdnav.store.audit_keys import AuditKeyring
from trdnav.store.models import AuditEvent, AuditHead

FORMAT = "trdnav-audit-checkpoint/1"
_FIELDS = ("format", "seq", "hash", "at", "key_id")


class CheckpointError(ValueError):
    """The checkpoint file cannot be read as one (a problem with the file, not with the trail)."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    at: dt.datetime
    key_id: str
    signature: str

    def fields(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at.isoformat(timespec="seconds"),
            "key_id": self.key_id,
        }

    def to_json(self) -> str:
        return json.dumps({**self.fields(), "signature": self.signature}, indent=2) + "\n"


def _signature(secret: bytes, fields: dict[str, Any]) -> str:
    message = FORMAT + "\n" + json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).hexdigest()


def make_checkpoint(session: Session, moment: dt.datetime, keyring: AuditKeyring | None = None) -> Checkpoint:
    """A checkpoint of the trail's newest entry, signed with the current key."""
    keyring = keyring or keyring_of(session)
    head = session.get(AuditHead, 1)
    seq, digest = (head.seq, head.hash) if head is not None else (0, "")
    secret = keyring.secret(keyring.current)
    assert secret is not None  # a keyring always holds its current key
    at = moment.astimezone(dt.UTC)
    unsigned = Checkpoint(seq=seq, hash=digest, at=at, key_id=keyring.current, signature="")
    return replace(unsigned, signature=_signature(secret, unsigned.fields()))


def read_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint file; `CheckpointError` says what is wrong with it."""
    try:
        document = json.loads(text)
    except ValueError:
        raise CheckpointError("not JSON; expected a file written by `trdnav audit checkpoint`") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CheckpointError(f'not an audit checkpoint; expected JSON with "format": "{FORMAT}"')
    try:
        checkpoint = Checkpoint(
            seq=document["seq"],
            hash=document["hash"],
            at=dt.datetime.fromisoformat(document["at"]),
            key_id=document["key_id"],
            signature=document["signature"],
        )
    except (KeyError, TypeError, ValueError):
        fields = ", ".join((*_FIELDS, "signature"))
        raise CheckpointError(f"a field is missing or malformed; expected {fields}") from None
    texts = (checkpoint.hash, checkpoint.key_id, checkpoint.signature)
    if not (isinstance(checkpoint.seq, int) and all(isinstance(value, str) for value in texts)):
        raise CheckpointError("seq must be a whole number and hash, key_id and signature text")
    return checkpoint


def check_checkpoint(
    session: Session, checkpoint: Checkpoint, keyring: AuditKeyring | None = None
) -> list[str]:
    """Why the trail does not reach ``checkpoint`` (or the checkpoint is not genuine); empty when it does."""
    keyring = keyring or keyring_of(session)
    secret = keyring.secret(checkpoint.key_id)
    if secret is None:
        return [
            f"the checkpoint was signed with key {checkpoint.key_id}, which is not in the keyring "
            "(TRDNAV_AUDIT_KEY, TRDNAV_AUDIT_KEYS_FILE): it cannot be checked"
        ]
    if not hmac.compare_digest(_signature(secret, checkpoint.fields()), checkpoint.signature):
        return [
            "the checkpoint's signature is wrong: the file was altered, or not signed with this "
            "installation's key"
        ]
    when = checkpoint.at.isoformat(timespec="seconds")
    if checkpoint.seq == 0:
        return []
    entry = session.scalars(select(AuditEvent).where(AuditEvent.seq == checkpoint.seq)).first()
    if entry is None:
        head = session.get(AuditHead, 1)
        newest = head.seq if head is not None else 0
        return [
            f"the trail no longer reaches the checkpoint of {when}: that checkpoint saw entry "
            f"{checkpoint.seq}, the trail now ends at entry {newest} (entries were cut off or the "
            "database was rolled back)"
        ]
    if entry.hash != checkpoint.hash:
        return [
            f"entry {checkpoint.seq} no longer matches the checkpoint of {when}: the trail up to it "
            "was rewritten"
        ]
    return []
