"""The knowledge base is held to its screening-coverage table (`screening_coverage.yaml`).

Every safety question x therapy is decided, with sources or a reason; items' `bears_on` and the
safety rules match the table exactly; the gaps named in issue 9 are closed; and a knowledge base
that disagrees with the table does not load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import trdnav
from tests.conftest import all_no
from tests.knowledge.data_edits import edit
from trdnav.knowledge.loader import KnowledgeBase, KnowledgeError, load_from


def _safety_items(kb: KnowledgeBase) -> list[str]:
    return [item.id for item in kb.items.values() if item.section == "safety"]


def test_every_safety_question_is_decided_for_every_therapy_with_sources_or_a_reason(
    kb: KnowledgeBase,
) -> None:
    assert set(kb.coverage.items) == set(_safety_items(kb))
    for item_id in _safety_items(kb):
        row = kb.coverage.items[item_id]
        assert set(row) == set(kb.manifest.therapies), item_id
        for therapy, cell in row.items():
            assert all(c in kb.citations for c in cell.citations), (item_id, therapy)
            if cell.bears:
                assert cell.citations, f"{item_id} bears on {therapy} without a source"
            else:
                assert cell.reason, f"{item_id} does not bear on {therapy} without a reason"


def test_items_bears_on_matches_the_table_exactly(kb: KnowledgeBase) -> None:
    for item_id in _safety_items(kb):
        table = {t for t, cell in kb.coverage.items[item_id].items() if cell.bears}
        assert table == set(kb.items[item_id].bears_on), item_id


def test_the_safety_rules_test_exactly_the_pairs_the_table_says_bear_without_review_only(
    kb: KnowledgeBase,
) -> None:
    safety = set(_safety_items(kb))
    tested = {
        (item_id, therapy)
        for rule in kb.rules
        if rule.outcome != "information"
        for item_id in rule.condition().items()
        if item_id in safety
        for therapy in rule.therapies
    }
    bearing = {
        (item_id, therapy)
        for item_id, row in kb.coverage.items.items()
        for therapy, cell in row.items()
        if cell.bears and not cell.review_only
    }
    assert tested == bearing


def test_every_therapy_says_whether_its_screen_is_complete_and_partial_ones_name_the_gap(
    kb: KnowledgeBase,
) -> None:
    assert set(kb.coverage.screens) == set(kb.manifest.therapies)
    partial = {t for t, s in kb.coverage.screens.items() if s.screening == "partial"}
    assert partial == {"ect", "accelerated_tms"}
    risks = " ".join(e.risk for e in kb.coverage.screens["ect"].gap.not_screened)  # type: ignore[union-attr]
    assert "anaesthetic" in risks
    risks = " ".join(e.risk for e in kb.coverage.screens["accelerated_tms"].gap.not_screened)  # type: ignore[union-attr]
    assert "MRI" in risks


KNOWN_GAPS = [
    # (item, therapy, rule) from issue 9: each now bears on the therapy and needs review when "yes".
    ("heart_disease", "tms", "TMS.SAFETY.HEART_DISEASE"),
    ("heart_disease", "accelerated_tms", "TMS.SAFETY.HEART_DISEASE"),
    ("eye_or_brain_pressure", "tms", "TMS.SAFETY.RAISED_BRAIN_PRESSURE"),
    ("eye_or_brain_pressure", "accelerated_tms", "TMS.SAFETY.RAISED_BRAIN_PRESSURE"),
    ("aneurysm_or_brain_bleed", "tms", "TMS.SAFETY.ANEURYSM_OR_BLEED"),
    ("aneurysm_or_brain_bleed", "accelerated_tms", "TMS.SAFETY.ANEURYSM_OR_BLEED"),
    ("cochlear_implant", "ect", "ECT.SAFETY.COCHLEAR_IMPLANT"),
    ("brain_stimulator", "ect", "ECT.SAFETY.BRAIN_STIMULATOR"),
    ("cardiac_device", "ect", "ECT.SAFETY.CARDIAC_DEVICE"),
    ("heart_disease", "ect", "ECT.SAFETY.HEART_DISEASE"),
    ("brain_condition", "ect", "ECT.SAFETY.BRAIN_CONDITION"),
    ("eye_or_brain_pressure", "ect", "ECT.SAFETY.RAISED_BRAIN_PRESSURE"),
    ("aneurysm_or_brain_bleed", "ect", "ECT.SAFETY.ANEURYSM_OR_BLEED"),
    ("pregnant_or_breastfeeding", "ect", "ECT.SAFETY.PREGNANCY"),
]


@pytest.mark.parametrize(("item", "therapy", "rule"), KNOWN_GAPS, ids=[f"{g[0]}-{g[1]}" for g in KNOWN_GAPS])
def test_a_known_gap_is_closed_and_needs_review_never_an_automatic_exclusion(
    item: str, therapy: str, rule: str
) -> None:
    entry = trdnav.assess(all_no(**{item: "yes"}), [therapy])["therapies"][therapy]
    assert entry["safety"] == "needs_review"
    assert rule in [r["rule"] for r in entry["reasons"]]
    unanswered = trdnav.assess(all_no(**{item: "unsure"}), [therapy])["therapies"][therapy]
    assert item in unanswered["unanswered"]


def test_ect_implants_are_never_an_automatic_contraindication() -> None:
    devices = {"cochlear_implant": "yes", "brain_stimulator": "yes", "cardiac_device": "yes"}
    entry = trdnav.assess(all_no(**devices, medication_pump="yes", metal_in_head="yes"), ["ect"])
    assert entry["therapies"]["ect"]["safety"] == "needs_review"


# --- A knowledge base that disagrees with its table does not load ----------------------------


def _drop_ect_pregnancy_rule(folder: Path) -> None:
    path = folder / "rules" / "ect.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - id: ECT.SAFETY.PREGNANCY")], encoding="utf-8")


BREAKAGES = [
    (
        "bears_on disagrees with the table",
        "items.yaml",
        "bears_on: [tms, accelerated_tms, ect]\n  - id: seizure_threshold_factors",
        "bears_on: [tms, accelerated_tms]\n  - id: seizure_threshold_factors",
        "screening_coverage.yaml: items: brain_condition: ect: the table says it bears on it,"
        " but items.yaml bears_on does not list it",
    ),
    (
        "an undecided pair",
        "screening_coverage.yaml",
        '    ect: {bears: false, reason: "The ECT sources retrieved name no concern for tattoos."}\n',
        "",
        "screening_coverage.yaml: items: head_neck_tattoo: ect: undecided",
    ),
    (
        "a bearing pair without its source",
        "screening_coverage.yaml",
        "    ect: {bears: true, citations: [leiknes2015_ect_pregnancy]}",
        "    ect: {bears: true}",
        "screening_coverage.yaml: items.pregnant_or_breastfeeding.ect: Value error, a question that bears",
    ),
    (
        "a context item a rule tests without saying why unanswered is fine",
        "screening_coverage.yaml",
        "  age: ",
        "  not_age: ",
        "rules/age.yaml: AGE.UNDER_18.ECT: a safety rule must test safety items; 'age' is not one",
    ),
    (
        "a partial screen without its gap",
        "screening_coverage.yaml",
        '    screening: partial\n    checked_against: "The high-risk',
        '    screening: complete\n    checked_against: "The high-risk',
        "screening_coverage.yaml: screens.ect: Value error, a partial screen needs a gap",
    ),
]


@pytest.mark.parametrize(("what", "file", "old", "new", "fragment"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_a_knowledge_base_that_disagrees_with_its_table_does_not_load(
    data_copy: Path, what: str, file: str, old: str, new: str, fragment: str
) -> None:
    edit(data_copy / file, old, new)
    with pytest.raises(KnowledgeError) as caught:
        load_from(data_copy)  # type: ignore[arg-type]
    assert any(fragment in p for p in caught.value.problems), caught.value.problems


def test_a_bearing_pair_without_a_rule_does_not_load(data_copy: Path) -> None:
    _drop_ect_pregnancy_rule(data_copy)
    with pytest.raises(KnowledgeError) as caught:
        load_from(data_copy)  # type: ignore[arg-type]
    assert (
        "screening_coverage.yaml: items: pregnant_or_breastfeeding: ect: bears on it but no rule tests it"
        in " ".join(caught.value.problems)
    )
