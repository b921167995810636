"""TRD Navigator: a decision aid for treatment-resistant depression.

The public library API is small and stable:

- ``assess(document, therapies=None) -> dict``: a contract v1 answers document in,
  the contract v1 assessment out (see ``shared/spec/answers-v1.md``).
- ``InvalidAnswers``: the one exception ``assess`` raises for bad input. Its
  ``problems`` list holds one ``InputProblem(item, message)`` per wrong item; its
  ``alerts`` list holds the item alerts the refused answers still raise (PHQ-9 item 9
  above 0): show them, with crisis resources, together with the error.
"""

from __future__ import annotations

from collections.abc import Sequence

from trdnav.core import InputProblem, InvalidAnswers, evaluate, parse_answers, parse_therapies
from trdnav.core.result import AssessmentResult
from trdnav.knowledge.loader import load

__version__ = "0.1.0"
__all__ = ["InputProblem", "InvalidAnswers", "__version__", "assess"]


def assess(document: object, therapies: Sequence[str] | None = None) -> AssessmentResult:
    """Assess one person's answers against the shipped knowledge base.

    ``therapies`` picks the options to compare (default: IV ketamine and TMS).
    Raises `InvalidAnswers` naming every wrong item; never guesses.
    """
    engine = load().engine
    chosen = parse_therapies(engine, therapies)
    answers = parse_answers(engine, document)
    result = evaluate(engine, answers, chosen)
    if isinstance(document, dict) and "sources" in document:
        result["sources"] = document["sources"]  # checked by parse_answers; carried back unchanged
    return result
