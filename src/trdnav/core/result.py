"""The contract v1 assessment result, typed once: what `trdnav.core.assessment.evaluate` returns
(``shared/spec/answers-v1.md``, section 3; ``docs/api.md``).

Every producer in the core fills these types, and the API's OpenAPI schema is built from them
(``trdnav.web.api.schemas``), so the code, the type checker and the published schema read one
description. Each attribute's docstring is its description in that schema.

``typing_extensions.TypedDict``: pydantic reads a ``typing.TypedDict`` only from Python 3.12. No
``from __future__ import annotations``: the classes' ``__required_keys__`` are then right at run time.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired

from typing_extensions import TypedDict

from trdnav.core.model import Evidence, Outcome


@dataclass(frozen=True, slots=True)
class AtLeast:
    """The least value an integer field takes, published as the JSON Schema's ``minimum``
    (pydantic calls this method for metadata in ``Annotated``; the core does not import pydantic)."""

    minimum: int

    def __get_pydantic_json_schema__(
        self, core_schema: object, handler: Callable[[object], dict[str, Any]]
    ) -> dict[str, Any]:
        return {**handler(core_schema), "minimum": self.minimum}


Count = Annotated[int, AtLeast(0)]
Positive = Annotated[int, AtLeast(1)]

Safety = Literal["contraindicated", "needs_review", "no_known_concerns"]

LeaningBasis = Literal["priorities", "only_option", "none_remaining", "no_priorities", "not_clear"]
"""Why the leaning is what it is: the person's priorities clearly favour it; it is the only option
left after the safety screen and the practical barriers; no option is left; no stated priority
points to any remaining option; or priorities point but no option leads by the margin."""


class Reason(TypedDict):
    """A safety rule that fired (or a screen that is incomplete), in plain words, with its sources."""

    rule: str
    outcome: Outcome
    text: str
    """Why, in plain words"""
    clinician_text: str
    citations: list[str]
    evidence: Evidence


class SafetyResult(TypedDict):
    """One therapy's safety screen: the first fields of its `TherapyResult` (described there)."""

    safety: Safety
    reasons: list[Reason]
    notes: list[Reason]
    unanswered: list[str]


class BarrierDetail(TypedDict):
    """A practical barrier the person's answers meet."""

    id: str
    text: str
    clinician_text: str
    citations: list[str]


class TherapyResult(TypedDict):
    """One therapy's result: its safety screen, practical barriers and the priorities favouring it."""

    # SafetyResult's fields again, not inherited: pydantic reads the docstrings of a class's own fields
    safety: Safety
    reasons: list[Reason]
    notes: list[Reason]
    """Information that does not change the safety status"""
    unanswered: list[str]
    """Safety items for this therapy not answered, or unsure"""
    practical: Literal["ok", "barriers"]
    barriers: list[str]
    barrier_details: list[BarrierDetail]
    favoured_by: list[str]
    """Ids of the person's priorities that point to this therapy"""


class Alert(TypedDict):
    """An item alert, such as PHQ-9 item 9 above 0 (``urgent``: show crisis resources first)."""

    id: str
    level: Literal["urgent", "warning"]
    text: str


class Score(TypedDict):
    """A questionnaire's total and its severity band."""

    total: Count
    """The sum of the item answers"""
    severity: str


class Priority(TypedDict):
    """A consideration that applies to the person, with the options it favours and its points."""

    id: str
    favours: list[str]
    weight: int
    text: str
    clinician_text: str
    citations: list[str]
    evidence: Evidence
    items: list[str]
    """The person's answers (item ids) this priority comes from"""
    top_priority: bool
    """The person listed it under top_priorities"""
    points: Count
    """Weight, times the top-priority multiplier; 0 for information notes"""


class TallyLine(TypedDict):
    """The points one priority gave one option."""

    priority: str
    """The priority (consideration) id"""
    items: list[str]
    weight: Positive
    multiplier: Positive
    """The top-priority multiplier, or 1"""
    points: Positive


class TherapyTally(TypedDict):
    """The points the person's priorities gave one option, and their total."""

    total: Count
    remaining: bool
    """Not contraindicated and no practical barrier: can be the leaning"""
    points: list[TallyLine]


class CrisisLineBody(TypedDict):
    """One way to reach help, as a link a phone can follow."""

    label: str
    href: str
    """tel:, sms: or https: link"""


class CrisisResourcesBody(TypedDict):
    """Crisis resources to show first: the clinic's own, or the installation's country's."""

    title: str
    text: str
    lines: list[CrisisLineBody]
    country: str | None
    """Country of the knowledge base's block; null: the clinic's own"""
    checked: str | None
    """When the knowledge base's block was last checked (date)"""


class AssessmentResult(TypedDict):
    """The contract v1 assessment: safety screen per therapy, leaning, alerts and scores."""

    contract: Literal[1]
    knowledge_version: str
    therapies: dict[str, TherapyResult]
    """Therapy id to its result, in the order asked"""
    leaning: str | None
    """The option the person's own priorities point to, if any"""
    leaning_basis: LeaningBasis
    """Why: priorities clearly favour it; the only option left after the safety screen and practical
    barriers; no option left; no stated priority points to a remaining option; or no option leads by
    the margin"""
    tally: dict[str, TherapyTally]
    """Therapy id to the points each priority gave it"""
    alerts: list[Alert]
    scores: dict[str, Score]
    """Instrument id (phq9, gad7) to total and severity"""
    priorities: list[Priority]
    crisis: NotRequired[CrisisResourcesBody]
    """Present when an alert is urgent: the crisis resources to show first (the clinic's own, or the
    installation's country's). Added by the shell (`trdnav.crisis.with_crisis`), never by `evaluate`."""
    sources: NotRequired[dict[str, list[dict[str, str]]]]
    """Where each answer came from when taken from a health record (contract §4): the document's
    `sources`, carried back unchanged by `trdnav.assess`; it never changes the assessment."""


def _described_by_docstrings(*classes: object) -> None:
    """Have pydantic (the web layer's OpenAPI) read each attribute docstring above as the field's
    description: pydantic's config for a TypedDict is this class attribute (the core does not
    import pydantic). ``setattr``: to mypy, an ``object`` has no such attribute to assign."""
    for cls in classes:
        setattr(cls, "__pydantic_config__", {"use_attribute_docstrings": True})  # noqa: B010


_described_by_docstrings(
    Reason, SafetyResult, BarrierDetail, TherapyResult, Alert, Score, Priority, TallyLine, TherapyTally,
    CrisisLineBody, CrisisResourcesBody, AssessmentResult,
)  # fmt: skip
