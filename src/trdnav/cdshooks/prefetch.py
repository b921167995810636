"""The record a hook call is about: its prefetch, and what is missing fetched from ``fhirServer``.

Per CDS Hooks 2.0, a prefetch key the client could not fill is left out or sent as null; the service
then queries the client's FHIR server with the ``fhirAuthorization`` bearer token. Each query has a
timeout and one retry (a connection error, a timeout or a 5xx answer); Bundle ``next`` links are
followed up to a page limit. When a key is neither prefetched nor fetchable, `MissingData` names it
(the route answers 412 Precondition Failed). Errors name the prefetch key and the HTTP status only:
never a resource, an id or anything else of the patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

FETCH_TIMEOUT_SECONDS = 5.0
MAX_PAGES = 20
FHIR_JSON = "application/fhir+json"


class MissingData(Exception):
    """A prefetch key that was not sent and could not be fetched; the message names only the key."""

    def __init__(self, key: str, why: str) -> None:
        self.key = key
        self.why = why
        super().__init__(f"prefetch {key!r}: {why}")


@dataclass(frozen=True)
class FhirAccess:
    """The client's FHIR server and its bearer token (``fhirServer``, ``fhirAuthorization``)."""

    base: str
    token: str | None
    transport: httpx.BaseTransport | None = None
    """Tests may pass an in-process transport; by default real HTTP."""


def _query(template: str, context: Mapping[str, Any]) -> str:
    query = template
    for name, value in context.items():
        if isinstance(value, str):
            query = query.replace("{{context." + name + "}}", value)
    if "{{" in query:
        raise MissingData(query.split("?", 1)[0], "the hook context lacks a value this query needs")
    return query


def _get(client: httpx.Client, url: str, key: str) -> Mapping[str, Any]:
    last = ""
    for _ in range(2):  # one retry
        try:
            response = client.get(url)
        except httpx.TransportError as error:
            last = f"the FHIR server could not be reached ({type(error).__name__})"
            continue
        if response.status_code >= 500:
            last = f"the FHIR server answered {response.status_code}"
            continue
        if response.status_code != 200:
            raise MissingData(key, f"the FHIR server answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise MissingData(key, "the FHIR server's answer is not JSON") from None
        if not isinstance(body, Mapping):
            raise MissingData(key, "the FHIR server's answer is not a FHIR resource")
        return body
    raise MissingData(key, last + " (tried twice)")


def _fetch(access: FhirAccess, key: str, query: str) -> list[Mapping[str, Any]]:
    headers = {"Accept": FHIR_JSON}
    if access.token:
        headers["Authorization"] = f"Bearer {access.token}"
    with httpx.Client(
        timeout=FETCH_TIMEOUT_SECONDS, headers=headers, transport=access.transport, follow_redirects=False
    ) as client:
        url: str | None = access.base.rstrip("/") + "/" + query
        found: list[Mapping[str, Any]] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return found
            body = _get(client, url, key)
            found += resources_of(body)
            url = next(
                (
                    link.get("url")
                    for link in body.get("link", [])
                    if isinstance(link, Mapping) and link.get("relation") == "next"
                ),
                None,
            )
        raise MissingData(key, f"the FHIR server's search has more than {MAX_PAGES} pages")


def resources_of(value: object) -> list[Mapping[str, Any]]:
    """The resources of a prefetch value: a Bundle's entries, or the resource itself."""
    if not isinstance(value, Mapping):
        return []
    if value.get("resourceType") == "Bundle":
        return [
            entry["resource"]
            for entry in value.get("entry", []) or []
            if isinstance(entry, Mapping) and isinstance(entry.get("resource"), Mapping)
        ]
    return [value] if isinstance(value.get("resourceType"), str) else []


def gather(
    templates: Mapping[str, str],
    prefetch: Mapping[str, Any] | None,
    context: Mapping[str, Any],
    access: FhirAccess | None,
) -> list[Mapping[str, Any]]:
    """Every resource the templates ask for: prefetched where sent, fetched where not."""
    sent = prefetch or {}
    resources: list[Mapping[str, Any]] = []
    for key, template in templates.items():
        value = sent.get(key)
        if value is not None:
            resources += resources_of(value)
        elif access is None:
            raise MissingData(key, "not prefetched, and the request has no fhirServer to fetch it from")
        else:
            resources += _fetch(access, key, _query(template, context))
    return resources
