"""A checked ViewDefinition to one SQL query for one engine.

The query reads a relation `resources(resource_type, resource)` with one JSON document per row.
A select tree with forEach, repeat or unionAll becomes, per resource, a list of row structs (cross
products for sibling selects, concatenation for unionAll) that is exploded once; a select without
them becomes plain columns. JSON and collection columns come out as JSON text.
"""

from __future__ import annotations

from dataclasses import dataclass

from trdnav.views.definition import INTEGER_TYPES, STRING_TYPES, Column, Expression, Select, View, read_view
from trdnav.views.dialects import Dialect, Kind, dialect_for
from trdnav.views.errors import ViewError
from trdnav.views.expressions import TYPED, ExpressionCompiler, Scope, Value

REPEAT_DEPTH = 8
_OUTPUT_ROW = "view_row"
_ROOT = "resource"  # the column holding each resource's JSON
_ROOT_ELEMENTS = "resource_elements"  # and the one holding its top-level elements, read once


@dataclass(frozen=True)
class CompiledView:
    sql: str
    columns: tuple[tuple[str, Kind], ...]  # name and kind; json and list columns are JSON text
    resource: str


@dataclass
class _Field:
    name: str  # the struct field: f<position>
    kind: Kind
    sql: str = ""


class _ViewCompiler:
    def __init__(self, view: View, dialect: Dialect) -> None:
        self.view = view
        self.d = dialect
        constants: dict[str, Value] = {}
        self.expressions = ExpressionCompiler(dialect, constants)
        for constant in view.constants:
            literal = self.expressions.literal_value(constant.value, constant.kind)
            constants[constant.name] = literal
        self.positions = {name: i for i, name in enumerate(view.column_names())}
        self.kinds: dict[str, Kind] = {}

    def field(self, name: str) -> str:
        return f"f{self.positions[name]}"

    def expression(self, expression: Expression, scope: Scope) -> Value:
        self.expressions.expression = expression.text
        self.expressions.view_path = expression.view_path
        return self.expressions.compile(expression.tree, scope)

    def column(self, column: Column, scope: Scope) -> tuple[str, Kind]:
        value = self.expression(column.path, scope)
        ex = self.expressions
        if column.collection:
            return ex.as_list(value), "list"
        kind: Kind
        if column.type in STRING_TYPES:
            kind = "str"
        elif column.type in INTEGER_TYPES:
            kind = "int"
        elif column.type == "decimal":
            kind = "num"
        elif column.type == "boolean":
            kind = "bool"
        else:
            kind = value.kind if value.kind in TYPED else "json"
        return ex.typed(value, kind, f"the column {column.name!r}"), kind

    def record_kind(self, column: Column, kind: Kind) -> None:
        known = self.kinds.setdefault(column.name, kind)
        if known != kind:
            raise ViewError(
                f"the column {column.name!r} has a different type in two unionAll branches",
                view_path=column.path.view_path,
            )

    def flat_fields(self, node: Select, scope: Scope) -> dict[str, str]:
        fields: dict[str, str] = {}
        for column in node.columns:
            sql, kind = self.column(column, scope)
            self.record_kind(column, kind)
            fields[column.name] = sql
        for child in node.selects:
            if child.is_flat():
                fields.update(self.flat_fields(child, scope))
        return fields

    def cross(self, parts: list[tuple[str, list[str]]]) -> tuple[str, list[str]]:
        combined, names = parts[0]
        for rows, more in parts[1:]:
            a, b = self.expressions.variable(), self.expressions.variable()
            fields = [(self.field(n), f"{a}.{self.field(n)}") for n in names]
            fields += [(self.field(n), f"{b}.{self.field(n)}") for n in more]
            inner = self.d.transform(rows, (b,), self.d.struct(fields))
            combined = self.d.flatten(self.d.transform(combined, (a,), inner))
            names = names + more
        return combined, names

    def inner_rows(self, node: Select, scope: Scope) -> str:
        fixed = self.flat_fields(node, scope)
        parts = [
            (self.rows(child, scope), child.column_names()) for child in node.selects if not child.is_flat()
        ]
        if node.union_all:
            branches = [self.rows(branch, scope) for branch in node.union_all]
            parts.append((self.d.concat(branches), node.union_all[0].column_names()))
        order = node.column_names()
        if not parts:
            return self.d.list_of([self.d.struct([(self.field(n), fixed[n]) for n in order])])
        combined, _names = self.cross(parts)
        if not fixed:
            return combined
        # this select's own columns are computed once, then put beside each of its nested rows
        row, own = self.expressions.variable(), self.expressions.variable()
        computed = self.d.struct([(self.field(n), fixed[n]) for n in order if n in fixed])
        fields = [(self.field(n), f"{own if n in fixed else row}.{self.field(n)}") for n in order]
        beside = self.d.transform(combined, (row,), self.d.struct(fields))
        return self.d.flatten(self.d.transform(self.d.list_of([computed]), (own,), beside))

    def items(self, node: Select, scope: Scope) -> tuple[str, str | None]:
        if node.for_each is not None:
            e = node.for_each
            value = self.expression(e, scope)
            if value.kind in TYPED:
                raise ViewError(
                    "forEach needs elements, not a computed value", view_path=e.view_path, expression=e.text
                )
            return self.expressions.as_list(value), value.fhir_type
        return self.repeat_items(node, scope), None

    def repeat_items(self, node: Select, scope: Scope) -> str:
        d, ex = self.d, self.expressions

        def children(parent_scope: Scope, key: str | None) -> str:
            lists = []
            for index, e in enumerate(node.repeat):
                value = self.expression(e, parent_scope)
                child, position = ex.variable(), ex.variable()
                step = d.list_of([str(index), f"<<{position}>>"])
                path = step if key is None else d.concat([key, step])
                lists.append(
                    d.transform(ex.as_list(value), (child, position), d.struct([("k", path), ("v", child)]))
                )
            return d.concat(lists) if len(lists) > 1 else lists[0]

        levels = [children(scope, None)]
        for _ in range(REPEAT_DEPTH):
            parent = ex.variable()
            inner = Scope(Value(f"{parent}.v", "json"), scope.row_index, scope.resource)
            levels.append(d.flatten(d.transform(levels[-1], (parent,), children(inner, f"{parent}.k"))))
        deepest = levels.pop()
        message = f"repeat goes deeper than {REPEAT_DEPTH} levels ({node.view_path})"
        every = d.sort_by_key(d.concat(levels))
        checked = f"(CASE WHEN {d.length(deepest)} > 0 THEN {d.error(message)} ELSE {every} END)"
        item = ex.variable()
        return d.transform(checked, (item,), f"{item}.v")

    def rows(self, node: Select, scope: Scope) -> str:
        if node.for_each is None and not node.repeat:
            return self.inner_rows(node, scope)
        items, fhir_type = self.items(node, scope)
        if node.or_null:
            # no items: one row with an empty focus (its columns are empty, %rowIndex is 0)
            empty = self.d.list_of([self.d.typed_null("json")])
            items = f"(CASE WHEN {self.d.length(items)} = 0 THEN {empty} ELSE {items} END)"
        d, ex = self.d, self.expressions
        item, position = ex.variable(), ex.variable()
        read_elements = d.elements_reader()
        focus = item if read_elements is None else f"{item}.v"
        names = ex.read_elements_once(focus, f"{item}.e")
        inner_scope = Scope(Value(focus, "json", fhir_type, base=focus), f"<<{position}>>", scope.resource)
        body = self.inner_rows(node, inner_scope)
        if read_elements is not None:
            # each item with the child elements its columns read, parsed once
            one = ex.variable()
            fields = [("v", one)] + ([("e", read_elements(one, names))] if names else [])
            items = d.transform(items, (one,), d.struct(fields))
        return d.flatten(d.transform(items, (item, position), body))

    def compile(self) -> CompiledView:
        d = self.d
        resource = Value(_ROOT, "json", self.view.resource, base=_ROOT)
        root_names = self.expressions.read_elements_once(_ROOT, _ROOT_ELEMENTS)
        scope = Scope(resource, f"CAST(0 AS {d.sql_type('int')})", resource)
        conditions = [f"resource_type = {d.string(self.view.resource)}"]
        for e in self.view.where:
            value = self.expression(e, scope)
            self.expressions.view_path, self.expressions.expression = e.view_path, e.text
            conditions.append(f"coalesce({self.expressions.boolean(value, 'a view where path')}, FALSE)")
        root = Select("", None, False, (), (), self.view.select, ())
        fixed = self.flat_fields(root, scope)
        parts = [
            (self.rows(node, scope), node.column_names()) for node in self.view.select if not node.is_flat()
        ]
        source = f"resources WHERE {' AND '.join(conditions)}"
        read_elements = d.elements_reader()
        if root_names and read_elements is not None:
            elements = read_elements(_ROOT, root_names)
            typed = conditions[0]
            source = (
                f"(SELECT {_ROOT}, {elements} AS {_ROOT_ELEMENTS} FROM resources WHERE {typed}) AS read"
                + (f" WHERE {' AND '.join(conditions[1:])}" if len(conditions) > 1 else "")
            )
        if parts:
            # the resource's own columns are computed once per resource, before its rows multiply
            combined, _names = self.cross(parts)
            own = {name: f"resource_{self.field(name)}" for name in fixed}
            computed = "".join(f"{fixed[name]} AS {alias}, " for name, alias in own.items())
            source = f"(SELECT {computed}{d.explode(combined)} AS {_OUTPUT_ROW} FROM {source}) AS exploded"
            fixed = dict(own)
        outputs = []
        columns: list[tuple[str, Kind]] = []
        for name in self.view.column_names():
            sql = fixed.get(name, f"{_OUTPUT_ROW}.{self.field(name)}")
            kind = self.kinds[name]
            if kind in ("json", "list"):
                sql = d.json_text(sql)
            outputs.append(f"{sql} AS {d.identifier(name)}")
            columns.append((name, kind))
        text = "SELECT\n  " + ",\n  ".join(outputs) + f"\nFROM {source}"
        return CompiledView(_placeholders(text), tuple(columns), self.view.resource)


def _placeholders(text: str) -> str:
    if "<<" in text:
        raise AssertionError("an index placeholder was left in the SQL")
    return text


def compile_view(document: object, engine: str = "duckdb") -> CompiledView:
    """The SQL and output columns of a ViewDefinition for `engine`, or a `ViewError`."""
    dialect = dialect_for(engine)
    view = read_view(document)
    return _ViewCompiler(view, dialect).compile()
