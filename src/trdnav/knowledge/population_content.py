"""``population.yaml``: the definitions the population screen counts (depression, TRD).

Each definition's `when` is a condition in the rules' closed operator set (trdnav.core.conditions),
so the population screen's SQL and a per-person check read one definition.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from trdnav.core.conditions import Condition, ConditionError, parse_condition
from trdnav.knowledge.schema import SNAKE_ID, Sourced, Strict

POPULATION_FILE = "population.yaml"


class Definition(Sourced):
    noun: ClassVar[str] = "definition"
    id: str = Field(pattern=SNAKE_ID)
    name: str = Field(min_length=1)
    text: str = Field(min_length=1)
    when: Any
    basis: str = Field(min_length=1)

    @field_validator("when")
    @classmethod
    def _condition(cls, raw: object) -> object:
        try:
            parse_condition(raw)
        except ConditionError as error:
            raise ValueError(str(error)) from None
        return raw

    @property
    def condition(self) -> Condition:
        return parse_condition(self.when)


class PopulationDefinitions(Strict):
    definitions: list[Definition] = Field(min_length=1)

    def get(self, definition_id: str) -> Definition:
        return next(d for d in self.definitions if d.id == definition_id)

    def entries(self) -> list[tuple[str, Definition]]:
        return [(d.id, d) for d in self.definitions]
