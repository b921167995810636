"""A view outside the subset, or not a valid ViewDefinition, is refused with a `ViewError` that
names the expression and the view path: never rows that could be wrong."""

from __future__ import annotations

from typing import Any

import pytest

from trdnav.views import ViewError, compile_view, run, sql

PATIENTS = [
    {"resourceType": "Patient", "id": "a", "name": [{"family": "One"}, {"family": "Two"}], "active": True},
    {"resourceType": "Patient", "id": "b", "name": [{"family": "Three"}]},
]


def _view(select: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {"resourceType": "ViewDefinition", "resource": "Patient", "select": select, **more}


def _column(path: str, name: str = "c", **more: Any) -> dict[str, Any]:
    return {"column": [{"name": name, "path": path, **more}]}


@pytest.mark.parametrize(
    ("view", "expression", "view_path", "reason"),
    [
        (_view([{"forEach": "@@", "column": [{"name": "c", "path": "id"}]}]), "@@", "select[0].forEach",
         "unexpected character"),
        (_view([_column("name.family.lowBoundary()")]), "name.family.lowBoundary()",
         "select[0].column[0].path", "the function lowBoundary() is not supported"),
        (_view([_column("name.first(1)")]), "name.first(1)", "select[0].column[0].path",
         "first() takes 0 argument(s), not 1"),
        (_view([_column("name.where(use = %nope).family")]), "name.where(use = %nope).family",
         "select[0].column[0].path", "the constant %nope is not defined"),
        (_view([_column("id")], where=[{"path": "name.family"}]), "name.family", "where[0].path",
         "must be boolean but is string"),
        (_view([_column("name.family is string")]), "name.family is string", "select[0].column[0].path",
         "the operator 'is' is not supported"),
        (_view([_column("name.family +")]), "name.family +", "select[0].column[0].path", "at the end"),
    ],
)  # fmt: skip
def test_the_refusal_names_the_expression_and_the_view_path(
    view: dict[str, Any], expression: str, view_path: str, reason: str
) -> None:
    with pytest.raises(ViewError) as refused:
        compile_view(view)
    assert refused.value.expression == expression
    assert refused.value.view_path == view_path
    assert reason in str(refused.value)
    assert repr(expression) in str(refused.value) and view_path in str(refused.value)


@pytest.mark.parametrize(
    ("view", "view_path", "reason"),
    [
        ({}, "resource", "needs the FHIR resource type"),
        (_view([]), "select", "at least one select"),
        (_view([{"forEach": 1, "column": [{"name": "c", "path": "id"}]}]), "select[0].forEach",
         "FHIRPath string"),
        (_view([{"column": [{"name": "2bad", "path": "id"}]}]), "select[0].column[0].name",
         "letters, digits"),
        (_view([{"colum": []}]), "select[0]", "unknown element 'colum'"),
        (_view([_column("id")], constant=[{"name": "x"}]), "constant[0]", "exactly one value[x]"),
        (_view([{"unionAll": [_column("id", "a"), _column("id", "b")]}]), "select[0].unionAll[1]",
         "same columns in the same order"),
        (_view([_column("id", "a"), _column("id", "a")]), "select", "used twice"),
        (_view([{"forEach": "name", "forEachOrNull": "name", "column": []}]), "select[0]", "use one of"),
    ],
)  # fmt: skip
def test_an_invalid_view_is_refused_at_its_path(view: dict[str, Any], view_path: str, reason: str) -> None:
    with pytest.raises(ViewError) as refused:
        compile_view(view)
    assert refused.value.view_path == view_path
    assert reason in str(refused.value)


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ViewError, match="unknown engine 'oracle'"):
        sql(_view([_column("id")]), "oracle")


def test_several_values_in_a_single_value_column_stop_the_run() -> None:
    with pytest.raises(ViewError, match=r"the column 'c' gave more than one value.*select\[0\]\.column\[0\]"):
        run(_view([_column("name.family")]), PATIENTS)


def test_a_collection_column_keeps_every_value_in_order() -> None:
    rows = run(_view([_column("id", "id"), _column("name.family", "families", collection=True)]), PATIENTS)
    assert sorted(rows, key=lambda r: r["id"]) == [
        {"id": "a", "families": ["One", "Two"]},
        {"id": "b", "families": ["Three"]},
    ]


def test_a_where_path_without_a_known_type_must_be_boolean_at_run_time() -> None:
    view = _view([_column("id")], where=[{"path": "extension('http://x').value.ofType(string)"}])
    resources = [
        {"resourceType": "Patient", "id": "a", "extension": [{"url": "http://x", "valueString": "s"}]}
    ]
    with pytest.raises(ViewError, match="must be boolean"):
        run(view, resources)


def test_a_singleton_path_compiles_to_one_direct_json_extraction() -> None:
    view = {
        "resource": "Condition",
        "select": [
            {
                "column": [
                    {"name": "patient", "path": "subject.reference", "type": "string"},
                    {"name": "c", "path": "code.coding.code.first()"},
                    {"name": "status", "path": "clinicalStatus.coding.code.first()"},
                ]
            }
        ],
    }
    duckdb_sql = sql(view, "duckdb")
    # DuckDB parses each document once, for all the top-level elements the view reads ...
    assert duckdb_sql.count("(resource,") == 1
    assert "json_extract(resource, ['$.subject', '$.code', '$.clinicalStatus'])" in duckdb_sql
    # ... and a path below one of them is one extraction, even through a repeating element
    # (R4: Condition.code.coding is 0..*)
    assert "json_extract_string((resource_elements)[1], '$.reference')" in duckdb_sql
    assert "coalesce(json_extract((resource_elements)[2], '$.coding[*].code'), []::JSON[])" in duckdb_sql
    # Spark's VARIANT is parsed already: each path is read from the resource
    assert "try_variant_get(resource, '$.subject.reference', 'string')" in sql(view, "spark")
