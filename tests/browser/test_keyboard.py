"""A keyboard-only run: every question, button and link of the flow is reached and used with Tab,
the arrow keys, Space and Enter alone, and the focused control always shows a visible focus
indicator (an outline or, on links, a highlight with an underline bar)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from trdnav.knowledge.loader import load

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
MAX_TABS = 400  # more presses than any page has controls: a control never reached fails the run

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {id: el.id, name: el.getAttribute('name'), type: el.getAttribute('type'),
          text: (el.innerText || el.value || '').trim(), checked: el.checked === true,
          shown: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
                 || style.boxShadow !== 'none'};
}"""


def _focused(page: Page) -> dict[str, Any] | None:
    found: dict[str, Any] | None = page.evaluate(FOCUSED)
    if found is not None:
        assert found["shown"], f"the focused control {found} shows no visible focus indicator"
    return found


def _tab_to(page: Page, wanted: Any, what: str) -> dict[str, Any]:
    """Press Tab until ``wanted(focused)`` holds; fail if it is never reached."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused is not None and wanted(focused):
            return focused
    raise AssertionError(f"{what} cannot be reached with the Tab key")


def _choose_radio(page: Page, group: str, target_id: str) -> None:
    """Tab into a radio group, move with the arrow keys (which select) to the target; Space
    selects the first answer of a group entered with nothing chosen yet."""
    _tab_to(page, lambda f: f["name"] == group, f"the question {group!r}")
    for _ in range(12):
        focused = _focused(page)
        if focused is not None and focused["id"] == target_id:
            if not focused["checked"]:
                page.keyboard.press("Space")
            assert page.locator(f"#{target_id}").is_checked(), f"{target_id} was focused but not chosen"
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reach the answer {target_id!r}")


def _targets(answers: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(kind, field name, element id) for each answer, as the form names them."""
    items = load().engine.items
    targets: list[tuple[str, str, str]] = []
    for item_id, value in answers.items():
        kind = items[item_id].kind
        if kind == "scores":
            targets += [("radio", f"{item_id}_{n}", f"{item_id}_{n}-{s}") for n, s in enumerate(value, 1)]
        elif kind == "words":
            targets += [("checkbox", item_id, f"{item_id}-{word}") for word in value]
        elif kind == "integer":
            targets.append(("number", item_id, item_id))
        else:
            targets.append(("radio", item_id, f"{item_id}-{value}"))
    return targets


def _answer_step(page: Page, answers: dict[str, Any]) -> None:
    """Answer, in page order, every question of this step that the persona answered."""
    present = [t for t in _targets(answers) if page.locator(f"#{t[2]}").count()]
    order = page.evaluate(
        "ids => ids.map(id => [...document.querySelectorAll('input')].indexOf(document.getElementById(id)))",
        [t[2] for t in present],
    )
    for kind, name, element_id in (t for _, t in sorted(zip(order, present, strict=True))):
        if kind == "radio":
            _choose_radio(page, name, element_id)
        elif kind == "checkbox":
            _tab_to(page, lambda f, wanted=element_id: f["id"] == wanted, f"the choice {element_id!r}")
            page.keyboard.press("Space")
            assert _focused(page) is not None and page.locator(f"#{element_id}").is_checked()
        else:
            _tab_to(page, lambda f, wanted=element_id: f["id"] == wanted, f"the field {element_id!r}")
            page.keyboard.type(str(answers[name]))


def _activate(page: Page, label: str) -> None:
    _tab_to(page, lambda f: f["text"] == label, f"the {label!r} control")
    page.keyboard.press("Enter")


def test_the_whole_flow_works_with_the_keyboard_alone(page: Page, live_server: str) -> None:
    answers: dict[str, Any] = json.loads((EXAMPLES / "tms-leaning.json").read_text(encoding="utf-8"))[
        "answers"
    ]
    page.goto(live_server + "/")
    _activate(page, "Start")
    for step in ("about", "feelings", "safety", "priorities"):
        page.wait_for_url(f"**/{step}")
        _answer_step(page, answers)
        _activate(page, "Save and continue")
    page.wait_for_url("**/review")
    _activate(page, "See my results")
    page.wait_for_url("**/results")
    assert "lean toward" in page.inner_text("main")
    stored = page.evaluate("() => location.pathname.split('/')[2]")
    response = page.request.get(f"{live_server}/api/v1/assessments/{stored}")
    assert response.ok
    assert response.json()["document"]["answers"] == answers, "every answer typed was saved as given"
