"""The results page's budgets in Chromium: the person's own summary on the first screen and a half of a
phone, the page down to the sources within 10 phone screens (two options), and the comparison table
across the full width of a desktop screen without breaking words."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser

from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll, new_page
from tests.conftest import all_no
from tests.web.test_results import _assessment

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TOP = "id => Math.round(document.getElementById(id).getBoundingClientRect().top + window.scrollY)"
# Each cell is at least as wide as its longest word (measured in a hidden span of the cell's font).
WIDEST_WORD_FITS = """() => [...document.querySelectorAll('.option-grid th, .option-grid td')].every(cell => {
  const probe = document.createElement('span');
  const style = getComputedStyle(cell);
  probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
  probe.style.font = style.font;
  document.body.appendChild(probe);
  const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const fits = cell.innerText.split(/\\s+/).every(word => {
    probe.textContent = word;
    return probe.offsetWidth <= room + 1;
  });
  probe.remove();
  return fits;
})"""
CELL_WRAPPING = """() => [...document.querySelectorAll('.option-grid th, .option-grid td, .option-grid p')]
  .map(e => getComputedStyle(e)).map(s => s.wordBreak + ' ' + s.overflowWrap)"""


def _results_url(live_app: FastAPI, live_server: str, **options: object) -> str:
    token = _assessment(live_app, all_no(needs_fast_relief="yes")["answers"], **options)  # type: ignore[arg-type]
    return f"{live_server}/a/{token}/results"


def test_on_a_phone_the_summary_comes_first_and_the_page_fits_10_screens(
    browser: Browser, live_app: FastAPI, live_server: str
) -> None:
    page = new_page(browser, viewport=PHONE)
    page.goto(_results_url(live_app, live_server, clinic="Layout Clinic"))
    assert page.evaluate(TOP, "your-summary") <= 1.5 * PHONE["height"]
    assert page.evaluate(TOP, "sources") <= 10 * PHONE["height"]
    order = [page.evaluate(TOP, id) for id in ("your-summary", "condition", "comparison", "sources")]
    assert order == sorted(order)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


def test_on_a_desktop_the_comparison_uses_the_width_and_breaks_no_word(
    browser: Browser, live_app: FastAPI, live_server: str
) -> None:
    page = new_page(browser, viewport=DESKTOP)
    every_therapy = ("iv_ketamine", "tms", "esketamine", "accelerated_tms", "ect")
    page.goto(_results_url(live_app, live_server, therapies=every_therapy))
    assert_no_horizontal_scroll(page)
    table = page.locator(".option-grid")
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth")
    assert table.bounding_box()["width"] > 1000, "six columns are not squeezed into the reading measure"  # type: ignore[index]
    for wrapping in page.evaluate(CELL_WRAPPING):
        assert "break-all" not in wrapping and "anywhere" not in wrapping and "break-word" not in wrapping
    assert page.evaluate(WIDEST_WORD_FITS), "every word of the table fits its cell"
