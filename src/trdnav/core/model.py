"""The engine's view of the knowledge base: plain frozen values, no I/O.

`trdnav.knowledge` reads and checks the data files and builds these values; the
engine only ever sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from trdnav.core.conditions import Condition

ItemKind = Literal["yes_no", "integer", "scores", "words", "word"]
Section = Literal["safety", "context", "priorities"]
Outcome = Literal["contraindicated", "needs_review", "information"]
Evidence = Literal["verified", "secondary", "unverified", "clinical_opinion"]

YES_NO: tuple[str, ...] = ("yes", "no", "unsure")
CONTRACT_VERSION: Final = 1  # the contract this engine implements (the loader refuses any other)
TOP_PRIORITIES = "top_priorities"
"""The contract §1.3 item listing the priorities that matter most; they count more."""


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One contract item: what values it accepts and which therapies it bears on."""

    id: str
    kind: ItemKind
    section: Section
    bears_on: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    """The highest number (integer, scores) or the most words that may be chosen (words)."""
    length: int | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SafetyRule:
    """A contraindication, a caution needing review, or an information note."""

    id: str
    therapies: tuple[str, ...]
    outcome: Outcome
    when: Condition
    patient_text: str
    clinician_text: str
    citations: tuple[str, ...]
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class IncompleteScreen:
    """A therapy whose screen here lacks questions the evidence calls for: it always needs review."""

    id: str
    patient_text: str
    clinician_text: str
    citations: tuple[str, ...]
    evidence: Evidence
    outcome: Literal["needs_review"] = "needs_review"


@dataclass(frozen=True, slots=True)
class Consideration:
    """Something that matters to the person, and which options it points to.

    Only a consideration on the person's own priorities (contract §1.3) may favour options;
    one on conditions or other answers is an information note (weight 0, favours nothing).
    The knowledge loader refuses anything else.
    """

    id: str
    when: Condition
    favours: tuple[str, ...]
    weight: int
    patient_text: str
    clinician_text: str
    citations: tuple[str, ...]
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Barrier:
    """A practical obstacle that rules an option out in practice."""

    id: str
    when: Condition
    therapies: tuple[str, ...]
    patient_text: str
    clinician_text: str
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Band:
    minimum: int
    maximum: int
    severity: str


@dataclass(frozen=True, slots=True)
class ItemAlert:
    """An alert raised when one item of an instrument is answered above a threshold."""

    id: str
    item_number: int
    above: int
    level: Literal["urgent", "warning"]
    text: str


@dataclass(frozen=True, slots=True)
class Instrument:
    """A scored questionnaire (PHQ-9, GAD-7) answered as one contract item."""

    id: str
    item_count: int
    item_maximum: int
    bands: tuple[Band, ...]
    alerts: tuple[ItemAlert, ...] = ()


@dataclass(frozen=True, slots=True)
class Engine:
    """Everything `evaluate` needs, indexed once at load time."""

    knowledge_version: str
    contract_version: int
    therapies: tuple[str, ...]
    default_therapies: tuple[str, ...]
    items: dict[str, ItemSpec]
    rules: tuple[SafetyRule, ...]
    considerations: tuple[Consideration, ...]
    barriers: tuple[Barrier, ...]
    instruments: tuple[Instrument, ...]
    leaning_margin: int
    top_priority_multiplier: int
    incomplete_screens: dict[str, IncompleteScreen] = field(default_factory=dict)
    """Therapies whose screen is partial, each with the reason it always needs review."""
    rules_by_therapy: dict[str, tuple[SafetyRule, ...]] = field(init=False)
    safety_items_by_therapy: dict[str, tuple[str, ...]] = field(init=False)
    words_by_item: dict[str, frozenset[str]] = field(init=False)
    """The accepted words of each item answered with one word (yes/no/unsure or a choice)."""

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "rules_by_therapy",
            {t: tuple(r for r in self.rules if t in r.therapies) for t in self.therapies},
        )
        object.__setattr__(
            self,
            "safety_items_by_therapy",
            {
                t: tuple(i.id for i in self.items.values() if i.section == "safety" and t in i.bears_on)
                for t in self.therapies
            },
        )
        object.__setattr__(
            self,
            "words_by_item",
            {
                i.id: frozenset(YES_NO if i.kind == "yes_no" else i.choices)
                for i in self.items.values()
                if i.kind in ("yes_no", "word")
            },
        )
