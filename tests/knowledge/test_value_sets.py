"""Record value sets: every target is a known item (and word), codes are not listed twice, and
the required codes of the issue are there with their sources."""

from __future__ import annotations

from pathlib import Path

from tests.knowledge.data_edits import edit, load_problems
from trdnav.knowledge.loader import load
from trdnav.knowledge.value_sets import SYSTEMS


def _set(set_id: str):  # type: ignore[no-untyped-def]
    sets = load().value_sets
    assert sets is not None
    return next(vs for vs in sets.value_sets if vs.id == set_id)


def test_the_codes_named_by_the_issue_map_to_their_items() -> None:
    expected = {
        ("seizure_disorders", "snomed", "128613002"): "seizure_history",
        ("seizure_disorders", "snomed", "703151001"): "seizure_history",
        ("seizure_disorders", "icd10cm", "G40.909"): "seizure_history",
        ("hypertension", "snomed", "59621000"): "high_blood_pressure_uncontrolled",
        ("hypertension", "icd10cm", "I10"): "high_blood_pressure_uncontrolled",
        ("heart_disease", "snomed", "414545008"): "heart_disease",
        ("pregnancy", "snomed", "72892002"): "pregnant_or_breastfeeding",
        ("substance_use", "snomed", "361055000"): "substance_use_current",
        ("substance_use", "snomed", "10939881000119105"): "substance_use_current",
        ("cardiac_devices", "icd10cm", "Z95.0"): "cardiac_device",
        ("cardiac_devices", "icd10cm", "Z95.810"): "cardiac_device",
        ("cochlear_implants", "icd10cm", "Z96.21"): "cochlear_implant",
        ("neurostimulators", "icd10cm", "Z96.82"): "brain_stimulator",
        ("glaucoma", "icd10cm", "H40.1110"): "eye_or_brain_pressure",
        ("brain_conditions", "icd10cm", "C71.9"): "brain_condition",
        ("ocd", "icd10cm", "F42.9"): "conditions",
    }
    for (set_id, system, code), item in expected.items():
        vs = _set(set_id)
        assert vs.match(SYSTEMS[system], code) is not None, (set_id, code)
        assert item in [t.item for t in vs.targets]


def test_icd_descendants_match_under_their_parent_only() -> None:
    seizures = _set("seizure_disorders")
    assert seizures.match(SYSTEMS["icd10cm"], "G40909") is not None
    assert seizures.match(SYSTEMS["icd10cm"], "G41.0") is None
    assert seizures.match(SYSTEMS["snomed"], "G40") is None  # the system counts too
    substance = _set("substance_use")
    assert substance.match(SYSTEMS["icd10cm"], "F17.210") is None  # nicotine is left out


def test_every_set_names_its_source_and_a_clinicians_list_says_so() -> None:
    sets = load().value_sets
    assert sets is not None
    for vs in sets.value_sets:
        assert vs.source.name and vs.source.where
        if vs.source.kind == "clinicians_list":
            assert vs.evidence == "clinical_opinion"


def test_an_unknown_item_id_is_refused(data_copy: Path) -> None:
    edit(data_copy / "value_sets.yaml", "targets: [{item: seizure_history}]", "targets: [{item: seizures}]")
    assert "value_sets.yaml: seizure_disorders: unknown item id 'seizures'" in load_problems(data_copy)


def test_an_unknown_condition_word_is_refused(data_copy: Path) -> None:
    old, new = "{item: conditions, word: anxiety}", "{item: conditions, word: worry}"
    edit(data_copy / "value_sets.yaml", old, new)
    problems = load_problems(data_copy)
    assert any("anxiety: conditions needs a word from" in p and "'worry'" in p for p in problems)


def test_a_code_in_two_sets_is_reported(data_copy: Path) -> None:
    edit(
        data_copy / "value_sets.yaml",
        '{system: snomed, code: "13746004", display: "Bipolar disorder"}',
        '{system: snomed, code: "128613002", display: "Seizure disorder"}',
    )
    assert (
        "value_sets.yaml: bipolar: snomed 128613002 is already in value set seizure_disorders"
        in load_problems(data_copy)
    )


def test_rules_doc_lists_every_value_set() -> None:
    text = (Path(__file__).parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
    sets = load().value_sets
    assert sets is not None
    for vs in sets.value_sets:
        assert f"`{vs.id}`" in text
