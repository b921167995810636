"""What the routes of every audience share, declared once: the database session, the settings, the
knowledge base and the clock (``Now``), and the private link's assessment with its audit entries.

The clock is ``app.state.clock`` (set by ``create_app``, a callable returning an aware UTC datetime),
so a test sets the app's time instead of patching a module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.models import Assessment
from trdnav.store.private_links import ClosedLink, open_link
from trdnav.store.repository import record_link_opened, record_link_read
from trdnav.store.secrets_at_rest import Keyring
from trdnav.web.clinic_view import clinic_view


def db_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    with request.app.state.sessions.begin() as session:
        yield session


def knowledge(request: Request) -> KnowledgeBase:
    kb: KnowledgeBase = request.app.state.kb
    return kb


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def keyring_of(request: Request) -> Keyring:
    """The installation's encryption keys (`trdnav.store.secrets_at_rest`), built once by the app."""
    value: Keyring = request.app.state.keyring
    return value


def current_time(request: Request) -> dt.datetime:
    """The request's moment from the app's clock (aware, UTC)."""
    clock: Callable[[], dt.datetime] = request.app.state.clock
    return clock()


DbSession = Annotated[Session, Depends(db_session, scope="function")]
Knowledge = Annotated[KnowledgeBase, Depends(knowledge)]
AppSettings = Annotated[Settings, Depends(settings)]
Now = Annotated[dt.datetime, Depends(current_time)]


def link_holder(request: Request, clinic_id: int | None = None) -> audit.Actor:
    """The holder of a private link, for the audit trail."""
    return audit.Actor(
        kind="patient",
        role="link_holder",
        clinic_id=clinic_id,
        address=request.client.host if request.client else "",
    )


def patient_actor(request: Request, assessment: Assessment) -> audit.Actor:
    """The holder of an assessment's private link, for the audit trail."""
    return link_holder(request, assessment.clinic_id)


def audit_patient(
    request: Request,
    session: Session,
    assessment: Assessment,
    action: str,
    record_type: str = "assessment",
    record_id: int | None = None,
) -> None:
    """Record what the link holder read or exported; ``record_id`` defaults to the assessment's.
    (Changes are recorded by the store functions that make them.)"""
    record_link_read(session, patient_actor(request, assessment), assessment, action, record_type, record_id)


class LinkClosed(HTTPException):
    """A private link that no longer opens its assessment (410): the page says why, in plain words,
    and how to get a new link (the clinic's name and contact details); never the assessment."""

    def __init__(self, heading: str, message: str, contact: str) -> None:
        super().__init__(status_code=410, detail=message)
        self.heading = heading
        self.contact = contact


def _closed(request: Request, closed: ClosedLink) -> LinkClosed:
    clinic = clinic_view(closed.assessment.clinic, settings(request))
    request.state.clinic = clinic
    if closed.reason == "expired":
        heading = "This link has expired"
        why = (
            f"To keep your answers private, this link stops working after {closed.idle_days} days "
            "without being used, and it has not been used for longer than that."
        )
    else:
        heading = "This link has been replaced" if closed.reason == "rotated" else "This link was turned off"
        why = f"{clinic.name} has {'replaced' if closed.reason == 'rotated' else 'turned off'} this link."
    if clinic.connected:
        how = f"To get a new link, contact {clinic.name}."
        contact = clinic.contact_text
    else:
        how = "Your answers can no longer be opened. You can start a new decision aid from the start page."
        contact = ""
    return LinkClosed(heading, f"{why} {how}", contact)


def open_assessment(request: Request, session: Session, token: str, action: str | None) -> Assessment | None:
    """The assessment behind a working private link, or None for unknown and malformed tokens alike;
    an expired, replaced or withdrawn link raises `LinkClosed` (410).

    Opening it is audited as ``action`` ("read", "update", ...; None when the caller records a
    more specific entry itself), and its clinic's settings apply to the pages rendered after.
    """
    found = open_link(session, token, current_time(request), settings(request).link_idle_days)
    if isinstance(found, ClosedLink):
        raise _closed(request, found)
    if found is not None:
        if action is not None:
            record_link_opened(session, link_holder(request), found, action)
        request.state.clinic = clinic_view(found.clinic, settings(request))
    return found


def assessment_or_404(request: Request, session: Session, token: str, action: str | None) -> Assessment:
    """Like `open_assessment`, with a 404 for unknown and malformed tokens."""
    assessment = open_assessment(request, session, token, action)
    if assessment is None:
        raise HTTPException(status_code=404, detail="Not found")
    return assessment
