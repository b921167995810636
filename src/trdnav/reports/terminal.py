"""The readable terminal report of an assessment, and the side-by-side comparison.

Alerts come first, then the comparison, the safety screen with reasons and
sources, and what the person's priorities point to. Rendered with Rich.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trdnav.core.model import TOP_PRIORITIES
from trdnav.core.result import AssessmentResult
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.knowledge.schema import Fact

SAFETY_WORDS = {
    "contraindicated": ("Not suitable (unless a specialist decides otherwise)", "bold red"),
    "needs_review": ("Needs a doctor's review", "yellow"),
    "no_known_concerns": ("No known safety concerns from your answers", "green"),
}
EVIDENCE_WORDS = {
    "verified": "checked in the source",
    "secondary": "from a secondary source",
    "unverified": "UNVERIFIED",
    "clinical_opinion": "some clinicians think",
}
# What the leaning section says, by the result's `leaning_basis` (the same words on the results
# page, the print view, the PDF and here). Only "priorities" may speak of what matters to the person.
LEANING_WORDS = {
    "priorities": "Based on what you told us, your answers lean toward {name}.",
    "only_option": (
        "{name} is the only option left. The others did not pass the safety questions,"
        " or do not fit the limits you told us about."
    ),
    "none_remaining": (
        "From your answers, no option is left: each one may not be safe or practical for you."
    ),
    "no_priorities": (
        "No priority you told us about points to an option that is left."
        " So your answers do not lean toward any option."
    ),
    "not_clear": "Your answers do not point clearly to one option.",
}
LEANING_FOLLOW_UP = {
    "priorities": "This is not a recommendation. It only sums up what you said matters to you.",
    "only_option": (
        "It is not chosen by what matters to you, and it is not a recommendation."
        " A doctor should check this with you."
    ),
    "none_remaining": (
        "A doctor can go over your answers with you. A specialist may still be able to offer an option."
    ),
    "no_priorities": (
        "Your health conditions do not count toward any option. Only what you say matters to you does."
    ),
    "not_clear": (
        "That is common. Talking it over with your doctor can help you see what matters most to you."
    ),
}
ROW_QUESTIONS = {
    "session": "What happens during a session?",
    "visits": "How many visits?",
    "onset": "How soon might it help?",
    "benefits": "How likely is it to help?",
    "side_effects": "Side effects?",
    "serious_risks": "Serious risks?",
    "who_cannot": "Who cannot have it?",
    "cost": "Cost and insurance?",
    "protocol": "What is a course of treatment?",
    "regulatory": "Is it approved?",
}
DISCLAIMER = (
    "TRD Navigator supports, and does not replace, your clinician's judgement. "
    "It is not a medical device. IV ketamine for depression is off-label."
)


def _sources(kb: KnowledgeBase, citation_ids: Iterable[str]) -> str:
    return "; ".join(kb.citations[c].short() for c in citation_ids)


def _fact_text(kb: KnowledgeBase, fact: Fact) -> Text:
    text = Text(fact.text)
    label = EVIDENCE_WORDS[fact.evidence]
    sources = _sources(kb, fact.citations)
    text.append(f"\n[{label}" + (f": {sources}]" if sources else "]"), style="dim")
    if fact.evidence == "unverified":
        text.stylize("italic")
    return text


def comparison_table(kb: KnowledgeBase, therapies: Sequence[str]) -> Table:
    """Rows are the questions people ask; columns are the options (Option Grid style)."""
    table = Table(title="How the options compare", show_lines=True, expand=True)
    table.add_column("Question", style="bold", min_width=16, max_width=32)
    for therapy in therapies:
        table.add_column(kb.therapies[therapy].short_name, ratio=1)
    for section in ROW_QUESTIONS:
        cells: list[RenderableType] = []
        for therapy in therapies:
            facts = getattr(kb.therapies[therapy], section)
            cells.append(Group(*(_fact_text(kb, fact) for fact in facts)))
        table.add_row(ROW_QUESTIONS[section], *cells)
    return table


def render_comparison(console: Console, kb: KnowledgeBase, therapies: Sequence[str]) -> None:
    console.print(comparison_table(kb, therapies))
    cited = sorted({c for t in therapies for _, fact in kb.therapies[t].facts() for c in fact.citations})
    console.print("\n[bold]Sources[/bold]")
    for citation_id in cited:
        console.print(f"  {kb.citations[citation_id].short()}: {kb.citations[citation_id].reference()}")
    console.print(f"\nKnowledge version {kb.version}, reviewed {kb.manifest.reviewed}. {DISCLAIMER}")


def _crisis_panel(crisis: Mapping[str, Any]) -> Panel:
    """The crisis resources (`trdnav.crisis.CrisisResources.as_json`): the text, then each line
    (a web page with its address)."""
    body = Text(crisis["text"], style="bold")
    for line in crisis["lines"]:
        web = line["href"].startswith("https://")  # a terminal cannot follow a link: show where it goes
        body.append(f"\n  - {line['label']}" + (f": {line['href']}" if web else ""))
    return Panel(body, title=crisis["title"], border_style="red")


def alert_panels(alerts: Sequence[Mapping[str, Any]], crisis: Mapping[str, Any] | None) -> Iterable[Panel]:
    """What is printed before anything else, for a result or for refused answers alike: each item
    alert, then the crisis resources when given."""
    for alert in alerts:
        yield Panel(Text(alert["text"], style="bold"), title="Please read first", border_style="red")
    if crisis is not None:
        yield _crisis_panel(crisis)


def _status_table(kb: KnowledgeBase, result: AssessmentResult) -> Table:
    therapies = list(result["therapies"])
    table = Table(title="Your results side by side", show_lines=True, expand=True)
    table.add_column("", style="bold")
    for therapy in therapies:
        table.add_column(kb.therapies[therapy].short_name)
    rows: list[list[RenderableType]] = [["Safety screen"], ["Practical fit"], ["Your priorities"]]
    for therapy in therapies:
        entry = result["therapies"][therapy]
        words, style = SAFETY_WORDS[entry["safety"]]
        rows[0].append(Text(words, style=style))
        rows[1].append(
            Text("Fits what you told us")
            if entry["practical"] == "ok"
            else Text("\n".join(entry["barriers"]), style="yellow")
        )
        total = result["tally"][therapy]["total"]
        rows[2].append(Text(f"{total} points from your priorities" if total else "None point here"))
    for row in rows:
        table.add_row(*row)
    return table


def _safety_details(kb: KnowledgeBase, result: AssessmentResult) -> Iterable[RenderableType]:
    for therapy, entry in result["therapies"].items():
        name = kb.therapies[therapy].name
        words, style = SAFETY_WORDS[entry["safety"]]
        lines = Text()
        lines.append(f"{words}\n", style=style)
        for reason in entry["reasons"]:
            lines.append(f"• {reason['text']}\n")
            lines.append(f"  [{reason['rule']}; {_sources(kb, reason['citations'])}]\n", style="dim")
        for note in entry["notes"]:
            lines.append(f"• {note['text']}\n")
            lines.append(f"  [{note['rule']}; {_sources(kb, note['citations'])}]\n", style="dim")
        if entry["unanswered"]:
            lines.append("Questions not answered yet, or answered 'not sure':\n", style="bold")
            for item in entry["unanswered"]:
                lines.append(f"  - {kb.items[item].question}\n")
        yield Panel(lines, title=f"Safety screen: {name}")


def priority_label(kb: KnowledgeBase, items: Sequence[str]) -> str:
    """A priority in a few plain words: its label in the top-priorities question, else its question."""
    labels = kb.items[TOP_PRIORITIES].choices if TOP_PRIORITIES in kb.items else {}
    return "; ".join(labels.get(item) or kb.items[item].question for item in items)


def leaning_sentence(kb: KnowledgeBase, result: AssessmentResult) -> tuple[str, str]:
    """What the leaning section says first, and what it adds, by `leaning_basis`."""
    basis = result["leaning_basis"]
    name = kb.therapies[result["leaning"]].name if result["leaning"] else ""
    return LEANING_WORDS[basis].format(name=name), LEANING_FOLLOW_UP[basis]


def _tally(kb: KnowledgeBase, result: AssessmentResult) -> Text:
    lines = Text("\nHow your answers add up:\n", style="bold")
    for therapy, entry in result["tally"].items():
        left = "" if entry["remaining"] else " (ruled out for now)"
        lines.append(f"  {kb.therapies[therapy].short_name}: {entry['total']} points{left}\n")
        for line in entry["points"]:
            times = (
                f" = {line['weight']} x {line['multiplier']}, one of your top priorities"
                if line["multiplier"] > 1
                else ""
            )
            lines.append(f"    - {priority_label(kb, line['items'])}: {line['points']}{times}\n", style="dim")
    lines.append(
        f"  A lead of {kb.manifest.leaning_margin} points is needed for a leaning among several options.\n",
        style="dim",
    )
    return lines


def _priorities(kb: KnowledgeBase, result: AssessmentResult) -> RenderableType:
    lines = Text()
    if not any(priority["points"] for priority in result["priorities"]):
        lines.append("You have not told us what matters to you yet, so nothing points to an option.\n")
    for priority in result["priorities"]:
        favours = ", ".join(kb.therapies[t].short_name for t in priority["favours"])
        lines.append(f"• {priority['text']}\n")
        label = EVIDENCE_WORDS[priority["evidence"]]
        lines.append(
            f"  Points to: {favours or 'information only'} [{label}"
            + (f": {_sources(kb, priority['citations'])}]\n" if priority["citations"] else "]\n"),
            style="dim",
        )
    lines.append(_tally(kb, result))
    sentence, follow_up = leaning_sentence(kb, result)
    lines.append(f"\n{sentence} {follow_up}", style="bold")
    return Panel(lines, title="What matters to you")


def _scores(kb: KnowledgeBase, result: AssessmentResult) -> Iterable[str]:
    for instrument_id, score in result["scores"].items():
        instrument = kb.instruments[instrument_id]
        label = next(b.label for b in instrument.bands if b.severity == score["severity"])
        yield f"{instrument.name}: {score['total']} ({label})"


def render_assessment(console: Console, kb: KnowledgeBase, result: AssessmentResult) -> None:
    for panel in alert_panels(result["alerts"], result.get("crisis")):
        console.print(panel)
    console.print(_status_table(kb, result))
    for detail in _safety_details(kb, result):
        console.print(detail)
    console.print(_priorities(kb, result))
    for line in _scores(kb, result):
        console.print(line)
    console.print(
        f"\nKnowledge version {result['knowledge_version']} (contract {result['contract']}). {DISCLAIMER}"
    )
