"""How long a page takes to read: its words as a reader meets them, at 200 words a minute.

Counted from the rendered HTML, not guessed: the text of the page's ``<main>``, leaving out what is
folded away in a ``<details>`` (only its ``<summary>`` is read; the pages open none by default) and
what is never shown (scripts, styles).
"""

from __future__ import annotations

import math
import re
from html import unescape

from trdnav.web.intake_time import WORDS_PER_MINUTE

UNSHOWN = {"script", "style", "template", "head", "title"}


TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>")


def words_shown(html: str) -> int:
    """The words a reader meets in the page's <main> without opening anything.

    One pass over the tags with a regular expression (a results page has a few thousand of them):
    the text between two tags counts when it is inside <main>, not inside an unshown element, and
    either outside every <details> or in the <summary> of an outermost one."""
    words = in_main = unshown = details = in_summary = 0
    position = 0
    for tag in TAG.finditer(html):
        folded = details and not (details == 1 and in_summary)
        if in_main and not unshown and not folded:
            words += len(unescape(html[position : tag.start()]).split())
        position = tag.end()
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        step = -1 if closing else 1
        if name == "main":
            in_main += step
        elif name in UNSHOWN:
            unshown += step
        elif name == "details" and (details or not closing):
            details += step
        elif name == "summary" and (in_summary or not closing):
            in_summary += step
    return words


def reading_minutes(html: str) -> int:
    """Whole minutes to read the page's words at 200 a minute, at least 1."""
    return max(1, math.ceil(words_shown(html) / WORDS_PER_MINUTE))


def reading_time_words(minutes: int) -> str:
    return "About 1 minute to read." if minutes == 1 else f"About {minutes} minutes to read."
