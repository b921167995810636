"""Who is calling a CDS service: the trusted CDS client whose signed JWT the request carries.

`cds_caller` verifies ``Authorization: Bearer <JWT>`` (trdnav.cdshooks.client_tokens) against the
clients the clinics trust (trdnav.store.cds_clients), with ``aud`` the URL of the endpoint as the
client called it (behind a trusted proxy, as the proxy saw it), and records the ``jti`` so a
second use is refused; the call is audited. Anything else is `CdsRefused` (401): the answer says
which check failed and carries ``WWW-Authenticate``; it never echoes the request body. Refusals are
audited too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import Request

from trdnav.cdshooks.client_tokens import CdsTokenError, JwksCache, TrustedClient, verify
from trdnav.store import audit, cds_clients


@dataclass(frozen=True)
class CdsCaller:
    """A verified CDS client: the clinic that trusts it, its issuer and its row in the store."""

    clinic_id: int
    issuer: str
    client_id: int


class CdsRefused(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _jwks_cache(request: Request) -> JwksCache:
    cache = getattr(request.app.state, "cds_jwks_cache", None)
    if cache is None:
        cache = request.app.state.cds_jwks_cache = JwksCache()
    return cache


def endpoint_url(request: Request) -> str:
    """The URL the client called, without a query (what its JWT's ``aud`` must be)."""
    return str(request.url.replace(query=""))


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CdsTokenError("the request has no bearer token (Authorization: Bearer <JWT>)")
    return token.strip()


def cds_caller(request: Request) -> CdsCaller:
    """FastAPI dependency: the verified caller, or `CdsRefused` (answered 401)."""
    now: dt.datetime = request.app.state.clock()
    address = request.client.host if request.client else ""
    with request.app.state.sessions.begin() as session:

        def trusted(issuer: str) -> TrustedClient | None:
            row = cds_clients.client_by_issuer(session, issuer)
            if row is None:
                return None
            return TrustedClient(row.id, row.clinic_id, row.issuer, row.jwks, row.jwks_url)

        try:
            token = verify(_bearer(request), endpoint_url(request), trusted, _jwks_cache(request))
            expires = dt.datetime.fromtimestamp(token.expires_at, dt.UTC)
            actor = audit.Actor(
                kind="system", role="cds_client", clinic_id=token.client.clinic_id, address=address
            )
            action = "feedback" if request.url.path.endswith("/feedback") else "call"
            service = str(request.path_params.get("service_id", ""))[:60]
            accepted = cds_clients.accept_call(
                session, actor, token.client.id, token.jti, expires, now, action=action, service=service
            )
            if not accepted:
                raise CdsTokenError("the token's jti was used before (a replay)")
        except CdsTokenError as error:
            cds_clients.refuse_call(session, address)
            refusal = CdsRefused(error.reason)
        else:
            return CdsCaller(
                clinic_id=token.client.clinic_id, issuer=token.client.issuer, client_id=token.client.id
            )
    raise refusal
