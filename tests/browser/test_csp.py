"""The Content-Security-Policy in a real browser: the pages and the API docs break none of it.

Chromium enforces the policy the app sends (trdnav.web.middleware.headers): no inline scripts or styles, no
style attributes, nothing from other sites. Each page is opened with a recorder of
``securitypolicyviolation`` events (added by Playwright as an init script, which the policy does
not govern: the control test proves it records under the policy) and of console errors, and must
end with none. /docs must also render Swagger UI's list of operations offline, under the policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    sample: event.sample,
  });
});
"""


class Watched:
    """A page whose CSP violations and console errors are recorded from its first script on."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console_errors: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def violations(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.page.evaluate("window.__violations")
        return found

    def assert_clean(self) -> None:
        self.page.wait_for_load_state("networkidle")
        assert self.violations() == [], self.page.url
        assert self.console_errors == [], self.page.url


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    yield Watched(context.new_page())
    context.close()


def test_the_recorder_sees_a_violation_under_the_policy(watched: Watched, live_server: str) -> None:
    watched.page.goto(live_server + "/")
    assert watched.violations() == []
    watched.page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline style</p>')"
    )
    watched.page.wait_for_function("window.__violations.length > 0")
    assert watched.violations()[0]["directive"].startswith("style-src")


def test_the_patient_pages_break_no_rule_of_the_policy(watched: Watched, live_server: str) -> None:
    page = watched.page
    page.goto(live_server + "/")
    watched.assert_clean()
    page.get_by_role("button", name="Start").click()
    for step in ("about", "feelings", "safety", "priorities"):
        page.wait_for_url(f"**/{step}")
        watched.assert_clean()
        page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/review")
    watched.assert_clean()
    page.get_by_role("link", name="See my results").click()
    page.wait_for_url("**/results")
    watched.assert_clean()
    page.goto(page.url.removesuffix("/results") + "/print")
    watched.assert_clean()


def test_the_api_docs_render_offline_under_the_policy(watched: Watched, live_server: str) -> None:
    page = watched.page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server + "/docs")
    evaluate = page.locator('[data-path="/api/v1/assessments:evaluate"]').first
    evaluate.wait_for()
    assert evaluate.inner_text().replace("\u200b", "") == "/api/v1/assessments:evaluate"
    assert page.locator('[data-path="/api/v1/assessments/{token}"]').count() >= 1
    # Open the operation: its parameters, request body example and responses render too.
    page.locator("#operations-assessments-evaluate_assessment button.opblock-summary-control").click()
    page.get_by_text("Request body").first.wait_for()
    # Try it out: Swagger UI calls the API from the page (connect-src 'self') and shows the answer.
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() in ("200", "422")  # an answer from the API, not "Failed to fetch"
    watched.assert_clean()
    foreign = [url for url in requested if not url.startswith(live_server + "/")]
    assert foreign == [], "the docs load from outside the app"
