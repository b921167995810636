"""The population screen's decision as SQL: the safety screen (trdnav.core.screening) and the
definitions (population.yaml) over the answers `RecordReading` gives each living patient.

`Screening(kb, dialect, today).steps()` gives every step in order as (table name, SELECT): the
record's reading, one flag per safety rule and open safety question, and `screening`, one row per
living patient with the columns `column_names()` lists (docs/population.md describes them).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from trdnav.knowledge.loader import KnowledgeBase, load
from trdnav.knowledge.population_content import PopulationDefinitions
from trdnav.population.record_sql import TRIALS, RecordReading, Step
from trdnav.population.rule_sql import RecordColumns, quote
from trdnav.population.sql_dialect import DIALECTS, ScreeningDialect


@dataclass(frozen=True)
class Screening:
    """The screen's steps and the output's columns, for one knowledge base, engine and day."""

    kb: KnowledgeBase
    dialect: ScreeningDialect
    today: dt.date

    @functools.cached_property
    def reading(self) -> RecordReading:
        return RecordReading(self.kb, self.dialect, self.today)

    @property
    def record_columns(self) -> RecordColumns:
        return self.reading.record_columns

    def instruments(self) -> list[tuple[str, list[tuple[str, int, int]]]]:
        return self.reading.instruments()

    @property
    def therapies(self) -> list[str]:
        return list(self.kb.manifest.therapies)

    def _wide(self) -> str:
        """One row per living patient: the record's answers as `RecordColumns`, the scores, sources."""
        columns = self.record_columns
        wide = ["l.patient_id", f"l.age AS {columns.value('age')}", f"t.trials AS {columns.value(TRIALS)}"]
        wide += [f"f.{columns.value(i)}" for i, kind in columns.kinds.items() if kind == "word"]
        for item, words in columns.words.items():
            wide += [f"coalesce(f.{columns.listed(item)}, FALSE) AS {columns.listed(item)}"]
            wide += [
                f"coalesce(f.{columns.word_flag(item, w)}, FALSE) AS {columns.word_flag(item, w)}"
                for w in words
            ]
        joins = []
        for instrument, alerts in self.instruments():
            wide += [
                f"{instrument}.total AS {instrument}_total",
                f"{instrument}.effective AS {instrument}_date",
            ]
            wide += [
                f"{instrument}.item_{item} > {above} AS {instrument}_{alert}" for alert, item, above in alerts
            ]
            joins.append(
                f"LEFT JOIN scores {instrument} ON {instrument}.patient_id = l.patient_id "
                f"AND {instrument}.instrument = {quote(instrument)}"
            )
        return (
            f"SELECT {', '.join(wide)}, s.item_sources FROM living l "
            "LEFT JOIN found_answers f ON f.patient_id = l.patient_id "
            "LEFT JOIN trials t ON t.patient_id = l.patient_id "
            "LEFT JOIN item_sources s ON s.patient_id = l.patient_id " + " ".join(joins)
        )

    def _output(self) -> list[tuple[str, str]]:
        """The screening table's columns: (SQL over the wide row, column name)."""
        d = self.dialect
        columns = self.record_columns
        out = [("patient_id", "patient_id"), (columns.value("age"), "age")]
        out += [
            (f"{name}_{part}", f"{name}_{part}")
            for name, _ in self.instruments()
            for part in ("total", "date")
        ]
        out += [
            (f"{name}_{alert}", f"{name}_{alert}")
            for name, alerts in self.instruments()
            for alert, _, _ in alerts
        ]
        out.append((columns.value(TRIALS), TRIALS))
        out += [
            (columns.holds(definition.condition), definition.id) for definition in self.population.definitions
        ]
        for item, words in columns.words.items():
            listed = [f"CASE WHEN {columns.word_flag(item, w)} THEN {quote(w)} END" for w in words]
            out.append((d.compact_list(listed), item))
        found_items, yes_items = [], []
        for item in self.kb.items:
            kind = columns.kinds.get(item)
            if kind is not None:
                found_items.append(f"CASE WHEN {columns.value(item)} IS NOT NULL THEN {quote(item)} END")
                if kind == "word":
                    yes_items.append(f"CASE WHEN {columns.value(item)} = 'yes' THEN {quote(item)} END")
            elif item in columns.words:
                found_items.append(f"CASE WHEN {columns.listed(item)} THEN {quote(item)} END")
            elif item in dict(self.instruments()):
                found_items.append(f"CASE WHEN {item}_total IS NOT NULL THEN {quote(item)} END")
        out += [(d.compact_list(found_items), "items_found"), (d.compact_list(yes_items), "items_yes")]
        out.append(("coalesce(item_sources, '')", "item_sources"))
        engine = self.kb.engine
        fired, open_item = self._flag_names()
        for therapy in self.therapies:
            rules = [r for r in engine.rules_by_therapy[therapy] if r.outcome != "information"]
            contraindicated = [fired[r.id] for r in rules if r.outcome == "contraindicated"] or ["FALSE"]
            gap = engine.incomplete_screens.get(therapy)
            items = engine.safety_items_by_therapy[therapy]
            review = [fired[r.id] for r in rules] + [open_item[i] for i in items] + (["TRUE"] if gap else [])
            safety = (
                f"CASE WHEN {' OR '.join(contraindicated)} THEN 'contraindicated' "
                f"WHEN {' OR '.join(review) or 'FALSE'} THEN 'needs_review' ELSE 'no_known_concerns' END"
            )
            reasons = [f"CASE WHEN {fired[r.id]} THEN {quote(r.id)} END" for r in rules]
            reasons += [quote(gap.id)] if gap else []
            missing = [f"CASE WHEN {open_item[item]} THEN {quote(item)} END" for item in items]
            out += [
                (safety, f"{therapy}_safety"),
                (d.compact_list(reasons), f"{therapy}_reasons"),
                (d.compact_list(missing), f"{therapy}_unanswered"),
            ]
        return out

    def _flag_names(self) -> tuple[dict[str, str], dict[str, str]]:
        """The flag column of each safety rule (by rule id) and of each unanswered safety item."""
        engine = self.kb.engine
        rules = dict.fromkeys(r.id for t in self.therapies for r in engine.rules_by_therapy[t])
        items = dict.fromkeys(i for t in self.therapies for i in engine.safety_items_by_therapy[t])
        return {rule: f"rule_{n}" for n, rule in enumerate(rules)}, {item: f"open_{item}" for item in items}

    def flags_step(self) -> Step:
        """Each safety rule and each safety item's being open, once per patient, as a flag."""
        columns = self.record_columns
        conditions = {r.id: r.when for t in self.therapies for r in self.kb.engine.rules_by_therapy[t]}
        fired, open_item = self._flag_names()
        flags = [f"{columns.holds(conditions[rule])} AS {name}" for rule, name in fired.items()]
        flags += [f"{columns.unanswered(item)} AS {name}" for item, name in open_item.items()]
        return ("screening_flags", f"SELECT w.*, {', '.join(flags)} FROM ({self._wide()}) w")

    def screening_step(self) -> Step:
        select = ", ".join(f"{sql} AS {name}" for sql, name in self._output())
        return ("screening", f"SELECT {select} FROM screening_flags")

    @property
    def population(self) -> PopulationDefinitions:
        assert self.kb.population is not None
        return self.kb.population

    def column_names(self) -> list[str]:
        """The screening table's columns, in order."""
        return [name for _, name in self._output()]

    def list_columns(self) -> set[str]:
        lists = {"items_found", "items_yes", *self.record_columns.words}
        return lists | {f"{t}_{part}" for t in self.therapies for part in ("reasons", "unanswered")}

    @staticmethod
    def step_names() -> list[str]:
        """The steps' table names for the installed knowledge base, for progress bars."""
        return [name for name, _ in Screening(load(), DIALECTS["duckdb"], dt.date.today()).steps()]

    def steps(self) -> list[Step]:
        reading = self.reading
        return [
            *reading.knowledge_tables(),
            *reading.view_steps(),
            *reading.record_steps(),
            *reading.answer_steps(),
            self.flags_step(),
            self.screening_step(),
        ]
