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


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_value(spec: ItemSpec, value: object) -> str | None:
    """Return what was expected if ``value`` is wrong for ``spec``, else None."""
    if spec.kind == "yes_no":
        if isinstance(value, bool):
            return f'expected "yes", "no" or "unsure", got {value} (in YAML, put "yes" and "no" in quotes)'
        if value not in YES_NO or not isinstance(value, str):
            return f'expected "yes", "no" or "unsure", got {_describe(value)}'
        return None
    if spec.kind == "integer":
        if not _is_int(value):
            return f"expected a whole number from {spec.minimum} to {spec.maximum}, got {_describe(value)}"
        assert isinstance(value, int)
        if (spec.minimum is not None and value < spec.minimum) or (
            spec.maximum is not None and value > spec.maximum
        ):
            return f"expected a whole number from {spec.minimum} to {spec.maximum}, got {value}"
        return None
    if spec.kind == "scores":
        expected = f"expected a list of {spec.length} whole numbers, each from 0 to {spec.maximum}"
        if not isinstance(value, list):
            return f"{expected}, got {_describe(value)}"
        if len(value) != spec.length:
            return f"{expected}, got {len(value)} numbers"
        for position, score in enumerate(value, start=1):
            if not _is_int(score) or not 0 <= score <= (spec.maximum or 0):
                return f"{expected}; answer {position} is {_describe(score)}"
        return None
    if spec.kind == "words":
        allowed = ", ".join(spec.choices)
        if not isinstance(value, list):
            return f"expected a list of words from: {allowed}; got {_describe(value)}"
        for word in value:
            if word not in spec.choices or not isinstance(word, str):
                return f"expected words from: {allowed}; {_describe(word)} is not one of them"
        if len(set(value)) != len(value):
            return "each word may appear only once"
        return None
    # kind == "word"
    if not isinstance(value, str) or value not in spec.choices:
        return f"expected one of: {', '.join(spec.choices)}; got {_describe(value)}"
    return None


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
    elif not _is_int(version) or version != engine.contract_version:
        problems.append(
            InputProblem("version", f"expected {engine.contract_version}, got {_describe(version)}")
        )
    raw = document.get("answers")
    answers: dict[str, object] = {}
    if not isinstance(raw, Mapping):
        problems.append(InputProblem("answers", "is required and must be an object of item ids to answers"))
    else:
        for item, value in raw.items():
            spec = engine.items.get(item) if isinstance(item, str) else None
            if spec is None:
                problems.append(InputProblem(str(item), _unknown_item(item, engine)))
                continue
            if value is None:
                continue
            wrong = check_value(spec, value)
            if wrong is not None:
                problems.append(InputProblem(item, wrong))
            else:
                answers[item] = value
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
