"""alert_outcomes.yaml: the outcomes that close a clinic alert are data, checked like every file."""

from __future__ import annotations

from pathlib import Path

import pytest

from trdnav.knowledge.loader import KnowledgeError, load, load_from


def _problems(data: Path, old: str, new: str) -> list[str]:
    path = data / "alert_outcomes.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_from(data)  # type: ignore[arg-type]
    return caught.value.problems


def test_a_suicide_risk_alert_closes_with_the_four_outcomes_the_protocol_names() -> None:
    outcomes = load().alert_outcomes
    suicide = {o.id: o for o in outcomes.for_kind("suicide_risk")}
    assert {"reached_safe", "reached_referred", "not_reached", "emergency_services"} <= set(suicide)
    assert [o.id for o in suicide.values() if o.asks_attempts] == ["not_reached"]
    assert outcomes.for_kind("seizure") and outcomes.for_kind("adverse_event"), "every kind can be closed"
    assert all(
        o.evidence == "clinical_opinion" and o.basis.startswith("Clinic protocol") for o in outcomes.outcomes
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("kinds: [suicide_risk]\n", "kinds: [self_harm]\n", "unknown self_harm"),
        ("- id: reached_referred", "- id: reached_safe", "reached_safe repeated"),
        ("evidence: clinical_opinion\n", "evidence: verified\n", "needs at least one citation"),
        (
            '    basis: "Clinic protocol: the risk',
            '    citations: [nobody2099]\n    basis: "Clinic protocol: the risk',
            "nobody2099",
        ),
    ],
)
def test_a_broken_outcome_is_refused_naming_the_file(
    data_copy: Path, old: str, new: str, problem: str
) -> None:
    problems = _problems(data_copy, old, new)
    assert any(p.startswith("alert_outcomes.yaml") and problem in p for p in problems), problems


def test_a_clinic_can_add_its_own_outcome_as_data(data_copy: Path) -> None:
    path = data_copy / "alert_outcomes.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + '  - id: mobile_crisis_team\n    label: "Mobile crisis team sent"\n    kinds: [suicide_risk]\n'
        "    evidence: clinical_opinion\n"
        '    basis: "Clinic protocol: the mobile crisis team went out."\n',
        encoding="utf-8",
    )
    kb = load_from(data_copy)  # type: ignore[arg-type]
    assert kb.alert_outcomes.for_kind("suicide_risk")[-1].label == "Mobile crisis team sent"
