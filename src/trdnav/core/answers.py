"""Validate an answers document (contract v1) into a plain mapping of answers.

Every problem is collected, not just the first, and each names the item and what
was expected. Nothing is guessed: a value that is not exactly right is an error.
An item given as ``null`` counts as not answered, the same as leaving it out.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from trdnav.core.model import YES_NO, Engine, ItemSpec

DOCUMENT = "(document)"


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One thing wrong with the input: which item (or field), and what was expected."""

    item: str
    message: str

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"


class InvalidAnswers(ValueError):
    """The answers document, or the choice of therapies, is not valid.

    ``problems`` holds one `InputProblem` per wrong item, in document order.
    """

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _whole(value: object) -> int | None:
    """The whole number ``value`` stands for, or None. JSON has one number type: 34.0 is 34."""
    if value.__class__ is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None  # bool is not a number here, and neither is 34.5


def _checked(spec: ItemSpec, value: object) -> tuple[object, str | None]:
    """The answer as the engine uses it, and what was expected if ``value`` is wrong for ``spec``.

    Each kind tries the common, valid case first; the reasons come only when it fails.
    """
    kind = spec.kind
    if kind == "yes_no":
        if value.__class__ is str and value in YES_NO:
            return value, None
        if isinstance(value, bool):
            return (
                None,
                f'expected "yes", "no" or "unsure", got {value} (in YAML, put "yes" and "no" in quotes)',
            )
        return None, f'expected "yes", "no" or "unsure", got {_describe(value)}'
    if kind == "integer":
        number = _whole(value)
        expected = f"expected a whole number from {spec.minimum} to {spec.maximum}"
        if number is None:
            return None, f"{expected}, got {_describe(value)}"
        if (spec.minimum is not None and number < spec.minimum) or (
            spec.maximum is not None and number > spec.maximum
        ):
            return None, f"{expected}, got {number}"
        return number, None
    if kind == "scores":
        expected = f"expected a list of {spec.length} whole numbers, each from 0 to {spec.maximum}"
        if not isinstance(value, list):
            return None, f"{expected}, got {_describe(value)}"
        if len(value) != spec.length:
            return None, f"{expected}, got {len(value)} numbers"
        scores = []
        for position, score in enumerate(value, start=1):
            number = _whole(score)
            if number is None or not 0 <= number <= (spec.maximum or 0):
                return None, f"{expected}; answer {position} is {_describe(score)}"
            scores.append(number)
        return scores, None
    if kind == "words":
        allowed = ", ".join(spec.choices)
        if not isinstance(value, list):
            return None, f"expected a list of words from: {allowed}; got {_describe(value)}"
        for word in value:
            if word.__class__ is not str or word not in spec.choices:
                return None, f"expected words from: {allowed}; {_describe(word)} is not one of them"
        if len(set(value)) != len(value):
            repeated = next(word for word in value if value.count(word) > 1)
            return None, f"each word may appear only once; {_describe(repeated)} appears more than once"
        if spec.maximum is not None and len(value) > spec.maximum:
            return None, f"expected at most {spec.maximum} words, got {len(value)}"
        return value, None
    # kind == "word"
    if value.__class__ is str and value in spec.choices:
        return value, None
    return None, f"expected one of: {', '.join(spec.choices)}; got {_describe(value)}"


def check_value(spec: ItemSpec, value: object) -> str | None:
    """Return what was expected if ``value`` is wrong for ``spec``, else None."""
    return _checked(spec, value)[1]


def _unknown_item(item: object, engine: Engine) -> str:
    if not isinstance(item, str):
        return "item ids must be text"
    close = difflib.get_close_matches(item, engine.items, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"is not a question in contract v{engine.contract_version}.{hint}"


def parse_answers(engine: Engine, document: object) -> dict[str, object]:
    """Return the answered items of a valid document, or raise `InvalidAnswers`."""
    if not isinstance(document, Mapping):
        raise InvalidAnswers(
            [InputProblem(DOCUMENT, f"expected a JSON object, got {type(document).__name__}")]
        )
    problems: list[InputProblem] = []
    for key in document:
        if key not in ("version", "answers"):
            problems.append(InputProblem(str(key), 'unknown field; expected only "version" and "answers"'))
    version = document.get("version")
    if version is None:
        problems.append(InputProblem("version", f"is required and must be {engine.contract_version}"))
    elif _whole(version) != engine.contract_version:
        problems.append(
            InputProblem("version", f"expected {engine.contract_version}, got {_describe(version)}")
        )
    raw = document.get("answers")
    answers: dict[str, object] = {}
    if not isinstance(raw, Mapping):
        problems.append(InputProblem("answers", "is required and must be an object of item ids to answers"))
    else:
        words_by_item = engine.words_by_item
        for item, value in raw.items():
            if value.__class__ is str and value in words_by_item.get(item, ()):
                answers[item] = value  # the most common answer, a valid word, checked at once
                continue
            spec = engine.items.get(item) if isinstance(item, str) else None
            if spec is None:
                problems.append(InputProblem(str(item), _unknown_item(item, engine)))
                continue
            if value is None:
                continue
            answer, wrong = _checked(spec, value)
            if wrong is not None:
                problems.append(InputProblem(item, wrong))
            else:
                answers[item] = answer
    if problems:
        raise InvalidAnswers(problems)
    return answers


def parse_therapies(engine: Engine, therapies: object) -> tuple[str, ...]:
    """Return the therapies to compare (the defaults when None), or raise `InvalidAnswers`."""
    if therapies is None:
        return engine.default_therapies
    if isinstance(therapies, str) or not isinstance(therapies, list | tuple):
        raise InvalidAnswers([InputProblem("therapies", "expected a list of therapy ids")])
    chosen: list[str] = []
    problems: list[InputProblem] = []
    for therapy in therapies:
        if therapy not in engine.therapies:
            problems.append(
                InputProblem(
                    "therapies",
                    f"{_describe(therapy)} is not a therapy; expected some of: {', '.join(engine.therapies)}",
                )
            )
        elif therapy not in chosen:
            chosen.append(therapy)
    if not chosen and not problems:
        problems.append(InputProblem("therapies", "expected at least one therapy"))
    if problems:
        raise InvalidAnswers(problems)
    return tuple(chosen)
