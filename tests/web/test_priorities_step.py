"""The "What matters to you" step: every priority item asked in its group from the knowledge base,
the "which matter most (up to 3)" question, and its limits in plain words."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.web.test_patient_flow import post_step, start, stored
from trdnav.knowledge.loader import load

KB = load()
NEW_ITEMS = (
    "wants_lasting_effect",
    "prefers_drug_free",
    "worried_about_memory",
    "wants_to_drive_self",
    "prefers_no_anaesthesia",
)


def test_every_priority_is_asked_under_the_headings_of_the_knowledge_base(client: TestClient) -> None:
    page = client.get(f"/a/{start(client)}/priorities").text
    [step] = [s for s in KB.steps if s.id == "priorities"]
    for group in step.groups:
        assert f">{escape(group.heading)}</h2>" in page
    for item in (i for i in KB.items.values() if i.section == "priorities"):
        assert f"<legend>{escape(item.question)}</legend>" in page
    for item_id in NEW_ITEMS:
        assert f'id="{item_id}-yes" name="{item_id}" value="yes"' in page


def test_top_priorities_offers_only_priorities_that_can_point_somewhere(client: TestClient) -> None:
    page = client.get(f"/a/{start(client)}/priorities").text
    offered = KB.items["top_priorities"].choices
    for choice in ("needs_fast_relief", "worried_about_memory", "prefers_no_anaesthesia", "dislikes_needles"):
        assert f'type="checkbox" id="top_priorities-{choice}"' in page
        assert escape(offered[choice]) in page
    for practical in ("has_ride_home", "can_attend_daily_sessions", "can_attend_weekly_sessions"):
        assert f'id="top_priorities-{practical}"' not in page, "a barrier item would count for nothing"


def test_up_to_three_top_priorities_are_stored(client: TestClient, app: FastAPI) -> None:
    token = start(client)
    chosen = ["worried_about_memory", "needs_fast_relief", "prefers_drug_free"]
    response = post_step(client, token, "priorities", {"prefers_drug_free": "yes", "top_priorities": chosen})
    assert response.status_code == 303
    answers = stored(app, token).answers
    assert answers["top_priorities"] == chosen and answers["prefers_drug_free"] == "yes"


def test_four_top_priorities_are_refused_in_plain_words(client: TestClient, app: FastAPI) -> None:
    token = start(client)
    four = ["worried_about_memory", "needs_fast_relief", "prefers_drug_free", "dislikes_needles"]
    response = post_step(client, token, "priorities", {"top_priorities": four, "wants_to_drive_self": "yes"})
    assert response.status_code == 422
    assert "Please choose up to 3, and only from the list." in response.text
    assert 'href="#top_priorities-needs_fast_relief"' in response.text
    answers = stored(app, token).answers
    assert "top_priorities" not in answers and answers["wants_to_drive_self"] == "yes"
