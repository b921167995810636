"""Treatment protocols in the knowledge base: sourced, strict, readable, and plannable.

Clinicians plan courses from these entries and patients read their texts in the calendar, so a
protocol must name real sources, say which numbers are the clinic's own rules, and read at grade 8.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import textstat
import yaml

from tests.knowledge.data_edits import DATA
from trdnav.knowledge.loader import KnowledgeError, load, load_from

KB = load()
GRADE_LIMIT = 8.0
EXPECTED = {
    "tms_10hz": "tms",
    "itbs": "tms",
    "deep_tms_h1": "tms",
    "accelerated_tms_snt": "accelerated_tms",
    "iv_ketamine_twice_weekly": "iv_ketamine",
    "esketamine_label": "esketamine",
    "ect_thrice_weekly": "ect",
}


def _patient_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for protocol in KB.protocols.values():
        texts[f"{protocol.id} involves"] = protocol.involves
        texts[f"{protocol.id} session_text"] = protocol.session_text
        for index, note in enumerate(protocol.preparation):
            texts[f"{protocol.id} preparation {index}"] = note
        for index, fact in enumerate(protocol.rules):
            texts[f"{protocol.id} rule {index}"] = fact.text
            if fact.uncertainty:
                texts[f"{protocol.id} rule {index} uncertainty"] = fact.uncertainty
    return texts


TEXTS = _patient_texts()


def test_every_protocol_of_the_issue_is_there_for_its_therapy() -> None:
    assert {pid: protocol.therapy for pid, protocol in KB.protocols.items()} == EXPECTED


@pytest.mark.parametrize("where", sorted(TEXTS))
def test_patient_text_is_grade_8_or_lower(where: str) -> None:
    grade = textstat.flesch_kincaid_grade(TEXTS[where])
    assert grade <= GRADE_LIMIT, f"{where}: grade {grade}: {TEXTS[where]}"


def test_each_protocol_says_what_a_session_involves_how_long_and_how_to_prepare() -> None:
    for protocol in KB.protocols.values():
        assert protocol.involves and protocol.session_text and protocol.clinician_text
        assert protocol.preparation, protocol.id
        plan = protocol.plan
        assert plan.session_minutes > 0 and plan.max_course_days > 0
        assert plan.preparation == tuple(protocol.preparation)


def test_the_planner_reads_the_published_schedules() -> None:
    tms = KB.protocols["tms_10hz"].plan
    assert (tms.total_sessions, tms.max_course_days, tms.phases[0].min_sessions) == (30, 42, 20)
    assert [(p.sessions, p.per_week, p.max_weeks) for p in tms.phases if p.optional] == [(6, 3, 3)]
    snt = KB.protocols["accelerated_tms_snt"].plan
    assert (snt.phases[0].per_day, snt.same_day_gap_minutes, snt.total_sessions) == (10, 50, 50)
    assert snt.consecutive_days
    ketamine = KB.protocols["iv_ketamine_twice_weekly"].plan
    assert (ketamine.total_sessions, ketamine.phases[0].per_week, ketamine.phases[0].min_days_between) == (
        6,
        2,
        2,
    )
    esketamine = KB.protocols["esketamine_label"].plan
    assert esketamine.observation_minutes == 120
    assert [(p.name, p.sessions, p.per_week) for p in esketamine.phases] == [
        ("induction", 8, 2),
        ("maintenance", 4, 1),
    ]
    deep = KB.protocols["deep_tms_h1"].plan
    assert [(p.sessions, p.per_week) for p in deep.phases] == [(20, 5), (24, 2)]
    assert KB.protocols["ect_thrice_weekly"].plan.phases[0].per_week == 3


def test_clinic_rules_are_labelled_as_such() -> None:
    """Spacing between infusions is not in the evidence: it must be labelled the clinic's own rule."""
    rules = KB.protocols["iv_ketamine_twice_weekly"].rules
    spacing = [fact for fact in rules if "days in a row" in fact.text]
    assert spacing and all(fact.evidence == "clinical_opinion" for fact in spacing)
    assert all("own rule" in (fact.clinician_text or "") for fact in spacing)
    for protocol in KB.protocols.values():
        for fact in protocol.rules:
            assert fact.evidence != "unverified", f"{protocol.id}: {fact.text}"


def _broken_copy(tmp_path: Path, change: dict[str, object]) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    raw = yaml.safe_load((folder / "protocols.yaml").read_text(encoding="utf-8"))
    raw["protocols"][0].update(change)
    (folder / "protocols.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"spacing": 2}, "protocols.yaml: tms_10hz.spacing: Extra inputs are not permitted"),
        ({"citations": ["no_such_paper"]}, "protocols.yaml: tms_10hz: unknown citation 'no_such_paper'"),
        ({"therapy": "homeopathy"}, "protocols.yaml: tms_10hz: unknown therapy 'homeopathy'"),
        (
            {
                "schedule": {
                    "session_minutes": 45,
                    "observation_minutes": 0,
                    "min_hours_between_days": 0,
                    "same_day_gap_minutes": 0,
                    "max_course_days": 42,
                    "phases": [
                        {"name": "acute", "sessions": 20, "min_sessions": 20, "per_week": 5},
                        {"name": "acute", "sessions": 6, "min_sessions": 6, "per_week": 3},
                    ],
                }
            },
            "protocols.yaml: tms_10hz.schedule: Value error, each phase needs its own name:"
            " sessions are matched to phases by name",
        ),
        (
            {
                "schedule": {
                    "session_minutes": 45,
                    "observation_minutes": 0,
                    "min_hours_between_days": 0,
                    "same_day_gap_minutes": 0,
                    "max_course_days": 14,
                    "phases": [{"name": "acute", "sessions": 30, "min_sessions": 20, "per_week": 5}],
                }
            },
            "protocols.yaml: tms_10hz: its required phases need at least 36 days,"
            " more than max_course_days 14",
        ),
    ],
)
def test_a_broken_protocol_is_refused_naming_file_and_entry(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    with pytest.raises(KnowledgeError) as error:
        load_from(_broken_copy(tmp_path, change))  # type: ignore[arg-type]
    assert message in error.value.problems
