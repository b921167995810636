"""`docs/rules.md`, generated from the knowledge base: every rule, its texts and sources, every
treatment protocol the course planner keeps, every clinical number the course code uses, and the
comparison's content (the condition and the decision, bottom lines, prices and coverage)."""

from __future__ import annotations

from trdnav.core.conditions import describe
from trdnav.knowledge.clinical_numbers import Basis, Choices, DecimalRange, Threshold
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.knowledge.option_content import GRID_ROWS
from trdnav.knowledge.schema import Fact, ScheduledPhase
from trdnav.reports.value_sets_doc import value_sets_markdown

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


def _short_sources(kb: KnowledgeBase, citation_ids: list[str]) -> str:
    return "; ".join(f"{kb.citations[c].short()} (`{c}`)" for c in citation_ids)


def coverage_markdown(kb: KnowledgeBase) -> list[str]:
    """The "Screening coverage" section: each therapy's screen, and every safety question x therapy."""
    coverage = kb.coverage
    out = [
        "## Screening coverage",
        "",
        "Generated from `screening_coverage.yaml`; the loader refuses a knowledge base whose questions'",
        "`bears_on` or whose safety rules disagree with it. A therapy whose screen is *partial* is always",
        "*needs review*, with a reason naming what this tool does not ask.",
        "",
        "### Each therapy's screen",
        "",
    ]
    for therapy in kb.manifest.therapies:
        screen = coverage.screens[therapy]
        out += [
            f"#### {kb.therapies[therapy].name} (`{therapy}`): {screen.screening}",
            "",
            f"- Checked against: {screen.checked_against} (sources: {_short_sources(kb, screen.citations)})",
        ]
        if screen.gap is not None:
            out += [
                f"- Reason given: `{screen.gap.id}`, needs review",
                "- Not screened here:",
                *(
                    f"  - {e.risk} (sources: {_short_sources(kb, e.citations)})"
                    for e in screen.gap.not_screened
                ),
                f"- Patient text: {screen.gap.patient_text}",
                f"- Clinician text: {screen.gap.clinician_text}",
                f"- Evidence: {EVIDENCE_WORDS[screen.gap.evidence]}",
            ]
        out.append("")
    out += [
        "### Context items that safety rules may test",
        "",
        "Leaving these unanswered does not make an option need review, for the reason given:",
        "",
        *(f"- `{item}`: {why}" for item, why in coverage.context_items.items()),
        "",
        "### Each safety question for each therapy",
        "",
    ]
    rules_for: dict[tuple[str, str], list[str]] = {}
    for rule in kb.rules:
        if rule.outcome != "information":
            for item_id in sorted(rule.condition().items()):
                for therapy in rule.therapies:
                    rules_for.setdefault((item_id, therapy), []).append(f"`{rule.id}`")
    for item_id, row in coverage.items.items():
        out += [
            f"#### `{item_id}`",
            "",
            "| therapy | bears on it? | rule or reason; sources |",
            "|---|---|---|",
        ]
        for therapy in kb.manifest.therapies:
            cell = row[therapy]
            sources = _short_sources(kb, cell.citations)
            if cell.bears:
                tested_by = ", ".join(rules_for.get((item_id, therapy), []))
                why = f"{cell.review_only or tested_by}; {sources}"
            else:
                why = f"{cell.reason} ({sources})" if sources else str(cell.reason)
            out.append(f"| {therapy} | {'bears on it' if cell.bears else 'does not'} | {why} |")
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


def _session_number(entry: Basis) -> str:
    """A session-record number as the rules page shows it: a range, one value or the choices."""
    if isinstance(entry, Threshold):
        return str(entry.value)
    if isinstance(entry, Choices):
        return " or ".join(str(value) for value in entry.values)
    return f"{getattr(entry, 'low', '')} to {getattr(entry, 'high', '')}"


def _basis_cells(kb: KnowledgeBase, entry: Basis) -> str:
    sources = _short_sources(kb, entry.citations) or "none"
    return f"{EVIDENCE_WORDS[entry.evidence]} | {sources} | {entry.basis}"


def clinical_numbers_markdown(kb: KnowledgeBase) -> list[str]:
    """The item alerts, outcome thresholds, dose limits, session ranges and SURE test, with sources."""
    out = [
        "## Clinical numbers",
        "",
        "Every number below is read from the knowledge base by every path that uses it (intake form, API,",
        "CLI, check-in, clinician score entry, course pages, PDFs); none is written in the code.",
        "",
        "### Item alerts",
        "",
        "An urgent alert flags the assessment, shows crisis resources first and alerts the clinic at once.",
        "",
        "| instrument | alert | raised when | level | sources |",
        "|---|---|---|---|---|",
    ]
    for instrument in kb.instruments.values():
        sources = _short_sources(kb, instrument.citations)
        out += [
            f"| {instrument.name} | `{alert.id}` | item {alert.item} above {alert.above} | {alert.level}"
            f" | {sources} |"
            for alert in instrument.alerts
        ]
    header = ["| number | value | evidence | sources | basis |", "|---|---|---|---|---|"]
    rules = kb.outcome_rules
    out += ["", "### Outcome thresholds (PHQ-9)", "", *header]
    out += [
        f"| `{name}` | {entry.value}{'%' if name.endswith('percent') else ''} | {_basis_cells(kb, entry)} |"
        for name, entry in rules.entries()
    ]
    dosing = kb.dosing.iv_ketamine
    out += ["", "### IV ketamine dose limits", "", *header]
    for name, entry in dosing.entries():
        shown = f"{entry.low} to {entry.high} {entry.unit}" if isinstance(entry, DecimalRange) else ""
        out.append(
            f"| `{name}` | {shown or f'at most {dosing.max_dose_mg.value} mg'} | {_basis_cells(kb, entry)} |"
        )
    out += ["", "### Session record ranges", "", *header]
    out += [
        f"| `{name}` | {_session_number(entry)} | {_basis_cells(kb, entry)} |"
        for name, entry in kb.session_ranges.entries()
    ]
    sure = kb.sure
    out += [
        "",
        "### SURE test of decisional conflict",
        "",
        f"Evidence: {EVIDENCE_WORDS[sure.evidence]}; sources: {_sources(kb, sure.citations)}."
        f" Terms: {sure.terms_url}",
        "",
        *header,
        f"| `conflict_at_or_below` | {sure.conflict_at_or_below.value} of {len(sure.items)}"
        f" | {_basis_cells(kb, sure.conflict_at_or_below)} |",
        "",
        "| letter | item | question | suggestion after a no |",
        "|---|---|---|---|",
    ]
    out += [f"| {item.letter} | {item.name} | {item.question} | {item.suggestion} |" for item in sure.items]
    return [*out, ""]


def alert_outcomes_markdown(kb: KnowledgeBase) -> list[str]:
    """The outcomes a clinician chooses from when closing a clinic alert (alert_outcomes.yaml)."""
    out = [
        "## Closing a clinic alert",
        "",
        "A clinic alert is closed with one of these outcomes and a note (never with one click); a clinic",
        "that follows another protocol edits or adds entries in `alert_outcomes.yaml`.",
        "",
        "| outcome | label | closes | asks attempts | evidence | sources | basis |",
        "|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| `{o.id}` | {o.label} | {', '.join(o.kinds)} | {'yes' if o.asks_attempts else 'no'}"
        f" | {EVIDENCE_WORDS[o.evidence]} | {_short_sources(kb, o.citations) or 'none'} | {o.basis} |"
        for o in kb.alert_outcomes.outcomes
    ]
    return [*out, ""]


def _fact_line(kb: KnowledgeBase, fact: Fact) -> str:
    sources = _short_sources(kb, fact.citations) or "none"
    return f"- {fact.text} ({EVIDENCE_WORDS[fact.evidence]}; sources: {sources})"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:g}%"


def comparison_markdown(kb: KnowledgeBase) -> list[str]:
    """The condition and the decision, each option's bottom line, short lines, prices and coverage."""
    condition = kb.condition
    out = ["## The comparison", "", "### The condition and the decision (`condition.yaml`)", ""]
    for title, facts in (
        ("What it is", condition.what_it_is),
        ("How common it is", condition.how_common),
        ("What usually happens next", condition.what_happens_next),
        ("The decision", condition.the_decision),
    ):
        out += [f"#### {title}", "", *(_fact_line(kb, fact) for fact in facts), ""]
    out += [
        "### Bottom lines",
        "",
        "One figure per option for the same outcome at the end of its acute course, with its comparator;",
        "a range is the spread of study results, not a confidence interval. A figure marked not comparable",
        "cannot fairly be set beside the others (its caveat says why).",
        "",
        "| option | outcome | figure | comparator | range | time point | study | comparable | evidence"
        " | sources |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for option_id, option in kb.options.items():
        line = option.bottom_line
        comparator = (
            "none" if line.comparator_name is None else f"{line.comparator_kind}: {line.comparator_name}"
        )
        if line.comparator_percent is not None:
            comparator += f" {_percent(line.comparator_percent)}"
        spread = f"{_percent(line.range[0])} to {_percent(line.range[1])}" if line.range else ""
        out.append(
            f"| `{option_id}` | {line.outcome} | {_percent(line.percent)} | {comparator} | {spread}"
            f" | {line.time_point} | {line.study} | {'yes' if line.comparable else 'no'}"
            f" | {EVIDENCE_WORDS[line.evidence]} | {_short_sources(kb, line.citations)} |"
        )
    out += ["", "Sentences shown:", ""]
    out += [
        f"- `{option_id}`: {option.bottom_line.text}"
        + (f" Caveat: {option.bottom_line.caveat}" if option.bottom_line.caveat else "")
        for option_id, option in kb.options.items()
    ]
    out += [
        "",
        "### Each grid row in short",
        "",
        "| row | " + " | ".join(f"`{option_id}`" for option_id in kb.options) + " |",
        "|---|" + "---|" * len(kb.options),
    ]
    out += [
        f"| {row} | " + " | ".join(option.in_short[row] for option in kb.options.values()) + " |"
        for row in GRID_ROWS
    ]
    out += [
        "",
        "### Prices (typical market prices; re-check and re-date before release)",
        "",
        "| option | region | low | high | per | as of | text | evidence | sources |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for option_id, option in kb.options.items():
        out += [
            f"| `{option_id}` | {price.region} | {price.low:,.0f} {price.currency} | {price.high:,.0f}"
            f" {price.currency} | {price.unit} | {price.as_of} | {price.text}"
            f" | {EVIDENCE_WORDS[price.evidence]} | {_short_sources(kb, price.citations)} |"
            for price in option.prices
        ]
        if not option.prices:
            out.append(f"| `{option_id}` | | | | | | no price listed | | |")
    out += ["", "### Coverage", ""]
    for option_id, option in kb.options.items():
        out += [f"#### `{option_id}`", "", *(_fact_line(kb, fact) for fact in option.coverage), ""]
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
        "answered `unsure`, whether or not any rule below fires, and whenever its screen here is partial",
        "(see *Screening coverage*).",
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
    out += ["", *coverage_markdown(kb)]
    out += ["## Considerations (what matters to the person)", ""]
    out += [
        "Only the person's own priorities (contract §1.3) favour options; a consideration on any"
        " other item is an information note with weight 0 (the loader refuses anything else), and"
        " an `unsure` answer favours nothing. A priority listed under `top_priorities` counts"
        f" {kb.manifest.top_priority_multiplier} times its weight. The leaning names one option"
        f" only when its total leads the next by at least {kb.manifest.leaning_margin}."
        " When one option remains it is the leaning; the result says so (`leaning_basis`).",
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
    out += intake_steps_markdown(kb)
    out += protocols_markdown(kb)
    out += clinical_numbers_markdown(kb)
    out += alert_outcomes_markdown(kb)
    out += value_sets_markdown(kb)
    out += crisis_markdown(kb)
    out += comparison_markdown(kb)
    return "\n".join(out)


def intake_steps_markdown(kb: KnowledgeBase) -> list[str]:
    """The intake's pages and the questions each asks, in order (items.yaml `steps`)."""
    out = ["## Intake steps", ""]
    for number, step in enumerate(kb.steps, start=1):
        out += [f"{number}. **{step.title}** (`/{step.id}`)"]
        for group in step.groups:
            items = ", ".join(f"`{item}`" for item in group.items)
            out += [f"   - {group.heading + ': ' if group.heading else ''}{items}"]
        if step.others:
            out += [f"   - {step.others.heading}: any other `{step.others.section}` question"]
    return [*out, ""]
