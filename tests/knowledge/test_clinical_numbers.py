"""The clinical numbers of the course code (outcome thresholds, dose limits, session ranges, the SURE
test) are knowledge-base data: each has an evidence label, a basis and sources that exist, and a
number that breaks these rules is refused at load, naming its file and entry."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.knowledge.data_edits import edit, load_problems
from trdnav.knowledge.clinical_numbers import Basis
from trdnav.knowledge.loader import KnowledgeBase, KnowledgeError, load_from


def _problems_after(folder: Path, name: str, old: str, new: str) -> list[str]:
    assert (folder / name).read_text(encoding="utf-8").count(old) == 1, f"{old!r} once in {name}"
    edit(folder / name, old, new)
    return load_problems(folder)


def _numbers(kb: KnowledgeBase) -> list[tuple[str, Basis]]:
    return [
        *kb.outcome_rules.entries(),
        *kb.dosing.iv_ketamine.entries(),
        *kb.session_ranges.entries(),
        ("sure.conflict_at_or_below", kb.sure.conflict_at_or_below),
    ]


def test_the_shipped_numbers_are_the_ones_the_course_code_gets(kb: KnowledgeBase) -> None:
    rules = kb.outcome_rules.rules
    assert (rules.response_percent, rules.remission_below) == (50, 5)  # evidence digest, section 5 [V]
    assert (rules.improving_percent, rules.halfway_percent) == (20, 20)
    limits = kb.dosing.iv_ketamine.limits
    assert (limits.dose_mg_per_kg.low, limits.dose_mg_per_kg.high) == (Decimal("0.10"), Decimal("1.00"))
    assert limits.max_dose_mg == Decimal("100")
    assert kb.session_ranges.ranges.intensity == (80, 140)
    assert [a.item_number for i in kb.urgent_instruments for a in i.alerts] == [
        9
    ] and kb.urgent_alert_ids == {"suicide_risk"}


def test_every_number_without_a_source_in_the_evidence_is_labelled_clinical_opinion(
    kb: KnowledgeBase,
) -> None:
    """Response and remission, the infusion's 10-minute readings and usual 40 minutes, and the
    esketamine label's and REMS's monitoring numbers come from the evidence digest; the SURE cut-off
    is from its authors but not in the digest (unverified); everything else is our own rule or clinic
    policy, and its basis says so."""
    labels = {name: entry.evidence for name, entry in _numbers(kb)}
    assert {name for name, label in labels.items() if label != "clinical_opinion"} == {
        "response_percent",
        "remission_below",
        "sure.conflict_at_or_below",
        "infusion_monitoring.vitals_interval_minutes",
        "infusion_monitoring.usual_infusion_minutes",
        "esketamine_monitoring.delay_systolic_above",
        "esketamine_monitoring.delay_diastolic_above",
        "esketamine_monitoring.recheck_minutes",
        "esketamine_monitoring.observation_minutes",
        "esketamine_monitoring.doses_mg",
    }
    own = ("This service's own rule", "This service's own scale", "Clinic policy")
    for name, entry in _numbers(kb):
        if entry.evidence == "clinical_opinion":
            assert entry.basis.startswith(own), name


@pytest.mark.parametrize(
    ("name", "old", "new", "problem"),
    [
        (
            "outcome_rules.yaml",
            "  evidence: clinical_opinion\n  basis: \"This service's own rule, from no source: a fall",
            "  evidence: verified\n  basis: \"This service's own rule, from no source: a fall",
            "outcome_rules.yaml: improving_percent: Value error, a verified number needs at least one",
        ),
        (
            "dosing.yaml",
            "citations: [murrough2013_ajp, fava2020_ketamine_dose]",
            "citations: [murrough2013_ajp, nobody2099]",
            "dosing.yaml: infusion_minutes: unknown citation 'nobody2099'",
        ),
        (
            "outcome_rules.yaml",
            "improving_percent:\n  value: 20",
            "improving_percent:\n  value: 60",
            "outcome_rules.yaml: (top level): Value error, expected 0 < improving_percent < response_percent",
        ),
        (
            "session_ranges.yaml",
            "  systolic_mmhg:\n    low: 60\n    high: 260",
            "  systolic_mmhg:\n    low: 260\n    high: 60",
            "session_ranges.yaml: infusion.systolic_mmhg: Value error, high must not be below low",
        ),
        (
            "sure.yaml",
            "conflict_at_or_below:\n  value: 3",
            "conflict_at_or_below:\n  value: 4",
            "sure.yaml: (top level): Value error, conflict_at_or_below must be below the number of items",
        ),
    ],
)
def test_a_broken_number_is_refused_naming_its_file_and_entry(
    data_copy: Path, name: str, old: str, new: str, problem: str
) -> None:
    problems = _problems_after(data_copy, name, old, new)
    assert any(p.startswith(problem) for p in problems), problems


def test_a_missing_clinical_numbers_file_is_refused(data_copy: Path) -> None:
    (data_copy / "dosing.yaml").unlink()
    with pytest.raises(KnowledgeError) as caught:
        load_from(data_copy)  # type: ignore[arg-type]
    assert any(p.startswith("dosing.yaml: cannot be read") for p in caught.value.problems)
