"""The start page's time promise is measured from the intake: its words at 200 a minute plus the
knowledge base's time per answer, rounded up to a whole minute."""

from __future__ import annotations

import math

from fastapi.testclient import TestClient

from trdnav.knowledge.loader import load
from trdnav.web.forms import YES_NO_LABELS, shown_choices, step_items
from trdnav.web.intake_time import intake_minutes

KB = load()


def _recomputed() -> int:
    words = answers = 0
    for step in KB.steps:
        words += len(step.title.split())
        for item_id in step_items(KB, step.id):
            item = KB.items[item_id]
            if item.kind == "scores":
                tool = KB.instruments[item_id]
                texts = [tool.name, tool.stem, *(q.text for q in tool.items), *(a.text for a in tool.answers)]
                answers += len(tool.items)
            else:
                offered = (
                    YES_NO_LABELS if item.kind == "yes_no" else shown_choices(KB).get(item_id, item.choices)
                )
                texts = [item.question, item.help or "", *offered.values()]
                answers += 1
            words += sum(len(text.split()) for text in texts)
        # the headings the step shows over its groups of questions
        words += sum(len((group.heading or "").split()) for group in step.groups)
    return math.ceil(words / 200 + answers * KB.manifest.seconds_per_answer / 60)


def test_the_start_page_promises_the_measured_time(client: TestClient) -> None:
    minutes = _recomputed()
    assert intake_minutes(KB) == minutes
    assert 10 < minutes < 30, "the intake is longer than the 10 minutes it promised before"
    page = client.get("/")
    assert f"About {minutes} minutes. There are" in page.text
