"""Every patient-facing text in the knowledge base reads at Flesch-Kincaid grade 8 or lower.

Checked one text at a time with textstat 0.7.8. Exceptions are listed with the reason.
"""

from __future__ import annotations

import pytest
import textstat

from trdnav.knowledge.loader import load

GRADE_LIMIT = 8.0

# Texts we may not or should not simplify, with the reason.
EXCEPTIONS = {
    # The PHQ-9 and GAD-7 must be shown word for word (validated instruments; terms of use).
    **{
        f"instrument {i.id} item {q.number}": "validated wording"
        for i in load().instruments.values()
        for q in i.items
    },
    **{f"instrument {i.id} stem": "validated wording" for i in load().instruments.values()},
    # One- or two-word names of conditions: the grade formula is made for sentences, and a single
    # long word such as "Depression" scores above grade 8. The words are the ones people use.
    "item conditions choice depression": "name of a condition",
    "item conditions choice anxiety": "name of a condition",
    "item conditions choice ptsd": "name of a condition, spelled out once",
    "item conditions choice ocd": "name of a condition, spelled out once",
    # Headings of one to three words name a topic; the grade formula is made for sentences.
    "step safety title": "two-word heading",
    "step safety heading Ketamine": "name of a medicine",
    "step safety heading Pregnancy": "one-word heading",
    "step safety heading Mental health history": "three-word heading",
}


def patient_texts() -> dict[str, str]:
    kb = load()
    texts: dict[str, str] = {}
    for item in kb.items.values():
        texts[f"item {item.id} question"] = item.question
        if item.help:
            texts[f"item {item.id} help"] = item.help
        for value, label in item.choices.items():
            texts[f"item {item.id} choice {value}"] = label
    for option in kb.options.values():
        texts[f"option {option.id} summary"] = option.summary
        for index, (section, fact) in enumerate(
            [*option.facts(), *(("coverage", f) for f in option.coverage)]
        ):
            texts[f"option {option.id} {section} fact {index}"] = fact.text
            if fact.uncertainty:
                texts[f"option {option.id} {section} fact {index} uncertainty"] = fact.uncertainty
        for row, line in option.in_short.items():
            texts[f"option {option.id} in short {row}"] = line
        texts[f"option {option.id} bottom line"] = option.bottom_line.text
        texts[f"option {option.id} bottom line time point"] = option.bottom_line.time_point
        if option.bottom_line.caveat:
            texts[f"option {option.id} bottom line caveat"] = option.bottom_line.caveat
        for index, price in enumerate(option.prices):
            texts[f"option {option.id} price {index}"] = price.text
    for index, (part, fact) in enumerate(kb.condition.facts()):
        texts[f"condition {part} fact {index}"] = fact.text
    for step in kb.steps:
        texts[f"step {step.id} title"] = step.title
        for group in step.groups:
            if group.heading:
                texts[f"step {step.id} heading {group.heading}"] = group.heading
        if step.others:
            texts[f"step {step.id} heading {step.others.heading}"] = step.others.heading
    for rule in kb.rules:
        texts[f"rule {rule.id}"] = rule.patient_text
    for therapy_id, screen in kb.coverage.screens.items():
        if screen.gap is not None:
            texts[f"partial screen {therapy_id}"] = screen.gap.patient_text
    for consideration in kb.considerations:
        texts[f"consideration {consideration.id}"] = consideration.patient_text
    for barrier in kb.barriers:
        texts[f"barrier {barrier.id}"] = barrier.patient_text
    for instrument in kb.instruments.values():
        texts[f"instrument {instrument.id} stem"] = instrument.stem
        for question in instrument.items:
            texts[f"instrument {instrument.id} item {question.number}"] = question.text
        for alert in instrument.alerts:
            texts[f"instrument {instrument.id} alert {alert.id}"] = alert.text
    for block in kb.crisis_resources.values():
        texts[f"crisis resources {block.country} title"] = block.title
        texts[f"crisis resources {block.country} text"] = block.text
    return texts


TEXTS = patient_texts()


@pytest.mark.parametrize("where", sorted(set(TEXTS) - set(EXCEPTIONS)))
def test_patient_text_is_grade_8_or_lower(where: str) -> None:
    grade = textstat.flesch_kincaid_grade(TEXTS[where])
    assert grade <= GRADE_LIMIT, f"{where}: grade {grade}: {TEXTS[where]}"


def test_every_exception_still_exists() -> None:
    assert set(EXCEPTIONS) <= set(TEXTS)
