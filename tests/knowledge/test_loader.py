"""The shipped knowledge base is complete, and a broken one fails with the file and entry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.knowledge.data_edits import edit, load_problems
from trdnav.knowledge.loader import KnowledgeBase, load_from

CONTRACT_V1_ITEMS = {
    "seizure_history",
    "brain_condition",
    "seizure_threshold_factors",
    "metal_in_head",
    "metal_fragments",
    "cochlear_implant",
    "brain_stimulator",
    "cardiac_device",
    "medication_pump",
    "head_neck_tattoo",
    "other_metal_implant",
    "unstable_medical_condition",
    "psychosis_history",
    "mania_history",
    "high_blood_pressure_uncontrolled",
    "heart_disease",
    "aneurysm_or_brain_bleed",
    "pregnant_or_breastfeeding",
    "substance_use_current",
    "ketamine_misuse_history",
    "liver_disease",
    "eye_or_brain_pressure",
    "ketamine_allergy",
    "age",
    "conditions",
    "failed_antidepressant_trials",
    "episode_months",
    "phq9",
    "gad7",
    "wants_root_cause_work",
    "needs_fast_relief",
    "open_to_altered_state",
    "can_attend_daily_sessions",
    "can_attend_weekly_sessions",
    "has_ride_home",
    "dislikes_needles",
    "insurance",
    "wants_lasting_effect",
    "prefers_drug_free",
    "worried_about_memory",
    "wants_to_drive_self",
    "prefers_no_anaesthesia",
    "top_priorities",
}


def test_every_contract_item_is_there_with_a_question(kb: KnowledgeBase) -> None:
    assert set(kb.items) == CONTRACT_V1_ITEMS
    assert all(item.question for item in kb.items.values())


def test_all_five_therapies_have_every_section(kb: KnowledgeBase) -> None:
    assert list(kb.therapies) == ["iv_ketamine", "tms", "esketamine", "accelerated_tms", "ect"]
    assert kb.manifest.default_therapies == ["iv_ketamine", "tms"]


def test_manifest_is_calver_and_reviewed(kb: KnowledgeBase) -> None:
    assert kb.version.startswith(str(kb.manifest.reviewed.year))
    assert kb.manifest.contract_version == 1
    assert kb.manifest.next_review > kb.manifest.reviewed


def test_every_rule_and_consideration_is_sourced_or_labelled_opinion(kb: KnowledgeBase) -> None:
    for rule in kb.rules:
        assert rule.citations and rule.patient_text and rule.clinician_text, rule.id
    for consideration in kb.considerations:
        assert consideration.citations or consideration.evidence == "clinical_opinion", consideration.id


def test_instruments_carry_loinc_codes(kb: KnowledgeBase) -> None:
    phq9 = kb.instruments["phq9"]
    assert phq9.loinc_panel == "44249-1" and phq9.loinc_total == "44261-6"
    assert phq9.items[8].loinc == "44260-8"
    assert [a.loinc for a in phq9.answers] == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    assert kb.instruments["gad7"].loinc_total == "70274-6"


def test_the_untouched_copy_loads(data_copy: Path) -> None:
    assert load_from(data_copy).version  # type: ignore[arg-type]


BREAKAGES: list[tuple[str, str, str, str, str]] = [
    # (what, file, old text, new text, expected fragment of a problem)
    (
        "unknown item in a rule",
        "rules/tms.yaml",
        '{item: seizure_history, is: "yes"}',
        '{item: sezure_history, is: "yes"}',
        "rules/tms.yaml: TMS.SAFETY.SEIZURE_HISTORY: condition names unknown item 'sezure_history'",
    ),
    (
        "bare yes in a condition",
        "rules/tms.yaml",
        '{item: seizure_history, is: "yes"}',
        "{item: seizure_history, is: yes}",
        "rules/tms.yaml: TMS.SAFETY.SEIZURE_HISTORY.when: Value error, 'is' on 'seizure_history'"
        " needs a quoted word",
    ),
    (
        "value an item cannot take",
        "rules/tms.yaml",
        '{item: seizure_history, is: "yes"}',
        '{item: seizure_history, is: "maybe"}',
        "TMS.SAFETY.SEIZURE_HISTORY: condition value 'maybe' for 'seizure_history'",
    ),
    (
        "unknown therapy in a rule",
        "rules/tms.yaml",
        "therapies: [tms, accelerated_tms]\n    outcome: needs_review\n    when: {item: seizure_history",
        "therapies: [tms, deep_tms]\n    outcome: needs_review\n    when: {item: seizure_history",
        "TMS.SAFETY.SEIZURE_HISTORY: unknown therapy 'deep_tms'",
    ),
    (
        "unknown citation in a rule",
        "rules/ketamine.yaml",
        "citations: [spravato_label]\n    evidence: verified\n"
        '    since: "2026.11.0"\n  - id: KETAMINE.SAFETY.PREGNANCY',
        "citations: [nobody2020]\n"
        '    evidence: verified\n    since: "2026.11.0"\n  - id: KETAMINE.SAFETY.PREGNANCY',
        "rules/ketamine.yaml: KETAMINE.SAFETY.ANEURYSM_OR_BLEED: unknown citation 'nobody2020'",
    ),
    (
        "unknown key in a rule",
        "rules/ketamine.yaml",
        "  - id: KETAMINE.SAFETY.ALLERGY\n",
        "  - id: KETAMINE.SAFETY.ALLERGY\n    severity: high\n",
        "rules/ketamine.yaml: KETAMINE.SAFETY.ALLERGY.severity: Extra inputs are not permitted",
    ),
    (
        "rule on an item that does not bear on its therapy",
        "items.yaml",
        "bears_on: [iv_ketamine, esketamine]\n  - id: mania_history",
        "bears_on: [iv_ketamine]\n  - id: mania_history",
        "KETAMINE.SAFETY.PSYCHOSIS: item 'psychosis_history' does not bear on ['esketamine']",
    ),
    (
        "duplicate rule id",
        "rules/ketamine.yaml",
        "id: KETAMINE.SAFETY.LIVER_DISEASE",
        "id: KETAMINE.SAFETY.ALLERGY",
        "rules: KETAMINE.SAFETY.ALLERGY: rule id used twice",
    ),
    (
        "unknown item in a consideration",
        "considerations.yaml",
        '{item: needs_fast_relief, is: "yes"}',
        '{item: needs_relief, is: "yes"}',
        "considerations.yaml: urgency: condition names unknown item 'needs_relief'",
    ),
    (
        "a gap in severity bands",
        "instruments/phq9.yaml",
        "{minimum: 5, maximum: 9,",
        "{minimum: 6, maximum: 9,",
        "instruments/phq9.yaml: (top level): Value error, severity bands must cover 0..27 without gaps",
    ),
    (
        "unknown key in the manifest",
        "manifest.toml",
        "leaning_margin = 2",
        'leaning_margin = 2\nauthor = "x"',
        "manifest.toml: author: Extra inputs are not permitted",
    ),
]


@pytest.mark.parametrize(("what", "file", "old", "new", "fragment"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_a_broken_knowledge_base_names_the_file_and_entry(
    data_copy: Path, what: str, file: str, old: str, new: str, fragment: str
) -> None:
    edit(data_copy / file, old, new)
    problems = load_problems(data_copy)
    assert any(fragment in p for p in problems), problems


def _cite_an_unknown_paper(folder: Path) -> None:
    path = folder / "therapies" / "tms.yaml"
    therapy = yaml.safe_load(path.read_text(encoding="utf-8"))
    therapy["benefits"][0]["citations"].append("no_such_paper")
    path.write_text(yaml.safe_dump(therapy), encoding="utf-8")


def _missing_therapy(folder: Path) -> None:
    (folder / "therapies" / "ect.yaml").unlink()


@pytest.mark.parametrize(
    ("breakage", "fragment"),
    [
        (_cite_an_unknown_paper, "therapies/tms.yaml: benefits: unknown citation 'no_such_paper'"),
        (_missing_therapy, "manifest.toml: ect: no file therapies/ect.yaml"),
    ],
)
def test_therapy_file_problems(data_copy: Path, breakage: Callable[[Path], None], fragment: str) -> None:
    breakage(data_copy)
    assert any(fragment in p for p in load_problems(data_copy))
