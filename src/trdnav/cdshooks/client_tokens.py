"""The CDS client's signed JWT, checked as CDS Hooks 2.0 "Trusting CDS Clients" asks.

A token is accepted only when all of these hold:
- its header's ``alg`` is RS384 or ES384 (``none`` and shared-secret HS* are refused);
- its ``iss`` is a trusted client (`trdnav.store.cds_clients`), which also says the clinic;
- a ``jku`` header, if any, is the JWKS URL registered for that client;
- the signature verifies with the client's key (``kid``; the only key when there is one), from its
  registered JWK Set or from its JWKS URL (cached for `JWKS_TTL_SECONDS`, fetched again once when
  the ``kid`` is unknown: keys rotate);
- ``aud`` is the URL of the endpoint called; ``exp``, ``iat`` and ``jti`` are present; ``exp`` is
  not past (`LEEWAY_SECONDS` for clock skew); the ``jti`` has not been used by the issuer before
  (the caller records it).
`CdsTokenError.reason` says which check failed, in words that hold nothing of the request body.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

ALGORITHMS = ("RS384", "ES384")
LEEWAY_SECONDS = 30
JWKS_TTL_SECONDS = 300
JWKS_TIMEOUT_SECONDS = 5.0
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti"]


class CdsTokenError(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class TrustedClient:
    id: int
    clinic_id: int
    issuer: str
    jwks: Mapping[str, Any] | None
    jwks_url: str | None


@dataclass(frozen=True)
class VerifiedToken:
    client: TrustedClient
    jti: str
    expires_at: float


class JwksCache:
    """JWK Sets fetched from client URLs, kept for a while (one per process)."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._sets: dict[str, tuple[float, Mapping[str, Any]]] = {}
        self._lock = threading.Lock()
        self.transport = transport

    def get(self, url: str, *, fresh: bool = False) -> Mapping[str, Any]:
        with self._lock:
            cached = self._sets.get(url)
        if cached is not None and not fresh and time.monotonic() - cached[0] < JWKS_TTL_SECONDS:
            return cached[1]
        try:
            with httpx.Client(timeout=JWKS_TIMEOUT_SECONDS, transport=self.transport) as client:
                response = client.get(url, headers={"Accept": "application/json"})
            body = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            body = None
        if not isinstance(body, Mapping) or not isinstance(body.get("keys"), list):
            raise CdsTokenError("the client's JWKS URL did not give a JWK Set")
        with self._lock:
            self._sets[url] = (time.monotonic(), body)
        return body


def _key_in(jwks: Mapping[str, Any], kid: str | None, alg: str) -> jwt.PyJWK | None:
    keys = [k for k in jwks.get("keys", []) if isinstance(k, Mapping)]
    chosen = [k for k in keys if k.get("kid") == kid] if kid is not None else keys
    if len(chosen) != 1:
        return None
    try:
        return jwt.PyJWK(dict(chosen[0]), algorithm=alg)
    except jwt.PyJWTError:
        return None


def _signing_key(client: TrustedClient, kid: str | None, alg: str, cache: JwksCache) -> jwt.PyJWK:
    if client.jwks is not None:
        key = _key_in(client.jwks, kid, alg)
    else:
        assert client.jwks_url is not None
        key = _key_in(cache.get(client.jwks_url), kid, alg)
        if key is None:  # a rotated key: look once more
            key = _key_in(cache.get(client.jwks_url, fresh=True), kid, alg)
    if key is None:
        raise CdsTokenError("no key of the client matches the token's kid")
    return key


def verify(
    token: str,
    audience: str,
    trusted: Callable[[str], TrustedClient | None],
    cache: JwksCache,
) -> VerifiedToken:
    """Check a bearer token for a call to ``audience``; raise `CdsTokenError` saying why not."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise CdsTokenError("the bearer token is not a JWT") from None
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise CdsTokenError(f"the token's algorithm must be one of {', '.join(ALGORITHMS)}")
    issuer = unverified.get("iss")
    client = trusted(issuer) if isinstance(issuer, str) else None
    if client is None:
        raise CdsTokenError("the token's issuer is not a trusted CDS client")
    jku = header.get("jku")
    if jku is not None and jku != client.jwks_url:
        raise CdsTokenError("the token's jku is not the JWKS URL registered for its issuer")
    kid = header.get("kid")
    key = _signing_key(client, kid if isinstance(kid, str) else None, str(alg), cache)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[str(alg)],
            audience=audience,
            issuer=client.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise CdsTokenError("the token has expired") from None
    except jwt.InvalidAudienceError:
        raise CdsTokenError("the token's aud is not the URL of the endpoint called") from None
    except jwt.MissingRequiredClaimError as error:
        raise CdsTokenError(f"the token lacks the {error.claim} claim") from None
    except jwt.InvalidSignatureError:
        raise CdsTokenError("the token's signature does not verify") from None
    except jwt.PyJWTError:
        raise CdsTokenError("the token is not valid") from None
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > 200:
        raise CdsTokenError("the token's jti must be a string of 1 to 200 characters")
    return VerifiedToken(client=client, jti=jti, expires_at=float(claims["exp"]))
