"""Load the knowledge base from the package's data files, check it, and build the engine.

Every problem names the file and the entry. `load()` is cached: the data files are
read once per process.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from trdnav.core import model as core
from trdnav.knowledge.alert_outcomes import AlertOutcome, AlertOutcomeFile
from trdnav.knowledge.cds_content import CDS_FILE, CdsContent, OverrideReason
from trdnav.knowledge.clinical_numbers import Basis, DosingFile, OutcomeRuleFile, SessionRangeFile, SureTest
from trdnav.knowledge.coverage import ScreeningCoverage, coverage_problems
from trdnav.knowledge.crosscheck import crosscheck, unknown_refs
from trdnav.knowledge.option_content import BottomLine, ConditionAndDecision, OptionContent, Price, Therapy
from trdnav.knowledge.population_content import POPULATION_FILE, Definition, PopulationDefinitions
from trdnav.knowledge.schema import (
    Citation,
    CitationFile,
    Consideration,
    ConsiderationFile,
    CrisisBlock,
    CrisisResourceFile,
    Fact,
    Instrument,
    Item,
    ItemFile,
    Manifest,
    ProtocolEntry,
    ProtocolFile,
    Rule,
    RuleFile,
    Step,
)
from trdnav.knowledge.value_sets import VALUE_SETS_FILE, ValueSetFile, value_set_problems

Model = TypeVar("Model", bound=BaseModel)


class KnowledgeError(Exception):
    """The knowledge base is invalid; `problems` lists each as 'file: entry: message'."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class KnowledgeBase:
    """The whole checked knowledge base: content for people, and the engine's view."""

    manifest: Manifest
    items: dict[str, Item]
    therapies: dict[str, Therapy]
    rules: tuple[Rule, ...]
    considerations: tuple[Consideration, ...]
    barriers: tuple[Any, ...]
    instruments: dict[str, Instrument]
    citations: dict[str, Citation]
    engine: core.Engine
    outcome_rules: OutcomeRuleFile
    dosing: DosingFile
    session_ranges: SessionRangeFile
    sure: SureTest
    current_care: OptionContent
    """The column "Staying with or changing my current treatment" (no safety rules name it)."""
    condition: ConditionAndDecision
    """What treatment-resistant depression is, how common, what happens next, and the decision."""
    alert_outcomes: AlertOutcomeFile
    """How a clinician can close a clinic alert (clinic protocol, as data)."""
    protocols: dict[str, ProtocolEntry] = field(default_factory=dict)
    coverage: ScreeningCoverage = field(default_factory=ScreeningCoverage)
    crisis_resources: dict[str, CrisisBlock] = field(default_factory=dict)  # by country code
    steps: tuple[Step, ...] = ()
    """The intake's pages in order, each with its groups of questions."""
    value_sets: ValueSetFile | None = None
    """Code lists mapping a health record's codes to answer items (value_sets.yaml)."""
    cds: CdsContent | None = None
    """The CDS Hooks service's order codes and override reasons (cds.yaml)."""
    population: PopulationDefinitions | None = None
    """What the population screen counts: depression, TRD (population.yaml)."""

    @property
    def version(self) -> str:
        return self.manifest.knowledge_version

    @property
    def urgent_instruments(self) -> tuple[core.Instrument, ...]:
        """The engine's instruments that have an urgent item alert (PHQ-9 item 9 above 0): such an
        answer flags the assessment, shows crisis resources first and alerts the clinic at once."""
        return tuple(i for i in self.engine.instruments if any(a.level == "urgent" for a in i.alerts))

    @property
    def urgent_alert_ids(self) -> frozenset[str]:
        return frozenset(
            alert.id for i in self.urgent_instruments for alert in i.alerts if alert.level == "urgent"
        )

    @property
    def options(self) -> dict[str, OptionContent]:
        """Every column of the comparison: current care first, then the therapies."""
        return {self.current_care.id: self.current_care, **self.therapies}

    def unverified_facts(self) -> list[tuple[str, Fact]]:
        """Facts shown with the label 'unverified', with where they live."""
        files = {self.current_care.id: CURRENT_CARE_FILE} | {t: f"therapies/{t}.yaml" for t in self.therapies}
        return [
            (f"{files[option_id]}: {section}", fact)
            for option_id, option in self.options.items()
            for section, fact in option.facts()
            if fact.evidence == "unverified"
        ]


def _entry_name(raw: Any, location: tuple[int | str, ...]) -> str:
    """Name the entry a validation error points into, by its id where it has one."""
    node = raw
    names: list[str] = []
    for step in location:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            names.append(str(step))
            continue
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            names = [node["id"]]
        else:
            names.append(str(step))
    return ".".join(names) or "(top level)"


def _read(folder: Traversable, name: str, schema: type[Model], problems: list[str]) -> Model | None:
    try:
        text = folder.joinpath(name).read_text(encoding="utf-8")
        raw = tomllib.loads(text) if name.endswith(".toml") else yaml.safe_load(text)
    except (OSError, yaml.YAMLError, tomllib.TOMLDecodeError) as error:
        problems.append(f"{name}: cannot be read: {error}")
        return None
    try:
        return schema.model_validate(raw)
    except ValidationError as error:
        for detail in error.errors():
            location = tuple(detail["loc"])
            problems.append(f"{name}: {_entry_name(raw, location)}: {detail['msg']}")
        return None


def _files(folder: Traversable, subfolder: str) -> list[str]:
    return sorted(
        f"{subfolder}/{entry.name}"
        for entry in folder.joinpath(subfolder).iterdir()
        if entry.name.endswith(".yaml")
    )


def _engine(
    manifest: Manifest,
    items: dict[str, Item],
    rules: list[Rule],
    considerations: ConsiderationFile,
    instruments: dict[str, Instrument],
    coverage: ScreeningCoverage,
) -> core.Engine:
    return core.Engine(
        knowledge_version=manifest.knowledge_version,
        contract_version=manifest.contract_version,
        therapies=tuple(manifest.therapies),
        default_therapies=tuple(manifest.default_therapies),
        items={item.id: item.spec() for item in items.values()},
        rules=tuple(
            core.SafetyRule(
                id=rule.id,
                therapies=tuple(rule.therapies),
                outcome=rule.outcome,
                when=rule.condition(),
                patient_text=rule.patient_text,
                clinician_text=rule.clinician_text,
                citations=tuple(rule.citations),
                evidence=rule.evidence,
            )
            for rule in rules
        ),
        considerations=tuple(
            core.Consideration(
                id=c.id,
                when=c.condition(),
                favours=tuple(c.favours),
                weight=c.weight,
                patient_text=c.patient_text,
                clinician_text=c.clinician_text,
                citations=tuple(c.citations),
                evidence=c.evidence,
            )
            for c in considerations.considerations
        ),
        barriers=tuple(
            core.Barrier(
                id=b.id,
                when=b.condition(),
                therapies=tuple(b.therapies),
                patient_text=b.patient_text,
                clinician_text=b.clinician_text,
                citations=tuple(b.citations),
            )
            for b in considerations.barriers
        ),
        instruments=tuple(
            core.Instrument(
                id=instrument.id,
                item_count=len(instrument.items),
                item_maximum=len(instrument.answers) - 1,
                bands=tuple(core.Band(b.minimum, b.maximum, b.severity) for b in instrument.bands),
                alerts=tuple(
                    core.ItemAlert(a.id, a.item, a.above, a.level, a.text) for a in instrument.alerts
                ),
            )
            for instrument in (instruments[i.id] for i in items.values() if i.kind == "scores")
        ),
        leaning_margin=manifest.leaning_margin,
        incomplete_screens=_incomplete_screens(coverage),
        top_priority_multiplier=manifest.top_priority_multiplier,
    )


def _incomplete_screens(coverage: ScreeningCoverage) -> dict[str, core.IncompleteScreen]:
    """Each partial screen as the reason the engine adds: the clinician text names what is not asked."""
    screens: dict[str, core.IncompleteScreen] = {}
    for therapy, screen in coverage.screens.items():
        if screen.gap is None:
            continue
        risks = "; ".join(entry.risk for entry in screen.gap.not_screened)
        screens[therapy] = core.IncompleteScreen(
            id=screen.gap.id,
            patient_text=screen.gap.patient_text,
            clinician_text=f"Not fully screened here. Not covered by this tool's questions: {risks}."
            f" {screen.gap.clinician_text}",
            citations=tuple(dict.fromkeys(c for entry in screen.gap.not_screened for c in entry.citations)),
            evidence=screen.gap.evidence,
        )
    return screens


CRISIS_FILE = "crisis_resources.yaml"
CURRENT_CARE_FILE = "current_care.yaml"
CONDITION_FILE = "condition.yaml"
ALERT_OUTCOMES_FILE = "alert_outcomes.yaml"


def _sourced_entries(
    outcome_rules: OutcomeRuleFile,
    dosing: DosingFile,
    session_ranges: SessionRangeFile,
    sure: SureTest,
    crisis_file: CrisisResourceFile,
    current_care: OptionContent,
    condition: ConditionAndDecision,
    alert_outcomes: AlertOutcomeFile,
    cds: CdsContent,
    population: PopulationDefinitions,
) -> dict[
    str,
    list[
        tuple[str, Basis | SureTest | Fact | Price | BottomLine | AlertOutcome | OverrideReason | Definition]
    ],
]:
    """The cited entries of the files that crosscheck does not cover, by file: the clinical
    numbers, the SURE test, the crisis lines, current care and the condition."""
    return {
        CURRENT_CARE_FILE: [*current_care.sourced()],
        CONDITION_FILE: [*condition.facts()],
        "outcome_rules.yaml": [*outcome_rules.entries()],
        "dosing.yaml": [*dosing.iv_ketamine.entries()],
        "session_ranges.yaml": [*session_ranges.entries()],
        "sure.yaml": [("sure", sure), ("conflict_at_or_below", sure.conflict_at_or_below)],
        CRISIS_FILE: [(block.country, fact) for block in crisis_file.countries for fact in block.facts],
        ALERT_OUTCOMES_FILE: [*alert_outcomes.entries()],
        CDS_FILE: [*cds.entries()],
        POPULATION_FILE: [*population.entries()],
    }


def load_from(folder: Traversable) -> KnowledgeBase:
    """Read and check every data file under ``folder``; raise KnowledgeError listing all problems."""
    problems: list[str] = []
    manifest = _read(folder, "manifest.toml", Manifest, problems)
    item_file = _read(folder, "items.yaml", ItemFile, problems)
    considerations = _read(folder, "considerations.yaml", ConsiderationFile, problems)
    protocol_file = _read(folder, "protocols.yaml", ProtocolFile, problems)
    coverage = _read(folder, "screening_coverage.yaml", ScreeningCoverage, problems)
    outcome_rules = _read(folder, "outcome_rules.yaml", OutcomeRuleFile, problems)
    dosing = _read(folder, "dosing.yaml", DosingFile, problems)
    session_ranges = _read(folder, "session_ranges.yaml", SessionRangeFile, problems)
    sure = _read(folder, "sure.yaml", SureTest, problems)
    therapies: dict[str, Therapy] = {}
    for name in _files(folder, "therapies"):
        therapy = _read(folder, name, Therapy, problems)
        if therapy is not None:
            if name != f"therapies/{therapy.id}.yaml":
                problems.append(f"{name}: {therapy.id}: the file must be named after the therapy id")
            therapies[therapy.id] = therapy
    rules: list[tuple[str, Rule]] = []
    for name in _files(folder, "rules"):
        rule_file = _read(folder, name, RuleFile, problems)
        if rule_file is not None:
            rules.extend((name, rule) for rule in rule_file.rules)
    instruments: dict[str, Instrument] = {}
    for name in _files(folder, "instruments"):
        instrument = _read(folder, name, Instrument, problems)
        if instrument is not None:
            instruments[instrument.id] = instrument
    crisis_file = _read(folder, CRISIS_FILE, CrisisResourceFile, problems)
    current_care = _read(folder, CURRENT_CARE_FILE, OptionContent, problems)
    condition = _read(folder, CONDITION_FILE, ConditionAndDecision, problems)
    alert_outcomes = _read(folder, ALERT_OUTCOMES_FILE, AlertOutcomeFile, problems)
    value_sets = _read(folder, VALUE_SETS_FILE, ValueSetFile, problems)
    cds = _read(folder, CDS_FILE, CdsContent, problems)
    population = _read(folder, POPULATION_FILE, PopulationDefinitions, problems)
    citations: dict[str, tuple[str, Citation]] = {}
    for name in _files(folder, "citations"):
        citation_file = _read(folder, name, CitationFile, problems)
        for citation in citation_file.citations if citation_file else []:
            if citation.id in citations:
                problems.append(f"{name}: {citation.id}: already defined in {citations[citation.id][0]}")
            citations[citation.id] = (name, citation)
    if (
        manifest is None
        or item_file is None
        or considerations is None
        or protocol_file is None
        or coverage is None
        or outcome_rules is None
        or dosing is None
        or session_ranges is None
        or sure is None
        or crisis_file is None
        or current_care is None
        or condition is None
        or alert_outcomes is None
        or value_sets is None
        or cds is None
        or population is None
        or problems
    ):
        raise KnowledgeError(problems)
    items = {item.id: item for item in item_file.items}
    known_citations = {cid: entry for cid, (_, entry) in citations.items()}
    problems.extend(
        crosscheck(
            manifest=manifest,
            items=item_file.items,
            therapies=therapies,
            rules=rules,
            considerations=considerations,
            instruments=instruments,
            citations=known_citations,
            protocols=protocol_file.protocols,
            steps=item_file.steps,
        )
    )
    problems.extend(
        coverage_problems(
            coverage=coverage,
            therapies=manifest.therapies,
            items=item_file.items,
            rules=rules,
            citations=known_citations,
        )
    )
    problems.extend(
        problem
        for name, entries in _sourced_entries(
            outcome_rules,
            dosing,
            session_ranges,
            sure,
            crisis_file,
            current_care,
            condition,
            alert_outcomes,
            cds,
            population,
        ).items()
        for entry, sourced in entries
        for problem in unknown_refs(f"{name}: {entry}", sourced.citations, known_citations, "citation")
    )
    problems.extend(value_set_problems(value_sets, items))
    problems.extend(
        f"{POPULATION_FILE}: {definition.id}: unknown item {item!r}"
        for definition in population.definitions
        for item in sorted(definition.condition.items())
        if item not in items
    )
    problems.extend(
        f"{CDS_FILE}: orders: unknown therapy {order.therapy!r}; "
        f"expected one of {', '.join(manifest.therapies)}"
        for order in cds.orders
        if order.therapy not in manifest.therapies
    )
    if problems:
        raise KnowledgeError(problems)
    rule_list = [rule for _, rule in rules]
    return KnowledgeBase(
        manifest=manifest,
        items=items,
        therapies={t: therapies[t] for t in manifest.therapies},
        rules=tuple(rule_list),
        considerations=tuple(considerations.considerations),
        barriers=tuple(considerations.barriers),
        instruments=instruments,
        citations=known_citations,
        engine=_engine(manifest, items, rule_list, considerations, instruments, coverage),
        outcome_rules=outcome_rules,
        dosing=dosing,
        session_ranges=session_ranges,
        sure=sure,
        protocols={protocol.id: protocol for protocol in protocol_file.protocols},
        coverage=coverage,
        crisis_resources={block.country: block for block in crisis_file.countries},
        steps=tuple(item_file.steps),
        current_care=current_care,
        condition=condition,
        alert_outcomes=alert_outcomes,
        value_sets=value_sets,
        cds=cds,
        population=population,
    )


@functools.cache
def load() -> KnowledgeBase:
    """The knowledge base shipped with this package (read once per process)."""
    return load_from(resources.files("trdnav.knowledge").joinpath("data"))
