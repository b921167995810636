"""`report.html`: the population screen's summary as one self-contained page (inline CSS and SVG,
no scripts, no links to fetch), with the definitions and value sets it used and no patient rows."""

from __future__ import annotations

import datetime as dt

from jinja2 import Environment, PackageLoader, select_autoescape

from trdnav.core.model import IncompleteScreen, SafetyRule
from trdnav.population.screening_sql import Screening
from trdnav.population.screening_views import VIEW_NAMES, view_definition
from trdnav.population.summary import SAFETY, Summary

COLOURS = {"no_known_concerns": "#2e7d32", "needs_review": "#b26a00", "contraindicated": "#b3261e"}
LABELS = {
    "no_known_concerns": "No known concerns",
    "needs_review": "Needs review",
    "contraindicated": "Contraindicated",
}


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def report_html(summary: Summary, screening: Screening, *, engine: str | None = None) -> str:
    environment = Environment(
        loader=PackageLoader("trdnav.population", "templates"), autoescape=select_autoescape(["html"])
    )
    kb = screening.kb
    assert kb.value_sets is not None
    therapy_names = {t: kb.therapies[t].name for t in screening.therapies}
    short_names = {t: kb.therapies[t].short_name for t in screening.therapies}
    rules: dict[str, SafetyRule | IncompleteScreen] = {
        r.id: r for rules in kb.engine.rules_by_therapy.values() for r in rules
    }
    rules.update({gap.id: gap for gap in kb.engine.incomplete_screens.values()})
    views = [(name, view_definition(name)) for name in VIEW_NAMES]
    return environment.get_template("report.html").render(
        summary=summary,
        screening=screening,
        engine=engine or screening.dialect.name,
        today=screening.today,
        made=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        knowledge_version=kb.manifest.knowledge_version,
        therapy_names=therapy_names,
        short_names=short_names,
        items=kb.items,
        rules=rules,
        safety_groups=SAFETY,
        colours=COLOURS,
        labels=LABELS,
        percent=percent,
        definitions=kb.population.definitions if kb.population else [],
        citations=kb.citations,
        value_sets=kb.value_sets,
        views=views,
    )
