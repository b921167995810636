"""The record import's reading (trdnav.fhir.record_import) as SQL over the screening views' tables.

`RecordReading(kb, dialect, today)` gives the steps in order as (table name, SELECT), each reading
the views' tables (`screening_views`) and the steps before it, from the knowledge base's value sets,
instruments and windows: the knowledge tables, the conditions, devices and medicines that match a
value set, the antidepressant trials, the latest complete scores, and then one row of answers per
living patient (`RecordColumns`) with the record entries behind each. The Python reading is the
specification: each step names the function whose rule it follows.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from trdnav.fhir.record_import import (
    ACTIVE_CLINICAL,
    BLOOD_PRESSURE_VALUE_SET,
    CURRENT_MEDICATION,
    IGNORED_OBSERVATION,
    IGNORED_STATUS,
    IGNORED_VERIFICATION,
    LOINC,
    MAX_TRIALS,
    SUPPLY_DAYS,
    UNCONFIRMED,
)
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.knowledge.value_sets import SYSTEMS, ValueSetFile, icd_key
from trdnav.population.rule_sql import RecordColumns, quote
from trdnav.population.sql_dialect import ScreeningDialect

ICD = SYSTEMS["icd10cm"]
TRIALS = "failed_antidepressant_trials"
Step = tuple[str, str]


def _values(rows: Sequence[tuple[object, ...]], names: tuple[str, ...]) -> str:
    """An inline table of `rows` (the knowledge base gives each table at least one)."""

    def literal(value: object) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int):
            return str(value)
        return quote(str(value))

    body = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    return f"SELECT * FROM (VALUES {body}) AS t({', '.join(names)})"


def _in(values: frozenset[str] | set[str]) -> str:
    return "(" + ", ".join(quote(v) for v in sorted(values)) + ")"


def _date(text: str) -> str:
    """`parse_date`: the calendar date of a FHIR date or dateTime ('2019', '2019-03' too), else NULL."""
    return (
        f"TRY_CAST(CASE WHEN length({text}) = 4 THEN {text} || '-01-01' "
        f"WHEN length({text}) = 7 THEN {text} || '-01' ELSE substr({text}, 1, 10) END AS DATE)"
    )


def _key(system: str, code: str) -> str:
    return (
        f"CASE WHEN {system} = {quote(ICD)} THEN upper(trim(replace({code}, '.', ''))) ELSE trim({code}) END"
    )


@dataclass(frozen=True)
class RecordReading:
    """What a record says, in SQL: the steps up to the answers of each living patient."""

    kb: KnowledgeBase
    dialect: ScreeningDialect
    today: dt.date

    @property
    def sets(self) -> ValueSetFile:
        assert self.kb.value_sets is not None
        return self.kb.value_sets

    @functools.cached_property
    def record_columns(self) -> RecordColumns:
        kinds: dict[str, str] = {"age": "number", TRIALS: "number"}
        words: dict[str, list[str]] = {}
        for vs in self.sets.value_sets:
            for target in vs.targets:
                if target.word is not None:
                    words.setdefault(target.item, []).append(target.word)
                elif target.item != TRIALS:
                    kinds[target.item] = "word"
        ordered = {
            item: tuple(c for c in self.kb.items[item].choices if c in found) for item, found in words.items()
        }
        return RecordColumns(kinds=kinds, words=ordered)

    def _today(self) -> str:
        return f"DATE '{self.today.isoformat()}'"

    def _within(self, date: str, days: int) -> str:
        return f"{self.dialect.days_between(date, self._today())} BETWEEN 0 AND {days}"

    # -- the knowledge base as tables ------------------------------------------------------------
    def knowledge_tables(self) -> list[Step]:
        codes: list[tuple[object, ...]] = []
        names: list[tuple[object, ...]] = []
        sets: list[tuple[object, ...]] = []
        targets: list[tuple[object, ...]] = []
        for vs in self.sets.value_sets:
            for place, c in enumerate(vs.codes):
                key = icd_key(c.code) if c.system == "icd10cm" else c.code
                codes.append((vs.id, SYSTEMS[c.system], key, c.descendants, place, c.code))
                if vs.match_names:
                    names.append((vs.id, c.display.lower(), place, c.code))
            is_trials = any(t.item == TRIALS for t in vs.targets)
            sets.append(
                (
                    vs.id,
                    "Condition" in vs.resources,
                    "Device" in vs.resources,
                    "MedicationRequest" in vs.resources,
                    vs.timing,
                    vs.record_says,
                    is_trials,
                )
            )
            targets.extend((vs.id, t.item, t.word) for t in vs.targets if t.item != TRIALS)
        items: list[tuple[object, ...]] = []
        answers: list[tuple[object, ...]] = []
        for instrument in self.kb.instruments.values():
            if instrument.id not in self.kb.items:
                continue
            items.extend((instrument.id, q.loinc, place) for place, q in enumerate(instrument.items))
            answers.extend((instrument.id, a.loinc, a.value) for a in instrument.answers)
        bp = self.sets.blood_pressure
        return [
            ("kb_codes", _values(codes, ("value_set", "system", "code_key", "descendants", "place", "code"))),
            ("kb_names", _values(names, ("value_set", "name", "place", "code"))),
            (
                "kb_sets",
                _values(
                    sets,
                    (
                        "value_set",
                        "on_condition",
                        "on_device",
                        "on_medicine",
                        "timing",
                        "record_says",
                        "trials",
                    ),
                ),
            ),
            ("kb_targets", _values(targets, ("value_set", "item", "word"))),
            ("kb_score_items", _values(items, ("instrument", "loinc", "position"))),
            ("kb_score_answers", _values(answers, ("instrument", "loinc", "score"))),
            ("kb_blood_pressure", _values([(bp.panel,), (bp.systolic,), (bp.diastolic,)], ("code",))),
        ]

    def _prefix_lengths(self) -> list[int]:
        return sorted(
            {len(icd_key(c.code)) for vs in self.sets.value_sets for c in vs.codes if c.descendants}
        )

    def _code_matches(self, rows: str) -> str:
        """`ValueSet.match`: `rows` (with system, code_key) joined to the value sets whose codes
        cover them: the same code, or an ICD-10-CM code under one that covers its descendants."""
        head = f"SELECT r.*, k.value_set, k.place, k.code AS set_code FROM {rows} r JOIN kb_codes k"
        parts = [f"{head} ON k.system = r.system AND k.code_key = r.code_key"]
        for n in self._prefix_lengths():
            parts.append(
                f"{head} "
                f"ON k.descendants AND k.system = r.system AND length(r.code_key) > {n} "
                f"AND k.code_key = substr(r.code_key, 1, {n})"
            )
        return " UNION ALL ".join(parts)

    # -- the record import's reading ------------------------------------------------------------
    def record_steps(self) -> list[Step]:
        d = self.dialect
        s = self.sets
        return [
            # _conditions: refuted and entered-in-error ignored; current = active and not abated
            (
                "condition_rows",
                f"SELECT patient_id, resource_id, system, {_key('system', 'code')} AS code_key, "
                f"coalesce(verification_status IN {_in(UNCONFIRMED)}, FALSE) AS unconfirmed, "
                f"((clinical_status IS NULL OR clinical_status IN {_in(ACTIVE_CLINICAL)}) "
                "AND NOT coalesce(abated, FALSE)) AS is_current "
                "FROM conditions WHERE patient_id IS NOT NULL AND code IS NOT NULL AND system IS NOT NULL "
                "AND (verification_status IS NULL OR verification_status NOT IN "
                f"{_in(IGNORED_VERIFICATION)})",
            ),
            (
                "condition_hits",
                "SELECT DISTINCT m.patient_id, m.resource_id, m.value_set, m.unconfirmed, s.record_says "
                f"FROM ({self._code_matches('condition_rows')}) m "
                "JOIN kb_sets s ON s.value_set = m.value_set AND s.on_condition "
                "AND (s.timing = 'ever' OR m.is_current)",
            ),
            (
                "device_hits",
                "SELECT DISTINCT m.patient_id, m.resource_id, m.value_set, s.record_says "
                f"FROM ({self._code_matches('device_rows')}) m JOIN kb_sets s ON s.value_set = m.value_set "
                "AND s.on_device",
            ),
            # _medicines: requests and statements, their dates (_span) and what was given
            (
                "request_spans",
                # a request runs from validityPeriod.start (or authoredOn) to validityPeriod.end, or
                # longer when its expected supply lasts longer
                "SELECT DISTINCT patient_id, resource_id, status, coalesce(has_concept, FALSE) AS "
                "has_concept, "
                f"medication_reference, coalesce({_date('validity_start')}, {_date('authored_on')}) AS "
                "start_date, "
                f"{_date('validity_end')} AS validity_end, supply_value, "
                "CASE coalesce(nullif(supply_code, ''), nullif(supply_unit, '')) "
                + " ".join(f"WHEN {quote(unit)} THEN {days}" for unit, days in SUPPLY_DAYS.items())
                + " END AS supply_days FROM medication_requests",
            ),
            (
                "medicine_records",
                "SELECT patient_id, 'MedicationRequest' AS kind, resource_id, status, has_concept, "
                "medication_reference, start_date, CASE WHEN supply_days IS NULL THEN "
                "coalesce(validity_end, start_date) ELSE greatest(coalesce(validity_end, start_date), "
                f"{d.add_days('start_date', 'floor(supply_value * supply_days)')}) END AS end_date "
                "FROM request_spans UNION ALL "
                # a statement runs over its effectivePeriod (or effectiveDateTime, or dateAsserted)
                "SELECT patient_id, 'MedicationStatement', resource_id, status, has_concept, "
                f"medication_reference, start_date, greatest(start_date, coalesce({_date('period_end')}, "
                "start_date)) FROM (SELECT DISTINCT patient_id, resource_id, status, "
                "coalesce(has_concept, FALSE) AS has_concept, medication_reference, period_end, "
                f"coalesce({_date('period_start')}, {_date('effective_date_time')}, "
                f"{_date('date_asserted')}) "
                "AS start_date FROM medication_statements) statements",
            ),
            (
                "medicine_concepts",
                # _medication_concepts: the own concept, else the Medication's code and ingredients
                "SELECT 'MedicationRequest' AS kind, resource_id, 0 AS concept_index, coding_index, "
                "system, code, display, medication_text AS text FROM medication_requests WHERE has_concept "
                "UNION ALL SELECT 'MedicationStatement', resource_id, 0, coding_index, system, code, "
                "display, medication_text FROM medication_statements WHERE has_concept "
                "UNION ALL SELECT r.kind, r.resource_id, m.concept_index, m.coding_index, m.system, m.code, "
                "m.display, m.concept_text FROM medicine_records r JOIN medications m "
                "ON NOT r.has_concept AND m.reference = r.medication_reference "
                # a Medication contained in the request or statement, named '#id'
                + "".join(
                    "UNION ALL SELECT r.kind, r.resource_id, m.concept_index, m.coding_index, m.system, "
                    f"m.code, m.display, m.concept_text FROM medicine_records r JOIN {table} m "
                    f"ON r.kind = {quote(kind)} AND NOT r.has_concept AND m.resource_id = r.resource_id "
                    "AND m.reference = r.medication_reference "
                    for kind, table in (
                        ("MedicationRequest", "contained_medications_in_requests"),
                        ("MedicationStatement", "contained_medications_in_statements"),
                    )
                ),
            ),
            (
                "medicine_codings",
                "SELECT kind, resource_id, concept_index, coding_index, system, "
                f"{_key('system', 'code')} AS code_key FROM medicine_concepts "
                "WHERE system IS NOT NULL AND code IS NOT NULL",
            ),
            (
                "medicine_words",
                "SELECT kind, resource_id, concept_index, coding_index, source_rank, "
                f"{d.words('normalized')} AS word "
                f"FROM (SELECT DISTINCT kind, resource_id, concept_index, coding_index, 1 AS source_rank, "
                f"{d.squash_spaces(self._lower_words('display'))} AS normalized FROM medicine_concepts "
                "WHERE display IS NOT NULL UNION ALL SELECT DISTINCT kind, resource_id, concept_index, "
                f"1000000 AS coding_index, 2, {d.squash_spaces(self._lower_words('text'))} "
                "FROM medicine_concepts WHERE text IS NOT NULL) w",
            ),
            (
                "medicine_hits",
                # _ingredient: the first concept, then coding, that names one (by code before name)
                "SELECT patient_id, kind, resource_id, value_set, ingredient, status, start_date, end_date, "
                "trials, record_says FROM (SELECT r.patient_id, r.kind, r.resource_id, c.value_set, "
                "c.ingredient, r.status, r.start_date, r.end_date, s.trials, s.record_says, s.timing, "
                "row_number() OVER (PARTITION BY r.kind, r.resource_id, c.value_set "
                "ORDER BY c.concept_index, c.coding_index, c.source_rank, c.place) AS rank FROM ("
                "SELECT m.kind, m.resource_id, m.value_set, m.set_code AS ingredient, m.concept_index, "
                "m.coding_index, 0 AS source_rank, m.place "
                f"FROM ({self._code_matches('medicine_codings')}) m UNION ALL "
                "SELECT w.kind, w.resource_id, n.value_set, n.code, w.concept_index, w.coding_index, "
                "w.source_rank, n.place FROM medicine_words w JOIN kb_names n ON n.name = w.word) c "
                "JOIN medicine_records r ON r.kind = c.kind AND r.resource_id = c.resource_id "
                "JOIN kb_sets s ON s.value_set = c.value_set AND s.on_medicine "
                "WHERE r.patient_id IS NOT NULL AND (r.status IS NULL OR r.status NOT IN "
                f"{_in(IGNORED_STATUS)})) h "
                f"WHERE rank = 1 AND (timing = 'ever' OR status IN {_in(CURRENT_MEDICATION)})",
            ),
            (
                "trial_uses",
                "SELECT h.patient_id, h.kind, h.resource_id, h.ingredient FROM medicine_hits h JOIN ("
                "SELECT patient_id, ingredient FROM medicine_hits WHERE trials AND start_date IS NOT NULL "
                "GROUP BY patient_id, ingredient HAVING "
                f"{d.days_between('min(start_date)', 'max(end_date)')} >= {s.windows.adequate_trial_days}"
                ") a ON a.patient_id = h.patient_id AND a.ingredient = h.ingredient "
                "WHERE h.trials AND h.start_date IS NOT NULL",
            ),
            (
                "trials",
                f"SELECT patient_id, least(count(DISTINCT ingredient), {MAX_TRIALS}) AS trials "
                "FROM trial_uses GROUP BY patient_id",
            ),
            # _scores: the latest complete item set within the window, per instrument
            (
                "score_parts",
                "SELECT o.patient_id, o.resource_id, o.effective, i.instrument, i.position, "
                "CASE WHEN o.value_integer IS NOT NULL THEN CAST(o.value_integer AS DOUBLE) "
                "WHEN o.value_quantity IS NOT NULL THEN CAST(o.value_quantity AS DOUBLE) "
                "ELSE CAST(a.score AS DOUBLE) END AS score FROM observation_rows o "
                f"JOIN kb_score_items i ON o.system = {quote(LOINC)} AND o.code = i.loinc "
                "LEFT JOIN kb_score_answers a ON a.instrument = i.instrument AND a.loinc = o.value_code "
                "WHERE o.effective IS NOT NULL AND "
                f"{self._within(_date('o.effective'), s.windows.scores_days)}",
            ),
            (
                "score_valid",
                "SELECT p.* FROM score_parts p JOIN (SELECT instrument, count(*) - 1 AS top "
                "FROM kb_score_answers GROUP BY instrument) t ON t.instrument = p.instrument "
                "WHERE p.score IS NOT NULL AND p.score = floor(p.score) AND p.score BETWEEN 0 AND t.top",
            ),
            (
                "score_latest",
                "SELECT patient_id, instrument, effective FROM (SELECT v.patient_id, v.instrument, "
                "v.effective, row_number() OVER (PARTITION BY v.patient_id, v.instrument "
                "ORDER BY v.effective DESC) AS rank "
                "FROM score_valid v JOIN (SELECT instrument, count(*) AS size FROM kb_score_items "
                "GROUP BY instrument) n ON n.instrument = v.instrument "
                "GROUP BY v.patient_id, v.instrument, v.effective, n.size "
                "HAVING count(DISTINCT v.position) = n.size) c WHERE rank = 1",
            ),
            (
                "score_items_used",
                "SELECT v.patient_id, v.instrument, v.effective, v.position, max(v.score) AS score "
                "FROM score_valid v JOIN score_latest l ON l.patient_id = v.patient_id "
                "AND l.instrument = v.instrument AND l.effective = v.effective "
                "GROUP BY v.patient_id, v.instrument, v.effective, v.position",
            ),
            # _blood_pressures: listed beside a hypertension record
            (
                "blood_pressure_sources",
                "SELECT DISTINCT o.patient_id, 'Observation/' || o.resource_id AS source FROM "
                "observation_rows o "
                "JOIN kb_blood_pressure b ON o.code = b.code "
                f"WHERE o.part = 0 AND {self._within(_date('o.effective'), s.windows.blood_pressure_days)} "
                "AND o.patient_id IN (SELECT patient_id FROM condition_hits "
                f"WHERE value_set = {quote(BLOOD_PRESSURE_VALUE_SET)} AND record_says = 'unsure')",
            ),
        ]

    @staticmethod
    def _lower_words(column: str) -> str:
        return f"lower(replace(replace({column}, '/', ' '), ',', ' '))"

    def view_steps(self) -> list[Step]:
        """Rows of the views the steps read more than once, cut to what they use."""
        return [
            (
                "device_rows",
                f"SELECT patient_id, resource_id, system, {_key('system', 'code')} AS code_key FROM devices "
                "WHERE patient_id IS NOT NULL AND code IS NOT NULL AND system IS NOT NULL "
                "AND (status IS NULL OR status = 'active')",
            ),
            (
                "observation_rows",
                "SELECT * FROM observations WHERE patient_id IS NOT NULL AND code IS NOT NULL "
                f"AND (status IS NULL OR status NOT IN {_in(IGNORED_OBSERVATION)})",
            ),
        ]

    # -- the answers a record gives, one row per patient ----------------------------------------
    def answer_steps(self) -> list[Step]:
        d = self.dialect
        columns = self.record_columns
        today = self._today()
        found = (
            # Found.add: a word target adds its word unless the record is unconfirmed
            "SELECT h.patient_id, t.item, CASE WHEN h.unconfirmed THEN 'unsure' ELSE h.record_says END AS "
            "value, "
            "t.word, 'Condition/' || h.resource_id AS source FROM condition_hits h "
            "JOIN kb_targets t ON t.value_set = h.value_set WHERE t.word IS NULL OR NOT h.unconfirmed "
            "UNION ALL SELECT h.patient_id, t.item, h.record_says, t.word, 'Device/' || h.resource_id "
            "FROM device_hits h JOIN kb_targets t ON t.value_set = h.value_set "
            "UNION ALL SELECT h.patient_id, t.item, h.record_says, t.word, h.kind || '/' || h.resource_id "
            "FROM medicine_hits h JOIN kb_targets t ON t.value_set = h.value_set WHERE NOT h.trials "
            "UNION ALL SELECT patient_id, 'high_blood_pressure_uncontrolled', 'unsure', NULL, source "
            "FROM blood_pressure_sources"
        )
        pivot = [
            f"max(CASE WHEN item = {quote(item)} THEN value END) AS {columns.value(item)}"
            for item, kind in columns.kinds.items()
            if kind == "word"
        ]
        for item, words in columns.words.items():
            pivot.append(
                f"max(CASE WHEN item = {quote(item)} THEN 1 ELSE 0 END) = 1 AS {columns.listed(item)}"
            )
            pivot += [
                f"max(CASE WHEN item = {quote(item)} AND word = {quote(w)} THEN 1 ELSE 0 END) = 1 "
                f"AS {columns.word_flag(item, w)}"
                for w in words
            ]
        born = _date("birth_date")
        age = (
            f"year({today}) - year({born}) - CASE WHEN month({today}) * 100 + day({today}) "
            f"< month({born}) * 100 + day({born}) THEN 1 ELSE 0 END"
        )
        sources = (
            "SELECT patient_id, item, source FROM found UNION ALL "
            f"SELECT patient_id, {quote(TRIALS)}, kind || '/' || resource_id FROM trial_uses UNION ALL "
            "SELECT DISTINCT u.patient_id, u.instrument, 'Observation/' || v.resource_id FROM "
            "score_items_used u "
            "JOIN score_valid v ON v.patient_id = u.patient_id AND v.instrument = u.instrument "
            "AND v.effective = u.effective UNION ALL "
            "SELECT patient_id, 'age', 'Patient/' || patient_id FROM living WHERE age IS NOT NULL"
        )
        return [
            ("found", found),
            ("found_answers", f"SELECT patient_id, {', '.join(pivot)} FROM found GROUP BY patient_id"),
            (
                "living",
                f"SELECT patient_id, CASE WHEN {born} <= {today} AND ({age}) BETWEEN 0 AND 120 "
                f"THEN {age} END AS age FROM patients WHERE patient_id IS NOT NULL AND NOT "
                "coalesce(deceased, FALSE)",
            ),
            ("source_rows", sources),
            (
                "item_sources",
                f"SELECT patient_id, {d.join_list(d.sorted_set('entry'), '; ')} AS item_sources FROM ("
                f"SELECT patient_id, item || ': ' || {d.join_list(d.sorted_set('source'), ', ')} AS entry "
                "FROM source_rows GROUP BY patient_id, item) e GROUP BY patient_id",
            ),
            (
                "scores",
                "SELECT patient_id, instrument, max(effective) AS effective, CAST(sum(score) AS INTEGER) AS "
                "total, "
                + ", ".join(
                    f"max(CASE WHEN position = {place} THEN CAST(score AS INTEGER) END) AS item_{place + 1}"
                    for place in range(max((len(i.items) for i in self.kb.instruments.values()), default=0))
                )
                + " FROM score_items_used GROUP BY patient_id, instrument",
            ),
        ]

    def instruments(self) -> list[tuple[str, list[tuple[str, int, int]]]]:
        """(instrument id, [(alert id, item number, above)]) for the instruments the intake asks."""
        instruments = [self.kb.instruments[item] for item in self.kb.items if item in self.kb.instruments]
        return [(i.id, [(a.id, a.item, a.above) for a in i.alerts]) for i in instruments]
