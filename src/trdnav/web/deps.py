"""Request-scoped helpers shared by the route modules."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.settings import Settings
from trdnav.store.models import Assessment
from trdnav.store.repository import find_by_token


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


def assessment_or_404(session: Session, token: str) -> Assessment:
    """The assessment behind a private link; 404 alike for unknown and malformed tokens."""
    assessment = find_by_token(session, token)
    if assessment is None:
        raise HTTPException(status_code=404, detail="Not found")
    return assessment
