"""``alert_outcomes.yaml``: the outcomes a clinician chooses from when closing a clinic alert.

Each outcome names the alert kinds it can close and whether the number of attempts to reach the
person must be recorded; each is clinic protocol (clinical_opinion) with its basis, or cited.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from trdnav.knowledge.schema import SNAKE_ID, Sourced, Strict

ALERT_KINDS = ("suicide_risk", "seizure", "adverse_event")


class AlertOutcome(Sourced):
    noun: ClassVar[str] = "alert outcome"

    id: str = Field(pattern=SNAKE_ID, max_length=40)
    label: str = Field(min_length=3, max_length=120)
    kinds: list[str] = Field(min_length=1)
    asks_attempts: bool = False
    basis: str = Field(min_length=1, description="the reason in words, naming our own rules as such")

    @model_validator(mode="after")
    def _known_kinds(self) -> AlertOutcome:
        unknown = [kind for kind in self.kinds if kind not in ALERT_KINDS]
        if unknown:
            expected = ", ".join(ALERT_KINDS)
            raise ValueError(f"kinds: unknown {', '.join(unknown)}; expected some of {expected}")
        return self


class AlertOutcomeFile(Strict):
    outcomes: list[AlertOutcome] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> AlertOutcomeFile:
        ids = [o.id for o in self.outcomes]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"outcome ids must be unique: {', '.join(repeated)} repeated")
        closable = {kind for o in self.outcomes for kind in o.kinds}
        missing = [kind for kind in ALERT_KINDS if kind not in closable]
        if missing:
            raise ValueError(f"every alert kind needs an outcome; none for {', '.join(missing)}")
        return self

    def for_kind(self, kind: str) -> list[AlertOutcome]:
        """The outcomes that can close an alert of this kind, in the file's order."""
        return [o for o in self.outcomes if kind in o.kinds]

    def entries(self) -> list[tuple[str, AlertOutcome]]:
        return [(o.id, o) for o in self.outcomes]
