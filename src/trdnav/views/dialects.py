"""The few places where DuckDB SQL and Spark SQL differ, one small class per engine.

The compiler (`trdnav.views.compiler`) asks a dialect for each construct: a collection of JSON
values (DuckDB ``JSON[]``, Spark ``ARRAY<VARIANT>``), a child element, a singleton, a comparison,
a lambda over a list, a row struct and the final unnest. DuckDB's helpers are macros
(`duckdb_sql.MACROS`); Spark SQL has none, so its helpers are written inline, each value bound
once with a one-element ``transform`` so that the query does not grow with nesting.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from trdnav.views import duckdb_sql


def string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class DuckDB:
    name = "duckdb"
    empty = "[]::JSON[]"

    def text(self, value: str) -> str:
        return duckdb_sql.string(value)

    def literal(self, value: object) -> str:
        return duckdb_sql.json_literal(value)

    def scalar(self, sql: str) -> str:
        """A one-value collection from a SQL value (number, boolean or text)."""
        return f"[to_json({sql})]"

    def children(self, collection: str, key: str) -> str:
        return f"fp_children({collection}, {duckdb_sql.key(key)})"

    def one(self, collection: str, what: str) -> str:
        return f"fp_one({collection}, {what})"

    def boolean(self, collection: str, what: str) -> str:
        return f"fp_bool({collection}, {what})"

    def wrap(self, sql: str) -> str:
        return f"fp_wrap({sql})"

    def compare(self, left: str, right: str, op: str) -> str:
        return f"fp_compare({left}, {right}, {self.text(op)})"

    def arith(self, left: str, right: str, op: str) -> str:
        return f"fp_arith({left}, {right}, {self.text(op)})"

    def zero(self) -> str:
        return "'0'::JSON"

    def length(self, collection: str) -> str:
        return f"len({collection})"

    def at(self, collection: str, index: str) -> str:
        """The element at a 0-based index (a SQL integer), as a collection."""
        position = f"(CAST({index} AS BIGINT) + 1)"
        return f"coalesce(list_slice({collection}, {position}, {position}), {self.empty})"

    def first(self, collection: str) -> str:
        return f"list_slice({collection}, 1, 1)"

    def filter(self, collection: str, item: str, condition: str) -> str:
        return f"list_filter({collection}, lambda {item}: {condition})"

    def transform(self, collection: str, item: str, body: str) -> str:
        return f"list_transform({collection}, lambda {item}: {body})"

    def flat_map(self, collection: str, item: str, number: str, body: str) -> str:
        return f"flatten(list_transform({collection}, lambda {item}, {number}: {body}))"

    def row_index(self, number: str) -> str:
        return f"({number} - 1)"  # DuckDB counts from 1

    def concat(self, lists: Sequence[str]) -> str:
        return "list_concat(" + ", ".join(lists) + ")" if len(lists) > 1 else lists[0]

    def flatten(self, lists: str) -> str:
        return f"flatten({lists})"

    def error(self, message: str) -> str:
        return f"error({self.text(message)})"

    def string_of(self, item: str) -> str:
        """A JSON string value as SQL text."""
        return f"json_extract_string({item}, '$')"

    def text_at(self, item: str, key: str) -> str:
        return f"json_extract_string({item}, {duckdb_sql.key(key)})"

    def join(self, strings: str, separator: str) -> str:
        return f"[to_json(array_to_string({strings}, {separator}))]"

    def reference_key(self, reference: str) -> str:
        return f"to_json(regexp_extract({reference}, '([^/]+)(/_history/[^/]+)?$', 1))"

    def starts_with(self, text: str, prefix: str) -> str:
        return f"starts_with({text}, {self.text(prefix)})"

    def row(self, fields: Sequence[tuple[str, str]]) -> str:
        return "[{" + ", ".join(f"{self.text(name)}: {value}" for name, value in fields) + "}]"

    def column(self, collection: str, what: str, is_collection: bool) -> str:
        return f"to_json({collection})" if is_collection else self.one(collection, what)

    def cross(
        self, left: str, left_names: Sequence[str], right: str, right_names: Sequence[str], a: str, b: str
    ) -> str:
        pairs = f"list_transform({right}, lambda {b}: struct_concat({a}, {b}))"
        return f"flatten(list_transform({left}, lambda {a}: {pairs}))"

    def single(self, item: str) -> str:
        """A one-element collection of an element."""
        return f"[{item}]"

    def query(self, rows: str, names: Sequence[str], conditions: Sequence[str], table: str) -> str:
        columns = ", ".join(f'row."{name}" AS "{name}"' for name in names)
        return f"SELECT {columns} FROM (SELECT unnest({rows}) AS row FROM {table} WHERE {' AND '.join(conditions)})"


class Spark(DuckDB):
    name = "spark"
    empty = "cast(array() AS array<variant>)"

    def text(self, value: str) -> str:
        return string(value)

    def literal(self, value: object) -> str:
        return f"array(parse_json({self.text(json.dumps(value))}))"

    def scalar(self, sql: str) -> str:
        return f"array(cast({sql} AS variant))"

    def _bind(self, value: str, name: str, body: str) -> str:
        """``body`` with ``name`` bound to ``value`` once."""
        return f"transform(array({value}), {name} -> {body})[0]"

    def children(self, collection: str, key: str) -> str:
        path = self.text("$['" + key.replace("'", "") + "']")
        child = self._bind(
            f"variant_get(x_, {path})",
            "v_",
            f"CASE WHEN v_ IS NULL OR schema_of_variant(v_) = 'VOID' THEN {self.empty} "
            f"WHEN schema_of_variant(v_) LIKE 'ARRAY%' "
            f"THEN filter(cast(v_ AS array<variant>), e_ -> schema_of_variant(e_) <> 'VOID') "
            f"ELSE array(v_) END",
        )
        object_only = f"CASE WHEN schema_of_variant(x_) LIKE 'OBJECT%' THEN {child} ELSE {self.empty} END"
        return f"flatten(transform({collection}, x_ -> {object_only}))"

    def one(self, collection: str, what: str) -> str:
        message = self.text("the expression ") + f" || {what} || " + self.text(" gives more than one value")
        return self._bind(
            collection,
            "l_",
            f"CASE WHEN size(l_) > 1 THEN cast(raise_error({message}) AS variant) "
            "WHEN size(l_) = 1 THEN l_[0] ELSE cast(NULL AS variant) END",
        )

    def boolean(self, collection: str, what: str) -> str:
        message = (
            self.text("the expression ") + f" || {what} || " + self.text(" does not give one true or false")
        )
        return self._bind(
            collection,
            "l_",
            "CASE WHEN size(l_) = 0 THEN cast(NULL AS boolean) "
            f"WHEN size(l_) > 1 OR schema_of_variant(l_[0]) <> 'BOOLEAN' THEN cast(raise_error({message}) AS boolean) "
            "ELSE variant_get(l_[0], '$', 'boolean') END",
        )

    def wrap(self, sql: str) -> str:
        return self._bind(
            sql, "w_", f"CASE WHEN w_ IS NULL THEN {self.empty} ELSE array(cast(w_ AS variant)) END"
        )

    @staticmethod
    def _number(value: str) -> str:
        return f"(schema_of_variant({value}) IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT', 'DOUBLE', 'FLOAT') OR schema_of_variant({value}) LIKE 'DECIMAL%')"

    def compare(self, left: str, right: str, op: str) -> str:
        sql_op = {"=": "=", "!=": "<>"}.get(op, op)
        numbers = f"variant_get(p_.a, '$', 'double') {sql_op} variant_get(p_.b, '$', 'double')"
        if op in ("=", "!="):
            others = f"to_json(p_.a) {sql_op} to_json(p_.b)"
        else:
            others = f"variant_get(p_.a, '$', 'string') {sql_op} variant_get(p_.b, '$', 'string')"
        return self._bind(
            f"named_struct('a', {left}, 'b', {right})",
            "p_",
            f"CASE WHEN p_.a IS NULL OR p_.b IS NULL THEN cast(NULL AS boolean) "
            f"WHEN {self._number('p_.a')} AND {self._number('p_.b')} THEN {numbers} ELSE {others} END",
        )

    def arith(self, left: str, right: str, op: str) -> str:
        whole = "(schema_of_variant(p_.a) <> 'DOUBLE' AND schema_of_variant(p_.a) NOT LIKE 'DECIMAL%' AND schema_of_variant(p_.b) <> 'DOUBLE' AND schema_of_variant(p_.b) NOT LIKE 'DECIMAL%')"
        a_long, b_long = "variant_get(p_.a, '$', 'bigint')", "variant_get(p_.b, '$', 'bigint')"
        a_double, b_double = "variant_get(p_.a, '$', 'double')", "variant_get(p_.b, '$', 'double')"
        return self._bind(
            f"named_struct('a', {left}, 'b', {right})",
            "p_",
            f"CASE WHEN p_.a IS NULL OR p_.b IS NULL THEN {self.empty} "
            f"WHEN {self.text(op)} = '+' AND schema_of_variant(p_.a) = 'STRING' AND schema_of_variant(p_.b) = 'STRING' "
            f"THEN array(cast(concat(variant_get(p_.a, '$', 'string'), variant_get(p_.b, '$', 'string')) AS variant)) "
            f"WHEN NOT ({self._number('p_.a')} AND {self._number('p_.b')}) THEN cast(raise_error('arithmetic needs two numbers') AS array<variant>) "
            f"WHEN {self.text(op)} IN ('+', '-', '*') AND {whole} THEN array(cast({a_long} {op} {b_long} AS variant)) "
            f"WHEN {self.text(op)} = '/' AND {b_double} = 0 THEN {self.empty} "
            f"ELSE array(cast({a_double} {op} {b_double} AS variant)) END",
        )

    def zero(self) -> str:
        return "parse_json('0')"

    def length(self, collection: str) -> str:
        return f"size({collection})"

    def at(self, collection: str, index: str) -> str:
        return f"coalesce(slice({collection}, cast(variant_get({index}, '$', 'bigint') + 1 AS int), 1), {self.empty})"

    def first(self, collection: str) -> str:
        return f"slice({collection}, 1, 1)"

    def filter(self, collection: str, item: str, condition: str) -> str:
        return f"filter({collection}, {item} -> {condition})"

    def transform(self, collection: str, item: str, body: str) -> str:
        return f"transform({collection}, {item} -> {body})"

    def flat_map(self, collection: str, item: str, number: str, body: str) -> str:
        return f"flatten(transform({collection}, ({item}, {number}) -> {body}))"

    def row_index(self, number: str) -> str:
        return number  # Spark counts from 0

    def concat(self, lists: Sequence[str]) -> str:
        return "concat(" + ", ".join(lists) + ")" if len(lists) > 1 else lists[0]

    def error(self, message: str) -> str:
        return f"cast(raise_error({self.text(message)}) AS array<variant>)"

    def string_of(self, item: str) -> str:
        return f"variant_get({item}, '$', 'string')"

    def text_at(self, item: str, key: str) -> str:
        return f"variant_get({item}, {self.text('$.' + key)}, 'string')"

    def join(self, strings: str, separator: str) -> str:
        return f"array(cast(array_join({strings}, {separator}) AS variant))"

    def reference_key(self, reference: str) -> str:
        return f"cast(regexp_extract({reference}, '([^/]+)(/_history/[^/]+)?$', 1) AS variant)"

    def starts_with(self, text: str, prefix: str) -> str:
        return f"startswith({text}, {self.text(prefix)})"

    def row(self, fields: Sequence[tuple[str, str]]) -> str:
        return (
            "array(named_struct(" + ", ".join(f"{self.text(name)}, {value}" for name, value in fields) + "))"
        )

    def column(self, collection: str, what: str, is_collection: bool) -> str:
        if is_collection:
            return f"concat('[', array_join(transform({collection}, c_ -> to_json(c_)), ','), ']')"
        return f"to_json({self.one(collection, what)})"

    def cross(
        self, left: str, left_names: Sequence[str], right: str, right_names: Sequence[str], a: str, b: str
    ) -> str:
        fields = [f"{self.text(n)}, {a}.`{n}`" for n in left_names] + [
            f"{self.text(n)}, {b}.`{n}`" for n in right_names
        ]
        pairs = f"transform({right}, {b} -> named_struct({', '.join(fields)}))"
        return f"flatten(transform({left}, {a} -> {pairs}))"

    def single(self, item: str) -> str:
        return f"array({item})"

    def query(self, rows: str, names: Sequence[str], conditions: Sequence[str], table: str) -> str:
        columns = ", ".join(f"`{name}`" for name in names)
        return f"SELECT {columns} FROM (SELECT inline({rows}) FROM {table} WHERE {' AND '.join(conditions)})"


DIALECTS = {"duckdb": DuckDB(), "spark": Spark()}
