"""The stored records. Every assessment keeps its answers exactly as given."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Assessment(Base):
    """One person's answers, reachable only through its private link."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)
    knowledge_version: Mapped[str] = mapped_column(String(20))
    contract_version: Mapped[int] = mapped_column(Integer)
    therapies: Mapped[list[str]] = mapped_column(JSON)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_step: Mapped[str] = mapped_column(String(40), default="start")
    suicide_risk_alert: Mapped[bool] = mapped_column(Boolean, default=False)
    sure_answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    consultations: Mapped[list[ConsultationRequest]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="ConsultationRequest.id"
    )


class ConsultationRequest(Base):
    """The seed's call to action: a request to talk with the clinic."""

    __tablename__ = "consultation_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    preferred_times: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="consultations")
