"""The leaning as the person reads it (results page, print view, PDF): the words fit why there is a
leaning or none (`leaning_basis`), and the tally shows which answers pointed where and how much."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import all_no
from tests.web.conftest import World, signed_in
from tests.web.test_results import KETAMINE, TMS, _assessment, _results, _section, _text
from tests.web.test_workspace import ALL_CLEAR, add_assessment
from trdnav.knowledge.loader import load
from trdnav.web.patient import results as results_module

KB = load()
SUMS_UP_PRIORITIES = "sums up what you said matters to you"


def _leaning(app: FastAPI, client: TestClient, answers: dict[str, Any], **options: Any) -> str:
    token = _assessment(app, answers, **options)
    return _text(_section(_results(client, token), "leaning"))


def test_only_option_left_says_so_and_never_that_it_sums_up_priorities(
    app: FastAPI, client: TestClient
) -> None:
    leaning = _leaning(app, client, all_no(cochlear_implant="yes", open_to_altered_state="no")["answers"])
    assert f"{KETAMINE} is the only option left. The others did not pass the safety questions" in leaning
    assert "It is not chosen by what matters to you" in leaning
    assert SUMS_UP_PRIORITIES not in leaning
    assert "lean toward" not in leaning


def test_no_option_left_says_so_not_that_answers_do_not_point_clearly(
    app: FastAPI, client: TestClient
) -> None:
    answers = all_no(metal_in_head="yes", psychosis_history="yes", needs_fast_relief="yes")["answers"]
    leaning = _leaning(app, client, answers)
    assert "From your answers, no option is left" in leaning
    assert "do not point clearly" not in leaning
    assert SUMS_UP_PRIORITIES not in leaning


def test_conditions_without_priorities_give_no_leaning_and_say_why(app: FastAPI, client: TestClient) -> None:
    answers = all_no(conditions=["depression", "ptsd", "chronic_pain", "substance_use"])["answers"]
    leaning = _leaning(app, client, answers)
    assert (
        "No priority you told us about points to an option that is left."
        " So your answers do not lean toward any option." in leaning
    )
    assert "Your health conditions do not count toward any option." in leaning
    assert "lean toward" not in leaning.replace("do not lean toward", "")


def test_tally_shows_each_answer_its_points_and_the_top_priority_multiplier(
    app: FastAPI, client: TestClient
) -> None:
    answers = all_no(
        needs_fast_relief="yes", open_to_altered_state="no", top_priorities=["open_to_altered_state"]
    )["answers"]
    token = _assessment(app, answers)
    page = _results(client, token)
    tally = _text(page[page.index('id="tally"') : page.index("</table>", page.index('id="tally"'))])
    labels = KB.items["top_priorities"].choices
    tms, ketamine = KB.therapies["tms"].short_name, KB.therapies["iv_ketamine"].short_name
    assert f"{tms} 4 {labels['open_to_altered_state']}: 4 (2 × 2: you said it matters most)" in tally
    assert f"{ketamine} 2 {labels['needs_fast_relief']}: 2" in tally
    assert f"your answers lean toward {TMS}." in _text(_section(page, "leaning"))


def test_print_view_and_pdf_carry_the_same_leaning_words_and_tally(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _assessment(app, all_no(cochlear_implant="yes", open_to_altered_state="no")["answers"])
    label = KB.items["top_priorities"].choices["open_to_altered_state"]
    rendered: list[str] = []
    monkeypatch.setattr(results_module, "render_pdf", lambda page, **_: rendered.append(page) or b"%PDF-")
    assert client.get(f"/a/{token}/summary.pdf").status_code == 200
    for page in (client.get(f"/a/{token}/print").text, rendered[0]):
        words = _text(page)
        assert f"{KETAMINE} is the only option left. The others did not pass the safety questions" in words
        assert SUMS_UP_PRIORITIES not in words
        assert "How your answers add up Option Points From these answers" in words
        assert f"{KB.therapies['tms'].short_name} Ruled out for now (see above) 2 {label}: 2" in words


def test_clinical_opinion_is_worded_some_clinicians_think(app: FastAPI, client: TestClient) -> None:
    page = _text(
        _section(
            _results(client, _assessment(app, all_no(wants_root_cause_work="yes")["answers"])), "priorities"
        )
    )
    assert "Some clinicians think." in page
    assert "expert opinion" not in page.lower() and "doctors agree" not in page.lower()


def test_the_clinician_sees_why_the_leaning_is_what_it_is_and_the_totals(app: FastAPI, world: World) -> None:
    answers = ALL_CLEAR | {"cochlear_implant": "yes", "open_to_altered_state": "no"}
    assessment = add_assessment(app, world.clinic_a, answers)
    with signed_in(app, world.clinician_a) as staff:
        text = " ".join(staff.get(f"/staff/assessments/{assessment}").text.split())
    assert (
        f"<strong>{KETAMINE}</strong>; the only option left after the safety screen and practical barriers,"
        " not a stated preference." in text
    )
    assert "Points from stated priorities: IV ketamine 0; TMS 2 (avoids_altered_states 2×1)." in text
