"""What people read about each option (the five therapies and current care) and about the condition:
the comparison grid's rows, a short line per row, the comparable bottom line, dated prices and
coverage, and the condition and the decision. The shape of therapies/*.yaml, current_care.yaml and
condition.yaml; unknown keys are errors."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from trdnav.knowledge.schema import SNAKE_ID, EvidenceLabel, Fact, Sourced, Strict

GRID_ROWS = (
    "session",
    "visits",
    "onset",
    "benefits",
    "side_effects",
    "serious_risks",
    "who_cannot",
    "cost",
    "protocol",
    "regulatory",
)
"""The rows of the comparison grid, in the order shown (the questions people ask first, then the course
and the approval): each option has facts and one short line (`in_short`) per row."""

IN_SHORT_MOST_WORDS = 20
"""The longest a grid cell's short line may be, in words: it is read at a glance."""


class BottomLine(Strict):
    """One figure per option for the same outcome at the end of its acute course, with its comparator.

    `range` is the spread of study results, not a confidence interval. `comparable` is false when
    the figure cannot fairly be set beside the other options' (another time point, population or
    design); `caveat` then says why in one plain sentence.
    """

    outcome: Literal["remission", "response"]
    percent: float = Field(ge=0, le=100)
    comparator_kind: Literal["sham", "placebo", "active", "none"]
    comparator_name: str | None = None
    comparator_percent: float | None = Field(default=None, ge=0, le=100)
    range: tuple[float, float] | None = None
    time_point: str = Field(min_length=1)
    study: str = Field(min_length=1)
    comparable: bool
    text: str = Field(min_length=1, description="one plain sentence: the figure beside its comparator")
    caveat: str | None = Field(default=None, description="one plain sentence: what limits the figure")
    evidence: EvidenceLabel
    citations: list[str] = Field(min_length=1, description="every figure is cited, opinion or not")

    @model_validator(mode="after")
    def _comparator_fits(self) -> BottomLine:
        if self.comparator_kind == "none" and (
            self.comparator_percent is not None or self.comparator_name is not None
        ):
            raise ValueError(
                "comparator_percent and comparator_name need a comparator_kind other than 'none'"
            )
        if self.comparator_kind != "none" and not self.comparator_name:
            raise ValueError(f"a {self.comparator_kind} comparator needs a comparator_name")
        if not self.comparable and not self.caveat:
            raise ValueError("a figure that is not comparable needs a caveat saying why")
        if self.range is not None:
            low, high = self.range
            if low > high:
                raise ValueError(f"range: low {low} is above high {high}")
            if low < 0 or high > 100:
                raise ValueError("range: percentages lie between 0 and 100")
        return self


class Price(Sourced):
    """A typical market price range, dated: prices change, so each says when it was seen."""

    noun: ClassVar[str] = "price"

    region: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code")
    low: float = Field(ge=0)
    high: float = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    unit: Literal["course", "session", "infusion", "dose", "month"]
    text: str = Field(min_length=1)
    as_of: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM the price was seen")

    @model_validator(mode="after")
    def _low_to_high(self) -> Price:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


class OptionContent(Strict):
    """What people read about one option: a fact list per grid row, a short line per row, the
    bottom line, prices and coverage. The five therapies and "staying with or changing my current
    treatment" (current_care.yaml) share it."""

    id: str = Field(pattern=SNAKE_ID)
    name: str
    short_name: str
    summary: str
    in_short: dict[str, str]
    bottom_line: BottomLine
    prices: list[Price]
    coverage: list[Fact]
    regulatory: list[Fact] = Field(min_length=1)
    protocol: list[Fact] = Field(min_length=1)
    session: list[Fact] = Field(min_length=1)
    visits: list[Fact] = Field(min_length=1)
    onset: list[Fact] = Field(min_length=1)
    benefits: list[Fact] = Field(min_length=1)
    side_effects: list[Fact] = Field(min_length=1)
    serious_risks: list[Fact] = Field(min_length=1)
    who_cannot: list[Fact] = Field(min_length=1)
    cost: list[Fact] = Field(min_length=1)

    @field_validator("in_short")
    @classmethod
    def _a_short_line_per_row(cls, lines: dict[str, str]) -> dict[str, str]:
        missing = [row for row in GRID_ROWS if row not in lines]
        unknown = sorted(set(lines) - set(GRID_ROWS))
        if missing or unknown:
            raise ValueError(
                f"needs one line for each grid row; missing: {', '.join(missing) or 'none'};"
                f" unknown: {', '.join(unknown) or 'none'}"
            )
        for row, line in lines.items():
            words = len(line.split())
            if not words or words > IN_SHORT_MOST_WORDS:
                raise ValueError(f"{row}: a short line has 1 to {IN_SHORT_MOST_WORDS} words, not {words}")
        return {row: lines[row] for row in GRID_ROWS}

    def facts(self) -> list[tuple[str, Fact]]:
        """Every fact of the grid rows with the row it belongs to."""
        return [(row, fact) for row in GRID_ROWS for fact in getattr(self, row)]

    def sourced(self) -> list[tuple[str, Fact | Price | BottomLine]]:
        """Every cited entry (grid facts, coverage, prices, the bottom line) with where it lives."""
        return [
            *self.facts(),
            *(("coverage", fact) for fact in self.coverage),
            *(("prices", price) for price in self.prices),
            ("bottom_line", self.bottom_line),
        ]


class Therapy(OptionContent):
    """A treatment the engine screens: its id is in the manifest and the safety rules name it."""


class OutcomeWords(Strict):
    """How the bottom line says who was helped and who was not, for one outcome, in plain words:
    "27 in 100 {helped} at 8 weeks; 73 in 100 {not_helped}"."""

    helped: str = Field(min_length=1)
    not_helped: str = Field(min_length=1)


class ConditionAndDecision(Strict):
    """What the condition is and the decision being made (condition.yaml): short, plain, cited; and
    what the outcomes the bottom line counts (remission, response) mean in the person's words."""

    what_it_is: list[Fact] = Field(min_length=1)
    how_common: list[Fact] = Field(min_length=1)
    what_happens_next: list[Fact] = Field(min_length=1)
    the_decision: list[Fact] = Field(min_length=1)
    outcome_words: dict[Literal["remission", "response"], OutcomeWords]

    @model_validator(mode="after")
    def _every_outcome_has_words(self) -> ConditionAndDecision:
        missing = {"remission", "response"} - set(self.outcome_words)
        if missing:
            raise ValueError(f"outcome_words: give the words for {', '.join(sorted(missing))}")
        return self

    def facts(self) -> list[tuple[str, Fact]]:
        return [
            (part, fact)
            for part in ("what_it_is", "how_common", "what_happens_next", "the_decision")
            for fact in getattr(self, part)
        ]
