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

from trdnav.views.dialects import DIALECTS, DuckDB
from trdnav.views.errors import ViewError
from trdnav.views.fhirpath import Binary, Call, Constant, Index, Literal, Member, Negate, Node, This, parse

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SELECT_KEYS = {"column", "select", "forEach", "forEachOrNull", "repeat", "unionAll"}
COLUMN_KEYS = {"name", "path", "type", "collection", "description", "tag"}
REPEAT_DEPTH = 8
COMPARISONS = {"=", "!=", "<", ">", "<=", ">="}


@dataclass
class _Scope:
    constants: Mapping[str, object]
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
    def __init__(self, scope: _Scope, dialect: DuckDB) -> None:
        self.scope = scope
        self.d = dialect

    def path(self, text: object, focus: str, where: str, row_index: str) -> str:
        node = _expression(text, where)
        try:
            return self.node(node, focus, str(text), row_index)
        except ViewError as error:
            raise ViewError(where, error.message) from None

    def node(self, node: Node, focus: str, text: str, row_index: str) -> str:
        d, what = self.d, self.d.text(text)
        if isinstance(node, Literal):
            return d.empty if node.kind == "empty" else d.literal(node.value)
        if isinstance(node, Constant):
            if node.name == "rowIndex":
                return d.scalar(row_index)
            if node.name not in self.scope.constants:
                raise ViewError("", f"unknown constant %{node.name} in {text!r}")
            return d.literal(self.scope.constants[node.name])
        if isinstance(node, This):
            return focus
        if isinstance(node, Member):
            base = focus if node.base is None else self.node(node.base, focus, text, row_index)
            return d.children(base, node.name)
        if isinstance(node, Index):
            base = self.node(node.base, focus, text, row_index)
            index = d.one(self.node(node.index, focus, text, row_index), what)
            return d.at(base, index)
        if isinstance(node, Negate):
            return d.arith(d.zero(), d.one(self.node(node.operand, focus, text, row_index), what), "-")
        if isinstance(node, Binary):
            left = self.node(node.left, focus, text, row_index)
            right = self.node(node.right, focus, text, row_index)
            if node.op in ("and", "or"):
                return d.wrap(f"({d.boolean(left, what)} {node.op.upper()} {d.boolean(right, what)})")
            if node.op in COMPARISONS:
                return d.wrap(d.compare(d.one(left, what), d.one(right, what), node.op))
            return d.arith(d.one(left, what), d.one(right, what), node.op)
        return self.call(node, focus, text, row_index)

    def call(self, node: Call, focus: str, text: str, row_index: str) -> str:
        d, what = self.d, self.d.text(text)
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
            condition = self.node(node.args[0], f"{d.single(item)}", text, row_index)
            return d.filter(base, item, f"coalesce({d.boolean(condition, what)}, false)")
        if node.name == "exists":
            if node.args:
                base = self.call(Call(node.base, "where", node.args), focus, text, row_index)
            return d.scalar(f"{d.length(base)} > 0")
        if node.name == "empty":
            return d.scalar(f"{d.length(base)} = 0")
        if node.name == "first":
            return d.first(base)
        if node.name == "not":
            return d.wrap(f"(NOT {d.boolean(base, what)})")
        if node.name == "join":
            separator = d.text("")
            if node.args:
                argument = node.args[0]
                if not isinstance(argument, Literal) or argument.kind != "string":
                    raise ViewError("", f"join() takes a string literal in {text!r}")
                separator = d.text(str(argument.value))
            item = self.scope.fresh()
            return d.join(d.transform(base, item, d.string_of(item)), separator)
        if node.name == "extension":
            url = node.args[0]
            if not isinstance(url, Literal) or url.kind != "string":
                raise ViewError("", f"extension() takes a URL string in {text!r}")
            item = self.scope.fresh()
            return d.filter(
                d.children(base, "extension"), item, f"{d.text_at(item, 'url')} = {d.text(str(url.value))}"
            )
        if node.name == "getResourceKey":
            return d.children(base, "id")
        # getReferenceKey([Type]): the id part of each reference, of that type only when one is named.
        item, ref = self.scope.fresh(), self.scope.fresh("ref")
        references = d.transform(d.children(base, "reference"), item, d.string_of(item))
        wanted = f"{ref} LIKE '%/%'"
        if node.args:
            kind = node.args[0]
            if not isinstance(kind, Member) or kind.base is not None:
                raise ViewError("", f"getReferenceKey() takes a resource type in {text!r}")
            wanted += f" AND {d.starts_with(ref, kind.name + '/')}"
        return d.transform(d.filter(references, ref, wanted), ref, d.reference_key(ref))


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
    def __init__(self, view: Mapping[str, Any], engine: str = "duckdb") -> None:
        if not isinstance(view, Mapping) or not view:
            raise ViewError("view", "expected a ViewDefinition (a JSON object)")
        if not isinstance(view.get("resource"), str) or not view["resource"]:
            raise ViewError("resource", "expected the FHIR resource type the view reads, e.g. 'Patient'")
        if not isinstance(view.get("select"), list) or not view["select"]:
            raise ViewError("select", "expected a non-empty list of selects")
        self.view = view
        self.d = DIALECTS[engine]
        self.scope = _Scope(constants=self._constants(view.get("constant", [])))
        self.compiler = _Compiler(self.scope, self.d)
        self.columns = _columns({"select": view["select"]}, "view")
        repeated = sorted({n for n in self.columns if self.columns.count(n) > 1})
        if repeated:
            raise ViewError("select", f"column names must be unique: {repeated} repeated")

    @staticmethod
    def _constants(constants: object) -> dict[str, object]:
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
            found[constant["name"]] = constant[values[0]]
        return found

    def rows(self, select: Mapping[str, Any], focus: str, where: str, row_index: str) -> str:
        """A select's rows for one focus collection, as a list of row structs."""
        d = self.d
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
            each = d.flat_map(
                collection, item, number, self._own_rows(inner, d.single(item), where, d.row_index(number))
            )
            if key == "forEachOrNull":  # no element: one row, its columns over nothing (%rowIndex 0)
                empty = self._own_rows(inner, d.empty, where, "0")
                return f"(CASE WHEN {d.length(collection)} = 0 THEN {empty} ELSE {each} END)"
            return each
        return self._own_rows(select, focus, where, row_index)

    def _descendants(self, paths: list[Any], focus: str, where: str) -> str:
        """Every node reached by following the paths again and again, depth first (each node, then
        its descendants), unrolled `REPEAT_DEPTH` levels; deeper data stops the query."""
        d = self.d

        def children(collection: str) -> str:
            return d.concat([self.compiler.path(p, collection, where, "0") for p in paths])

        def expand(collection: str, depth: int) -> str:
            if depth == 0:
                deeper = d.error(f"repeat goes deeper than {REPEAT_DEPTH} levels")
                return f"(CASE WHEN {d.length(children(collection))} > 0 THEN {deeper} ELSE {d.empty} END)"
            item = self.scope.fresh("d")
            below = expand(d.single(item), depth - 1)
            return d.flatten(d.transform(children(collection), item, d.concat([d.single(item), below])))

        return expand(focus, REPEAT_DEPTH)

    def _own_rows(self, select: Mapping[str, Any], focus: str, where: str, row_index: str) -> str:
        d = self.d
        parts: list[tuple[str, list[str]]] = []
        columns = select.get("column", [])
        if columns:
            fields = []
            for index, column in enumerate(columns):
                place = f"{where}.column[{index}].path"
                value = self.compiler.path(column["path"], focus, place, row_index)
                shown = d.text(str(column["path"]))
                fields.append((column["name"], d.column(value, shown, column.get("collection") is True)))
            parts.append((d.row(fields), [c["name"] for c in columns]))
        for index, inner in enumerate(select.get("select", [])):
            place = f"{where}.select[{index}]"
            parts.append((self.rows(inner, focus, place, row_index), _columns(inner, place)))
        branches = select.get("unionAll", [])
        if branches:
            union = d.concat(
                [self.rows(b, focus, f"{where}.unionAll[{i}]", row_index) for i, b in enumerate(branches)]
            )
            parts.append((union, _columns(branches[0], f"{where}.unionAll[0]")))
        if not parts:
            raise ViewError(where, "a select needs columns, selects or unionAll")
        rows, names = parts[0]
        for part, part_names in parts[1:]:
            rows = d.cross(rows, names, part, part_names, self.scope.fresh("a"), self.scope.fresh("b"))
            names = names + part_names
        return rows

    def query(self, table: str = "resources") -> str:
        d = self.d
        rows = self.rows({"select": self.view["select"]}, d.single("r"), "view", "0")
        conditions = [f"{d.text_at('r', 'resourceType')} = {d.text(self.view['resource'])}"]
        for index, clause in enumerate(self.view.get("where", []) or []):
            if not isinstance(clause, Mapping) or "path" not in clause:
                raise ViewError(f"where[{index}]", 'expected {"path": FHIRPath}')
            value = self.compiler.path(clause["path"], d.single("r"), f"where[{index}].path", "0")
            conditions.append(f"coalesce({d.boolean(value, d.text(str(clause['path'])))}, false)")
        return d.query(rows, self.columns, conditions, table)
