"""The results summary as one view model: what the results page, the print view and the PDF show.

Built from the stored answers and the contract v1 result, so every view of an assessment says the
same thing. Every fact, reason and priority keeps its sources; the Sources list is exactly what
the summary cites.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trdnav.core.result import AssessmentResult
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.knowledge.option_content import GRID_ROWS
from trdnav.knowledge.schema import Citation, Fact
from trdnav.reports.terminal import ROW_QUESTIONS, SAFETY_WORDS, leaning_sentence, priority_label
from trdnav.store.stored_result import assess_stored
from trdnav.web.clinic_view import ClinicView
from trdnav.web.sure import SureView, sure_view

# Plain words for the evidence labels, as patients see them.
EVIDENCE_PLAIN = {
    "verified": "checked in the source",
    "secondary": "from a secondary source",
    "unverified": "not yet checked",
    "clinical_opinion": "some clinicians think",
}
# The safety result in the person's summary: the same result as SAFETY_WORDS, in words a reader
# takes in at a glance (the safety section below gives the full words).
SAFETY_AT_A_GLANCE = {
    "contraindicated": "Not suitable unless a specialist says so",
    "needs_review": "Needs a doctor's review",
    "no_known_concerns": "No known safety concerns from your answers",
}
OTHER_PATHS = (
    "Staying with the medicine you take now, or changing the dose or the medicine. "
    "Your doctor can help you choose.",
    "Adding talk therapy, or changing the kind you have now. It can be used alone or with other care.",
    "Waiting and watching with your doctor. You keep in touch and check how you feel over time.",
)


@dataclass(frozen=True)
class Source:
    id: str
    label: str
    reference: str
    href: str
    title: str

    @classmethod
    def of(cls, citation: Citation) -> Source:
        href = f"https://doi.org/{citation.doi}" if citation.doi else citation.url or ""
        return cls(citation.id, citation.short(), citation.reference(), href, citation.title)

    @property
    def anchor(self) -> str:
        return f"src-{self.id}"

    @property
    def words(self) -> str:
        """The reference without its trailing DOI or URL link."""
        return self.reference.removesuffix(self.href).rstrip()


@dataclass(frozen=True)
class Shown:
    """One patient-facing statement with its evidence label and sources."""

    text: str
    sources: list[Source]
    evidence: str | None = None
    uncertainty: str | None = None

    @property
    def evidence_words(self) -> str | None:
        return EVIDENCE_PLAIN[self.evidence] if self.evidence else None


@dataclass(frozen=True)
class Option:
    id: str
    name: str
    short_name: str


@dataclass(frozen=True)
class GridCell:
    """One option's answer to a row's question: a short line, and the facts behind "More"."""

    short: str
    facts: list[Shown]


@dataclass(frozen=True)
class GridRow:
    id: str
    question: str
    cells: list[GridCell]


@dataclass(frozen=True)
class BottomLine:
    """One column's headline figure: how many in 100 people were helped, beside its comparator."""

    outcome: str
    in_100: int
    helped: str  # "were mostly well": the outcome in the person's words (knowledge base)
    not_helped: str  # "were not"
    comparator: str | None  # "5 in 100 after sham (fake) TMS", or words where there is no figure
    spread: str | None
    time_point: str
    study: str
    comparable: bool
    text: str
    caveat: str | None  # why the figure cannot be set beside the others, when it cannot
    evidence: str
    sources: list[Source]

    @property
    def evidence_words(self) -> str:
        return EVIDENCE_PLAIN[self.evidence]


@dataclass(frozen=True)
class PriceView:
    text: str
    as_of: str
    sources: list[Source]


@dataclass(frozen=True)
class CostView:
    """What a column costs: the clinic's own price when it gave one, typical prices and coverage."""

    clinic_price: str | None
    prices: list[PriceView]
    coverage: list[Shown]


@dataclass(frozen=True)
class ConditionPart:
    """One part of what the condition is and the decision being made, with its sources."""

    id: str
    title: str
    facts: list[Shown]


@dataclass(frozen=True)
class SafetyView:
    option: Option
    status: str
    words: str
    at_a_glance: str
    reasons: list[Shown]
    notes: list[Shown]
    unanswered: list[str]


@dataclass(frozen=True)
class PriorityView:
    statement: Shown
    points_to: list[str]


@dataclass(frozen=True)
class TallyLineView:
    label: str
    weight: int
    multiplier: int
    points: int


@dataclass(frozen=True)
class TallyRow:
    """What one option got from the person's priorities, answer by answer."""

    option: Option
    total: int
    remaining: bool
    lines: list[TallyLineView]


@dataclass(frozen=True)
class BarrierView:
    option: Option
    statement: Shown


@dataclass(frozen=True)
class ScoreView:
    name: str
    total: int
    label: str


@dataclass
class Summary:
    token: str
    private_link: str
    made_on: dt.date
    knowledge_version: str
    contract_version: int
    options: list[Option]
    alerts: list[str]
    columns: list[Option]  # the comparison's columns: staying with current care, then the options
    grid: list[GridRow]
    bottom_lines: list[BottomLine]
    costs: list[CostView]
    condition: list[ConditionPart]
    other_paths: list[str]
    not_offered: list[Option]
    safety: list[SafetyView]
    unanswered_priorities: list[str]
    priorities: list[PriorityView]
    barriers: list[BarrierView]
    leaning: Option | None
    leaning_words: str
    leaning_follow_up: str
    tally: list[TallyRow]
    leaning_margin: int
    top_priority_multiplier: int
    scores: list[ScoreView]
    doctor_questions: list[str]
    sure: SureView
    reviewed: dt.date
    next_review: dt.date
    made_by: str
    funding: str
    sources: list[Source] = field(default_factory=list)
    unusable_answers: list[str] = field(default_factory=list)


class SourceBook:
    """Turns citation ids into sources and remembers every one cited (for a page's Sources list)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.cited: dict[str, Source] = {}

    def cite(self, ids: Iterable[str]) -> list[Source]:
        found = []
        for citation_id in ids:
            if citation_id not in self.cited:
                self.cited[citation_id] = Source.of(self.kb.citations[citation_id])
            found.append(self.cited[citation_id])
        return found

    def shown(self, fact: Fact) -> Shown:
        return Shown(fact.text, self.cite(fact.citations), fact.evidence, fact.uncertainty)

    def sources(self) -> list[Source]:
        return sorted(self.cited.values(), key=lambda s: (s.label.casefold(), s.id))


def _option(kb: KnowledgeBase, therapy_id: str) -> Option:
    therapy = kb.therapies[therapy_id]
    return Option(therapy_id, therapy.name, therapy.short_name)


def _columns(kb: KnowledgeBase, options: list[Option]) -> list[Option]:
    care = kb.current_care
    return [Option(care.id, care.name, care.short_name), *options]


def _grid(kb: KnowledgeBase, book: SourceBook, columns: list[Option]) -> list[GridRow]:
    return [
        GridRow(
            row,
            ROW_QUESTIONS[row],
            [
                GridCell(
                    kb.options[column.id].in_short[row],
                    [book.shown(fact) for fact in getattr(kb.options[column.id], row)],
                )
                for column in columns
            ],
        )
        for row in GRID_ROWS
    ]


def _in_100(percent: float) -> int:
    return round(percent)


def _bottom_line(kb: KnowledgeBase, book: SourceBook, column: Option) -> BottomLine:
    line = kb.options[column.id].bottom_line
    comparator_in_100 = None if line.comparator_percent is None else _in_100(line.comparator_percent)
    if comparator_in_100 is not None and line.comparator_name:
        comparator: str | None = f"{comparator_in_100} in 100 after {line.comparator_name}"
    else:
        comparator = line.comparator_name
    spread = None
    if line.range:
        low, high = line.range
        spread = f"Studies found from {_in_100(low)} to {_in_100(high)} in 100."
    words = kb.condition.outcome_words[line.outcome]
    return BottomLine(
        outcome=line.outcome,
        in_100=_in_100(line.percent),
        helped=words.helped,
        not_helped=words.not_helped,
        comparator=comparator,
        spread=spread,
        time_point=line.time_point,
        study=line.study,
        comparable=line.comparable,
        text=line.text,
        caveat=line.caveat,
        evidence=line.evidence,
        sources=book.cite(line.citations),
    )


def _cost(kb: KnowledgeBase, book: SourceBook, column: Option, clinic_prices: Mapping[str, str]) -> CostView:
    content = kb.options[column.id]
    return CostView(
        clinic_price=clinic_prices.get(column.id) or None,
        prices=[PriceView(price.text, price.as_of, book.cite(price.citations)) for price in content.prices],
        coverage=[book.shown(fact) for fact in content.coverage],
    )


CONDITION_PARTS = (
    ("what_it_is", "What it is."),
    ("how_common", "How common it is."),
    ("what_happens_next", "What usually happens next."),
    ("the_decision", "The choice you face."),
)


def _condition(kb: KnowledgeBase, book: SourceBook) -> list[ConditionPart]:
    return [
        ConditionPart(part, title, [book.shown(fact) for fact in getattr(kb.condition, part)])
        for part, title in CONDITION_PARTS
    ]


def _safety(
    kb: KnowledgeBase, book: SourceBook, result: AssessmentResult, options: list[Option]
) -> list[SafetyView]:
    views = []
    for option in options:
        entry = result["therapies"][option.id]
        views.append(
            SafetyView(
                option=option,
                status=entry["safety"],
                words=SAFETY_WORDS[entry["safety"]][0],
                at_a_glance=SAFETY_AT_A_GLANCE[entry["safety"]],
                reasons=[
                    Shown(r["text"], book.cite(r["citations"]), r.get("evidence")) for r in entry["reasons"]
                ],
                notes=[
                    Shown(n["text"], book.cite(n["citations"]), n.get("evidence"))
                    for n in entry.get("notes", [])
                ],
                unanswered=[kb.items[item].question for item in entry["unanswered"]],
            )
        )
    return views


def _priorities(
    kb: KnowledgeBase, book: SourceBook, result: AssessmentResult, options: list[Option]
) -> list[PriorityView]:
    compared = {o.id for o in options}
    return [
        PriorityView(
            Shown(p["text"], book.cite(p["citations"]), p["evidence"]),
            [kb.therapies[t].name for t in p["favours"] if t in compared],
        )
        for p in result.get("priorities", [])
    ]


def _tally(kb: KnowledgeBase, result: AssessmentResult, options: list[Option]) -> list[TallyRow]:
    return [
        TallyRow(
            option=option,
            total=result["tally"][option.id]["total"],
            remaining=result["tally"][option.id]["remaining"],
            lines=[
                TallyLineView(
                    priority_label(kb, line["items"]), line["weight"], line["multiplier"], line["points"]
                )
                for line in result["tally"][option.id]["points"]
            ],
        )
        for option in options
    ]


def _barriers(book: SourceBook, result: AssessmentResult, options: list[Option]) -> list[BarrierView]:
    return [
        BarrierView(option, Shown(b["text"], book.cite(b["citations"])))
        for option in options
        for b in result["therapies"][option.id].get("barrier_details", [])
    ]


def _scores(kb: KnowledgeBase, book: SourceBook, result: AssessmentResult) -> list[ScoreView]:
    views = []
    for instrument_id, score in result["scores"].items():
        instrument = kb.instruments[instrument_id]
        band = next(b.label for b in instrument.bands if b.severity == score["severity"])
        book.cite(instrument.citations[:1])
        views.append(ScoreView(instrument.name, score["total"], band))
    return views


GROUPED_AFTER = 3  # open safety questions asked about one by one; more are asked about together


def _doctor_questions(summary_safety: list[SafetyView]) -> list[str]:
    questions: list[str] = []
    unsure = list(dict.fromkeys(q for view in summary_safety for q in view.unanswered))
    if len(unsure) > GROUPED_AFTER:  # one question, not a page of them, when many were skipped
        listed = " ".join(f"“{q}”" for q in unsure)
        questions.append(
            "I did not answer some safety questions, or I was not sure how to answer them. "
            f"Do any of these matter for me? {listed}"
        )
    else:
        questions += [f"I was not sure how to answer this: “{q}” Does it matter for me?" for q in unsure]
    for view in summary_safety:
        if view.status == "contraindicated":
            questions.append(
                f"Why might {view.option.name} not be safe for me? Could a specialist still consider it?"
            )
        elif view.status == "needs_review":
            questions += [
                f"About {view.option.short_name}: {r.text} Is it safe for me?" for r in view.reasons
            ]
    questions += [
        "What would I pay for each option? Will my insurance cover any of it?",
        "How many visits would I need, and how long does each one take?",
        "How will we know if the treatment is working?",
        "What would we try next if it does not help?",
    ]
    return questions


def build_summary(
    kb: KnowledgeBase,
    *,
    token: str,
    private_link: str,
    answers: Mapping[str, Any],
    therapies: Sequence[str],
    sure_answers: Mapping[str, str],
    today: dt.date,
    clinic: ClinicView | None = None,
) -> Summary:
    """``clinic``: whose own prices (by therapy id) are shown beside the typical prices."""
    clinic_prices: Mapping[str, str] = clinic.prices if clinic else {}
    result, unusable = assess_stored(answers, therapies)
    book = SourceBook(kb)
    options = [_option(kb, t) for t in result["therapies"]]
    columns = _columns(kb, options)
    safety = _safety(kb, book, result, options)
    leaning_words, leaning_follow_up = leaning_sentence(kb, result)
    summary = Summary(
        token=token,
        private_link=private_link,
        made_on=today,
        knowledge_version=result["knowledge_version"],
        contract_version=result["contract"],
        options=options,
        alerts=[alert["text"] for alert in result["alerts"]],
        columns=columns,
        grid=_grid(kb, book, columns),
        bottom_lines=[_bottom_line(kb, book, column) for column in columns],
        costs=[_cost(kb, book, column, clinic_prices) for column in columns],
        condition=_condition(kb, book),
        other_paths=list(OTHER_PATHS),
        not_offered=[_option(kb, t) for t in kb.manifest.therapies if t not in result["therapies"]],
        safety=safety,
        unanswered_priorities=[
            item.question
            for item in kb.items.values()
            if item.section == "priorities" and item.id not in answers
        ],
        priorities=_priorities(kb, book, result, options),
        barriers=_barriers(book, result, options),
        leaning=_option(kb, result["leaning"]) if result["leaning"] else None,
        leaning_words=leaning_words,
        leaning_follow_up=leaning_follow_up,
        tally=_tally(kb, result, options),
        leaning_margin=kb.manifest.leaning_margin,
        top_priority_multiplier=kb.manifest.top_priority_multiplier,
        scores=_scores(kb, book, result),
        doctor_questions=_doctor_questions(safety),
        sure=sure_view(kb.sure, sure_answers),
        reviewed=kb.manifest.reviewed,
        next_review=kb.manifest.next_review,
        made_by=kb.manifest.made_by,
        funding=kb.manifest.funding,
        unusable_answers=[kb.items[i].question if i in kb.items else i for i in unusable],
    )
    book.cite(kb.sure.citations)
    summary.sources = book.sources()
    return summary


def long_date(day: dt.date) -> str:
    """'November 23, 2026': a date nobody misreads."""
    return f"{day:%B} {day.day}, {day.year}"
