"""Invariants of the engine, checked on generated answer documents (hypothesis)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import trdnav
from trdnav.knowledge.loader import load

KB = load()
ITEMS = KB.items
THERAPIES = list(KB.manifest.therapies)
SAFETY = [i for i in ITEMS.values() if i.section == "safety"]
RANK = {"no_known_concerns": 0, "needs_review": 1, "contraindicated": 2}
ABSENT = object()


def _value(item_id: str) -> st.SearchStrategy[Any]:
    item = ITEMS[item_id]
    if item.kind == "yes_no":
        return st.sampled_from(["yes", "no", "unsure"])
    if item.kind == "integer":
        return st.integers(item.minimum or 0, item.maximum or 0)
    if item.kind == "scores":
        return st.lists(st.integers(0, item.maximum or 0), min_size=item.length, max_size=item.length)
    if item.kind == "words":
        return st.lists(st.sampled_from(list(item.choices)), unique=True, max_size=item.maximum)
    return st.sampled_from(list(item.choices))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item_id in ITEMS:
        value = draw(st.one_of(st.just(ABSENT), _value(item_id)))
        if value is not ABSENT:
            answers[item_id] = value
    return {"version": 1, "answers": answers}


therapy_choices = st.lists(st.sampled_from(THERAPIES), min_size=1, unique=True)


@given(documents(), therapy_choices)
def test_deterministic_and_does_not_change_its_input(doc: dict[str, Any], therapies: list[str]) -> None:
    before = copy.deepcopy(doc)
    first = trdnav.assess(doc, therapies)
    assert doc == before
    assert trdnav.assess(copy.deepcopy(doc), therapies) == first


@given(documents(), therapy_choices, st.sampled_from([i.id for i in SAFETY]))
def test_turning_a_safety_answer_from_no_to_yes_never_makes_a_therapy_safer(
    doc: dict[str, Any], therapies: list[str], item: str
) -> None:
    doc["answers"][item] = "no"
    before = trdnav.assess(doc, therapies)["therapies"]
    doc["answers"][item] = "yes"
    after = trdnav.assess(doc, therapies)["therapies"]
    for therapy in therapies:
        assert RANK[after[therapy]["safety"]] >= RANK[before[therapy]["safety"]], therapy


@given(documents(), therapy_choices, st.data())
def test_missing_or_unsure_answers_never_yield_no_known_concerns(
    doc: dict[str, Any], therapies: list[str], data: st.DataObject
) -> None:
    therapy = data.draw(st.sampled_from(therapies))
    bearing = [i.id for i in SAFETY if therapy in i.bears_on]
    item = data.draw(st.sampled_from(bearing))
    if data.draw(st.booleans()):
        doc["answers"].pop(item, None)
    else:
        doc["answers"][item] = "unsure"
    entry = trdnav.assess(doc, therapies)["therapies"][therapy]
    assert entry["safety"] != "no_known_concerns"
    assert item in entry["unanswered"]


@given(documents(), therapy_choices)
def test_leaning_is_only_ever_an_option_that_remains(doc: dict[str, Any], therapies: list[str]) -> None:
    result = trdnav.assess(doc, therapies)
    remaining = [
        t
        for t, e in result["therapies"].items()
        if e["safety"] != "contraindicated" and e["practical"] == "ok"
    ]
    if len(remaining) == 1:
        assert result["leaning"] == remaining[0]
    elif result["leaning"] is not None:
        assert result["leaning"] in remaining


PRIORITY_ITEMS = [i.id for i in ITEMS.values() if i.section == "priorities"]


@given(documents(), therapy_choices)
def test_without_stated_priorities_there_is_no_leaning_among_several_options(
    doc: dict[str, Any], therapies: list[str]
) -> None:
    """Contract §1.3 (hazard H13): with no §1.3 answer, conditions and safety answers alone never
    make a leaning while two or more options remain."""
    for item in PRIORITY_ITEMS:
        doc["answers"].pop(item, None)
    result = trdnav.assess(doc, therapies)
    remaining = [t for t, entry in result["tally"].items() if entry["remaining"]]
    if len(remaining) >= 2:
        assert result["leaning"] is None
        assert result["leaning_basis"] == "no_priorities"
        assert all(entry["total"] == 0 for entry in result["tally"].values())


@given(documents(), therapy_choices, st.data())
def test_conditions_never_change_the_leaning(
    doc: dict[str, Any], therapies: list[str], data: st.DataObject
) -> None:
    """Permuting, adding or removing conditions never changes the leaning or the tally (hazard H13)."""
    before = trdnav.assess(doc, therapies)
    conditions = doc["answers"].get("conditions", [])
    doc["answers"]["conditions"] = data.draw(st.one_of(st.permutations(conditions), _value("conditions")))
    after = trdnav.assess(doc, therapies)
    assert (after["leaning"], after["leaning_basis"]) == (before["leaning"], before["leaning_basis"])
    assert after["tally"] == before["tally"]


@given(documents())
def test_item_nine_above_zero_always_alerts(doc: dict[str, Any]) -> None:
    result = trdnav.assess(doc)
    phq9 = doc["answers"].get("phq9")
    alerted = any(a["id"] == "suicide_risk" and a["level"] == "urgent" for a in result["alerts"])
    assert alerted == (phq9 is not None and phq9[8] > 0)


PARTIAL_SCREENS = [t for t, s in KB.coverage.screens.items() if s.screening == "partial"]


@given(documents(), therapy_choices)
def test_a_therapy_whose_screen_is_partial_never_yields_no_known_concerns(
    doc: dict[str, Any], therapies: list[str]
) -> None:
    result = trdnav.assess(doc, therapies)["therapies"]
    for therapy in set(therapies) & set(PARTIAL_SCREENS):
        assert result[therapy]["safety"] != "no_known_concerns", therapy
        assert any(r["text"].startswith("Not fully screened here") for r in result[therapy]["reasons"])


@given(documents(), therapy_choices, st.integers(0, 17))
def test_under_18_every_option_needs_review_and_says_the_tool_is_for_adults(
    doc: dict[str, Any], therapies: list[str], age: int
) -> None:
    doc["answers"]["age"] = age
    for therapy, entry in trdnav.assess(doc, therapies)["therapies"].items():
        assert entry["safety"] != "no_known_concerns", therapy
        assert any("for adults 18 and over" in r["text"] for r in entry["reasons"]), therapy


@given(documents(), therapy_choices)
def test_substance_use_among_conditions_never_leaves_ketamine_without_concerns(
    doc: dict[str, Any], therapies: list[str]
) -> None:
    # Even when every safety question, the direct substance-use one included, is answered "no".
    doc["answers"].update(dict.fromkeys((i.id for i in SAFETY), "no"), conditions=["substance_use"])
    result = trdnav.assess(doc, therapies)["therapies"]
    for therapy in set(therapies) & {"iv_ketamine", "esketamine"}:
        assert result[therapy]["safety"] != "no_known_concerns", therapy
