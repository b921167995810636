"""The functional core: pure, typed, deterministic; no I/O, no clock, no database."""

from trdnav.core.answers import InputProblem, InvalidAnswers, parse_answers, parse_therapies
from trdnav.core.assessment import evaluate
from trdnav.core.model import Engine

__all__ = [
    "Engine",
    "InputProblem",
    "InvalidAnswers",
    "evaluate",
    "parse_answers",
    "parse_therapies",
]
