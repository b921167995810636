"""Load-time cross-checks: every id a data file names must exist and fit.

Each problem reads 'file: entry: message' so a content reviewer can find it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from trdnav.core.answers import check_value
from trdnav.core.conditions import Condition, condition_values
from trdnav.core.model import CONTRACT_VERSION, TOP_PRIORITIES
from trdnav.knowledge.option_content import Therapy
from trdnav.knowledge.schema import (
    Citation,
    ConsiderationFile,
    Instrument,
    Item,
    Manifest,
    ProtocolEntry,
    Rule,
    ScheduledPhase,
    Step,
)


def _duplicates(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for entry in ids:
        if entry in seen:
            repeated.append(entry)
        seen.add(entry)
    return repeated


def _check_condition(
    where: str, condition: Condition, items: Mapping[str, Item], problems: list[str]
) -> None:
    for item_id in sorted(condition.items()):
        if item_id not in items:
            problems.append(f"{where}: condition names unknown item {item_id!r}")
    for item_id, value in condition_values(condition):
        item = items.get(item_id)
        if item is None:
            continue
        probe: object = [value] if item.kind == "words" else value
        wrong = check_value(item.spec(), probe)
        if wrong is not None:
            problems.append(f"{where}: condition value {value!r} for {item_id!r}: {wrong}")


def unknown_refs(where: str, refs: Iterable[str], known: Mapping[str, object], kind: str) -> list[str]:
    """A problem for each id in ``refs`` that ``known`` lacks: "where: unknown citation 'y'"."""
    return [f"{where}: unknown {kind} {ref!r}" for ref in refs if ref not in known]


def crosscheck(
    *,
    manifest: Manifest,
    items: Sequence[Item],
    therapies: Mapping[str, Therapy],
    rules: Sequence[tuple[str, Rule]],
    considerations: ConsiderationFile,
    instruments: Mapping[str, Instrument],
    citations: Mapping[str, Citation],
    protocols: Sequence[ProtocolEntry] = (),
    steps: Sequence[Step] = (),
) -> list[str]:
    """Return every cross-reference problem in the knowledge base (empty when sound)."""
    problems: list[str] = []
    known_therapies = {t: t for t in manifest.therapies}
    by_id = {item.id: item for item in items}
    if manifest.contract_version != CONTRACT_VERSION:
        problems.append(
            f"manifest.toml: contract_version: this engine implements contract {CONTRACT_VERSION}"
        )
    for therapy in manifest.therapies:
        if therapy not in therapies:
            problems.append(f"manifest.toml: {therapy}: no file therapies/{therapy}.yaml")
    for therapy_id, content in therapies.items():
        where = f"therapies/{therapy_id}.yaml"
        if therapy_id not in known_therapies:
            problems.append(f"{where}: {therapy_id}: not listed in manifest.toml therapies")
        for section, entry in content.sourced():
            problems += unknown_refs(f"{where}: {section}", entry.citations, citations, "citation")

    for repeated in _duplicates(item.id for item in items):
        problems.append(f"items.yaml: {repeated}: defined twice")
    for item in items:
        problems += unknown_refs(
            f"items.yaml: {item.id}: bears_on", item.bears_on, known_therapies, "therapy"
        )
        if item.kind == "scores" and item.id not in instruments:
            problems.append(f"items.yaml: {item.id}: no instruments/{item.id}.yaml scores this item")

    for repeated in _duplicates(rule.id for _, rule in rules):
        problems.append(f"rules: {repeated}: rule id used twice")
    for name, rule in rules:
        where = f"{name}: {rule.id}"
        problems += unknown_refs(where, rule.therapies, known_therapies, "therapy")
        problems += unknown_refs(where, rule.citations, citations, "citation")
        _check_condition(where, rule.condition(), by_id, problems)
    entry_ids = [c.id for c in considerations.considerations] + [b.id for b in considerations.barriers]
    for repeated in _duplicates(entry_ids):
        problems.append(f"considerations.yaml: {repeated}: id used twice")
    for consideration in considerations.considerations:
        where = f"considerations.yaml: {consideration.id}"
        problems += unknown_refs(where, consideration.favours, known_therapies, "therapy")
        problems += unknown_refs(where, consideration.citations, citations, "citation")
        _check_condition(where, consideration.condition(), by_id, problems)
        if consideration.favours:
            problems.extend(_vote_problems(where, consideration.condition(), by_id))
    for barrier in considerations.barriers:
        where = f"considerations.yaml: {barrier.id}"
        problems += unknown_refs(where, barrier.therapies, known_therapies, "therapy")
        problems += unknown_refs(where, barrier.citations, citations, "citation")
        _check_condition(where, barrier.condition(), by_id, problems)

    for instrument in instruments.values():
        where = f"instruments/{instrument.id}.yaml: {instrument.id}"
        problems += unknown_refs(where, instrument.citations, citations, "citation")
        scored = by_id.get(instrument.id)
        if scored is None or scored.kind != "scores":
            problems.append(f"{where}: must be a 'scores' item in items.yaml")
            continue
        if scored.length != len(instrument.items) or scored.maximum != len(instrument.answers) - 1:
            problems.append(
                f"{where}: items.yaml says {scored.length} answers of 0..{scored.maximum};"
                f" the instrument has {len(instrument.items)} of 0..{len(instrument.answers) - 1}"
            )
    problems.extend(_protocol_problems(protocols, known_therapies, citations))
    problems.extend(_top_priorities_problems(by_id))
    problems.extend(_step_problems(steps, items))
    return problems


def _vote_problems(where: str, condition: Condition, items: Mapping[str, Item]) -> list[str]:
    """Contract §1.3: only the person's stated priorities vote, and "unsure" states nothing."""
    problems = [
        f"{where}: only priorities may favour options; {item_id!r} is a {items[item_id].section} item"
        " (make this an information note: favours [] and weight 0)"
        for item_id in sorted(condition.items())
        if item_id in items and items[item_id].section != "priorities"
    ]
    if any(value == "unsure" for _, value in condition_values(condition)):
        problems.append(f"{where}: an 'unsure' answer states no priority and must not favour options")
    return problems


def _top_priorities_problems(items: Mapping[str, Item]) -> list[str]:
    """`top_priorities` lists priority items only (contract §1.3), and not itself or insurance."""
    top = items.get(TOP_PRIORITIES)
    if top is None:
        return []
    if top.kind != "words" or top.section != "priorities":
        return [f"items.yaml: {TOP_PRIORITIES}: must be a 'words' item in the priorities section"]
    return [
        f"items.yaml: {TOP_PRIORITIES}: choice {choice!r} is not a priority item that can be ranked"
        for choice in top.choices
        if choice in (TOP_PRIORITIES, "insurance")
        or choice not in items
        or items[choice].section != "priorities"
    ]


def _step_problems(steps: Sequence[Step], items: Sequence[Item]) -> list[str]:
    """Each item is asked in exactly one step: placed in one group, or gathered by its section's `others`."""
    problems = [
        f"items.yaml: steps: {repeated}: step id used twice" for repeated in _duplicates(s.id for s in steps)
    ]
    known = {item.id: item for item in items}
    placed = [item_id for step in steps for group in step.groups for item_id in group.items]
    problems += [
        f"items.yaml: steps: {item_id}: placed in more than one group" for item_id in _duplicates(placed)
    ]
    problems += [f"items.yaml: steps: unknown item {item_id!r}" for item_id in placed if item_id not in known]
    gathered = [step.others.section for step in steps if step.others]
    problems += [
        f"items.yaml: steps: section {section!r} gathered by two steps" for section in _duplicates(gathered)
    ]
    problems += [
        f"items.yaml: steps: {item.id}: not asked in any step (place it in a group)"
        for item in items
        if item.id not in placed and item.section not in gathered
    ]
    return problems


def _fewest_days(phase: ScheduledPhase) -> int:
    """A lower bound on the days a phase spans even when the clinic is open every day."""
    session_days = -(-phase.sessions // phase.per_day)
    by_spacing = (session_days - 1) * phase.min_days_between + 1
    by_weeks = (-(-session_days // phase.per_week) - 1) * 7 + 1
    return max(by_spacing, by_weeks)


def _protocol_problems(
    protocols: Sequence[ProtocolEntry], therapies: Mapping[str, str], citations: Mapping[str, Citation]
) -> list[str]:
    """Each protocol names a known therapy and known citations, and its required phases fit its length."""
    problems: list[str] = []
    for repeated in _duplicates(protocol.id for protocol in protocols):
        problems.append(f"protocols.yaml: {repeated}: id used twice")
    for protocol in protocols:
        where = f"protocols.yaml: {protocol.id}"
        problems += unknown_refs(where, [protocol.therapy], therapies, "therapy")
        problems += unknown_refs(where, protocol.citations, citations, "citation")
        for fact in protocol.rules:
            problems += unknown_refs(f"{where}: rules", fact.citations, citations, "citation")
        schedule = protocol.schedule
        fewest_days = sum(_fewest_days(phase) for phase in schedule.phases if not phase.optional)
        if fewest_days > schedule.max_course_days:
            problems.append(
                f"{where}: its required phases need at least {fewest_days} days,"
                f" more than max_course_days {schedule.max_course_days}"
            )
    return problems
