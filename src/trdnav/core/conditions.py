"""The closed set of operators a knowledge-base rule may use.

A condition is data, never code: it is built from a small mapping such as
``{"item": "seizure_history", "is": "yes"}`` and can only test answers with the
operators below. A condition on an item that was not answered is false: the
screen treats missing answers separately (they always need review).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

Answers = Mapping[str, object]


class Condition(Protocol):
    def holds(self, answers: Answers) -> bool: ...

    def items(self) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class Is:
    """The answer to ``item`` equals ``value``."""

    item: str
    value: str | int

    def holds(self, answers: Answers) -> bool:
        return answers.get(self.item) == self.value

    def items(self) -> frozenset[str]:
        return frozenset({self.item})


@dataclass(frozen=True, slots=True)
class OneOf:
    """The answer to ``item`` is one of ``values``."""

    item: str
    values: frozenset[str]

    def holds(self, answers: Answers) -> bool:
        return answers.get(self.item) in self.values

    def items(self) -> frozenset[str]:
        return frozenset({self.item})


@dataclass(frozen=True, slots=True)
class Contains:
    """The list answered for ``item`` contains ``value``."""

    item: str
    value: str

    def holds(self, answers: Answers) -> bool:
        answer = answers.get(self.item)
        return isinstance(answer, list) and self.value in answer

    def items(self) -> frozenset[str]:
        return frozenset({self.item})


@dataclass(frozen=True, slots=True)
class CountAtLeast:
    """The list answered for ``item`` has at least ``count`` entries, ignoring ``ignoring``."""

    item: str
    count: int
    ignoring: frozenset[str] = frozenset()

    def holds(self, answers: Answers) -> bool:
        answer = answers.get(self.item)
        if not isinstance(answer, list):
            return False
        return sum(1 for entry in answer if entry not in self.ignoring) >= self.count

    def items(self) -> frozenset[str]:
        return frozenset({self.item})


@dataclass(frozen=True, slots=True)
class AtLeast:
    """The number answered for ``item`` is at least ``bound``."""

    item: str
    bound: int

    def holds(self, answers: Answers) -> bool:
        answer = answers.get(self.item)
        return isinstance(answer, int) and answer >= self.bound

    def items(self) -> frozenset[str]:
        return frozenset({self.item})


@dataclass(frozen=True, slots=True)
class Below:
    """The number answered for ``item`` is below ``bound``."""

    item: str
    bound: int

    def holds(self, answers: Answers) -> bool:
        answer = answers.get(self.item)
        return isinstance(answer, int) and answer < self.bound

    def items(self) -> frozenset[str]:
        return frozenset({self.item})


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Condition, ...]

    def holds(self, answers: Answers) -> bool:
        return all(part.holds(answers) for part in self.parts)

    def items(self) -> frozenset[str]:
        return frozenset().union(*(part.items() for part in self.parts))


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def holds(self, answers: Answers) -> bool:
        return any(part.holds(answers) for part in self.parts)

    def items(self) -> frozenset[str]:
        return frozenset().union(*(part.items() for part in self.parts))


class ConditionError(ValueError):
    """A condition mapping that does not use the closed operator set correctly."""


_ITEM_OPERATORS = ("is", "in", "contains", "count_at_least", "at_least", "below")


def parse_condition(raw: object) -> Condition:
    """Build a condition from its data form, or raise ConditionError saying what is wrong."""
    if not isinstance(raw, Mapping):
        raise ConditionError(f"a condition must be a mapping, got {raw!r}")
    if "all" in raw or "any" in raw:
        if len(raw) != 1:
            raise ConditionError(f"'all'/'any' must stand alone, got keys {sorted(raw)}")
        key = "all" if "all" in raw else "any"
        parts = raw[key]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"'{key}' needs a non-empty list of conditions")
        built = tuple(parse_condition(part) for part in parts)
        return AllOf(built) if key == "all" else AnyOf(built)
    item = raw.get("item")
    if not isinstance(item, str):
        raise ConditionError(f"a condition needs 'item' (an item id), got {raw!r}")
    operators = [key for key in raw if key != "item" and key != "ignoring"]
    if len(operators) != 1 or operators[0] not in _ITEM_OPERATORS:
        raise ConditionError(
            f"condition on {item!r} needs exactly one operator of {', '.join(_ITEM_OPERATORS)};"
            f" got {operators}"
        )
    operator = operators[0]
    value = raw[operator]
    if "ignoring" in raw and operator != "count_at_least":
        raise ConditionError(f"'ignoring' only goes with 'count_at_least' (item {item!r})")
    if operator == "is":
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ConditionError(f"'is' on {item!r} needs a quoted word or a number, got {value!r}")
        return Is(item, value)
    if operator == "in":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConditionError(f"'in' on {item!r} needs a list of quoted words, got {value!r}")
        return OneOf(item, frozenset(value))
    if operator == "contains":
        if not isinstance(value, str):
            raise ConditionError(f"'contains' on {item!r} needs a quoted word, got {value!r}")
        return Contains(item, value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConditionError(f"'{operator}' on {item!r} needs a whole number, got {value!r}")
    if operator == "count_at_least":
        ignoring = raw.get("ignoring", [])
        if not isinstance(ignoring, list) or not all(isinstance(v, str) for v in ignoring):
            raise ConditionError(f"'ignoring' on {item!r} needs a list of quoted words")
        return CountAtLeast(item, value, frozenset(ignoring))
    if operator == "at_least":
        return AtLeast(item, value)
    return Below(item, value)


def condition_values(condition: Condition) -> list[tuple[str, object]]:
    """Every (item, value) pair a condition compares against, for load-time checks."""
    if isinstance(condition, AllOf | AnyOf):
        return [pair for part in condition.parts for pair in condition_values(part)]
    if isinstance(condition, Is | Contains):
        return [(condition.item, condition.value)]
    if isinstance(condition, OneOf):
        return [(condition.item, value) for value in sorted(condition.values)]
    if isinstance(condition, CountAtLeast):
        return [(condition.item, value) for value in sorted(condition.ignoring)]
    return []


def describe(condition: Condition) -> str:
    """A short readable form, for generated documentation."""
    if isinstance(condition, AllOf):
        return " and ".join(f"({describe(part)})" for part in condition.parts)
    if isinstance(condition, AnyOf):
        return " or ".join(f"({describe(part)})" for part in condition.parts)
    if isinstance(condition, Is):
        return f"`{condition.item}` is `{condition.value}`"
    if isinstance(condition, OneOf):
        return f"`{condition.item}` is one of " + ", ".join(f"`{v}`" for v in sorted(condition.values))
    if isinstance(condition, Contains):
        return f"`{condition.item}` includes `{condition.value}`"
    if isinstance(condition, CountAtLeast):
        rest = f" (not counting {', '.join(sorted(condition.ignoring))})" if condition.ignoring else ""
        return f"`{condition.item}` has at least {condition.count} entries{rest}"
    if isinstance(condition, AtLeast):
        return f"`{condition.item}` ≥ {condition.bound}"
    if isinstance(condition, Below):
        return f"`{condition.item}` < {condition.bound}"
    raise TypeError(f"unknown condition {condition!r}")
