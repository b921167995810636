"""The crisis resources a person is shown, resolved in one place for every path: the web pages,
the PDF, the API result and problem documents, and the CLI report.

A clinic's own crisis resources (its admin settings) come first; without a clinic, the
installation's country (``TRDNAV_COUNTRY``, default US) picks its block from the knowledge base
(``crisis_resources.yaml``, with sources and evidence labels).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from trdnav.core.result import AssessmentResult, CrisisResourcesBody
from trdnav.knowledge.loader import load


class CrisisLine(BaseModel):
    label: str
    href: str


@dataclass(frozen=True, slots=True)
class CrisisResources:
    title: str
    text: str
    lines: tuple[CrisisLine, ...]
    country: str | None  # the knowledge base's block; None for a clinic's own resources
    checked: dt.date | None  # when the knowledge base's block was last checked

    def as_json(self) -> CrisisResourcesBody:
        """The form used in API results and problem documents (``crisis``)."""
        return {
            "title": self.title,
            "text": self.text,
            "lines": [{"label": line.label, "href": line.href} for line in self.lines],
            "country": self.country,
            "checked": self.checked.isoformat() if self.checked else None,
        }


def countries() -> list[str]:
    """The country codes the knowledge base has crisis resources for."""
    return list(load().crisis_resources)


def country_resources(country: str) -> CrisisResources:
    """The knowledge base's crisis resources for ``country``; KeyError if it has none."""
    block = load().crisis_resources[country]
    return CrisisResources(
        title=block.title,
        text=block.text,
        lines=tuple(CrisisLine(label=line.label, href=line.href) for line in block.lines),
        country=block.country,
        checked=block.checked,
    )


def clinic_resources(title: str, text: str, lines: Iterable[Mapping[str, str]]) -> CrisisResources:
    """A clinic's own crisis resources, as configured in its settings."""
    return CrisisResources(
        title=title,
        text=text,
        lines=tuple(CrisisLine.model_validate(line) for line in lines),
        country=None,
        checked=None,
    )


def urgent(alerts: Sequence[Mapping[str, Any]]) -> bool:
    """True when an alert calls for crisis resources at once (PHQ-9 item 9 above its threshold)."""
    return any(alert["level"] == "urgent" for alert in alerts)


def with_crisis(result: AssessmentResult, resources: CrisisResources) -> AssessmentResult:
    """The contract result with ``crisis`` added when an urgent alert is present (v1 allows extra keys)."""
    if urgent(result["alerts"]):
        result["crisis"] = resources.as_json()
    return result
