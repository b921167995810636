"""DuckDB's side of the view compiler: the FHIRPath helper macros and the SQL each tree node becomes.

Every FHIRPath expression becomes a ``JSON[]`` (a collection of JSON values); a select becomes a
list of row structs, so that forEach, unionAll and nested selects are list operations with lambdas
and a view is one ``unnest`` over the resources table (``resources(r JSON)``).
"""

from __future__ import annotations

import json

EMPTY = "[]::JSON[]"

MACROS = (
    # Each macro names each argument once (values are bound with a one-element list_transform):
    # DuckDB inlines macros, and an argument used n times in nested macros grows the query n-fold.
    """CREATE OR REPLACE TEMP MACRO fp_child(x, k) AS list_transform([json_extract(x, k)], lambda v:
        CASE WHEN v IS NULL OR json_type(v) = 'NULL' THEN []::JSON[]
             WHEN json_type(v) = 'ARRAY' THEN list_filter(from_json(v, '["json"]'), lambda e: json_type(e) <> 'NULL')
             ELSE [v] END)[1]""",
    "CREATE OR REPLACE TEMP MACRO fp_children(c, k) AS flatten(list_transform(c, lambda x: fp_child(x, k)))",
    """CREATE OR REPLACE TEMP MACRO fp_one(c, what) AS list_transform([c], lambda l:
        CASE WHEN len(l) > 1 THEN error('the expression ' || what || ' gives more than one value')
             WHEN len(l) = 1 THEN l[1] ELSE NULL::JSON END)[1]""",
    """CREATE OR REPLACE TEMP MACRO fp_bool(c, what) AS list_transform([c], lambda l:
        CASE WHEN len(l) = 0 THEN NULL
             WHEN len(l) > 1 OR json_type(l[1]) <> 'BOOLEAN'
                  THEN error('the expression ' || what || ' does not give one true or false')
             ELSE CAST(l[1] AS VARCHAR) = 'true' END)[1]""",
    """CREATE OR REPLACE TEMP MACRO fp_wrap(v) AS list_transform([v], lambda b:
        CASE WHEN b IS NULL THEN []::JSON[] ELSE [to_json(b)] END)[1]""",
    """CREATE OR REPLACE TEMP MACRO fp_compare(a, b, op) AS list_transform([{'a': a, 'b': b}], lambda p:
        CASE WHEN p.a IS NULL OR p.b IS NULL THEN NULL
             WHEN json_type(p.a) IN ('BIGINT', 'UBIGINT', 'DOUBLE') AND json_type(p.b) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN
                  CASE op WHEN '=' THEN p.a::DOUBLE = p.b::DOUBLE WHEN '!=' THEN p.a::DOUBLE <> p.b::DOUBLE
                          WHEN '<' THEN p.a::DOUBLE < p.b::DOUBLE WHEN '>' THEN p.a::DOUBLE > p.b::DOUBLE
                          WHEN '<=' THEN p.a::DOUBLE <= p.b::DOUBLE ELSE p.a::DOUBLE >= p.b::DOUBLE END
             ELSE
                  CASE op WHEN '=' THEN CAST(p.a AS VARCHAR) = CAST(p.b AS VARCHAR)
                          WHEN '!=' THEN CAST(p.a AS VARCHAR) <> CAST(p.b AS VARCHAR)
                          WHEN '<' THEN json_extract_string(p.a, '$') < json_extract_string(p.b, '$')
                          WHEN '>' THEN json_extract_string(p.a, '$') > json_extract_string(p.b, '$')
                          WHEN '<=' THEN json_extract_string(p.a, '$') <= json_extract_string(p.b, '$')
                          ELSE json_extract_string(p.a, '$') >= json_extract_string(p.b, '$') END END)[1]""",
    """CREATE OR REPLACE TEMP MACRO fp_arith(a, b, op) AS list_transform([{'a': a, 'b': b}], lambda p:
        CASE WHEN p.a IS NULL OR p.b IS NULL THEN []::JSON[]
             WHEN op = '+' AND json_type(p.a) = 'VARCHAR' AND json_type(p.b) = 'VARCHAR'
                  THEN [to_json(json_extract_string(p.a, '$') || json_extract_string(p.b, '$'))]
             WHEN json_type(p.a) NOT IN ('BIGINT', 'UBIGINT', 'DOUBLE') OR json_type(p.b) NOT IN ('BIGINT', 'UBIGINT', 'DOUBLE')
                  THEN error('arithmetic needs two numbers')
             WHEN op IN ('+', '-', '*') AND json_type(p.a) <> 'DOUBLE' AND json_type(p.b) <> 'DOUBLE' THEN
                  [to_json(CASE op WHEN '+' THEN p.a::BIGINT + p.b::BIGINT WHEN '-' THEN p.a::BIGINT - p.b::BIGINT
                                   ELSE p.a::BIGINT * p.b::BIGINT END)]
             WHEN op = '/' AND p.b::DOUBLE = 0 THEN []::JSON[]
             ELSE [to_json(CASE op WHEN '+' THEN p.a::DOUBLE + p.b::DOUBLE WHEN '-' THEN p.a::DOUBLE - p.b::DOUBLE
                                   WHEN '*' THEN p.a::DOUBLE * p.b::DOUBLE ELSE p.a::DOUBLE / p.b::DOUBLE END)] END)[1]""",
)


def string(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def json_literal(value: object) -> str:
    """A one-value collection holding ``value`` (JSON)."""
    return f"[{string(json.dumps(value))}::JSON]"


def key(name: str) -> str:
    """The JSON path of an element's key (quoted: any name is safe)."""
    return string('$."' + name.replace('"', "") + '"')
