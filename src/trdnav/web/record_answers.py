"""Answers an assessment was started with from a health record (`Assessment.record_prefill`), for
the person's intake and the clinician's pages.

- The intake pre-selects the record's answer on a step the person has not sent yet, and says where
  it came from in plain words; when they send the step, what they sent is their answer (a record's
  answer never counts until then). PHQ-9 and GAD-7 are not pre-filled: they ask about the last two
  weeks, today; the record's scores are shown to the clinician only.
- The clinician sees each record answer beside the person's: confirmed, changed, or not seen yet.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.models import Assessment
from trdnav.web.forms import answer_words

NOT_PREFILLED_KINDS = frozenset({"scores"})
AGE = "age"  # its source is the Patient, dated with the birth date
SNOMED_TAG = re.compile(r"\s*\((finding|disorder|situation|procedure|physical object|event)\)$")


def _record(assessment: Assessment) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    prefill = assessment.record_prefill or {}
    return prefill.get("answers", {}), prefill.get("sources", {})


def prefilled(
    kb: KnowledgeBase, assessment: Assessment, items: Sequence[str], sent: bool
) -> dict[str, object]:
    """The record's answers for a step's items, to show pre-selected (none once the step was sent)."""
    if sent:
        return {}
    answers, _ = _record(assessment)
    return {
        item: answers[item]
        for item in items
        if item in answers and kb.engine.items[item].kind not in NOT_PREFILLED_KINDS
    }


def _day(text: object) -> str:
    if not isinstance(text, str):
        return ""
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text[:10]
    return f"{day.day} {day:%b %Y}"


def _what(source: Mapping[str, Any]) -> str:
    display = source.get("display") or source.get("code") or ""
    return SNOMED_TAG.sub("", str(display))


def source_words(sources: Sequence[Mapping[str, Any]], limit: int = 3) -> str:
    """'Seizure disorder, recorded 2 Mar 2019; …' for the first few sources."""
    parts = []
    for source in sources[:limit]:
        what, when = _what(source), _day(source.get("date"))
        parts.append(", ".join(p for p in (what, f"recorded {when}" if when else "") if p) or "an entry")
    more = len(sources) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def patient_notes(
    kb: KnowledgeBase, assessment: Assessment, items: Sequence[str], sent: bool
) -> dict[str, str]:
    """Per pre-filled item, the plain-words note the intake shows beside it."""
    _, sources = _record(assessment)
    notes = {}
    for item in prefilled(kb, assessment, items, sent):
        found = sources.get(item, [])
        born = _day(found[0].get("date")) if item == AGE and found else ""
        said = f"gives your birth date as {born}" if born else f"says: {source_words(found)}"
        notes[item] = (
            f"Your health record {said}. We filled this in for you. "
            "Please check it and change it if it is not right."
        )
    return notes


@dataclass(frozen=True)
class RecordRow:
    item: str
    question: str
    record: str
    sources: str
    person: str
    state: str  # "confirmed", "changed", "not_seen" or "not_prefilled"


def _sent_items(kb: KnowledgeBase, last_step: str) -> set[str]:
    """The items on the steps the person has sent (every step once past the last one)."""
    order = [step.id for step in kb.steps]
    reached = (
        order.index(last_step) + 1 if last_step in order else (0 if last_step == "start" else len(order))
    )
    return {item for step in kb.steps[:reached] for group in step.groups for item in group.items}


def clinician_rows(kb: KnowledgeBase, assessment: Assessment) -> list[RecordRow]:
    """Each answer the record gave, beside the person's own answer to the same question."""
    answers, sources = _record(assessment)
    sent = _sent_items(kb, assessment.last_step)
    rows = []
    for item, value in answers.items():
        if item not in kb.items:
            continue
        given = assessment.answers.get(item)
        if kb.engine.items[item].kind in NOT_PREFILLED_KINDS:
            state = "not_prefilled"  # the person answers PHQ-9 and GAD-7 for today
        elif item not in sent:
            state = "not_seen"
        elif given is None:
            state = "changed"  # the person took the record's answer away
        elif given == value or (
            isinstance(value, list) and isinstance(given, list) and set(value) <= set(given)
        ):
            state = "confirmed"
        else:
            state = "changed"
        rows.append(
            RecordRow(
                item=item,
                question=kb.items[item].question,
                record=answer_words(kb, item, value)
                if kb.engine.items[item].kind != "scores"
                else str(value),
                sources=(
                    f"birth date {_day(sources[item][0].get('date'))}"
                    if item == AGE and sources.get(item)
                    else source_words(sources.get(item, []), limit=10)
                ),
                person=answer_words(kb, item, given),
                state=state,
            )
        )
    return rows
