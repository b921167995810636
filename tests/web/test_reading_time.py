"""The results page says how long it takes to read, counted from its own words at 200 a minute."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import all_no
from tests.web.test_results import _assessment, _results
from trdnav.web.reading_time import reading_minutes, words_shown


def test_words_in_main_are_counted_and_folded_details_only_by_their_summary() -> None:
    page = (
        "<html><head><title>Not read</title><style>p { color: red }</style></head><body>"
        "<header>Brand words not counted</header>"
        "<main><p>One two three.</p><details><summary>More here</summary><p>four five six</p></details>"
        "<script>var ignored = 1;</script></main><footer>Not counted</footer></body></html>"
    )
    assert words_shown(page) == 5


def test_minutes_are_words_at_200_a_minute_rounded_up_and_at_least_one() -> None:
    def page(words: int) -> str:
        return "<main><p>" + "word " * words + "</p></main>"

    assert reading_minutes(page(0)) == 1
    assert reading_minutes(page(200)) == 1
    assert reading_minutes(page(201)) == 2
    assert reading_minutes(page(1000)) == 5


def test_the_results_page_shows_its_measured_reading_time(app: FastAPI, client: TestClient) -> None:
    page = _results(client, _assessment(app, all_no()["answers"]))
    [minutes] = re.findall(r"About (\d+) minutes? to read\.", page)
    assert int(minutes) == reading_minutes(page)
    assert page.index("to read.") < page.index('id="your-summary"'), "shown near the top"
    assert "\u2063" not in page, "no marker is left on the page"
