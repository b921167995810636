"""The knowledge base's rule conditions (trdnav.core.conditions) as SQL over one row per patient.

The row holds what a health record can answer, one column per item (`RecordColumns`): a yes/no
item's word ('yes' or 'unsure'), a number item's number, and for a list-of-words item one flag per
word the record can add plus whether the list exists. An item no record can answer (a preference,
an allergy) is never answered here, so a condition on it is FALSE and the item is unanswered: the
same as `Condition.holds` and `screening.screen` give for answers without that item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trdnav.core.conditions import (
    AllOf,
    AnyOf,
    AtLeast,
    Below,
    Condition,
    Contains,
    CountAtLeast,
    Is,
    OneOf,
)


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class RecordColumns:
    """The items a record can answer: `kinds` maps an item to 'word' (yes/no, unsure) or 'number';
    `words` maps a list-of-words item to the words a record can add to it."""

    kinds: Mapping[str, str]
    words: Mapping[str, tuple[str, ...]]

    @staticmethod
    def value(item: str) -> str:
        return f"i_{item}"

    @staticmethod
    def word_flag(item: str, word: str) -> str:
        return f"w_{item}__{word}"

    @staticmethod
    def listed(item: str) -> str:
        return f"has_{item}"

    def holds(self, condition: Condition) -> str:
        """A SQL boolean that is TRUE exactly when `condition.holds(answers)`; never NULL."""
        if isinstance(condition, AllOf | AnyOf):
            joiner = " AND " if isinstance(condition, AllOf) else " OR "
            return "(" + joiner.join(self.holds(part) for part in condition.parts) + ")"
        assert isinstance(condition, Is | OneOf | AtLeast | Below | Contains | CountAtLeast), condition
        kind = self.kinds.get(condition.item)
        words = self.words.get(condition.item)
        if isinstance(condition, Is):
            if kind == "word" and isinstance(condition.value, str):
                return f"coalesce({self.value(condition.item)} = {quote(condition.value)}, FALSE)"
            if kind == "number" and isinstance(condition.value, int):
                return f"coalesce({self.value(condition.item)} = {condition.value}, FALSE)"
            return "FALSE"
        if isinstance(condition, OneOf):
            if kind != "word":
                return "FALSE"
            listed = ", ".join(quote(v) for v in sorted(condition.values))
            return f"coalesce({self.value(condition.item)} IN ({listed}), FALSE)"
        if isinstance(condition, AtLeast | Below):
            if kind != "number":
                return "FALSE"
            operator = ">=" if isinstance(condition, AtLeast) else "<"
            return f"coalesce({self.value(condition.item)} {operator} {condition.bound}, FALSE)"
        if isinstance(condition, Contains):
            if words is None or condition.value not in words:
                return "FALSE"
            return self.word_flag(condition.item, condition.value)
        if words is None:  # CountAtLeast
            return "FALSE"
        counted = [w for w in words if w not in condition.ignoring]
        total = " + ".join(
            f"CASE WHEN {self.word_flag(condition.item, w)} THEN 1 ELSE 0 END" for w in counted
        )
        return f"({self.listed(condition.item)} AND ({total or '0'}) >= {condition.count})"

    def unanswered(self, item: str) -> str:
        """A SQL boolean: the item counts as unanswered (`answers.get(item, 'unsure') == 'unsure'`)."""
        kind = self.kinds.get(item)
        if kind == "word":
            return f"coalesce({self.value(item)} = 'unsure', TRUE)"
        if kind == "number":
            return f"({self.value(item)} IS NULL)"
        if item in self.words:
            return f"(NOT {self.listed(item)})"
        return "TRUE"
