"""The CDS clients (EHRs) a clinic trusts, and the JWT ids already used (replay protection).

Adding and removing a client is audited. A client is known by its JWT issuer (unique across
clinics: the issuer tells the service which clinic is calling) and has either its JWK Set (public
keys only, checked here) or the URL it publishes it at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.models import CdsClient, CdsTokenUse, Clinic

KEY_TYPES = {"RSA": "RS384", "EC": "ES384"}
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")


class CdsClientError(ValueError):
    """A client that cannot be added: `field` names what was wrong, the message says what was expected."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def check_jwks(jwks: object) -> dict[str, Any]:
    """A JWK Set of public RSA or EC keys, or `CdsClientError` saying what is wrong."""
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise CdsClientError("jwks", 'expected a JWK Set: a JSON object with a non-empty "keys" list')
    for index, key in enumerate(jwks["keys"]):
        where = f"jwks.keys[{index}]"
        if not isinstance(key, Mapping):
            raise CdsClientError(where, "expected a JSON object (a JWK)")
        if key.get("kty") not in KEY_TYPES:
            raise CdsClientError(
                f"{where}.kty", f"expected RSA or EC (for RS384 or ES384), got {key.get('kty')!r}"
            )
        private = [m for m in PRIVATE_MEMBERS if m in key]
        if private:
            raise CdsClientError(
                where,
                "holds private key material; register the public key only (drop " + ", ".join(private) + ")",
            )
        if key["kty"] == "EC" and key.get("crv") != "P-384":
            raise CdsClientError(f"{where}.crv", f"expected P-384 (ES384), got {key.get('crv')!r}")
        if key.get("alg") not in (None, "RS384", "ES384", "RS256", "ES256", "RS512", "ES512"):
            raise CdsClientError(f"{where}.alg", f"expected RS384 or ES384, got {key.get('alg')!r}")
    return dict(jwks)


def check_jwks_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise CdsClientError("jwks_url", "expected an https:// URL where the client publishes its JWK Set")
    return url


def check_issuer(issuer: str) -> str:
    issuer = issuer.strip()
    if not issuer or len(issuer) > 300:
        raise CdsClientError("issuer", "expected the client's JWT issuer (iss), 1 to 300 characters")
    return issuer


def add_client(
    session: Session,
    actor: audit.Actor,
    clinic: Clinic,
    issuer: str,
    *,
    jwks: object | None = None,
    jwks_url: str | None = None,
) -> CdsClient:
    """Trust a CDS client for the clinic: exactly one of ``jwks`` and ``jwks_url``."""
    issuer = check_issuer(issuer)
    if (jwks is None) == (jwks_url is None):
        raise CdsClientError("jwks", "give either the client's JWK Set or its JWKS URL (one of the two)")
    client = CdsClient(
        clinic_id=clinic.id,
        issuer=issuer,
        jwks=check_jwks(jwks) if jwks is not None else None,
        jwks_url=check_jwks_url(jwks_url) if jwks_url is not None else None,
        added_by=actor.staff_id,
    )
    if session.scalar(select(CdsClient.id).where(CdsClient.issuer == issuer)) is not None:
        raise CdsClientError("issuer", "is already trusted (by this or another clinic); remove it first")
    session.add(client)
    try:
        session.flush()
    except IntegrityError:
        raise CdsClientError("issuer", "is already trusted (by this or another clinic)") from None
    audit.record(session, actor, "create", "cds_client", client.id, clinic_id=clinic.id)
    return client


def clients_of(session: Session, clinic_id: int | None = None) -> list[CdsClient]:
    query = select(CdsClient).order_by(CdsClient.clinic_id, CdsClient.issuer)
    if clinic_id is not None:
        query = query.where(CdsClient.clinic_id == clinic_id)
    return list(session.scalars(query))


def remove_client(session: Session, actor: audit.Actor, clinic_id: int, issuer: str) -> bool:
    client = session.scalar(
        select(CdsClient).where(CdsClient.clinic_id == clinic_id, CdsClient.issuer == issuer)
    )
    if client is None:
        return False
    audit.record(session, actor, "delete", "cds_client", client.id, clinic_id=clinic_id)
    session.delete(client)
    session.flush()
    return True


def client_by_issuer(session: Session, issuer: str) -> CdsClient | None:
    return session.scalar(select(CdsClient).where(CdsClient.issuer == issuer))


def accept_call(
    session: Session,
    actor: audit.Actor,
    client_id: int,
    jti: str,
    expires_at: dt.datetime,
    now: dt.datetime,
    *,
    action: str,
    service: str,
) -> bool:
    """A verified client's call: its JWT id is recorded and the call audited (``action`` "call" or
    "feedback", the service id as detail); False, with nothing recorded, when the id was used before
    (a replay). Expired ids are pruned."""
    client = session.get(CdsClient, client_id)
    if client is None or not _use_token_id(session, client.issuer, jti, expires_at, now):
        return False
    audit.record(session, actor, action, "cds_call", client_id, clinic_id=client.clinic_id, detail=service)
    return True


def refuse_call(session: Session, address: str) -> None:
    """Audit a call refused for its token (who sent it is unknown: no clinic, no client)."""
    actor = audit.Actor(kind="anonymous", role="anonymous", address=address)
    audit.record(session, actor, "refused", "cds_call", None, detail="invalid_token")


def _use_token_id(session: Session, issuer: str, jti: str, expires_at: dt.datetime, now: dt.datetime) -> bool:
    """Record a JWT id; False when the issuer already used it (a replay). Expired ids are pruned."""
    session.execute(delete(CdsTokenUse).where(CdsTokenUse.expires_at < now))
    seen = session.scalar(select(CdsTokenUse.id).where(CdsTokenUse.issuer == issuer, CdsTokenUse.jti == jti))
    if seen is not None:
        return False
    session.add(CdsTokenUse(issuer=issuer, jti=jti, expires_at=expires_at))
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        return False
    return True
