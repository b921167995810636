"""The patient intake flow, driven through HTTP as a browser without JavaScript would drive it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.conftest import safety_items
from tests.web.conftest import BrowserClient
from trdnav.knowledge.loader import load
from trdnav.store.repository import find_by_token

ABOUT = {"age": "47", "conditions": ["depression", "chronic_pain"], "failed_antidepressant_trials": "3"}
PHQ9 = [2, 2, 1, 3, 1, 2, 1, 0, 0]
GAD7 = [1, 1, 2, 0, 1, 0, 1]
PRIORITIES = {
    "needs_fast_relief": "no",
    "can_attend_daily_sessions": "yes",
    "has_ride_home": "unsure",
    "dislikes_needles": "yes",
    "insurance": "covers_tms",
}


@pytest.fixture(autouse=True)
def _close_database_connections(app: FastAPI) -> Iterator[None]:
    """Close the app's pooled connections after each test (an open one warns when collected)."""
    yield
    app.state.engine.dispose()


class FormState(HTMLParser):
    """What a person's answers on a page's form are: checked boxes and filled-in fields (the hidden
    CSRF token, which the browser sends too, is left out)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "input":
            return
        attr = dict(attrs)
        name, value, kind = attr.get("name"), attr.get("value") or "", attr.get("type")
        if name is None or kind == "hidden":
            return
        if kind in ("radio", "checkbox") and "checked" not in attr:
            return
        if kind in ("radio", "checkbox") or value:
            self.fields.setdefault(name, []).append(value)


def scores(item: str, values: list[int]) -> dict[str, str]:
    return {f"{item}_{n}": str(v) for n, v in enumerate(values, start=1)}


def start(client: TestClient) -> str:
    response = client.post("/start", follow_redirects=False)
    assert response.status_code == 303
    match = re.fullmatch(r"/a/([A-Za-z0-9_-]+)/about", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def stored(app: FastAPI, token: str) -> Any:
    with app.state.sessions() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None
        session.expunge(assessment)
        return assessment


def post_step(client: TestClient, token: str, step: str, data: dict[str, Any]) -> Any:
    return client.post(f"/a/{token}/{step}", data=data, follow_redirects=False)


def crisis_first(html: str) -> bool:
    return 'class="crisis"' in html and html.index('class="crisis"') < html.index("<main")


def test_start_page_says_what_this_is_and_how_answers_are_kept(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    for words in (
        "does not replace your doctor's judgement",
        "not a medical device",
        "IV ketamine for depression is off-label",
        "This tool is for adults 18 and over.",
        "Adults with depression that has not got better. You have tried antidepressants",
        "IV ketamine or TMS",
        "How long it takes",  # the measured minutes: tests/web/test_intake_time.py
        "You do not need to give your name",
        "Anyone who has the link can see your answers",
    ):
        assert words in text
    assert '<form class="start-form" method="post" action="/start">' in page.text
    assert not crisis_first(page.text)


def test_start_creates_an_assessment_with_its_versions(client: TestClient, app: FastAPI) -> None:
    token = start(client)
    assert len(token) >= 43  # 256 bits in URL-safe base64
    assessment = stored(app, token)
    kb = load()
    assert assessment.answers == {}
    assert assessment.therapies == app.state.settings.therapies
    assert assessment.knowledge_version == kb.version
    assert assessment.contract_version == kb.manifest.contract_version


def test_the_whole_flow_stores_exactly_what_was_given(client: TestClient, app: FastAPI) -> None:
    token = start(client)
    about = client.get(f"/a/{token}/about")
    assert "Step 1 of 5" in about.text
    assert "Save this link to come back on any device" in about.text
    assert f"http://testserver/a/{token}" in about.text

    safety = dict.fromkeys(safety_items(), "no") | {"metal_in_head": "unsure", "cochlear_implant": "yes"}
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("about", ABOUT, "feelings"),
        ("feelings", scores("phq9", PHQ9) | scores("gad7", GAD7), "safety"),
        ("safety", safety, "priorities"),
        ("priorities", PRIORITIES, "review"),
    ]
    for number, (step, data, following) in enumerate(steps, start=1):
        page = client.get(f"/a/{token}/{step}")
        assert f"Step {number} of 5" in page.text
        response = post_step(client, token, step, data)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/a/{token}/{following}"

    assert stored(app, token).answers == {
        "age": 47,
        "conditions": ["depression", "chronic_pain"],
        "failed_antidepressant_trials": 3,
        "phq9": PHQ9,
        "gad7": GAD7,
        **safety,
        **PRIORITIES,
    }

    review = client.get(f"/a/{token}/review")
    assert review.status_code == 200
    assert "Step 5 of 5" in review.text
    text = " ".join(review.text.split())
    assert "<dt>How old are you?</dt> <dd>47</dd>" in text
    assert "Depression, Long-term (chronic) pain" in text
    assert "a hearing implant placed by surgery)?</dt> <dd>Yes</dd>" in text
    assert "Not sure" in text
    assert "It covers TMS" in text
    assert "Feeling down, depressed, or hopeless</dt> <dd>More than half the days</dd>" in text
    assert 'How many months has this time of depression lasted?</dt> <dd class="not-answered">' in text
    for step in ("about", "feelings", "safety", "priorities"):
        assert f'href="/a/{token}/{step}?from=review">Change' in review.text
    assert f'href="/a/{token}/results"' in review.text
    assert "See my results" in review.text


def test_private_pages_are_not_cached_or_passed_on(client: TestClient) -> None:
    token = start(client)
    for response in (
        client.get(f"/a/{token}/about"),
        client.get(f"/a/{token}/review"),
        post_step(client, token, "about", {"age": "x"}),
        post_step(client, token, "about", ABOUT),
    ):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"  # the link never leaks to other sites


def test_the_private_link_resumes_on_another_device(client: TestClient, app: FastAPI) -> None:
    token = start(client)
    post_step(client, token, "about", ABOUT)
    post_step(client, token, "feelings", scores("phq9", PHQ9))

    with BrowserClient(app) as other_device:
        resumed = other_device.get(f"/a/{token}", follow_redirects=False)
        assert resumed.status_code == 303
        assert resumed.headers["location"] == f"/a/{token}/safety"
        about = FormState(other_device.get(f"/a/{token}/about").text).fields
        feelings = FormState(other_device.get(f"/a/{token}/feelings").text).fields
    assert about["age"] == ["47"]
    assert about["conditions"] == ["depression", "chronic_pain"]
    assert about["failed_antidepressant_trials"] == ["3"]
    assert "episode_months" not in about
    assert {k: v for k, v in feelings.items() if k.startswith("phq9")} == {
        k: [v] for k, v in scores("phq9", PHQ9).items()
    }


def test_back_and_refresh_keep_every_answer(client: TestClient, app: FastAPI) -> None:
    token = start(client)
    post_step(client, token, "about", ABOUT)
    feelings = client.get(f"/a/{token}/feelings")
    assert f'<a class="back-link" href="/a/{token}/about">Back</a>' in feelings.text
    post_step(client, token, "feelings", scores("phq9", PHQ9) | scores("gad7", GAD7))

    # Back to the first step, then refresh it twice: every answer is still filled in.
    for _ in range(2):
        about = FormState(client.get(f"/a/{token}/about").text).fields
        assert about == {k: v if isinstance(v, list) else [v] for k, v in ABOUT.items()}
    # Sending the first step again unchanged keeps the later answers too.
    post_step(client, token, "about", about)
    again = FormState(client.get(f"/a/{token}/feelings").text).fields
    assert again == {k: [v] for k, v in (scores("phq9", PHQ9) | scores("gad7", GAD7)).items()}
    assert stored(app, token).answers["gad7"] == GAD7


def test_errors_appear_next_to_the_field_and_other_answers_are_kept(client: TestClient, app: FastAPI) -> None:
    token = start(client)
    response = post_step(
        client, token, "about", {"age": "forty", "conditions": ["anxiety", "ptsd"], "episode_months": "18"}
    )
    assert response.status_code == 422
    html = response.text
    message = "Please enter your age as a number from 0 to 120."
    # In the summary at the top, linking to the field ...
    summary = html[html.index('class="error-summary"') : html.index("</form>")]
    assert f'<a href="#age">{message}</a>' in summary
    assert html.index('class="error-summary"') < html.index("<form")
    # ... and next to the field itself, which says so to screen readers.
    age_field = re.search(r'<div class="field field-error">(.*?)</div>', html, re.S)
    assert age_field is not None
    assert message in age_field.group(1)
    assert 'id="age"' in age_field.group(1)
    assert 'aria-describedby="age-error"' in age_field.group(1)
    assert 'aria-invalid="true"' in age_field.group(1)
    # What the person typed, and their other answers, are all still there.
    fields = FormState(html).fields
    assert fields == {"age": ["forty"], "conditions": ["anxiety", "ptsd"], "episode_months": ["18"]}
    # The valid answers are saved already; the wrong one is not.
    assert stored(app, token).answers == {"conditions": ["anxiety", "ptsd"], "episode_months": 18}

    for wrong in ("-1", "121", "4.5", "1e2"):
        again = post_step(client, token, "about", {"age": wrong})
        assert again.status_code == 422
        assert message in again.text
    fixed = post_step(client, token, "about", {"age": "120", "conditions": ["anxiety"]})
    assert fixed.status_code == 303
    assert stored(app, token).answers == {"age": 120, "conditions": ["anxiety"]}


def test_out_of_range_counts_name_the_question(client: TestClient) -> None:
    token = start(client)
    wrong = {"failed_antidepressant_trials": "51", "episode_months": "x"}
    response = post_step(client, token, "about", wrong)
    assert response.status_code == 422
    assert "Please enter how many antidepressants you tried, from 0 to 50." in response.text
    assert "Please enter the number of months as a number from 0 to 600." in response.text


def test_tampered_values_are_refused_in_plain_words(client: TestClient, app: FastAPI) -> None:
    token = start(client)
    tampered: list[tuple[str, dict[str, Any], str]] = [
        (
            "about",
            {"age": "\u0663", "conditions": ["depression", "flu"]},
            "Please choose only from the list.",
        ),
        ("about", {"age": ["40", "41"]}, "Please enter your age as a number from 0 to 120."),
        (
            "feelings",
            scores("phq9", PHQ9) | {"phq9_1": "\u00b2"},
            "Please choose one answer for each question.",
        ),
        ("feelings", scores("gad7", [1, 1, 1, 1, 1, 1, 4]), "Please choose one answer for each question."),
        ("safety", {"seizure_history": "YES"}, "Please choose one answer: yes, no or not sure."),
        ("priorities", {"insurance": "covers_everything"}, "Please choose one of the answers."),
    ]
    for step, data, message in tampered:
        response = post_step(client, token, step, data)
        assert response.status_code == 422, (step, data)
        assert message in response.text
    assert stored(app, token).answers == {}


def test_a_blank_field_removes_an_earlier_answer(client: TestClient, app: FastAPI) -> None:
    token = start(client)
    post_step(client, token, "priorities", PRIORITIES)
    post_step(client, token, "priorities", {k: v for k, v in PRIORITIES.items() if k != "insurance"})
    answers = stored(app, token).answers
    assert "insurance" not in answers
    assert answers["dislikes_needles"] == "yes"


def test_a_partial_questionnaire_is_an_error_but_its_answers_stay_checked(
    client: TestClient, app: FastAPI
) -> None:
    token = start(client)
    partial = {f"phq9_{n}": "1" for n in range(1, 6)}
    response = post_step(client, token, "feelings", partial | scores("gad7", GAD7))
    assert response.status_code == 422
    assert "Please answer all 9 questions, or leave them all blank." in response.text
    assert '<a href="#phq9_6-0">PHQ-9: Please answer all 9 questions' in response.text
    assert FormState(response.text).fields == {k: [v] for k, v in (partial | scores("gad7", GAD7)).items()}
    answers = stored(app, token).answers
    assert "phq9" not in answers
    assert answers["gad7"] == GAD7
    assert not crisis_first(response.text)

    # Leaving a whole questionnaire blank is fine: it is simply not answered.
    response = post_step(client, token, "feelings", {})
    assert response.status_code == 303
    assert stored(app, token).answers == {}


def test_questionnaires_use_their_exact_wording_and_attribution(client: TestClient) -> None:
    token = start(client)
    page = client.get(f"/a/{token}/feelings").text
    for item in ("phq9", "gad7"):
        instrument = load().instruments[item]
        for text in (instrument.name, instrument.stem, instrument.attribution, instrument.terms_of_use):
            assert escape(text) in page
        for question in instrument.items:
            assert f'<span class="number">{question.number}.</span> {escape(question.text)}</legend>' in page
            for answer in instrument.answers:
                field = f"{item}_{question.number}-{answer.value}"
                assert f'<label for="{field}">{answer.text}</label>' in page


def test_every_safety_question_is_asked_with_its_help_in_groups(client: TestClient) -> None:
    token = start(client)
    page = client.get(f"/a/{token}/safety").text
    kb = load()
    for heading in ("Seizures and the brain", "Metal and implants", "Pregnancy", "Ketamine"):
        assert f">{heading}</h2>" in page
    for item_id in safety_items():
        item = kb.items[item_id]
        assert f"<legend>{escape(item.question)}</legend>" in page
        assert f'<p class="hint" id="{item_id}-help">{escape(item.help)}</p>' in page
        for value in ("yes", "no", "unsure"):
            assert f'id="{item_id}-{value}" name="{item_id}" value="{value}"' in page
    assert "Fillings, crowns and braces do not count." in page  # what counts as metal in the head


def test_thoughts_of_self_harm_show_crisis_resources_first_from_then_on(
    client: TestClient, app: FastAPI
) -> None:
    token = start(client)
    assert not crisis_first(client.get(f"/a/{token}/feelings").text)
    response = post_step(client, token, "feelings", scores("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 1]))
    assert response.status_code == 303
    assert stored(app, token).suicide_risk_alert is True
    following = client.get(response.headers["location"])
    assert crisis_first(following.text)
    assert "988" in following.text[: following.text.index("<main")]

    # Changing the answer later does not hide the resources again.
    post_step(client, token, "feelings", scores("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0]))
    assert stored(app, token).suicide_risk_alert is True
    for page in ("about", "feelings", "safety", "priorities", "review"):
        assert crisis_first(client.get(f"/a/{token}/{page}").text), page


def test_a_positive_item_9_shows_crisis_resources_even_when_the_list_is_unfinished(
    client: TestClient, app: FastAPI
) -> None:
    token = start(client)
    response = post_step(client, token, "feelings", {"phq9_9": "2"})
    assert response.status_code == 422
    assert crisis_first(response.text)
    assert stored(app, token).suicide_risk_alert is True


def test_change_from_the_review_page_returns_to_it(client: TestClient, app: FastAPI) -> None:
    token = start(client)
    page = client.get(f"/a/{token}/about?from=review")
    assert '<input type="hidden" name="from" value="review">' in page.text
    response = post_step(client, token, "about", {**ABOUT, "from": "review"})
    assert response.headers["location"] == f"/a/{token}/review"
    assert stored(app, token).answers["age"] == 47


def test_unknown_links_get_the_same_not_found_page(client: TestClient, app: FastAPI) -> None:
    real = start(client)
    unknown = "A" * 43
    pages = []
    malformed = ("/a/%20bad%00/about", f"/a/{'x' * 500}/feelings")
    for path in (f"/a/{unknown}/about", f"/a/{unknown}/review", f"/a/{unknown}", *malformed):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text
        pages.append(response.text)
    assert len(set(pages)) == 1  # nothing tells a guessed link from a malformed one
    response = post_step(client, unknown, "about", ABOUT)
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert stored(app, real).answers == {}


def test_an_unknown_step_is_not_found(client: TestClient) -> None:
    token = start(client)
    for step in ("bogus", "about2", "../about"):
        assert client.get(f"/a/{token}/{step}").status_code == 404
    assert client.post(f"/a/{token}/bogus", data=ABOUT).status_code in (404, 405)
