"""Validate an answers document (contract v1) into a plain mapping of answers.

Every problem is collected, not just the first, and each names the item and what
was expected. Nothing is guessed: a value that is not exactly right is an error.
An item given as ``null`` counts as not answered, the same as leaving it out.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trdnav.core.model import YES_NO, Engine, ItemSpec
from trdnav.core.result import Alert
from trdnav.core.scores import given_item_alerts

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

    ``problems`` holds one `InputProblem` per wrong item, in document order. ``alerts`` holds the
    item alerts the refused answers still raise (PHQ-9 item 9 above 0): show them, with the crisis
    resources, together with the error.
    """

    def __init__(self, problems: list[InputProblem], alerts: list[Alert] | None = None) -> None:
        self.problems = problems
        self.alerts = alerts or []
        super().__init__("; ".join(str(p) for p in problems))


class RepeatedKeys(dict[object, object]):
    """An object read from JSON or YAML text in which some keys appear more than once.

    It holds the last value of each key, as a plain reader would; ``repeated`` holds every value
    given for each repeated key, in order, so that the check refuses the document by name and the
    alerts still see every answer given.
    """

    def __init__(self, pairs: Sequence[tuple[Any, Any]], repeated: dict[object, list[object]]) -> None:
        super().__init__(pairs)
        self.repeated = repeated


def object_from_pairs(pairs: Sequence[tuple[Any, Any]]) -> dict[Any, Any]:
    """Build one JSON or YAML object from its key-value pairs, keeping track of repeated keys.

    For ``json.loads(..., object_pairs_hook=object_from_pairs)`` and the YAML reader's mappings.
    """
    try:
        plain = dict(pairs)
    except TypeError:
        raise TypeError("a key must be text") from None
    if len(plain) == len(pairs):
        return plain  # the usual case, at C speed
    values: dict[object, list[object]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    return RepeatedKeys(pairs, {key: given for key, given in values.items() if len(given) > 1})


def _unreadable(text: str) -> bool:
    """True for text holding a NUL character or a lone UTF-16 surrogate: never valid, and neither
    can be stored or sent on safely."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # only a lone surrogate cannot be encoded
        return True
    return False


def _readable(text: str) -> str:
    """``text`` with NUL characters and lone surrogates written out as escapes, to name it safely."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _unreadable_places(value: object, place: str) -> list[str]:
    """Where in ``value`` (a document or part of one) text holds a NUL or a lone surrogate."""
    if isinstance(value, str):
        return [place] if _unreadable(value) else []
    found: list[str] = []
    if isinstance(value, Mapping):
        for key, inner in value.items():
            name = _readable(key) if isinstance(key, str) else _describe(key)
            inner_place = f"{place}.{name}" if place else name
            if isinstance(key, str) and _unreadable(key):
                found.append(inner_place)
            found.extend(_unreadable_places(inner, inner_place))
    elif isinstance(value, list | tuple):
        for position, inner in enumerate(value, start=1):
            found.extend(_unreadable_places(inner, f"{place}[{position}]"))
    return found


def _times(given: list[object]) -> str:
    return "twice" if len(given) == 2 else f"{len(given)} times"


def _unreadable_problems(document: object) -> list[InputProblem]:
    """One problem for each place holding a NUL or a lone surrogate. Only a refused document can
    hold one (every valid answer is a number or a known word), so only refused ones are searched."""
    message = "contains a NUL character or a lone surrogate (\\ud800-\\udfff); these are never valid"
    return [InputProblem(place, message) for place in _unreadable_places(document, "")]


def _repeated(mapping: object) -> dict[object, list[object]]:
    return mapping.repeated if isinstance(mapping, RepeatedKeys) else {}


def _given_alerts(engine: Engine, raw: object) -> list[Alert]:
    """The item alerts raised by the answers as given (every value of a repeated item counts)."""
    if not isinstance(raw, Mapping):
        return []
    alerts: list[Alert] = []
    for instrument in engine.instruments:
        given = _repeated(raw).get(instrument.id, [raw.get(instrument.id)])
        for answer in given:
            for alert in given_item_alerts(instrument, answer):
                if alert not in alerts:
                    alerts.append(alert)
    return alerts


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


SOURCE_FIELDS = ("resource", "system", "code", "display", "date", "status")


def source_problems(sources: object, answers: object) -> list[InputProblem]:
    """What is wrong with a document's `sources` (contract §4): an object of answered item ids to
    non-empty lists of objects with a `resource` ("Type/id") and, where known, `system`, `code`,
    `display`, `date` and `status`, all text."""
    if not isinstance(sources, Mapping):
        return [InputProblem("sources", "expected an object of item ids to lists of sources")]
    answered = answers if isinstance(answers, Mapping) else {}
    problems: list[InputProblem] = []
    for item, entries in sources.items():
        where = f"sources.{item}"
        if item not in answered:
            problems.append(InputProblem(where, "names an item that is not in answers"))
        if not isinstance(entries, list) or not entries:
            problems.append(InputProblem(where, "expected a non-empty list of sources"))
            continue
        for index, entry in enumerate(entries):
            at = f"{where}[{index}]"
            if not isinstance(entry, Mapping):
                problems.append(
                    InputProblem(at, "expected an object with resource, system, code, display, date")
                )
                continue
            resource = entry.get("resource")
            if not isinstance(resource, str) or resource.count("/") != 1 or not all(resource.split("/")):
                problems.append(
                    InputProblem(f"{at}.resource", 'is required: "Type/id" of the record resource')
                )
            for key, value in entry.items():
                if key not in SOURCE_FIELDS:
                    problems.append(
                        InputProblem(f"{at}.{key}", f"unknown field; expected {', '.join(SOURCE_FIELDS)}")
                    )
                elif not isinstance(value, str):
                    problems.append(InputProblem(f"{at}.{key}", f"expected text, got {_describe(value)}"))
    return problems


def parse_answers(engine: Engine, document: object) -> dict[str, object]:
    """Return the answered items of a valid document, or raise `InvalidAnswers`."""
    if not isinstance(document, Mapping):
        raise InvalidAnswers(
            [InputProblem(DOCUMENT, f"expected a JSON object, got {type(document).__name__}")]
        )
    raw = document.get("answers")
    problems: list[InputProblem] = [
        InputProblem(str(key), f"appears {_times(given)}; give it once")
        for key, given in _repeated(document).items()
    ]
    problems.extend(
        InputProblem(f"answers.{key}", f"appears {_times(given)}; give each item once")
        for key, given in _repeated(raw).items()
    )
    for key in document:
        if key not in ("version", "answers", "sources"):
            problems.append(
                InputProblem(str(key), 'unknown field; expected only "version", "answers" and "sources"')
            )
    if "sources" in document:
        problems.extend(source_problems(document["sources"], raw))
    version = document.get("version")
    if version is None:
        problems.append(InputProblem("version", f"is required and must be {engine.contract_version}"))
    elif _whole(version) != engine.contract_version:
        problems.append(
            InputProblem("version", f"expected {engine.contract_version}, got {_describe(version)}")
        )
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
        raise InvalidAnswers(_unreadable_problems(document) or problems, _given_alerts(engine, raw))
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
