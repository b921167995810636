"""A hook call's record and context → CDS Hooks 2.0 cards (or none: silence is a feature).

- patient-view: cards only when the record holds a current depression diagnosis or a PHQ-9 item 9
  answer above 0; then one card per therapy the clinic offers that the record makes contraindicated
  (`critical`) or that a rule sends for review (`warning`), or else one `info` card.
- order-select / order-sign: cards only for orders whose code cds.yaml ties to a therapy (for
  order-select, only the selected orders), and only about those therapies.
- A suicide-risk answer in the record is always a `critical` card, whatever the hook.
A therapy that "needs review" only because the record leaves questions open gets no warning: a
record never answers every screening question, and a warning on every chart is alert fatigue. The
open questions are listed in the card's detail instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trdnav.cdshooks.services import Service
from trdnav.core import evaluate, parse_answers, parse_therapies
from trdnav.fhir.record_import import answers_from_record
from trdnav.fhir.record_reading import PatientRecord
from trdnav.knowledge.cds_content import OVERRIDE_SYSTEM
from trdnav.knowledge.loader import KnowledgeBase

SUMMARY_LIMIT = 139  # the specification: "less than 140 characters"
SUICIDE_RISK = "suicide_risk"
OPEN_QUESTIONS = "A record cannot say 'no': the decision aid screens the open questions with the patient."
JUDGEMENT = "TRD Navigator supports, and does not replace, clinical judgement."


@dataclass(frozen=True)
class CardLinks:
    decision_aid: str
    """Where the decision aid for this patient opens (the clinic's intake)."""
    rules: str
    """The page listing every rule (the knowledge base's rules document)."""


@dataclass(frozen=True)
class IssuedCard:
    card: dict[str, Any]
    card_type: str
    """What the card is about, for override rates: 'suicide_risk' or '<therapy>:<safety>'."""


def _summary(text: str) -> str:
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1].rstrip() + "…"


def _codings(concept: object) -> Iterable[Mapping[str, Any]]:
    if isinstance(concept, Mapping):
        yield from (c for c in concept.get("coding", []) if isinstance(c, Mapping))


def ordered_therapies(kb: KnowledgeBase, hook: str, context: Mapping[str, Any]) -> list[str]:
    """The therapies the hook's draft orders are for (order-select: the selected ones only)."""
    if kb.cds is None:
        return []
    bundle = context.get("draftOrders")
    entries = bundle.get("entry", []) if isinstance(bundle, Mapping) else []
    selected = context.get("selections") if hook == "order-select" else None
    found: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        order = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(order, Mapping):
            continue
        kind = str(order.get("resourceType", ""))
        if isinstance(selected, list) and f"{kind}/{order.get('id')}" not in selected:
            continue
        concept = order.get("medicationCodeableConcept") if kind == "MedicationRequest" else order.get("code")
        for coding in _codings(concept):
            system, code = coding.get("system"), coding.get("code")
            if isinstance(system, str) and isinstance(code, str):
                found += kb.cds.therapies_ordered(kind, system, code)
    return list(dict.fromkeys(found))


def _source_line(item: str, source: Mapping[str, Any]) -> str:
    coded = " ".join(str(source[k]) for k in ("code", "display") if source.get(k))
    when = f", {source['date']}" if source.get("date") else ""
    status = f" ({source['status']})" if source.get("status") else ""
    return f"- `{item}`: {source['resource']}{' — ' + coded if coded else ''}{when}{status}"


def _record_lines(items: Iterable[str], document: Mapping[str, Any]) -> list[str]:
    sources = document.get("sources", {})
    answers = document.get("answers", {})
    lines = []
    for item in items:
        for source in sources.get(item, []):
            lines.append(_source_line(item, source) + f" → {answers.get(item)!r}")
    return lines


class CardMaker:
    def __init__(
        self, kb: KnowledgeBase, links: CardLinks, new_uuid: Callable[[], str], document: Mapping[str, Any]
    ) -> None:
        self.kb = kb
        self.links = links
        self.new_uuid = new_uuid
        self.document = document
        assert kb.cds is not None
        self.override_reasons = [
            {"code": r.code, "system": OVERRIDE_SYSTEM, "display": r.display} for r in kb.cds.override_reasons
        ]

    def card(
        self, summary: str, indicator: str, detail: list[str], card_type: str, rule: str = ""
    ) -> IssuedCard:
        source = {
            "label": f"TRD Navigator knowledge base {self.kb.version}",
            "url": self.links.rules + (f"#{rule.lower().replace('.', '')}" if rule else ""),
        }
        body: dict[str, Any] = {
            "uuid": self.new_uuid(),
            "summary": _summary(summary),
            "indicator": indicator,
            "detail": "\n".join([*detail, "", f"Knowledge version {self.kb.version}. {JUDGEMENT}"]),
            "source": source,
            "links": [
                {
                    "label": "Open the TRD Navigator decision aid",
                    "url": self.links.decision_aid,
                    "type": "absolute",
                }
            ],
        }
        if indicator != "info":
            body["overrideReasons"] = self.override_reasons
        return IssuedCard(card=body, card_type=card_type)


def _suicide_card(maker: CardMaker, result: Mapping[str, Any]) -> IssuedCard | None:
    urgent = [a for a in result.get("alerts", []) if a.get("level") == "urgent"]
    if not urgent:
        return None
    when = next(
        (s.get("date") for s in maker.document.get("sources", {}).get("phq9", []) if s.get("date")), None
    )
    summary = "PHQ-9 item 9 (thoughts of self-harm) answered above 0" + (f" on {when[:10]}" if when else "")
    detail = [
        f"**{summary}.** Assess suicide risk today, following the clinic's protocol.",
        "",
        "**From the record**",
        *_record_lines(["phq9"], maker.document),
    ]
    return maker.card(summary + ": assess risk today", "critical", detail, SUICIDE_RISK)


def _therapy_card(
    maker: CardMaker, therapy: str, outcome: Mapping[str, Any], always_info: bool
) -> IssuedCard | None:
    kb = maker.kb
    name = kb.therapies[therapy].short_name if therapy in kb.therapies else therapy
    incomplete = set(kb.engine.incomplete_screens)
    reasons = [r for r in outcome["reasons"] if r["outcome"] in ("contraindicated", "needs_review")]
    findings = [
        r for r in reasons if r["rule"] not in {kb.engine.incomplete_screens[t].id for t in incomplete}
    ]
    unanswered = list(outcome.get("unanswered", []))
    rules = {r.id: r for r in kb.engine.rules}
    open_lines = (
        [f"**Not in the record** (ask the patient): {', '.join(f'`{i}`' for i in unanswered)}"]
        if unanswered
        else []
    )
    if outcome["safety"] == "contraindicated" or findings:
        indicator = "critical" if outcome["safety"] == "contraindicated" else "warning"
        words = "contraindicated" if indicator == "critical" else "needs review"
        first = findings[0] if findings else reasons[0]
        summary = f"{name} {words}: {re.split(r'[.:;(]', first['clinician_text'])[0].strip()}"
        items = sorted({i for r in findings if r["rule"] in rules for i in rules[r["rule"]].when.items()})
        detail = [
            f"**{name}: {words}** (from the health record)",
            "",
            *(f"- {r['clinician_text']} (`{r['rule']}`, evidence: {r['evidence']})" for r in findings),
            "",
            "**From the record**",
            *_record_lines(items, maker.document),
            "",
            *open_lines,
        ]
        return maker.card(summary, indicator, detail, f"{therapy}:{outcome['safety']}", first["rule"])
    if not always_info:
        return None
    summary = f"{name}: no contraindication found in the record; {len(unanswered)} screening questions open"
    detail = [
        f"**{name}**: the record shows no contraindication and no finding that needs review.",
        OPEN_QUESTIONS,
        "",
        *open_lines,
    ]
    return maker.card(summary, "info", detail, f"{therapy}:no_known_concerns")


def cards_for(
    kb: KnowledgeBase,
    service: Service,
    record: PatientRecord,
    context: Mapping[str, Any],
    offered: Sequence[str],
    links: CardLinks,
    today: dt.date,
    new_uuid: Callable[[], str],
) -> list[IssuedCard]:
    """The cards for one hook call (an empty list when nothing is relevant)."""
    document = answers_from_record(record, today, kb)
    conditions = document["answers"].get("conditions", [])
    if service.orders:
        therapies = ordered_therapies(kb, service.hook, context)
    else:
        therapies = [t for t in offered if t in kb.engine.therapies] if "depression" in conditions else []
    engine = kb.engine
    answers = parse_answers(engine, document)
    result: Mapping[str, Any] = evaluate(engine, answers, parse_therapies(engine, therapies or None))
    maker = CardMaker(kb, links, new_uuid, document)
    issued = [card for card in [_suicide_card(maker, result)] if card is not None]
    if not therapies:
        return issued
    therapy_cards = [
        _therapy_card(maker, t, result["therapies"][t], always_info=service.orders) for t in therapies
    ]
    found = [c for c in therapy_cards if c is not None]
    if not found and not service.orders:
        names = ", ".join(kb.therapies[t].short_name for t in therapies)
        summary = (
            f"Depression on record: no contraindication found for {names}; compare options with the patient"
        )
        found = [
            maker.card(
                summary,
                "info",
                [
                    f"**{names}**: nothing in the record rules these out or sends them for review.",
                    OPEN_QUESTIONS,
                ],
                "depression:no_known_concerns",
            )
        ]
    return issued + found
