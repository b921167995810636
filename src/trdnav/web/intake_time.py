"""How long the intake takes, measured from the intake itself: every word a step shows the person
(its title, headings, questions, help and the choices offered) read at ``WORDS_PER_MINUTE``, plus
the knowledge base's ``seconds_per_answer`` for each answer given, rounded up to a whole minute.
The start page promises this figure, so the promise follows every change to the questions."""

from __future__ import annotations

import math
from collections.abc import Iterator

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.web.forms import YES_NO_LABELS, shown_choices, step_groups

WORDS_PER_MINUTE = 200  # an adult's silent reading of plain text


def _shown_text(kb: KnowledgeBase) -> Iterator[str]:
    """Every piece of text the intake's steps show to be read."""
    choices = shown_choices(kb)
    for step in kb.steps:
        yield step.title
        for group in step_groups(kb, step.id, ()):
            yield group.heading or ""
            for item_id in group.items:
                item = kb.items[item_id]
                if item.kind == "scores":
                    tool = kb.instruments[item_id]
                    yield tool.name
                    yield tool.stem
                    yield from (question.text for question in tool.items)
                    yield from (answer.text for answer in tool.answers)  # the same scale on each row
                    continue
                yield item.question
                yield item.help or ""
                if item.kind == "yes_no":
                    yield from YES_NO_LABELS.values()
                else:
                    yield from choices.get(item_id, item.choices).values()


def intake_words(kb: KnowledgeBase) -> int:
    return sum(len(text.split()) for text in _shown_text(kb))


def intake_answers(kb: KnowledgeBase) -> int:
    """One answer per question; a questionnaire's each row."""
    return sum(
        len(kb.instruments[item].items) if kb.items[item].kind == "scores" else 1
        for step in kb.steps
        for group in step_groups(kb, step.id, ())
        for item in group.items
    )


def intake_minutes(kb: KnowledgeBase) -> int:
    reading = intake_words(kb) / WORDS_PER_MINUTE
    answering = intake_answers(kb) * kb.manifest.seconds_per_answer / 60
    return math.ceil(reading + answering)
