"""The engine's result for answers as stored.

Stored answers are kept exactly as given, so an assessment saved under an older knowledge base may
hold an answer the current one no longer accepts. Every view of a stored assessment (the patient's
results, the clinician's queue, detail, summary and export) evaluates it here, so they all agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import trdnav
from trdnav.core.result import AssessmentResult


def assess_stored(answers: Mapping[str, Any], therapies: Sequence[str]) -> tuple[AssessmentResult, list[str]]:
    """The contract result of stored answers, and the items left out because the knowledge base no
    longer accepts their answers."""
    usable = dict(answers)
    try:
        return trdnav.assess({"version": 1, "answers": usable}, therapies=therapies), []
    except trdnav.InvalidAnswers as error:
        dropped = sorted({problem.item for problem in error.problems if problem.item in usable})
        for item in dropped:
            del usable[item]
        return trdnav.assess({"version": 1, "answers": usable}, therapies=therapies), dropped
