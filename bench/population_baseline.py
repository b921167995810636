"""The population screen's baseline: the screening tables read by hand with typed `read_json`.

What a person would write for DuckDB given a bulk export with one file per resource type: each
type's file read with its columns declared (structs and lists parsed once, straight into typed
values), flattened by hand into the same nine tables the screening views make, then the same
screening steps (the knowledge base's rules as SQL). The product reads every line as JSON text
and compiles ViewDefinitions; this reads typed columns. Both must give the same screening table.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

CODING = "STRUCT(system VARCHAR, code VARCHAR, display VARCHAR)[]"
CODES = f"STRUCT(coding {CODING})"
REFERENCE = "STRUCT(reference VARCHAR)"
VALUE = f"valueInteger: 'BIGINT', valueQuantity: 'STRUCT(value DOUBLE)', valueCodeableConcept: '{CODES}'"
COLUMNS = {
    "Patient": (
        "{id: 'VARCHAR', birthDate: 'VARCHAR', deceasedBoolean: 'BOOLEAN', deceasedDateTime: 'VARCHAR'}"
    ),
    "Condition": (
        f"{{id: 'VARCHAR', subject: '{REFERENCE}', clinicalStatus: '{CODES}', verificationStatus: '{CODES}', "
        "abatementDateTime: 'VARCHAR', abatementString: 'VARCHAR', abatementAge: 'JSON', abatementPeriod: "
        "'JSON', "
        "abatementRange: 'JSON', onsetDateTime: 'VARCHAR', recordedDate: 'VARCHAR', code: 'STRUCT(coding "
        f"{CODING})'}}"
    ),
    "Device": (
        f"{{id: 'VARCHAR', status: 'VARCHAR', patient: '{REFERENCE}', manufactureDate: 'VARCHAR', "
        f"type: 'STRUCT(coding {CODING})'}}"
    ),
    "MedicationRequest": (
        f"{{id: 'VARCHAR', status: 'VARCHAR', subject: '{REFERENCE}', authoredOn: 'VARCHAR', "
        'dispenseRequest: \'STRUCT(validityPeriod STRUCT("start" VARCHAR, "end" VARCHAR), '
        "expectedSupplyDuration STRUCT(value DOUBLE, unit VARCHAR, code VARCHAR))', "
        f"medicationCodeableConcept: 'STRUCT(text VARCHAR, coding {CODING})', medicationReference: "
        f"'{REFERENCE}'}}"
    ),
    "Observation": (
        f"{{id: 'VARCHAR', status: 'VARCHAR', subject: '{REFERENCE}', effectiveDateTime: 'VARCHAR', "
        f"code: 'STRUCT(coding {CODING})', {VALUE}, component: 'STRUCT(code STRUCT(coding {CODING}), "
        "valueInteger BIGINT, valueQuantity STRUCT(value DOUBLE), "
        f"valueCodeableConcept STRUCT(coding {CODING}))[]'}}"
    ),
}
MEDICATION_COLUMNS = (
    "NULL::VARCHAR AS reference, NULL::BIGINT AS concept_index, NULL::VARCHAR AS concept_text, "
    "NULL::BIGINT AS coding_index, NULL::VARCHAR AS system, NULL::VARCHAR AS code, NULL::VARCHAR AS display"
)
PATIENT_KEY = "CASE WHEN starts_with({0}.reference, 'Patient/') THEN substr({0}.reference, 9) END"


def _read(folder: Path, kind: str) -> str:
    files = sorted(str(p) for p in folder.glob(f"{kind}.*ndjson*"))
    listing = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    return f"read_json({listing}, format = 'newline_delimited', columns = {COLUMNS[kind]})"


def _first_code(concept: str) -> str:
    return f"list_filter(list_transform({concept}.coding, lambda x: x.code), lambda x: x IS NOT NULL)[1]"


def tables(folder: Path) -> list[tuple[str, str]]:
    """The nine screening tables, each a typed query over its type's file."""
    patient = PATIENT_KEY.format("subject")
    value_code = _first_code("valueCodeableConcept")
    return [
        (
            "patients",
            f"SELECT id AS patient_id, birthDate AS birth_date, "
            f"(coalesce(deceasedBoolean, FALSE) OR deceasedDateTime IS NOT NULL) AS deceased "
            f"FROM {_read(folder, 'Patient')}",
        ),
        (
            "conditions",
            f"SELECT {patient} AS patient_id, id AS resource_id, {_first_code('clinicalStatus')} AS "
            "clinical_status, "
            f"{_first_code('verificationStatus')} AS verification_status, "
            "(abatementDateTime IS NOT NULL OR abatementString IS NOT NULL OR abatementAge IS NOT NULL "
            "OR abatementPeriod IS NOT NULL OR abatementRange IS NOT NULL) AS abated, onsetDateTime AS "
            "onset, "
            "recordedDate AS recorded, i - 1 AS coding_index, code.coding[i].system AS system, "
            "code.coding[i].code AS code, code.coding[i].display AS display "
            f"FROM (SELECT *, generate_subscripts(code.coding, 1) AS i FROM {_read(folder, 'Condition')})",
        ),
        (
            "devices",
            f"SELECT {PATIENT_KEY.format('patient')} AS patient_id, id AS resource_id, status, "
            "manufactureDate AS manufacture_date, i - 1 AS coding_index, type.coding[i].system AS system, "
            "type.coding[i].code AS code, type.coding[i].display AS display "
            f"FROM (SELECT *, generate_subscripts(type.coding, 1) AS i FROM {_read(folder, 'Device')})",
        ),
        (
            "medication_requests",
            f"SELECT {patient} AS patient_id, id AS resource_id, status, authoredOn AS authored_on, "
            "dispenseRequest.validityPeriod.start AS validity_start, dispenseRequest.validityPeriod.end AS "
            "validity_end, "
            "dispenseRequest.expectedSupplyDuration.value AS supply_value, "
            "dispenseRequest.expectedSupplyDuration.code AS supply_code, "
            "dispenseRequest.expectedSupplyDuration.unit AS supply_unit, "
            "medicationReference.reference AS medication_reference, medicationCodeableConcept.text AS "
            "medication_text, "
            "medicationCodeableConcept IS NOT NULL AS has_concept, coalesce(i - 1, 0) AS coding_index, "
            "medicationCodeableConcept.coding[i].system AS system, medicationCodeableConcept.coding[i].code "
            "AS code, "
            "medicationCodeableConcept.coding[i].display AS display FROM (SELECT *, unnest(CASE WHEN "
            "len(medicationCodeableConcept.coding) > 0 THEN range(1, len(medicationCodeableConcept.coding) "
            "+ 1) "
            f"ELSE [NULL] END) AS i FROM {_read(folder, 'MedicationRequest')})",
        ),
        (
            "medication_statements",
            "SELECT NULL::VARCHAR AS patient_id, NULL::VARCHAR AS resource_id, NULL::VARCHAR AS status, "
            "NULL::VARCHAR AS period_start, NULL::VARCHAR AS period_end, NULL::VARCHAR AS "
            "effective_date_time, "
            "NULL::VARCHAR AS date_asserted, NULL::VARCHAR AS medication_reference, "
            "NULL::VARCHAR AS medication_text, NULL::BOOLEAN AS has_concept, NULL::BIGINT AS coding_index, "
            "NULL::VARCHAR AS system, NULL::VARCHAR AS code, NULL::VARCHAR AS display WHERE FALSE",
        ),
        ("medications", f"SELECT {MEDICATION_COLUMNS} WHERE FALSE"),
        # the generated export has no Medication resources, contained or not
        (
            "contained_medications_in_requests",
            f"SELECT NULL::VARCHAR AS resource_id, {MEDICATION_COLUMNS} WHERE FALSE",
        ),
        (
            "contained_medications_in_statements",
            f"SELECT NULL::VARCHAR AS resource_id, {MEDICATION_COLUMNS} WHERE FALSE",
        ),
        (
            "observations",
            f"WITH o AS (SELECT * FROM {_read(folder, 'Observation')}) "
            f"SELECT {patient} AS patient_id, id AS resource_id, status, effectiveDateTime AS effective, 0 "
            "AS part, "
            f"valueInteger AS value_integer, valueQuantity.value AS value_quantity, {value_code} AS "
            "value_code, "
            "c.system, c.code FROM o, unnest(code.coding) AS t(c) UNION ALL "
            f"SELECT {patient}, id, status, effectiveDateTime, part, p.valueInteger, p.valueQuantity.value, "
            f"{_first_code('p.valueCodeableConcept')}, c.system, c.code FROM (SELECT *, "
            "unnest(component) AS p, generate_subscripts(component, 1) AS part FROM o) AS parts, "
            "unnest(p.code.coding) AS t(c)",
        ),
    ]


def create_tables(connection: duckdb.DuckDBPyConnection, folder: Path) -> None:
    for name, select in tables(folder):
        connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")
