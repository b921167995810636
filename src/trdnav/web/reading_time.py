"""How long a page takes to read: its words as a reader meets them, at 200 words a minute.

Counted from the rendered HTML, not guessed: the text of the page's ``<main>``, leaving out what is
folded away in a ``<details>`` (only its ``<summary>`` is read; the pages open none by default) and
what is never shown (scripts, styles).
"""

from __future__ import annotations

import math
from html.parser import HTMLParser

from trdnav.web.intake_time import WORDS_PER_MINUTE

UNSHOWN = {"script", "style", "template", "head", "title"}


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.words = 0
        self._in_main = 0
        self._unshown = 0
        self._details = 0  # how many <details> enclose the current text
        self._in_summary = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self._in_main += 1
        elif tag in UNSHOWN:
            self._unshown += 1
        elif tag == "details":
            self._details += 1
        elif tag == "summary":
            self._in_summary += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._in_main -= 1
        elif tag in UNSHOWN:
            self._unshown -= 1
        elif tag == "details" and self._details:
            self._details -= 1
        elif tag == "summary" and self._in_summary:
            self._in_summary -= 1

    def handle_data(self, data: str) -> None:
        folded = self._details and not (self._details == 1 and self._in_summary)
        if self._in_main and not self._unshown and not folded:
            self.words += len(data.split())


def words_shown(html: str) -> int:
    """The words a reader meets in the page's <main> without opening anything."""
    parser = _Words()
    parser.feed(html)
    parser.close()
    return parser.words


def reading_minutes(html: str) -> int:
    """Whole minutes to read the page's words at 200 a minute, at least 1."""
    return max(1, math.ceil(words_shown(html) / WORDS_PER_MINUTE))


def reading_time_words(minutes: int) -> str:
    return "About 1 minute to read." if minutes == 1 else f"About {minutes} minutes to read."
