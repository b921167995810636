"""SQL on FHIR v2 ViewDefinitions compiled to one DuckDB query over ``resources(r JSON)``.

The view is checked first (its shape, column names, unionAll branches, FHIRPath within the
supported subset: `trdnav.views.fhirpath`); anything wrong or unsupported is a `ViewError` naming
the place (``select[0].forEach``) and the expression, before any row is read. Errors that depend
on the data (a column that is not a collection meeting several values, a ``where`` that is not
true or false) stop the query: never wrong rows.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from trdnav.views import duckdb_sql as sql
from trdnav.views.errors import ViewError
from trdnav.views.fhirpath import Binary, Call, Constant, Index, Literal, Member, Negate, Node, This, parse

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SELECT_KEYS = {"column", "select", "forEach", "forEachOrNull", "repeat", "unionAll"}
COLUMN_KEYS = {"name", "path", "type", "collection", "description", "tag"}
REPEAT_DEPTH = 8
COMPARISONS = {"=", "!=", "<", ">", "<=", ">="}


@dataclass
class _Scope:
    constants: Mapping[str, str]
    row_index: str = "0"
    names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def fresh(self, prefix: str = "v") -> str:
        return f"{prefix}{next(self.names)}"


def _expression(text: object, where: str) -> Node:
    if not isinstance(text, str):
        raise ViewError(where, f"expected a FHIRPath expression (a string), got {text!r}")
    try:
        return parse(text)
    except ViewError as error:
        raise ViewError(where, error.message) from None


class _Compiler:
    def __init__(self, scope: _Scope) -> None:
        self.scope = scope

    def path(self, text: object, focus: str, where: str, row_index: str) -> str:
        node = _expression(text, where)
        try:
            return self.node(node, focus, str(text), row_index)
        except ViewError as error:
            raise ViewError(where, error.message) from None

    def node(self, node: Node, focus: str, text: str, row_index: str) -> str:
        what = sql.string(text)
        if isinstance(node, Literal):
            return sql.EMPTY if node.kind == "empty" else sql.json_literal(node.value)
        if isinstance(node, Constant):
            if node.name == "rowIndex":
                return f"[to_json({row_index})]"
            if node.name not in self.scope.constants:
                raise ViewError("", f"unknown constant %{node.name} in {text!r}")
            return self.scope.constants[node.name]
        if isinstance(node, This):
            return focus
        if isinstance(node, Member):
            base = focus if node.base is None else self.node(node.base, focus, text, row_index)
            return f"fp_children({base}, {sql.key(node.name)})"
        if isinstance(node, Index):
            base = self.node(node.base, focus, text, row_index)
            index = self.node(node.index, focus, text, row_index)
            position = f"(CAST(fp_one({index}, {what}) AS BIGINT) + 1)"
            return f"coalesce(list_slice({base}, {position}, {position}), []::JSON[])"
        if isinstance(node, Negate):
            value = f"fp_one({self.node(node.operand, focus, text, row_index)}, {what})"
            return f"fp_arith('0'::JSON, {value}, '-')"
        if isinstance(node, Binary):
            left = self.node(node.left, focus, text, row_index)
            right = self.node(node.right, focus, text, row_index)
            if node.op in ("and", "or"):
                return f"fp_wrap(fp_bool({left}, {what}) {node.op.upper()} fp_bool({right}, {what}))"
            one_left, one_right = f"fp_one({left}, {what})", f"fp_one({right}, {what})"
            if node.op in COMPARISONS:
                return f"fp_wrap(fp_compare({one_left}, {one_right}, {sql.string(node.op)}))"
            return f"fp_arith({one_left}, {one_right}, {sql.string(node.op)})"
        return self.call(node, focus, text, row_index)

    def call(self, node: Call, focus: str, text: str, row_index: str) -> str:
        what = sql.string(text)
        if node.name == "ofType":
            kind = node.args[0]
            if not isinstance(node.base, Member) or not isinstance(kind, Member) or kind.base is not None:
                raise ViewError(
                    "", f"ofType() is supported on a choice element (value.ofType(Quantity)) in {text!r}"
                )
            typed = Member(node.base.base, node.base.name + kind.name[:1].upper() + kind.name[1:])
            return self.node(typed, focus, text, row_index)
        base = focus if node.base is None else self.node(node.base, focus, text, row_index)
        if node.name == "where":
            item = self.scope.fresh()
            condition = self.node(node.args[0], f"[{item}]", text, row_index)
            return f"list_filter({base}, lambda {item}: coalesce(fp_bool({condition}, {what}), false))"
        if node.name == "exists":
            if node.args:
                base = self.call(Call(node.base, "where", node.args), focus, text, row_index)
            return f"[to_json(len({base}) > 0)]"
        if node.name == "empty":
            return f"[to_json(len({base}) = 0)]"
        if node.name == "first":
            return f"list_slice({base}, 1, 1)"
        if node.name == "not":
            return f"fp_wrap(NOT fp_bool({base}, {what}))"
        if node.name == "join":
            separator = "''"
            if node.args:
                argument = node.args[0]
                if not isinstance(argument, Literal) or argument.kind != "string":
                    raise ViewError("", f"join() takes a string literal in {text!r}")
                separator = sql.string(str(argument.value))
            item = self.scope.fresh()
            parts = f"list_transform({base}, lambda {item}: json_extract_string({item}, '$'))"
            return f"[to_json(array_to_string({parts}, {separator}))]"
        if node.name == "extension":
            url = node.args[0]
            if not isinstance(url, Literal) or url.kind != "string":
                raise ViewError("", f"extension() takes a URL string in {text!r}")
            item = self.scope.fresh()
            extensions = f"fp_children({base}, '$.\"extension\"')"
            matches = f"json_extract_string({item}, '$.url') = {sql.string(str(url.value))}"
            return f"list_filter({extensions}, lambda {item}: {matches})"
        if node.name == "getResourceKey":
            return f"fp_children({base}, '$.\"id\"')"
        # getReferenceKey([Type]): the id part of each reference, of that type only when one is named.
        item = self.scope.fresh()
        reference = f"fp_children({base}, {sql.key('reference')})"
        references = f"list_transform({reference}, lambda {item}: json_extract_string({item}, '$'))"
        wanted = "true"
        if node.args:
            kind = node.args[0]
            if not isinstance(kind, Member) or kind.base is not None:
                raise ViewError("", f"getReferenceKey() takes a resource type in {text!r}")
            wanted = f"starts_with(ref, {sql.string(kind.name + '/')})"
        return (
            f"list_transform(list_filter({references}, lambda ref: {wanted} AND ref LIKE '%/%'), "
            "lambda ref: to_json(regexp_extract(ref, '([^/]+)(/_history/[^/]+)?$', 1)))"
        )


def _columns(select: Mapping[str, Any], where: str) -> list[str]:
    """The column names a select gives, in order (checking each select's shape on the way)."""
    if not isinstance(select, Mapping):
        raise ViewError(where, "expected a select (a JSON object)")
    unknown = sorted(set(select) - SELECT_KEYS)
    if unknown:
        raise ViewError(where, f"unknown keys {unknown}; expected some of {sorted(SELECT_KEYS)}")
    if sum(key in select for key in ("forEach", "forEachOrNull", "repeat")) > 1:
        raise ViewError(where, "use one of forEach, forEachOrNull and repeat")
    names: list[str] = []
    for index, column in enumerate(select.get("column", [])):
        place = f"{where}.column[{index}]"
        if not isinstance(column, Mapping) or not isinstance(column.get("name"), str) or "path" not in column:
            raise ViewError(place, "a column needs a name and a path")
        if not NAME.match(column["name"]):
            raise ViewError(
                f"{place}.name", f"{column['name']!r} is not a valid column name (letters, digits, _)"
            )
        names.append(column["name"])
    for index, inner in enumerate(select.get("select", [])):
        names += _columns(inner, f"{where}.select[{index}]")
    branches = select.get("unionAll", [])
    if branches:
        first = _columns(branches[0], f"{where}.unionAll[0]")
        for index, branch in enumerate(branches[1:], start=1):
            other = _columns(branch, f"{where}.unionAll[{index}]")
            if other != first:
                raise ViewError(
                    f"{where}.unionAll[{index}]",
                    f"its columns {other} differ from the first branch's {first}",
                )
        names += first
    return names


class ViewCompiler:
    def __init__(self, view: Mapping[str, Any]) -> None:
        if not isinstance(view, Mapping) or not view:
            raise ViewError("view", "expected a ViewDefinition (a JSON object)")
        if not isinstance(view.get("resource"), str) or not view["resource"]:
            raise ViewError("resource", "expected the FHIR resource type the view reads, e.g. 'Patient'")
        if not isinstance(view.get("select"), list) or not view["select"]:
            raise ViewError("select", "expected a non-empty list of selects")
        self.view = view
        self.scope = _Scope(constants=self._constants(view.get("constant", [])))
        self.compiler = _Compiler(self.scope)
        self.columns = _columns({"select": view["select"]}, "view")[:]
        repeated = sorted({n for n in self.columns if self.columns.count(n) > 1})
        if repeated:
            raise ViewError("select", f"column names must be unique: {repeated} repeated")

    @staticmethod
    def _constants(constants: object) -> dict[str, str]:
        if not isinstance(constants, list):
            raise ViewError("constant", "expected a list of constants")
        found = {}
        for index, constant in enumerate(constants):
            values = [k for k in constant if k.startswith("value")] if isinstance(constant, Mapping) else []
            if (
                not isinstance(constant, Mapping)
                or not isinstance(constant.get("name"), str)
                or len(values) != 1
            ):
                raise ViewError(f"constant[{index}]", "a constant needs a name and one value[x]")
            found[constant["name"]] = sql.json_literal(constant[values[0]])
        return found

    def rows(self, select: Mapping[str, Any], focus: str, where: str, row_index: str) -> str:
        """A select's rows for one focus collection, as a list of row structs."""
        for key in ("forEach", "forEachOrNull", "repeat"):
            if key not in select:
                continue
            if key == "repeat":
                paths = select["repeat"]
                if not isinstance(paths, list) or not paths:
                    raise ViewError(f"{where}.repeat", "expected a list of FHIRPath expressions")
                collection = self._descendants(paths, focus, f"{where}.repeat")
            else:
                collection = self.compiler.path(select[key], focus, f"{where}.{key}", row_index)
            item, number = self.scope.fresh("e"), self.scope.fresh("i")
            inner = {k: v for k, v in select.items() if k not in ("forEach", "forEachOrNull", "repeat")}
            own = self._own_rows(inner, f"[{item}]", where, f"({number} - 1)")
            each = f"flatten(list_transform({collection}, lambda {item}, {number}: {own}))"
            if key == "forEachOrNull":  # no element: one row, its columns over nothing (%rowIndex 0)
                empty = self._own_rows(inner, sql.EMPTY, where, "0")
                return f"(CASE WHEN len({collection}) = 0 THEN {empty} ELSE {each} END)"
            return each
        return self._own_rows(select, focus, where, row_index)

    def _descendants(self, paths: list[Any], focus: str, where: str) -> str:
        """Every node reached by following the paths again and again, depth first (each node, then
        its descendants), unrolled `REPEAT_DEPTH` levels; deeper data stops the query."""

        def children(collection: str) -> str:
            return (
                "list_concat(" + ", ".join(self.compiler.path(p, collection, where, "0") for p in paths) + ")"
            )

        def expand(collection: str, depth: int) -> str:
            if depth == 0:
                deeper = f"error('repeat goes deeper than {REPEAT_DEPTH} levels')"
                return f"(CASE WHEN len({children(collection)}) > 0 THEN {deeper} ELSE []::JSON[] END)"
            item = self.scope.fresh("d")
            below = expand(f"[{item}]", depth - 1)
            each = f"lambda {item}: list_concat([{item}], {below})"
            return f"flatten(list_transform({children(collection)}, {each}))"

        return expand(focus, REPEAT_DEPTH)

    def _own_rows(self, select: Mapping[str, Any], focus: str, where: str, row_index: str) -> str:
        parts = []
        columns = select.get("column", [])
        if columns:
            fields = []
            for index, column in enumerate(columns):
                place = f"{where}.column[{index}].path"
                value = self.compiler.path(column["path"], focus, place, row_index)
                shown = sql.string(str(column["path"]))
                if column.get("collection") is True:
                    fields.append(f"{sql.string(column['name'])}: to_json({value})")
                else:
                    fields.append(f"{sql.string(column['name'])}: fp_one({value}, {shown})")
            parts.append("[{" + ", ".join(fields) + "}]")
        for index, inner in enumerate(select.get("select", [])):
            parts.append(self.rows(inner, focus, f"{where}.select[{index}]", row_index))
        branches = select.get("unionAll", [])
        if branches:
            parts.append(
                "list_concat("
                + ", ".join(
                    self.rows(b, focus, f"{where}.unionAll[{i}]", row_index) for i, b in enumerate(branches)
                )
                + ")"
            )
        if not parts:
            raise ViewError(where, "a select needs columns, selects or unionAll")
        rows = parts[0]
        for part in parts[1:]:
            left, right = self.scope.fresh("a"), self.scope.fresh("b")
            pairs = f"list_transform({part}, lambda {right}: struct_concat({left}, {right}))"
            rows = f"flatten(list_transform({rows}, lambda {left}: {pairs}))"
        return rows

    def query(self, table: str = "resources") -> str:
        rows = self.rows({"select": self.view["select"]}, "[r]", "view", "0")
        conditions = [f"json_extract_string(r, '$.resourceType') = {sql.string(self.view['resource'])}"]
        for index, clause in enumerate(self.view.get("where", []) or []):
            if not isinstance(clause, Mapping) or "path" not in clause:
                raise ViewError(f"where[{index}]", 'expected {"path": FHIRPath}')
            value = self.compiler.path(clause["path"], "[r]", f"where[{index}].path", "0")
            shown = sql.string(str(clause["path"]))
            conditions.append(f"coalesce(fp_bool({value}, {shown}), false)")
        columns = ", ".join(f'row."{name}" AS "{name}"' for name in self.columns)
        return (
            f"SELECT {columns} FROM (SELECT unnest({rows}) AS row FROM {table} "
            f"WHERE {' AND '.join(conditions)})"
        )
