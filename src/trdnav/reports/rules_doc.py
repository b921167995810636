"""`docs/rules.md`, generated from the knowledge base: every rule, its texts and sources, and every
treatment protocol the course planner keeps."""

from __future__ import annotations

from trdnav.core.conditions import describe
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.knowledge.schema import ScheduledPhase

OUTCOME_WORDS = {
    "contraindicated": "contraindicated",
    "needs_review": "needs review",
    "information": "information only (never changes the status)",
}


def _sources(kb: KnowledgeBase, citation_ids: list[str]) -> str:
    return "; ".join(kb.citations[c].reference() for c in citation_ids) or "none (clinical opinion)"


EVIDENCE_WORDS = {
    "verified": "verified",
    "secondary": "secondary source",
    "unverified": "unverified",
    "clinical_opinion": "clinical opinion",
}


def _phase_line(phase: ScheduledPhase) -> str:
    parts = [
        f"{phase.sessions} sessions (at least {phase.min_sessions} for a full phase)",
        f"at most {phase.per_week} session days a week",
        f"{phase.per_day} session{'s' if phase.per_day != 1 else ''} a session day",
    ]
    if phase.min_days_between > 1:
        parts.append(f"session days at least {phase.min_days_between} calendar days apart")
    if phase.max_weeks is not None:
        parts.append(f"within {phase.max_weeks} weeks of its first session")
    optional = " (optional: planned only when asked for)" if phase.optional else ""
    return f"  - `{phase.name}`{optional}: " + "; ".join(parts)


def protocols_markdown(kb: KnowledgeBase) -> list[str]:
    """The "Treatment protocols" section: each protocol's schedule, the basis of its numbers and sources."""
    out = [
        "## Treatment protocols",
        "",
        "The course planner keeps every number below. A week is a calendar week (Monday to Sunday);",
        "the maximum course length counts from the first session, and each optional phase planned adds",
        "its own weeks.",
        "",
    ]
    for entry in kb.protocols.values():
        schedule = entry.schedule
        therapy = kb.therapies[entry.therapy].name if entry.therapy in kb.therapies else entry.therapy
        out += [
            f"### `{entry.id}`: {entry.name}",
            "",
            f"- Therapy: {therapy} (`{entry.therapy}`)",
            "- Phases:",
            *(_phase_line(phase) for phase in schedule.phases),
            f"- Session: {schedule.session_minutes} minutes (preparation included); observation after:"
            f" {schedule.observation_minutes} minutes",
            f"- Minimum gaps: {schedule.min_hours_between_days} hours from one session day's first session"
            f" to the next day's; {schedule.same_day_gap_minutes} minutes between sessions on the same day",
            f"- Session days in a row: {'required' if schedule.consecutive_days else 'not required'}",
            f"- Maximum course length: {schedule.max_course_days} days (without optional phases)",
            f"- Clinician text: {entry.clinician_text}",
            "- Preparation notes (patient calendar):",
            *(f"  - {note}" for note in entry.preparation),
            f"- Evidence: {EVIDENCE_WORDS.get(entry.evidence, entry.evidence)}",
            f"- Sources: {_sources(kb, entry.citations)}",
            "- Basis of the numbers:",
        ]
        for fact in entry.rules:
            uncertainty = f" Uncertainty: {fact.uncertainty}" if fact.uncertainty else ""
            out.append(
                f"  - {fact.clinician_text or fact.text} ({EVIDENCE_WORDS.get(fact.evidence, fact.evidence)};"
                f" sources: {_sources(kb, fact.citations)}){uncertainty}"
            )
        out.append("")
    return out


def crisis_markdown(kb: KnowledgeBase) -> list[str]:
    """The crisis resources by country, each line with its evidence label and sources."""
    out = [
        "## Crisis resources by country",
        "",
        "Shown first whenever an urgent alert is raised (PHQ-9 item 9 above its threshold), on the",
        "results page, the PDF, the API result (`crisis`) and the CLI report. The installation picks",
        "its country with `TRDNAV_COUNTRY` (default US; the CLI's `--country`); a clinic's own crisis",
        "resources (its admin settings) replace these. The emergency number comes first.",
        "",
    ]
    for block in kb.crisis_resources.values():
        out += [
            f"### {block.name} (`{block.country}`), checked {block.checked}",
            "",
            f"- Heading: {block.title}",
            f"- Text: {block.text}",
            f"- Links: {'; '.join(f'{line.label} (`{line.href}`)' for line in block.lines)}",
        ]
        for fact in block.facts:
            evidence = EVIDENCE_WORDS[fact.evidence]
            out.append(f"- {fact.text} Evidence: {evidence}. Sources: {_sources(kb, fact.citations)}")
        out.append("")
    return out


def rules_markdown(kb: KnowledgeBase) -> str:
    """The whole rules document as Markdown text (deterministic)."""
    out: list[str] = [
        "# Rules",
        "",
        "<!-- Generated by `trdnav knowledge docs` from src/trdnav/knowledge/data. Do not edit by hand:",
        "     a test fails when this file is stale. -->",
        "",
        f"Knowledge version **{kb.version}** (contract {kb.manifest.contract_version}),"
        f" reviewed {kb.manifest.reviewed}, next review {kb.manifest.next_review}.",
        "",
        "A therapy is *needs review* whenever a safety question that bears on it is unanswered or",
        "answered `unsure`, whether or not any rule below fires.",
        "",
        "## Safety rules",
        "",
    ]
    for rule in sorted(kb.rules, key=lambda r: r.id):
        out += [
            f"### `{rule.id}`",
            "",
            f"- Therapies: {', '.join(rule.therapies)}",
            f"- Outcome: {OUTCOME_WORDS[rule.outcome]}",
            f"- When: {describe(rule.condition())}",
            f"- Evidence: {rule.evidence}; since {rule.since}",
            f"- Patient text: {rule.patient_text}",
            f"- Clinician text: {rule.clinician_text}",
            f"- Sources: {_sources(kb, rule.citations)}",
            "",
        ]
    out += ["## Which safety questions bear on which therapy", ""]
    out += ["| question | " + " | ".join(kb.manifest.therapies) + " |"]
    out += ["|---|" + "---|" * len(kb.manifest.therapies)]
    for item in kb.items.values():
        if item.section == "safety":
            marks = ["●" if t in item.bears_on else "" for t in kb.manifest.therapies]
            out.append(f"| `{item.id}` | " + " | ".join(marks) + " |")
    out += ["", "## Considerations (what matters to the person)", ""]
    out += [
        f"The leaning names one option only when its summed weight leads the next by at least"
        f" {kb.manifest.leaning_margin}. When one option remains it is the leaning.",
        "",
    ]
    for consideration in kb.considerations:
        out += [
            f"### `{consideration.id}`",
            "",
            f"- When: {describe(consideration.condition())}",
            f"- Favours: {', '.join(consideration.favours) or 'nothing (information only)'};"
            f" weight {consideration.weight}",
            f"- Evidence: {consideration.evidence}",
            f"- Patient text: {consideration.patient_text}",
            f"- Clinician text: {consideration.clinician_text}",
            f"- Sources: {_sources(kb, consideration.citations)}",
            "",
        ]
    out += ["## Practical barriers", ""]
    for barrier in kb.barriers:
        out += [
            f"### `{barrier.id}`",
            "",
            f"- When: {describe(barrier.condition())}",
            f"- Therapies: {', '.join(barrier.therapies)}",
            f"- Patient text: {barrier.patient_text}",
            f"- Clinician text: {barrier.clinician_text}",
            f"- Sources: {_sources(kb, barrier.citations)}",
            "",
        ]
    out += protocols_markdown(kb)
    out += crisis_markdown(kb)
    return "\n".join(out)
