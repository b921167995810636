"""The screening-coverage table and the checks that hold the knowledge base to it.

`screening_coverage.yaml` decides every safety question x therapy pair: "bears on it", with
sources, or "does not", with the reason. Items' `bears_on` and the safety rules must match that
table exactly, every bearing pair needs a rule (or a stated reason why flagging it for review is
enough), and a therapy whose screen is partial names what is not asked. Safety rules may test a
context item only when the table lists it with why leaving it unanswered needs no review.

Each problem reads 'file: entry: message' so a content reviewer can find it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import Field, model_validator

from trdnav.knowledge.crosscheck import unknown_refs
from trdnav.knowledge.schema import RULE_ID, Citation, EvidenceLabel, Item, Rule, Strict


class CoverageCell(Strict):
    """Whether one safety question bears on one therapy, with its sources or the reason it does not."""

    bears: bool
    citations: list[str] = Field(default_factory=list)
    reason: str | None = Field(default=None, description="why the question does not bear on the therapy")
    review_only: str | None = Field(
        default=None, description="for a bearing question no rule tests: why flagging it for review is enough"
    )

    @model_validator(mode="after")
    def _decided_with_grounds(self) -> CoverageCell:
        if self.bears and not self.citations:
            raise ValueError("a question that bears on a therapy needs the citations that say so")
        if not self.bears and not self.reason:
            raise ValueError("a question that does not bear on a therapy needs the reason")
        if not self.bears and self.review_only:
            raise ValueError("review_only only goes with bears: true")
        return self


class NotScreened(Strict):
    """A risk the evidence names for a therapy that no question here asks about."""

    risk: str
    citations: list[str] = Field(min_length=1)


class ScreenGap(Strict):
    """Why a therapy's screen is incomplete: it then always needs review, with this reason."""

    id: str = Field(pattern=RULE_ID)
    not_screened: list[NotScreened] = Field(min_length=1)
    patient_text: str
    clinician_text: str
    evidence: EvidenceLabel


class TherapyScreenCoverage(Strict):
    """What a therapy's screen was checked against, and whether the questions here cover it."""

    screening: Literal["complete", "partial"]
    checked_against: str
    citations: list[str] = Field(min_length=1)
    gap: ScreenGap | None = None

    @model_validator(mode="after")
    def _gap_fits(self) -> TherapyScreenCoverage:
        if (self.screening == "partial") != (self.gap is not None):
            raise ValueError(
                "a partial screen needs a gap (what is not screened), and a complete one has none"
            )
        return self


class ScreeningCoverage(Strict):
    """`screening_coverage.yaml`: the safety-question x therapy table the knowledge base is held to."""

    screens: dict[str, TherapyScreenCoverage] = Field(default_factory=dict)
    context_items: dict[str, str] = Field(
        default_factory=dict,
        description="context items a safety rule may test, with why unanswered needs no review",
    )
    items: dict[str, dict[str, CoverageCell]] = Field(default_factory=dict)


FILE = "screening_coverage.yaml"


def _screen_problems(
    coverage: ScreeningCoverage, therapies: Sequence[str], citations: Mapping[str, Citation]
) -> list[str]:
    problems = [
        f"{FILE}: screens: {t}: no entry: say whether its screen is complete"
        for t in therapies
        if t not in coverage.screens
    ]
    for therapy, screen in coverage.screens.items():
        where = f"{FILE}: screens: {therapy}"
        if therapy not in therapies:
            problems.append(f"{where}: not a therapy in manifest.toml")
        problems += unknown_refs(where, screen.citations, citations, "citation")
        for entry in screen.gap.not_screened if screen.gap else []:
            problems += unknown_refs(f"{where}: gap", entry.citations, citations, "citation")
    return problems


def _table_problems(
    coverage: ScreeningCoverage,
    therapies: Sequence[str],
    items: Sequence[Item],
    citations: Mapping[str, Citation],
) -> list[str]:
    safety = {item.id: item for item in items if item.section == "safety"}
    problems = [
        f"{FILE}: items: {i}: not a safety item in items.yaml" for i in coverage.items if i not in safety
    ]
    for item in safety.values():
        row = coverage.items.get(item.id)
        if row is None:
            problems.append(f"{FILE}: items: {item.id}: missing: decide it for every therapy")
            continue
        for therapy in therapies:
            cell = row.get(therapy)
            where = f"{FILE}: items: {item.id}: {therapy}"
            if cell is None:
                problems.append(f"{where}: undecided: say whether it bears on this therapy")
                continue
            problems += unknown_refs(where, cell.citations, citations, "citation")
            if cell.bears != (therapy in item.bears_on):
                said, listed = ("bears", "does not list") if cell.bears else ("does not bear", "lists")
                problems.append(
                    f"{where}: the table says it {said} on it, but items.yaml bears_on {listed} it"
                )
        problems += [
            f"{FILE}: items: {item.id}: {t}: not a therapy in manifest.toml"
            for t in row
            if t not in therapies
        ]
    return problems


def _rule_problems(
    coverage: ScreeningCoverage, items: Sequence[Item], rules: Sequence[tuple[str, Rule]]
) -> list[str]:
    by_id = {item.id: item for item in items}
    problems = [
        f"{FILE}: context_items: {i}: not a context item in items.yaml"
        for i in coverage.context_items
        if i not in by_id or by_id[i].section != "context"
    ]
    tested: set[tuple[str, str]] = set()
    for name, rule in rules:
        if rule.outcome == "information":
            continue
        where = f"{name}: {rule.id}"
        for item_id in sorted(rule.condition().items()):
            item = by_id.get(item_id)
            if item is None:
                continue
            if item.section != "safety":
                if item_id not in coverage.context_items:
                    problems.append(
                        f"{where}: a safety rule must test safety items; {item_id!r} is not one"
                        f" (a context item needs an entry under context_items in {FILE})"
                    )
                continue
            missing = [t for t in rule.therapies if t not in item.bears_on]
            if missing:
                problems.append(
                    f"{where}: item {item_id!r} does not bear on {missing}: add them to its bears_on"
                    " so an unanswered question is flagged too"
                )
            tested.update((item_id, therapy) for therapy in rule.therapies)
    for item_id, row in coverage.items.items():
        for therapy, cell in row.items():
            if not cell.bears:
                continue
            where = f"{FILE}: items: {item_id}: {therapy}"
            if (item_id, therapy) not in tested and not cell.review_only:
                problems.append(
                    f"{where}: bears on it but no rule tests it:"
                    " add a rule, or say in review_only why review is enough"
                )
            if (item_id, therapy) in tested and cell.review_only:
                problems.append(f"{where}: review_only is given, but a rule tests it: remove review_only")
    rule_ids = {rule.id for _, rule in rules}
    for therapy, screen in coverage.screens.items():
        if screen.gap and screen.gap.id in rule_ids:
            problems.append(f"{FILE}: screens: {therapy}: {screen.gap.id} is also a rule id")
    return problems


def coverage_problems(
    *,
    coverage: ScreeningCoverage,
    therapies: Sequence[str],
    items: Sequence[Item],
    rules: Sequence[tuple[str, Rule]],
    citations: Mapping[str, Citation],
) -> list[str]:
    """Every way the knowledge base disagrees with its screening-coverage table (empty when it agrees)."""
    return (
        _screen_problems(coverage, therapies, citations)
        + _table_problems(coverage, therapies, items, citations)
        + _rule_problems(coverage, items, rules)
    )
