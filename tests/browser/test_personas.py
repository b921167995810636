"""Three personas complete the whole flow in Debian Chromium; every page passes axe (WCAG 2.1 AA)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import (
    assert_accessible,
    assert_light_and_local,
    assert_no_horizontal_scroll,
    new_page,
)
from trdnav.knowledge.loader import load

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
STEPS = ["about", "feelings", "safety", "priorities"]


def _answers(name: str) -> dict[str, Any]:
    answers: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))["answers"]
    return answers


def _fill(page: Page, answers: dict[str, Any]) -> None:
    """Answer every question of the current step that the persona answered."""
    items = load().engine.items
    for item_id, value in answers.items():
        kind = items[item_id].kind
        if kind == "scores":
            for number, score in enumerate(value, start=1):
                field = page.locator(f"#{item_id}_{number}-{score}")
                if field.count():
                    field.check()
        elif kind == "words":
            for word in value:
                field = page.locator(f"#{item_id}-{word}")
                if field.count():
                    field.check()
        elif kind == "integer":
            field = page.locator(f"#{item_id}")
            if field.count():
                field.fill(str(value))
        else:
            field = page.locator(f"#{item_id}-{value}")
            if field.count():
                field.check()


def _complete(
    page: Page, base: str, answers: dict[str, Any], *, check_pages: bool, narrow: bool = False
) -> None:
    page.goto(base + "/")
    if check_pages:
        assert_accessible(page)
        assert_light_and_local(page, base)
    page.get_by_role("button", name="Start").click()
    for step in STEPS:
        page.wait_for_url(f"**/{step}")
        _fill(page, answers)
        if check_pages:
            assert_accessible(page)
            assert_light_and_local(page, base)
        if narrow:
            assert_no_horizontal_scroll(page)
        page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/review")
    if check_pages:
        assert_accessible(page)
        assert_light_and_local(page, base)
    page.get_by_role("link", name="See my results").click()
    page.wait_for_url("**/results")
    if check_pages:
        assert_accessible(page)
        assert_light_and_local(page, base)
    if narrow:
        assert_no_horizontal_scroll(page)


@pytest.mark.parametrize(
    ("example", "leaning"),
    [("tms-leaning.json", "Transcranial magnetic stimulation"), ("ketamine-leaning.json", "IV ketamine")],
)
def test_persona_sees_a_leaning_from_their_own_priorities(
    page: Page, live_server: str, example: str, leaning: str
) -> None:
    _complete(page, live_server, _answers(example), check_pages=True)
    text = " ".join(page.inner_text("main").split())
    assert re.search(r"lean toward[^.]*" + leaning, text), "the leaning names the option"
    assert page.locator("section.crisis").count() == 0


def test_item_nine_positive_persona_sees_crisis_resources_first(page: Page, live_server: str) -> None:
    _complete(page, live_server, _answers("item9-positive.json"), check_pages=True)
    html = page.content()
    assert "988" in html
    assert html.index('class="crisis"') < html.index("<main")


def test_the_flow_works_without_javascript(browser: Browser, live_server: str) -> None:
    page = new_page(browser, java_script_enabled=False)
    _complete(page, live_server, _answers("tms-leaning.json"), check_pages=False)
    assert "lean toward" in page.inner_text("main")
    page.context.close()


def test_the_flow_fits_a_375px_phone_screen(browser: Browser, live_server: str) -> None:
    page = new_page(browser, viewport={"width": 375, "height": 740})
    _complete(page, live_server, _answers("ketamine-leaning.json"), check_pages=False, narrow=True)
    page.context.close()
