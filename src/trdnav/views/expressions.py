"""FHIRPath trees to SQL expressions, for one dialect.

Every compiled expression is a `Value` of one kind: a list of JSON values (a FHIRPath
collection), one JSON value or SQL NULL (a collection of at most one), or a typed scalar (string,
integer, decimal, boolean) from a literal, an operator or a function. Paths that R4 says are
singletons stay single JSON values, so `subject.reference` is one `json_extract`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

from trdnav.views import r4_elements
from trdnav.views.dialects import Dialect, Kind
from trdnav.views.errors import ViewError
from trdnav.views.fhirpath import (
    Binary,
    Call,
    Constant,
    EmptyCollection,
    Index,
    Literal,
    Member,
    Node,
    This,
    Unary,
)

TYPED: tuple[Kind, ...] = ("str", "int", "num", "bool")
_INTEGER_TYPES = {"integer", "positiveInt", "unsignedInt"}
_DECIMAL_TYPES = {"decimal"}
_BOOLEAN_TYPES = {"boolean"}
_FUNCTIONS = {
    "where": (1, 1), "exists": (0, 1), "empty": (0, 0), "first": (0, 0), "last": (0, 0), "count": (0, 0),
    "not": (0, 0), "ofType": (1, 1), "extension": (1, 1), "join": (0, 1), "getResourceKey": (0, 0),
    "getReferenceKey": (0, 1),
}  # fmt: skip
_REFERENCE = r"^(?:.*/)?([A-Za-z]+)/([^/]+)(?:/_history/.*)?$"


@dataclass(frozen=True)
class Value:
    sql: str
    kind: Kind
    fhir_type: str | None = None
    # a JSON value reached from `base` through singleton elements only: extended in one path
    base: str | None = None
    names: tuple[str, ...] = ()
    # a list of the JSON values at a path of R4 elements from `base` (each step: name, repeats)
    steps: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class Scope:
    focus: Value
    row_index: str
    resource: Value


@dataclass
class ExpressionCompiler:
    dialect: Dialect
    constants: dict[str, Value]
    expression: str = ""
    view_path: str = ""
    _names: itertools.count[int] = field(default_factory=itertools.count)
    # JSON values whose child elements are read once (where the dialect does that): the value's
    # SQL -> the SQL of the list of its elements and their names, in order
    read_once: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    def read_elements_once(self, json: str, elements: str) -> list[str]:
        """From now on, the child elements of `json` that paths read are one list, `elements`;
        returns their names (filled while compiling) for `Dialect.elements`."""
        names: list[str] = []
        if self.dialect.elements_reader() is not None:
            self.read_once[json] = (elements, names)
        return names

    def child_element(self, json: str, name: str) -> str:
        elements, names = self.read_once[json]
        if name not in names:
            names.append(name)
        return self.dialect.element(elements, str(names.index(name) + 1))

    def fail(self, message: str) -> ViewError:
        return ViewError(message, view_path=self.view_path, expression=self.expression)

    def variable(self) -> str:
        return f"v{next(self._names)}"

    # conversions -------------------------------------------------------------------------
    def as_list(self, value: Value) -> str:
        d = self.dialect
        if value.kind == "list":
            return value.sql
        json = value.sql if value.kind == "json" else d.to_json(value.sql, value.kind)
        return f"(CASE WHEN {json} IS NULL THEN {d.empty_list()} ELSE {d.list_of([json])} END)"

    def single(self, value: Value, what: str) -> Value:
        """At most one item: more is an error at run time (a singleton was expected)."""
        if value.kind != "list":
            return value
        d = self.dialect
        message = f"{what} gave more than one value; a single value was expected ({self.view_path})"
        first = d.element(value.sql, "1")
        sql = f"(CASE WHEN {d.length(value.sql)} > 1 THEN {d.error(message)} ELSE {first} END)"
        return Value(sql, "json", value.fhir_type)

    def typed(self, value: Value, kind: Kind, what: str) -> str:
        one = self.single(value, what)
        if one.kind == kind:
            return one.sql
        if one.kind == "json" and kind == "str" and one.base is not None and one.names:
            return self.dialect.json_string(one.base, one.names)  # one direct extraction
        if one.kind == "json":
            return self.dialect.as_typed(one.sql, kind)
        if kind == "json":
            return self.dialect.to_json(one.sql, one.kind)
        if kind == "str":
            return f"CAST({one.sql} AS {self.dialect.sql_type('str')})"
        if {one.kind, kind} <= {"int", "num"}:
            return f"CAST({one.sql} AS {self.dialect.sql_type(kind)})"
        raise self.fail(f"{what} is a {one.kind} value where a {kind} value is needed")

    def natural_kind(self, value: Value) -> Kind:
        """The typed kind a JSON value has by its FHIR type, or json when not known."""
        if value.kind in TYPED:
            return value.kind
        if value.fhir_type in _BOOLEAN_TYPES:
            return "bool"
        if value.fhir_type in _INTEGER_TYPES:
            return "int"
        if value.fhir_type in _DECIMAL_TYPES:
            return "num"
        if value.fhir_type and value.fhir_type[:1].islower():
            return "str"
        return "json"

    def boolean(self, value: Value, what: str) -> str:
        if value.kind == "bool":
            return value.sql
        if value.kind in TYPED or (value.fhir_type and value.fhir_type not in _BOOLEAN_TYPES):
            raise self.fail(f"{what} must be boolean but is {value.fhir_type or value.kind}")
        one = self.single(value, what)
        d = self.dialect
        if value.fhir_type in _BOOLEAN_TYPES:
            return d.as_typed(one.sql, "bool")
        message = f"{what} is not boolean ({self.view_path})"
        typed = d.as_typed(one.sql, "bool")
        return (
            f"(CASE WHEN {one.sql} IS NOT NULL AND {typed} IS NULL THEN {d.error(message)} ELSE {typed} END)"
        )

    # the tree ----------------------------------------------------------------------------
    def compile(self, node: Node, scope: Scope) -> Value:
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, EmptyCollection):
            return Value(self.dialect.typed_null("json"), "json")
        if isinstance(node, This):
            return scope.focus
        if isinstance(node, Constant):
            return self.constant(node.name, scope)
        if isinstance(node, Member):
            if (
                node.target is None
                and node.name == scope.resource.fhir_type
                and scope.focus == scope.resource
            ):
                return scope.resource
            target = scope.focus if node.target is None else self.compile(node.target, scope)
            return self.member(target, node.name)
        if isinstance(node, Index):
            target = self.compile(node.target, scope)
            index = self.typed(self.compile(node.index, scope), "int", "an index")
            if target.kind != "list":
                target = Value(self.as_list(target), "list", target.fhir_type)
            return Value(self.dialect.element(target.sql, f"({index}) + 1"), "json", target.fhir_type)
        if isinstance(node, Call):
            return self.call(node, scope)
        if isinstance(node, Unary):
            operand = self.compile(node.operand, scope)
            kind = self.natural_kind(operand)
            if kind not in ("int", "num"):
                raise self.fail(f"unary {node.op} needs a number")
            return Value(f"({node.op}{self.typed(operand, kind, 'the operand')})", kind)
        return self.binary(node, scope)

    def literal_value(self, value: str | int | float | bool, kind: str) -> Value:
        return self.literal(Literal(value, kind))

    def literal(self, node: Literal) -> Value:
        d = self.dialect
        if node.kind == "str":
            return Value(d.string(str(node.value)), "str")
        if node.kind == "bool":
            return Value("TRUE" if node.value else "FALSE", "bool")
        if node.kind == "int":
            return Value(f"CAST({node.value} AS {d.sql_type('int')})", "int")
        return Value(f"CAST({node.value!r} AS {d.sql_type('num')})", "num")

    def constant(self, name: str, scope: Scope) -> Value:
        if name == "rowIndex":
            return Value(scope.row_index, "int")
        if name in ("resource", "rootResource", "context"):
            return scope.resource
        if name not in self.constants:
            raise self.fail(f"the constant %{name} is not defined in the view's constant list")
        return self.constants[name]

    def member(self, target: Value, name: str) -> Value:
        d = self.dialect
        if target.kind in TYPED:
            raise self.fail(f"cannot read the element {name!r} of a {target.kind} value")
        element = r4_elements.element(target.fhir_type, name)
        fhir_type = element.type_name if element else None
        if target.kind == "json":
            base = target.base if target.base is not None else target.sql
            names = (*target.names, name) if target.base is not None else (name,)
            if names == (name,) and base in self.read_once:
                base, names = self.child_element(base, name), ()
            extracted = d.json_get(base, names)
            if element is not None and not element.is_list:
                return Value(extracted, "json", fhir_type, base, names)
            if element is not None:
                steps = (*((n, False) for n in names[:-1]), (names[-1] if names else "", True))
                return Value(d.json_items(base, names), "list", fhir_type, base, steps=steps)
            return Value(d.unwrap(extracted), "list", fhir_type)
        if target.steps and target.base is not None and element is not None:
            steps = (*target.steps, (name, element.is_list))
            along = d.items_along(target.base, steps)  # one extraction where the engine has one
            if along is not None:
                return Value(along, "list", fhir_type, target.base, steps=steps)
        item = self.variable()
        if element is not None and not element.is_list:
            values = d.transform(target.sql, (item,), d.json_get(item, (name,)))
            nonnull = self.variable()
            return Value(d.filter(values, nonnull, f"{nonnull} IS NOT NULL"), "list", fhir_type)
        body = d.json_items(item, (name,)) if element is not None else d.unwrap(d.json_get(item, (name,)))
        return Value(d.flatten(d.transform(target.sql, (item,), body)), "list", fhir_type)

    def binary(self, node: Binary, scope: Scope) -> Value:
        left = self.compile(node.left, scope)
        right = self.compile(node.right, scope)
        op = node.op
        if op in ("and", "or", "xor", "implies"):
            a = self.boolean(left, f"the left side of {op!r}")
            b = self.boolean(right, f"the right side of {op!r}")
            if op == "and":
                return Value(f"({a} AND {b})", "bool")
            if op == "or":
                return Value(f"({a} OR {b})", "bool")
            if op == "xor":
                return Value(f"({a} <> {b})", "bool")
            return Value(f"((NOT {a}) OR {b})", "bool")
        if op in ("=", "!=", "<", ">", "<=", ">="):
            return self.comparison(op, left, right)
        if op in ("+", "-", "*", "/", "div", "mod", "&"):
            return self.arithmetic(op, left, right)
        raise self.fail(f"the operator {op!r} is not supported")

    def comparison_kind(self, left: Value, right: Value) -> Kind:
        kinds = {self.natural_kind(left), self.natural_kind(right)}
        if kinds <= {"int", "num"}:
            return "num" if "num" in kinds else "int"
        typed = kinds - {"json"}
        if len(typed) == 1:
            return typed.pop()
        if not typed:
            return "json"
        if typed <= {"int", "num", "json"}:
            return "num"
        raise self.fail(f"cannot compare a {' and a '.join(sorted(typed))} value")

    def comparison(self, op: str, left: Value, right: Value) -> Value:
        kind = self.comparison_kind(left, right)
        d = self.dialect
        if kind == "json":
            if op not in ("=", "!="):
                kind = "str"
            else:
                a = d.json_text(self.single(left, "the left side").sql)
                b = d.json_text(self.single(right, "the right side").sql)
                return Value(f"({a} {'=' if op == '=' else '<>'} {b})", "bool")
        a = self.typed(left, kind, "the left side of a comparison")
        b = self.typed(right, kind, "the right side of a comparison")
        sql_op = "<>" if op == "!=" else op
        if op in ("=", "!=") and (left.kind == "list" or right.kind == "list"):
            # a collection of several items is never equal to a single one
            counts = [d.length(v.sql) for v in (left, right) if v.kind == "list"]
            several = " OR ".join(f"{c} > 1" for c in counts)
            empty = " OR ".join(f"{c} = 0" for c in counts)
            a = self.typed(self.first(left), kind, "the left side")
            b = self.typed(self.first(right), kind, "the right side")
            verdict = "FALSE" if op == "=" else "TRUE"
            return Value(
                f"(CASE WHEN {empty} THEN NULL WHEN {several} THEN {verdict} ELSE {a} {sql_op} {b} END)",
                "bool",
            )
        return Value(f"({a} {sql_op} {b})", "bool")

    def arithmetic(self, op: str, left: Value, right: Value) -> Value:
        d = self.dialect
        if op == "&":
            a = f"coalesce({self.typed(left, 'str', 'the left side of &')}, '')"
            b = f"coalesce({self.typed(right, 'str', 'the right side of &')}, '')"
            return Value(f"({a} || {b})", "str")
        kinds = {self.natural_kind(left), self.natural_kind(right)}
        if op == "+" and kinds == {"str"}:
            a = self.typed(left, "str", "the left side of +")
            b = self.typed(right, "str", "the right side of +")
            return Value(f"({a} || {b})", "str")
        kind: Kind = "int" if kinds == {"int"} and op in ("+", "-", "*", "div", "mod") else "num"
        a = self.typed(left, kind, f"the left side of {op}")
        b = self.typed(right, kind, f"the right side of {op}")
        if op == "/":
            return Value(f"({a} / NULLIF({b}, 0))", "num")
        if op == "div":
            return Value(f"CAST(floor({a} / NULLIF({b}, 0)) AS {d.sql_type('int')})", "int")
        if op == "mod":
            return Value(f"({a} % NULLIF({b}, 0))", kind)
        return Value(f"({a} {op} {b})", kind)

    # functions ---------------------------------------------------------------------------
    def first(self, value: Value) -> Value:
        if value.kind != "list":
            return value
        return Value(self.dialect.element(value.sql, "1"), "json", value.fhir_type)

    def call(self, node: Call, scope: Scope) -> Value:
        if node.name not in _FUNCTIONS:
            raise self.fail(f"the function {node.name}() is not supported")
        low, high = _FUNCTIONS[node.name]
        if not low <= len(node.args) <= high:
            expected = str(low) if low == high else f"{low} to {high}"
            raise self.fail(f"{node.name}() takes {expected} argument(s), not {len(node.args)}")
        d = self.dialect
        if node.name == "ofType":
            return self.of_type(node, scope)
        target = scope.focus if node.target is None else self.compile(node.target, scope)
        if node.name == "where":
            return self.where(target, node.args[0], scope)
        if node.name == "extension":
            url = node.args[0]
            if not isinstance(url, Literal) or url.kind != "str":
                raise self.fail("extension() takes a string literal URL")
            extensions = self.member(target, "extension")
            return self.where(extensions, Binary("=", Member(None, "url"), url), scope)
        if node.name in ("exists", "empty"):
            if node.args:
                target = self.where(target, node.args[0], scope)
            present = f"{d.length(target.sql)} > 0" if target.kind == "list" else f"{target.sql} IS NOT NULL"
            return Value(f"({present})" if node.name == "exists" else f"(NOT ({present}))", "bool")
        if node.name == "first":
            return self.first(target)
        if node.name == "last":
            if target.kind != "list":
                return target
            return Value(d.element(target.sql, d.length(target.sql)), "json", target.fhir_type)
        if node.name == "count":
            count = (
                d.length(target.sql)
                if target.kind == "list"
                else f"(CASE WHEN {target.sql} IS NULL THEN 0 ELSE 1 END)"
            )
            return Value(f"CAST({count} AS {d.sql_type('int')})", "int")
        if node.name == "not":
            return Value(f"(NOT {self.boolean(target, 'the input of not()')})", "bool")
        if node.name == "join":
            separator = d.string("")
            if node.args:
                separator = self.typed(self.compile(node.args[0], scope), "str", "the separator of join()")
            item = self.variable()
            strings = d.transform(self.as_list(target), (item,), d.as_string(item))
            return Value(d.join(strings, separator), "str")
        if node.name == "getResourceKey":
            holder = target if target.kind == "json" else scope.resource
            return Value(self.typed(self.member(holder, "id"), "str", "the resource id"), "str")
        return self.reference_key(node, target)

    def where(self, target: Value, condition: Node, scope: Scope) -> Value:
        d = self.dialect
        if target.kind in TYPED:
            target = Value(self.as_list(target), "list")
        if target.kind == "json":
            inner = replace(scope, focus=replace(target, base=target.base, names=target.names))
            test = self.boolean(self.compile(condition, inner), "the criteria of where()")
            return Value(f"(CASE WHEN {test} THEN {target.sql} END)", "json", target.fhir_type)
        item = self.variable()
        inner = replace(scope, focus=Value(item, "json", target.fhir_type))
        test = self.boolean(self.compile(condition, inner), "the criteria of where()")
        return Value(d.filter(target.sql, item, f"coalesce({test}, FALSE)"), "list", target.fhir_type)

    def of_type(self, node: Call, scope: Scope) -> Value:
        argument = node.args[0]
        if not isinstance(argument, Member) or argument.target is not None:
            raise self.fail("ofType() takes a type name")
        type_name = argument.name.removeprefix("FHIR.")
        if isinstance(node.target, Member):
            parent = scope.focus if node.target.target is None else self.compile(node.target.target, scope)
            choice = node.target.name + type_name[:1].upper() + type_name[1:]
            element = r4_elements.element(parent.fhir_type, node.target.name)
            if element is not None and element.type_name is not None:
                if element.type_name == type_name:
                    return self.member(parent, node.target.name)
                return Value(self.dialect.typed_null("json"), "json")
            value = self.member(parent, choice)
            return replace(value, fhir_type=value.fhir_type or type_name)
        raise self.fail("ofType() must follow an element name (e.g. value.ofType(Quantity))")

    def reference_key(self, node: Call, target: Value) -> Value:
        d = self.dialect
        wanted: str | None = None
        if node.args:
            argument = node.args[0]
            if not isinstance(argument, Member) or argument.target is not None:
                raise self.fail("getReferenceKey() takes a resource type name")
            wanted = argument.name

        def key(reference: Value) -> str:
            text = self.typed(self.member(reference, "reference"), "str", "the reference")
            identifier = d.regexp_group(text, _REFERENCE, 2)
            if wanted is None:
                return identifier
            kind = d.regexp_group(text, _REFERENCE, 1)
            # the common relative form 'Type/id' without the regular expression: the same key
            prefix = f"{wanted}/"
            rest = f"substr({text}, {len(prefix) + 1})"
            return (
                f"(CASE WHEN substr({text}, 1, {len(prefix)}) = {d.string(prefix)} "
                f"AND instr({rest}, '/') = 0 THEN NULLIF({rest}, '') "
                f"WHEN {kind} = {d.string(wanted)} THEN {identifier} END)"
            )

        if target.kind == "json":
            return Value(key(target), "str")
        if target.kind != "list":
            raise self.fail("getReferenceKey() needs a Reference")
        item = self.variable()
        keys = d.transform(
            target.sql, (item,), d.to_json(key(Value(item, "json", target.fhir_type, base=item)), "str")
        )
        nonnull = self.variable()
        return Value(d.filter(keys, nonnull, f"{nonnull} IS NOT NULL"), "list", "string")
