"""The clinician's view of one assessment: what the detail page, the printable summary and its PDF show.

Built from the stored answers with the same engine call as the patient's results
(`trdnav.store.stored_result.assess_stored`), but in clinical language: each safety reason with its rule
id, clinician text and sources; every answer exactly as stored beside its plain reading; the
unanswered safety questions; the person's priorities and leaning; and, for each therapy, the
engine's status beside the latest clinician review.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trdnav.core.result import AssessmentResult
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.models import Assessment, Review
from trdnav.store.reviews import REVIEW_STATUSES, latest_reviews
from trdnav.store.stored_result import assess_stored
from trdnav.web.forms import answer_words
from trdnav.web.record_answers import RecordRow, clinician_rows
from trdnav.web.summary import Source, SourceBook
from trdnav.web.sure import SureView, sure_view

SECTION_TITLES = {
    "context": "Clinical context",
    "safety": "Safety screen",
    "priorities": "Priorities and practicalities",
}
NOT_ANSWERED = "Not answered"


@dataclass(frozen=True)
class Stated:
    """One clinical statement with the rule or consideration behind it and its sources."""

    id: str
    text: str
    sources: list[Source]
    evidence: str | None = None


@dataclass(frozen=True)
class Unanswered:
    item: str
    question: str


@dataclass(frozen=True)
class TherapySafety:
    therapy: str
    name: str
    engine_status: str
    effective_status: str
    latest_review: Review | None
    reasons: list[Stated]
    notes: list[Stated]
    unanswered: list[Unanswered]
    practical: str
    barriers: list[Stated]
    favoured_by: list[str]

    @property
    def overridden(self) -> bool:
        return self.latest_review is not None and self.latest_review.status != self.engine_status


@dataclass(frozen=True)
class ScoreLine:
    instrument: str
    name: str
    total: int
    maximum: int
    severity: str
    band: str


@dataclass(frozen=True)
class AnswerLine:
    item: str
    question: str
    given: str  # exactly as stored
    reading: str  # in plain words


@dataclass(frozen=True)
class AnswerSection:
    title: str
    lines: list[AnswerLine]


@dataclass
class ClinicianView:
    assessment_id: int
    created_at: dt.datetime
    updated_at: dt.datetime
    last_step: str
    knowledge_version: str
    suicide_risk_alert: bool
    alerts: list[str]
    scores: list[ScoreLine]
    safety: list[TherapySafety]
    priorities: list[tuple[Stated, list[str]]]
    leaning: str | None
    leaning_basis: str
    totals: list[tuple[str, int, list[str]]]  # therapy, points, "priority (item) w x m" lines
    answers: list[AnswerSection]
    unusable_answers: list[AnswerLine]
    sure: SureView
    sources: list[Source] = field(default_factory=list)
    record: list[RecordRow] = field(default_factory=list)
    record_patient: str = ""  # whose record: "Name (Patient/id)"
    """Answers the assessment was started with from a health record, beside the person's own."""


class _Citations(SourceBook):
    """The sources book of the clinician summary, which also words a stated fact."""

    def stated(self, entry: Mapping[str, Any], key: str) -> Stated:
        text = entry.get("clinician_text") or entry["text"]
        return Stated(entry[key], text, self.cite(entry.get("citations", [])), entry.get("evidence"))

    def sources(self) -> list[Source]:
        return sorted(self.cited.values(), key=lambda s: (s.label.casefold(), s.id))


def _given(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _instrument_lines(kb: KnowledgeBase, item: str, value: object) -> list[AnswerLine]:
    instrument = kb.instruments[item]
    labels = {a.value: a.text for a in instrument.answers}
    if not isinstance(value, list):
        return [AnswerLine(item, instrument.name, NOT_ANSWERED, NOT_ANSWERED)]
    lines = []
    for question in instrument.items:
        score = value[question.number - 1] if len(value) >= question.number else None
        lines.append(
            AnswerLine(
                f"{item}.{question.number}",
                f"{instrument.name} item {question.number}: {question.text}",
                NOT_ANSWERED if score is None else _given(score),
                labels.get(score, NOT_ANSWERED) if isinstance(score, int) else NOT_ANSWERED,
            )
        )
    return lines


def _answers(kb: KnowledgeBase, answers: dict[str, Any], unusable: list[str]) -> list[AnswerSection]:
    sections: dict[str, list[AnswerLine]] = {section: [] for section in SECTION_TITLES}
    for item in kb.items.values():
        value = answers.get(item.id)
        if item.id in kb.instruments:
            sections[item.section] += _instrument_lines(kb, item.id, value)
        elif value is None:
            sections[item.section].append(AnswerLine(item.id, item.question, NOT_ANSWERED, NOT_ANSWERED))
        else:
            reading = "Not accepted by this knowledge version" if item.id in unusable else ""
            reading = reading or answer_words(kb, item.id, value)
            sections[item.section].append(AnswerLine(item.id, item.question, _given(value), reading))
    return [AnswerSection(SECTION_TITLES[s], lines) for s, lines in sections.items()]


def _scores(kb: KnowledgeBase, result: AssessmentResult) -> list[ScoreLine]:
    lines = []
    for instrument_id, score in result["scores"].items():
        instrument = kb.instruments[instrument_id]
        band = next(b.label for b in instrument.bands if b.severity == score["severity"])
        maximum = len(instrument.items) * (len(instrument.answers) - 1)
        lines.append(
            ScoreLine(instrument_id, instrument.name, score["total"], maximum, score["severity"], band)
        )
    return lines


def _safety(
    kb: KnowledgeBase, book: _Citations, result: AssessmentResult, reviews: dict[str, Review]
) -> list[TherapySafety]:
    views = []
    for therapy, entry in result["therapies"].items():
        review = reviews.get(therapy)
        views.append(
            TherapySafety(
                therapy=therapy,
                name=kb.therapies[therapy].name,
                engine_status=entry["safety"],
                effective_status=review.status if review else entry["safety"],
                latest_review=review,
                reasons=[book.stated(r, "rule") for r in entry["reasons"]],
                notes=[book.stated(n, "rule") for n in entry.get("notes", [])],
                unanswered=[Unanswered(i, kb.items[i].question) for i in entry["unanswered"]],
                practical=entry["practical"],
                barriers=[book.stated(b, "id") for b in entry.get("barrier_details", [])],
                favoured_by=list(entry.get("favoured_by", [])),
            )
        )
    return views


# Why the leaning is what it is (the result's `leaning_basis`), for clinicians.
LEANING_BASIS = {
    "priorities": "favoured by the person's stated priorities by at least the margin",
    "only_option": (
        "the only option left after the safety screen and practical barriers, not a stated preference"
    ),
    "none_remaining": "none: no option remains after the safety screen and practical barriers",
    "no_priorities": "none: no stated priority points to a remaining option",
    "not_clear": "none: no option leads by the margin",
}


def _totals(kb: KnowledgeBase, result: AssessmentResult) -> list[tuple[str, int, list[str]]]:
    return [
        (
            kb.therapies[therapy].short_name,
            entry["total"],
            [f"{line['priority']} {line['weight']}×{line['multiplier']}" for line in entry["points"]],
        )
        for therapy, entry in result["tally"].items()
    ]


def build_clinician_view(kb: KnowledgeBase, assessment: Assessment) -> ClinicianView:
    answers = dict(assessment.answers)
    result, unusable = assess_stored(answers, assessment.therapies)
    book = _Citations(kb)
    alert_ids = {alert["id"] for alert in result["alerts"]}
    compared = set(result["therapies"])
    priorities = [
        (book.stated(p, "id"), [kb.therapies[t].name for t in p["favours"] if t in compared])
        for p in result.get("priorities", [])
    ]
    view = ClinicianView(
        assessment_id=assessment.id,
        created_at=assessment.created_at,
        updated_at=assessment.updated_at,
        last_step=assessment.last_step,
        knowledge_version=result["knowledge_version"],
        suicide_risk_alert=assessment.suicide_risk_alert or bool(alert_ids & kb.urgent_alert_ids),
        alerts=[alert["text"] for alert in result["alerts"]],
        scores=_scores(kb, result),
        safety=_safety(kb, book, result, latest_reviews(assessment.reviews)),
        priorities=priorities,
        leaning=kb.therapies[result["leaning"]].name if result["leaning"] else None,
        leaning_basis=LEANING_BASIS[result["leaning_basis"]],
        totals=_totals(kb, result),
        answers=_answers(kb, answers, unusable),
        unusable_answers=[
            AnswerLine(key, "Not an item of this knowledge version", _given(value), "")
            for key, value in answers.items()
            if key not in kb.items
        ],
        sure=sure_view(kb.sure, assessment.sure_answers or {}),
        record=clinician_rows(kb, assessment),
        record_patient=" ".join(
            p
            for p in (assessment.record_name, f"({(assessment.record_prefill or {}).get('patient', '')})")
            if p
        ),
    )
    view.sources = book.sources()
    return view


def status_words(status: str) -> str:
    return REVIEW_STATUSES.get(status, status)
