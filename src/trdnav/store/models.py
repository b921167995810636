"""The stored records. Every assessment keeps its answers exactly as given.

Clinics own their staff and the assessments started at their intake link. Clinicians' judgements
(reviews, notes) are kept beside the engine's result, never over it. The audit trail is
append-only and hash-chained (`trdnav.store.audit`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record_name(prefill: dict[str, Any] | None) -> str:
    """The patient's name in an assessment's `record_prefill` ("" when none)."""
    return str((prefill or {}).get("name", ""))


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment stored in UTC and given back aware in UTC, on SQLite and PostgreSQL alike.

    The column stays ``DateTime(timezone=True)`` (no schema change). An aware moment in another
    zone is converted to UTC before it is stored; a naive one is refused, since which zone it meant
    cannot be known. SQLite keeps no zone, so what it gives back (naive, stored in UTC) is marked
    UTC; PostgreSQL's answer in the connection's zone is converted to UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"expected an aware datetime (with a time zone) to store, got {value!r}")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class Clinic(Base):
    """A clinic: its staff, its public intake link (``/c/{slug}/``) and its settings."""

    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    therapies: Mapped[list[str]] = mapped_column(JSON)
    crisis_title: Mapped[str] = mapped_column(Text)
    crisis_text: Mapped[str] = mapped_column(Text)
    crisis_lines: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    contact_text: Mapped[str] = mapped_column(Text, default="")
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False)
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Scheduling (course planner): where the clinic is, when it is open.
    timezone: Mapped[str] = mapped_column(String(60), default="America/New_York")  # IANA name
    country: Mapped[str] = mapped_column(String(2), default="US")  # ISO 3166-1, for public holidays
    subdivision: Mapped[str] = mapped_column(String(10), default="")  # e.g. "NY"; "" for none
    opening_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [0, 1, 2, 3, 4])  # Mon=0
    opens_at: Mapped[str] = mapped_column(String(5), default="08:00")  # local "HH:MM"
    closes_at: Mapped[str] = mapped_column(String(5), default="18:00")
    # The clinic's own price text per therapy id it offers (short plain text, checked by the form).
    prices: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    # A private link unused for this many days stops opening the assessment; None: never (chosen).
    link_idle_days: Mapped[int | None] = mapped_column(
        Integer, nullable=True, default=90, server_default="90"
    )

    staff: Mapped[list[Staff]] = relationship(back_populates="clinic", order_by="Staff.id")


class Staff(Base):
    """A clinician or an admin of one clinic. Passwords are stored as argon2 hashes only."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # "clinician" or "admin"
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(Text, nullable=True)  # encrypted: store.secrets_at_rest
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)  # no code used twice
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # slowed until
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)  # a temporary one
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    clinic: Mapped[Clinic] = relationship(back_populates="staff")


class PasswordReset(Base):
    """A one-time link an admin made for a staff member to set a new password. Only the SHA-256
    hash of its random token is stored; it works once, until ``expires_at``."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    staff: Mapped[Staff] = relationship()


class StaffSession(Base):
    """A signed-in browser. Only the hash of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    two_factor_done: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    staff: Mapped[Staff] = relationship()


class LoginFailure(Base):
    """One failed sign-in, for throttling by address (the account's own count is on `Staff`)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now, index=True)


class Assessment(Base):
    """One person's answers, reachable only through its private link."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id"), nullable=True, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)
    knowledge_version: Mapped[str] = mapped_column(String(20))
    contract_version: Mapped[int] = mapped_column(Integer)
    therapies: Mapped[list[str]] = mapped_column(JSON)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_step: Mapped[str] = mapped_column(String(40), default="start")
    suicide_risk_alert: Mapped[bool] = mapped_column(Boolean, default=False)
    sure_answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The private link (store.private_links): when last opened (to the hour; None: not since
    # created) and when staff withdrew it (None: it works).
    link_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    link_revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Answers taken from a health record when staff started the assessment from one (None: not):
    # {"patient": "Patient/id", "answers": {...}, "sources": {...}} (contract §4). They are shown
    # to the person pre-selected, with where they came from; only what the person then submits is
    # in `answers`.
    record_prefill: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    @property
    def record_name(self) -> str:
        """The name in the health record the assessment was started from ("" when none)."""
        return record_name(self.record_prefill)

    consultations: Mapped[list[ConsultationRequest]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="ConsultationRequest.id"
    )
    reviews: Mapped[list[Review]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="Review.id"
    )
    notes: Mapped[list[Note]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="Note.id"
    )
    clinic: Mapped[Clinic | None] = relationship()
    courses: Mapped[list[Course]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="Course.id"
    )
    outcome_scores: Mapped[list[OutcomeScore]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="OutcomeScore.taken_at"
    )
    alerts: Mapped[list[ClinicAlert]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="ClinicAlert.id"
    )
    email_contact: Mapped[EmailContact | None] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )
    outbox: Mapped[list[OutboxMessage]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="OutboxMessage.id"
    )


class RetiredLink(Base):
    """A private link replaced or withdrawn by staff (its hash only), kept so that whoever opens it
    is told how to get a new one instead of "not found"."""

    __tablename__ = "retired_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    retired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    reason: Mapped[str] = mapped_column(String(10))  # "rotated" or "revoked"

    assessment: Mapped[Assessment] = relationship()


class ConsultationRequest(Base):
    """The seed's call to action: a request to talk with the clinic."""

    __tablename__ = "consultation_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    preferred_times: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="new")  # new, booked, closed
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    booked_for: Mapped[str] = mapped_column(String(100), default="")

    assessment: Mapped[Assessment] = relationship(back_populates="consultations")


class Review(Base):
    """A clinician's judgement of one therapy's safety status: confirmed or overridden, with a reason.

    The engine's status at the time is kept beside it; a later review supersedes an earlier one
    for the same therapy, and every review stays on record.
    """

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    therapy: Mapped[str] = mapped_column(String(40))
    engine_status: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(40))  # the clinician's status for the therapy
    reason: Mapped[str] = mapped_column(Text)

    assessment: Mapped[Assessment] = relationship(back_populates="reviews")
    staff: Mapped[Staff] = relationship()


class Note(Base):
    """A clinician's note on an assessment."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    text: Mapped[str] = mapped_column(Text)

    assessment: Mapped[Assessment] = relationship(back_populates="notes")
    staff: Mapped[Staff] = relationship()


class Course(Base):
    """A planned course of one therapy for one assessment's patient, by a protocol of the knowledge base."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    protocol_id: Mapped[str] = mapped_column(String(60))
    start_date: Mapped[dt.date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(60))  # the clinic's at planning time
    unavailable_dates: Mapped[list[str]] = mapped_column(
        JSON, default=list
    )  # ISO dates the patient cannot come
    status: Mapped[str] = mapped_column(String(20), default="active")  # active, completed, stopped
    created_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    assessment: Mapped[Assessment] = relationship(back_populates="courses")
    visits: Mapped[list[CourseVisit]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseVisit.starts_at"
    )
    records: Mapped[list[SessionRecord]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="SessionRecord.id"
    )
    doses: Mapped[list[KetamineDose]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="KetamineDose.id"
    )


class CourseVisit(Base):
    """One planned treatment session of a course. Re-planning replaces the planned visits still to come;
    visits done or missed stay as they were."""

    __tablename__ = "course_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1-based order in the course
    phase: Mapped[str] = mapped_column(String(40), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # stored in UTC
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned, done, missed
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    course: Mapped[Course] = relationship(back_populates="visits")


class SessionRecord(Base):
    """What happened at one treatment session (IV ketamine or TMS), as the clinician recorded it.

    ``data`` holds the validated fields of the session's kind. A correction is a new record that
    ``supersedes`` the earlier one, with a reason; the original is never changed.
    """

    __tablename__ = "session_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_visits.id", ondelete="SET NULL"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # "iv_ketamine" or "tms"
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("session_records.id"), nullable=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    course: Mapped[Course] = relationship(back_populates="records")
    # Known to the ORM so that deleting a course deletes a correction before the record it corrects.
    supersedes: Mapped[SessionRecord | None] = relationship(remote_side=[id])


class KetamineDose(Base):
    """An IV ketamine dose computed and confirmed before the infusion (the record's first step).

    ``data`` holds the dose fields and the calculator's figures and arithmetic; the infusion record
    stored after the infusion names it by id. Never changed once stored."""

    __tablename__ = "ketamine_doses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_visits.id", ondelete="SET NULL"), nullable=True, index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    confirmed_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    course: Mapped[Course] = relationship(back_populates="doses")


class OutcomeScore(Base):
    """A PHQ-9 or GAD-7 taken during care: by the patient through their private link, or entered by
    a clinician. The baseline is the assessment's own answers."""

    __tablename__ = "outcome_scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), nullable=True, index=True
    )
    instrument: Mapped[str] = mapped_column(String(10))  # "phq9" or "gad7"
    item_answers: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)  # None: total only
    total: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    source: Mapped[str] = mapped_column(String(20))  # "patient" or "clinician"
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)

    assessment: Mapped[Assessment] = relationship(back_populates="outcome_scores")


class ClinicAlert(Base):
    """Something the clinic must act on at once: a suicide-risk answer during care, a seizure or other
    adverse event at a session. Open until a clinician closes it with an outcome (an id from the
    knowledge base's alert_outcomes.yaml) and a note; closed alerts stay as the alert's history."""

    __tablename__ = "clinic_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # suicide_risk, seizure, adverse_event
    source_type: Mapped[str] = mapped_column(
        String(40)
    )  # the record that raised it: outcome_score, session_record
    source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)
    attempts: Mapped[int | None] = mapped_column(Integer, nullable=True)  # tries to reach the person
    outcome_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    assessment: Mapped[Assessment] = relationship(back_populates="alerts")
    handler: Mapped[Staff | None] = relationship(foreign_keys=[handled_by])


class EmailContact(Base):
    """The e-mail address a person gave for their private link and reminders, and what they opted
    into. Kept only for that purpose; deleting it also cancels the messages still queued."""

    __tablename__ = "email_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), unique=True, index=True
    )
    address: Mapped[str] = mapped_column(String(254))
    visit_reminders: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_reminders: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    assessment: Mapped[Assessment] = relationship(back_populates="email_contact")


class OutboxMessage(Base):
    """One e-mail to send: what kind, when, how many tries and how it ended. Never its content or
    address (the address is the person's `EmailContact`); ``link`` holds a private link only while a
    link message waits to be sent, and is cleared when it is sent, fails or is cancelled."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # link, visit_reminder, checkin_reminder
    # what a reminder is about, so each is queued once: "visit:12", "checkin:2026-12-09"
    about: Mapped[str] = mapped_column(String(40), default="")
    link: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(
        String(12), default="queued", index=True
    )  # queued sent failed cancelled
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    next_try_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(80), default="")  # the error's class name only
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    assessment: Mapped[Assessment] = relationship(back_populates="outbox")


class AuditEvent(Base):
    """One read or write of patient data (or of the clinic's accounts and settings).

    Append-only: database triggers refuse UPDATE and DELETE. ``hash`` covers the entry and the
    previous entry's hash, so an edited or removed entry breaks the chain (`trdnav audit verify`).
    Entries name records by id and never hold patient data.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    actor: Mapped[str] = mapped_column(String(20))  # staff, patient, anonymous, system
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role: Mapped[str] = mapped_column(String(20))  # clinician, admin, link_holder, anonymous, system
    clinic_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(64), default="")
    # A knowledge-base id that says what the change was (an alert's outcome); never patient data.
    detail: Mapped[str] = mapped_column(String(60), default="", server_default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The id of the audit key whose HMAC chained the entry ("": a plain SHA-256 entry from before keys).
    key_id: Mapped[str] = mapped_column(String(16), default="", server_default="")


class AuditHead(Base):
    """The chain's last sequence number and hash, in one row: writers take its lock in turn."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16), default="", server_default="")  # the last entry's key


class CdsClient(Base):
    """An EHR (a CDS Hooks client) the clinic trusts: its JWT issuer and where its public keys are.

    An issuer is trusted by one clinic only: the JWT's ``iss`` is what tells the service which
    clinic is calling, so the same issuer in two clinics would be ambiguous."""

    __tablename__ = "cds_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(300), unique=True)
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # public keys only
    jwks_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    added_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a staff id; None: the CLI


class CdsTokenUse(Base):
    """A JWT id seen from an issuer, kept until the token expires: a second use is a replay."""

    __tablename__ = "cds_token_uses"
    __table_args__ = (UniqueConstraint("issuer", "jti", name="uq_cds_token_uses_issuer_jti"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    jti: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class CdsCard(Base):
    """A card the service returned: what it was about (for override rates), never about whom."""

    __tablename__ = "cds_cards"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    service: Mapped[str] = mapped_column(String(60))
    card_type: Mapped[str] = mapped_column(String(60))  # suicide_risk, or <therapy>:<safety>
    indicator: Mapped[str] = mapped_column(String(10))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)


class CdsFeedback(Base):
    """What the clinician did with a card (CDS Hooks feedback): accepted or overridden, and why."""

    __tablename__ = "cds_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_uuid: Mapped[str] = mapped_column(ForeignKey("cds_cards.uuid", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))  # accepted overridden
    override_reason: Mapped[str | None] = mapped_column(String(60), nullable=True)
    outcome_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)


class RecordUpload(Base):
    """A health record a clinician uploaded (a FHIR Bundle or a bulk export), kept for a day so that
    assessments can be started from its patients one by one: per patient, what identifies them on
    the list and the answers document the import made (contract §4), never the raw record."""

    __tablename__ = "record_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    # [{"id", "name", "birth_date", "gender", "refused": reason or None, "document": {...} or None}]
    patients: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
