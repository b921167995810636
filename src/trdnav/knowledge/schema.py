"""The shape of every knowledge-base data file. Unknown keys are errors."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trdnav.core.conditions import Condition, parse_condition
from trdnav.core.model import ItemSpec
from trdnav.core.protocol import Phase, Protocol

EvidenceLabel = Literal["verified", "secondary", "unverified", "clinical_opinion"]
ItemKind = Literal["yes_no", "integer", "scores", "words", "word"]

RULE_ID = r"^[A-Z][A-Z_]*(\.[A-Z0-9_]+)+$"
SNAKE_ID = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Manifest(Strict):
    knowledge_version: str = Field(pattern=r"^\d{4}\.\d{2}\.\d+$", description="CalVer YYYY.MM.N")
    contract_version: int
    reviewed: dt.date
    next_review: dt.date
    made_by: str
    funding: str
    therapies: list[str]
    default_therapies: list[str]
    leaning_margin: int = Field(ge=1)
    top_priority_multiplier: int = Field(ge=1, description="how many times a top priority counts")
    seconds_per_answer: int = Field(ge=1, description="time to answer one intake question, beside reading it")

    @model_validator(mode="after")
    def _review_order(self) -> Manifest:
        if self.next_review <= self.reviewed:
            raise ValueError("next_review must come after reviewed")
        unknown = set(self.default_therapies) - set(self.therapies)
        if unknown:
            raise ValueError(f"default_therapies not in therapies: {sorted(unknown)}")
        return self


class Item(Strict):
    id: str = Field(pattern=SNAKE_ID)
    kind: ItemKind
    section: Literal["safety", "context", "priorities"]
    question: str
    help: str | None = None
    bears_on: list[str] = []
    minimum: int | None = None
    maximum: int | None = None
    length: int | None = None
    choices: dict[str, str] = {}

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Item:
        needs = {
            "yes_no": set(),
            "integer": {"minimum", "maximum"},
            "scores": {"length", "maximum"},
            "words": {"choices"},
            "word": {"choices"},
        }[self.kind]
        given = {name for name in ("minimum", "maximum", "length", "choices") if getattr(self, name)}
        given |= {n for n in ("minimum", "maximum") if getattr(self, n) == 0}
        if self.kind == "words" and self.maximum is not None:
            needs = needs | {"maximum"}  # the most words a person may choose
        if given != needs:
            raise ValueError(f"a {self.kind} item takes {sorted(needs) or 'none of'} {sorted(given)}")
        if self.section == "safety" and self.kind != "yes_no":
            raise ValueError("safety items must be yes_no")
        return self

    def spec(self) -> ItemSpec:
        """The item as the engine checks and reads answers to it."""
        return ItemSpec(
            id=self.id,
            kind=self.kind,
            section=self.section,
            bears_on=tuple(self.bears_on),
            minimum=self.minimum,
            maximum=self.maximum,
            length=self.length,
            choices=tuple(self.choices),
        )


class StepGroup(Strict):
    """Questions asked together in one step, under an optional heading."""

    heading: str | None = None
    items: list[str] = Field(min_length=1)


class StepOthers(Strict):
    """Where a step asks the items of one section that no group places."""

    section: Literal["safety", "context", "priorities"]
    heading: str


class Step(Strict):
    """One page of the intake; its id is its web address."""

    id: str = Field(pattern=SNAKE_ID)
    title: str
    groups: list[StepGroup] = Field(min_length=1)
    others: StepOthers | None = None


class ItemFile(Strict):
    items: list[Item]
    steps: list[Step] = Field(min_length=1)


class Sourced(Strict):
    """An entry with its evidence label and sources: only clinical opinion may go without a source."""

    noun: ClassVar[str] = "entry"
    """What the entry is called in the error message."""
    evidence: EvidenceLabel
    citations: list[str] = []

    @model_validator(mode="after")
    def _sourced(self) -> Sourced:
        if self.evidence != "clinical_opinion" and not self.citations:
            raise ValueError(f"a {self.evidence} {self.noun} needs at least one citation")
        return self


class Fact(Sourced):
    """One statement shown to people, with its evidence label and sources."""

    noun: ClassVar[str] = "fact"

    text: str
    clinician_text: str | None = None
    uncertainty: str | None = None


class _WithCondition(Strict):
    when: dict[str, Any]

    @field_validator("when")
    @classmethod
    def _condition_is_valid(cls, raw: dict[str, Any]) -> dict[str, Any]:
        parse_condition(raw)
        return raw

    def condition(self) -> Condition:
        return parse_condition(self.when)


class Rule(_WithCondition):
    id: str = Field(pattern=RULE_ID)
    therapies: list[str] = Field(min_length=1)
    outcome: Literal["contraindicated", "needs_review", "information"]
    patient_text: str
    clinician_text: str
    citations: list[str] = Field(min_length=1)
    evidence: EvidenceLabel
    since: str = Field(pattern=r"^\d{4}\.\d{2}\.\d+$")


class RuleFile(Strict):
    rules: list[Rule]


class Consideration(_WithCondition, Sourced):
    noun: ClassVar[str] = "consideration"
    id: str = Field(pattern=SNAKE_ID)
    favours: list[str]
    weight: int = Field(ge=0, le=3)
    patient_text: str
    clinician_text: str

    @model_validator(mode="after")
    def _weight_fits(self) -> Consideration:
        if bool(self.favours) != (self.weight > 0):
            raise ValueError(
                "a consideration favouring options needs a weight above 0; information only needs 0"
            )
        return self


class Barrier(_WithCondition):
    id: str = Field(pattern=SNAKE_ID)
    therapies: list[str] = Field(min_length=1)
    patient_text: str
    clinician_text: str
    citations: list[str] = []


class ConsiderationFile(Strict):
    considerations: list[Consideration]
    barriers: list[Barrier]


class InstrumentQuestion(Strict):
    number: int = Field(ge=1)
    text: str
    loinc: str = Field(pattern=r"^\d+-\d$")


class AnswerOption(Strict):
    value: int = Field(ge=0)
    text: str
    loinc: str = Field(pattern=r"^LA\d+-\d$")


class SeverityBand(Strict):
    minimum: int
    maximum: int
    severity: str = Field(pattern=SNAKE_ID)
    label: str


class InstrumentAlert(Strict):
    id: str = Field(pattern=SNAKE_ID)
    item: int = Field(ge=1)
    above: int = Field(ge=0)
    level: Literal["urgent", "warning"]
    text: str


class Instrument(Strict):
    id: str = Field(pattern=SNAKE_ID)
    name: str
    stem: str
    loinc_panel: str
    loinc_total: str
    items: list[InstrumentQuestion]
    answers: list[AnswerOption]
    bands: list[SeverityBand]
    alerts: list[InstrumentAlert] = []
    attribution: str
    terms_of_use: str
    citations: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        if [q.number for q in self.items] != list(range(1, len(self.items) + 1)):
            raise ValueError("items must be numbered 1, 2, 3, ... in order")
        if [a.value for a in self.answers] != list(range(len(self.answers))):
            raise ValueError("answers must have values 0, 1, 2, ... in order")
        top = len(self.items) * (len(self.answers) - 1)
        expected = 0
        for band in self.bands:
            if band.minimum != expected or band.maximum < band.minimum:
                raise ValueError(f"severity bands must cover 0..{top} without gaps; check {band.severity}")
            expected = band.maximum + 1
        if expected != top + 1:
            raise ValueError(f"severity bands must end at the top score {top}")
        for alert in self.alerts:
            if alert.item > len(self.items):
                raise ValueError(f"alert {alert.id} names item {alert.item}, which does not exist")
        return self


class Citation(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    authors: str
    year: int = Field(ge=1900, le=2100)
    title: str
    source: str = Field(description="journal with volume and pages, or the issuing body")
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")

    def short(self) -> str:
        """'Rossi 2009' style label for tables and reports."""
        first = self.authors.split(",")[0].split(";")[0].strip()
        words = first.split()
        is_person = len(words) >= 2 and words[1].isalpha() and words[1].isupper() and len(words[1]) <= 3
        return f"{words[0] if is_person else first} {self.year}"

    def reference(self) -> str:
        """The full reference line with its DOI or URL."""
        where = f"https://doi.org/{self.doi}" if self.doi else self.url
        return f"{self.authors} ({self.year}). {self.title}. {self.source}. {where}"

    @model_validator(mode="after")
    def _findable(self) -> Citation:
        if not self.doi and not self.url:
            raise ValueError(f"citation {self.id} needs a doi or a url")
        return self


class CitationFile(Strict):
    citations: list[Citation]


class ScheduledPhase(Strict):
    """One stretch of a course with one rhythm (see `trdnav.core.protocol.Phase`)."""

    name: str = Field(pattern=SNAKE_ID)
    sessions: int = Field(ge=1)
    min_sessions: int = Field(ge=1)
    per_week: int = Field(ge=1, le=7, description="most session days in one calendar week")
    per_day: int = Field(default=1, ge=1)
    max_weeks: int | None = Field(default=None, ge=1)
    optional: bool = False
    min_days_between: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _minimum_fits(self) -> ScheduledPhase:
        if self.min_sessions > self.sessions:
            raise ValueError(f"phase {self.name}: min_sessions is above sessions")
        if self.optional and self.max_weeks is None:
            raise ValueError(f"optional phase {self.name} needs max_weeks: it lengthens the course by them")
        return self


class Schedule(Strict):
    """The numbers the course planner keeps; each has its basis among the protocol's `rules` facts."""

    session_minutes: int = Field(ge=1, description="start to end of a session, preparation included")
    observation_minutes: int = Field(ge=0)
    min_hours_between_days: int = Field(ge=0)
    same_day_gap_minutes: int = Field(ge=0)
    max_course_days: int = Field(ge=1, description="without optional phases")
    consecutive_days: bool = False
    phases: list[ScheduledPhase] = Field(min_length=1)

    @model_validator(mode="after")
    def _phases_in_order(self) -> Schedule:
        flags = [phase.optional for phase in self.phases]
        if all(flags):
            raise ValueError("a schedule needs at least one phase that is not optional")
        if flags != sorted(flags):
            raise ValueError("optional phases come after the required ones")
        names = [phase.name for phase in self.phases]
        if len(set(names)) != len(names):
            raise ValueError("each phase needs its own name: sessions are matched to phases by name")
        return self


class ProtocolEntry(Strict):
    """A treatment protocol a clinic can plan a course with, with its sources and texts."""

    id: str = Field(pattern=SNAKE_ID)
    therapy: str = Field(pattern=SNAKE_ID)
    name: str
    involves: str = Field(description="patient text: what a session involves")
    session_text: str = Field(description="patient text: how long a session and the wait after take")
    clinician_text: str
    preparation: list[str] = Field(description="patient notes for each session in the calendar")
    evidence: EvidenceLabel
    citations: list[str] = Field(min_length=1)
    rules: list[Fact] = Field(min_length=1, description="the basis of each scheduling number")
    schedule: Schedule

    @property
    def plan(self) -> Protocol:
        """The protocol as the course planner reads it."""
        return Protocol(
            id=self.id,
            therapy=self.therapy,
            name=self.name,
            phases=tuple(
                Phase(
                    name=phase.name,
                    sessions=phase.sessions,
                    min_sessions=phase.min_sessions,
                    per_week=phase.per_week,
                    per_day=phase.per_day,
                    max_weeks=phase.max_weeks,
                    optional=phase.optional,
                    min_days_between=phase.min_days_between,
                )
                for phase in self.schedule.phases
            ),
            session_minutes=self.schedule.session_minutes,
            observation_minutes=self.schedule.observation_minutes,
            min_hours_between_days=self.schedule.min_hours_between_days,
            same_day_gap_minutes=self.schedule.same_day_gap_minutes,
            max_course_days=self.schedule.max_course_days,
            consecutive_days=self.schedule.consecutive_days,
            preparation=tuple(self.preparation),
        )


class ProtocolFile(Strict):
    protocols: list[ProtocolEntry] = Field(min_length=1)


# --- Crisis resources by country (crisis_resources.yaml) -----------------------------------------


class CrisisContact(Strict):
    """One way to reach help, as a link a phone can follow: call, text or open a page."""

    label: str = Field(min_length=1, description="What the link does, e.g. 'Call 911'")
    href: str = Field(pattern=r"^(tel:\+?[0-9]+|sms:[0-9]+|https://\S+)$")


class CrisisBlock(Strict):
    """The crisis resources of one country: the emergency number first, then the crisis lines."""

    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code")
    name: str
    checked: dt.date = Field(description="When every line was last checked against its sources")
    title: str
    text: str
    lines: list[CrisisContact] = Field(min_length=1)
    facts: list[Fact] = Field(min_length=1, description="Each number or line, with its label and sources")

    @model_validator(mode="after")
    def _only_sourced_facts(self) -> CrisisBlock:
        for fact in self.facts:
            if fact.evidence not in ("verified", "secondary"):
                raise ValueError(f"a crisis line must be verified or secondary, not {fact.evidence}")
        return self


class CrisisResourceFile(Strict):
    countries: list[CrisisBlock] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_block_per_country(self) -> CrisisResourceFile:
        codes = [block.country for block in self.countries]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise ValueError(f"each country once; repeated: {', '.join(repeated)}")
        return self
