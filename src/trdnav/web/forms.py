"""The intake form, one step at a time: which questions each step asks, and how its fields
become contract answers with per-field errors in plain words.

Form fields are named after contract item ids. Exceptions: the questionnaires use one
radio group per question (``phq9_1`` ... ``phq9_9``) and ``conditions`` is a group of
checkboxes. A field left blank means "not answered": the item is cleared, never guessed.
Every value is checked with the contract's own `check_value`, so the web form accepts
exactly what the contract accepts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from trdnav.core.answers import check_value
from trdnav.core.model import TOP_PRIORITIES, ItemSpec
from trdnav.core.scores import given_item_alerts
from trdnav.knowledge.loader import KnowledgeBase, load

# The form steps in order, from the knowledge base (items.yaml `steps`); "review" and
# "results" follow them. A step's id is its web address.
STEPS: tuple[str, ...] = tuple(step.id for step in load().steps)
REVIEW_TITLE = "Check your answers"
STEP_TITLES: dict[str, str] = {**{step.id: step.title for step in load().steps}, "review": REVIEW_TITLE}

YES_NO_LABELS: dict[str, str] = {"yes": "Yes", "no": "No", "unsure": "Not sure"}

# What to do when a number question is answered wrongly.
NUMBER_MESSAGES: dict[str, str] = {
    "age": "Please enter your age as a number from {minimum} to {maximum}.",
    "failed_antidepressant_trials": (
        "Please enter how many antidepressants you tried, from {minimum} to {maximum}."
    ),
    "episode_months": "Please enter the number of months as a number from {minimum} to {maximum}.",
}

_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,6}")
_ONE_DIGIT = re.compile(r"[0-9]")

FormValues = dict[str, str | list[str]]


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one question, and where the error summary should link to."""

    item: str
    message: str
    anchor: str
    summary: str


@dataclass(frozen=True)
class StepGroup:
    heading: str | None
    items: tuple[str, ...]
    therapies: tuple[str, ...]  # short names of the offered therapies these questions bear on


@dataclass
class StepForm:
    """One submitted step: the valid answers, the items left blank, and what is wrong."""

    answers: dict[str, object] = field(default_factory=dict)
    cleared: list[str] = field(default_factory=list)
    errors: dict[str, FieldError] = field(default_factory=dict)
    values: FormValues = field(default_factory=dict)
    alerts: set[str] = field(default_factory=set)


def step_items(kb: KnowledgeBase, step: str) -> tuple[str, ...]:
    """The item ids a step asks, in the order shown."""
    return tuple(item for group in step_groups(kb, step, ()) for item in group.items)


def step_groups(kb: KnowledgeBase, step: str, therapies: tuple[str, ...] | list[str]) -> list[StepGroup]:
    """A step's questions in their groups; its section's questions placed nowhere else come last."""
    spec = next(s for s in kb.steps if s.id == step)
    groups = [(group.heading, tuple(group.items)) for group in spec.groups]
    if spec.others:
        placed = {item for s in kb.steps for group in s.groups for item in group.items}
        others = tuple(
            i.id for i in kb.items.values() if i.section == spec.others.section and i.id not in placed
        )
        if others:
            groups.append((spec.others.heading, others))
    result: list[StepGroup] = []
    for heading, items in groups:
        present = tuple(item for item in items if item in kb.items)
        bears_on = {t for item in present for t in kb.items[item].bears_on}
        names = tuple(kb.therapies[t].short_name for t in therapies if t in bears_on and t in kb.therapies)
        result.append(StepGroup(heading, present, names))
    return result


def shown_choices(kb: KnowledgeBase) -> dict[str, dict[str, str]]:
    """The choices the form offers for each list question.

    The top-priorities question offers only the priorities that can point somewhere (a
    consideration that favours an option tests them): ticking any other would count for nothing.
    """
    shown = {item.id: dict(item.choices) for item in kb.items.values() if item.kind == "words"}
    if TOP_PRIORITIES in shown:
        voting = {item for c in kb.considerations if c.favours for item in c.condition().items()}
        shown[TOP_PRIORITIES] = {k: v for k, v in shown[TOP_PRIORITIES].items() if k in voting}
    return shown


def field_names(kb: KnowledgeBase, item: str) -> list[str]:
    """The form fields that carry one item."""
    spec = kb.engine.items[item]
    if spec.kind == "scores":
        return [f"{item}_{n}" for n in range(1, (spec.length or 0) + 1)]
    return [item]


def first_input_id(kb: KnowledgeBase, item: str) -> str:
    """The id of the first input of an item, which the error summary links to."""
    spec = kb.engine.items[item]
    if spec.kind == "yes_no":
        return f"{item}-yes"
    if spec.kind in ("words", "word"):
        return f"{item}-{spec.choices[0]}"
    if spec.kind == "scores":
        return f"{item}_1-0"
    return item


def values_from_answers(
    kb: KnowledgeBase, items: tuple[str, ...], answers: Mapping[str, object]
) -> FormValues:
    """Saved answers as form values, to fill in a step again."""
    values: FormValues = {}
    for item in items:
        value = answers.get(item)
        if value is None:
            continue
        spec = kb.engine.items[item]
        if spec.kind == "scores" and isinstance(value, list):
            for number, score in enumerate(value, start=1):
                values[f"{item}_{number}"] = str(score)
        elif spec.kind == "words" and isinstance(value, list):
            values[item] = [str(word) for word in value]
        else:
            values[item] = str(value)
    return values


def parse_step(kb: KnowledgeBase, step: str, form: Mapping[str, list[str]]) -> StepForm:
    """Turn one step's submitted fields into contract answers, blanks and plain-word errors."""
    result = StepForm()
    for item in step_items(kb, step):
        spec = kb.engine.items[item]
        if spec.kind == "scores":
            _parse_scores(kb, spec, form, result)
            continue
        if spec.kind == "words":
            chosen = [v for v in form.get(item, []) if v != ""]
            if chosen:
                result.values[item] = chosen
                _check(kb, spec, chosen, result)
            else:
                result.cleared.append(item)
            continue
        given = [v.strip() for v in form.get(item, []) if v.strip() != ""]
        if not given:
            result.cleared.append(item)
            continue
        result.values[item] = given[-1]
        if len(given) > 1:
            _fail(kb, spec, result)
        elif spec.kind == "integer":
            text = given[0]
            _check(kb, spec, int(text) if _WHOLE_NUMBER.fullmatch(text) else text, result)
        else:
            _check(kb, spec, given[0], result)
    return result


def _parse_scores(kb: KnowledgeBase, spec: ItemSpec, form: Mapping[str, list[str]], result: StepForm) -> None:
    names = field_names(kb, spec.id)
    raw: list[str | None] = []
    for name in names:
        given = [v.strip() for v in form.get(name, []) if v.strip() != ""]
        if given:
            result.values[name] = given[-1]
        raw.append(given[-1] if len(given) == 1 else ("?" if given else None))
    scores = [int(v) if v is not None and _ONE_DIGIT.fullmatch(v) else v for v in raw]
    _note_alerts(kb, spec, scores, result)
    if all(score is None for score in scores):
        result.cleared.append(spec.id)
        return
    if any(score is None for score in scores):
        first_blank = next(n for n, s in zip(names, scores, strict=True) if s is None)
        message = f"Please answer all {spec.length} questions, or leave them all blank."
        result.errors[spec.id] = FieldError(
            spec.id, message, f"{first_blank}-0", f"{_instrument_name(kb, spec.id)}: {message}"
        )
        return
    _check(kb, spec, scores, result)


def _note_alerts(kb: KnowledgeBase, spec: ItemSpec, scores: Sequence[object], result: StepForm) -> None:
    """Raise a questionnaire's alerts from the answers given, even if the questionnaire is not finished."""
    for instrument in kb.engine.instruments:
        if instrument.id == spec.id:
            result.alerts.update(alert["id"] for alert in given_item_alerts(instrument, list(scores)))


def _check(kb: KnowledgeBase, spec: ItemSpec, value: object, result: StepForm) -> None:
    if check_value(spec, value) is None:
        result.answers[spec.id] = value
    else:
        _fail(kb, spec, result)


def _fail(kb: KnowledgeBase, spec: ItemSpec, result: StepForm) -> None:
    message = plain_message(spec)
    summary = f"{_instrument_name(kb, spec.id)}: {message}" if spec.kind == "scores" else message
    result.errors[spec.id] = FieldError(spec.id, message, first_input_id(kb, spec.id), summary)


def plain_message(spec: ItemSpec) -> str:
    """What to do about a wrong answer, in plain words."""
    if spec.kind == "integer":
        template = NUMBER_MESSAGES.get(spec.id, "Please enter a whole number from {minimum} to {maximum}.")
        return template.format(minimum=spec.minimum, maximum=spec.maximum)
    if spec.kind == "yes_no":
        return "Please choose one answer: yes, no or not sure."
    if spec.kind == "scores":
        return "Please choose one answer for each question."
    if spec.kind == "words" and spec.maximum is not None:
        return f"Please choose up to {spec.maximum}, and only from the list."
    if spec.kind == "words":
        return "Please choose only from the list."
    return "Please choose one of the answers."


def _instrument_name(kb: KnowledgeBase, item: str) -> str:
    """The short name of a questionnaire, such as 'PHQ-9'."""
    instrument = kb.instruments.get(item)
    if instrument is None:
        return item
    short = re.search(r"\(([^()]+)\)\s*$", instrument.name)
    return short.group(1) if short else instrument.name


def answer_words(kb: KnowledgeBase, item: str, value: object) -> str:
    """One saved answer in plain words, for the review page."""
    spec = kb.engine.items[item]
    labels = kb.items[item].choices
    if value is None:
        return "Not answered"
    if spec.kind == "yes_no" and isinstance(value, str):
        return YES_NO_LABELS.get(value, value)
    if spec.kind == "words" and isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value) or "None of these"
    if spec.kind == "word":
        return labels.get(str(value), str(value))
    return str(value)
