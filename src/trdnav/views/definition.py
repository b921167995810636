"""The structure of a ViewDefinition, checked before anything is compiled.

`read_view(document)` gives a `View` (select tree, constants, where paths) or a `ViewError` naming
the view path (`select[0].forEach`) and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from trdnav.views.errors import ViewError
from trdnav.views.fhirpath import Node, parse

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_VIEW_KEYS = {
    "resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension",
    "modifierExtension", "url", "identifier", "version", "name", "title", "status", "experimental",
    "date", "publisher", "contact", "description", "useContext", "copyright", "resource", "fhirVersion",
    "profile", "constant", "select", "where",
}  # fmt: skip
_SELECT_KEYS = {"id", "extension", "modifierExtension", "column", "select", "forEach", "forEachOrNull",
                "repeat", "unionAll"}  # fmt: skip
_COLUMN_KEYS = {
    "id",
    "extension",
    "modifierExtension",
    "name",
    "path",
    "description",
    "collection",
    "type",
    "tag",
}
STRING_TYPES = {
    "string", "code", "id", "uri", "url", "canonical", "oid", "uuid", "markdown", "base64Binary", "date",
    "dateTime", "instant", "time", "integer64",
}  # fmt: skip
INTEGER_TYPES = {"integer", "positiveInt", "unsignedInt"}
CONSTANT_KINDS = {
    **{f"value{t[:1].upper()}{t[1:]}": "str" for t in STRING_TYPES},
    **{f"value{t[:1].upper()}{t[1:]}": "int" for t in INTEGER_TYPES},
    "valueDecimal": "num",
    "valueBoolean": "bool",
}


@dataclass(frozen=True)
class Expression:
    text: str
    tree: Node
    view_path: str


@dataclass(frozen=True)
class Column:
    name: str
    path: Expression
    type: str | None
    collection: bool


@dataclass(frozen=True)
class Select:
    view_path: str
    for_each: Expression | None
    or_null: bool
    repeat: tuple[Expression, ...]
    columns: tuple[Column, ...]
    selects: tuple[Select, ...]
    union_all: tuple[Select, ...]

    def column_names(self) -> list[str]:
        names = [c.name for c in self.columns]
        for child in self.selects:
            names += child.column_names()
        if self.union_all:
            names += self.union_all[0].column_names()
        return names

    def is_flat(self) -> bool:
        """One row per focus: no forEach, repeat or unionAll anywhere below."""
        return (
            self.for_each is None
            and not self.repeat
            and not self.union_all
            and all(child.is_flat() for child in self.selects)
        )


@dataclass(frozen=True)
class ConstantValue:
    name: str
    value: str | int | float | bool
    kind: str


@dataclass(frozen=True)
class View:
    resource: str
    constants: tuple[ConstantValue, ...]
    select: tuple[Select, ...]
    where: tuple[Expression, ...]

    def column_names(self) -> list[str]:
        return [name for node in self.select for name in node.column_names()]


def _expression(value: Any, view_path: str) -> Expression:
    if not isinstance(value, str):
        raise ViewError(f"expected a FHIRPath string, got {type(value).__name__}", view_path=view_path)
    try:
        return Expression(value, parse(value), view_path)
    except ViewError as error:
        raise ViewError(error.reason, view_path=view_path, expression=value) from None


def _object(value: Any, view_path: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ViewError(f"expected an object, got {type(value).__name__}", view_path=view_path)
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ViewError(f"unknown element {unknown[0]!r}", view_path=view_path)
    return value


def _list(value: Any, view_path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ViewError(f"expected a list, got {type(value).__name__}", view_path=view_path)
    return value


def _column(value: Any, view_path: str) -> Column:
    column = _object(value, view_path, _COLUMN_KEYS)
    name = column.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ViewError(
            "a column needs a name of letters, digits and underscores, starting with a letter",
            view_path=f"{view_path}.name",
        )
    if "path" not in column:
        raise ViewError("a column needs a path", view_path=view_path)
    collection = column.get("collection", False)
    if not isinstance(collection, bool):
        raise ViewError("collection must be true or false", view_path=f"{view_path}.collection")
    column_type = column.get("type")
    if column_type is not None and not isinstance(column_type, str):
        raise ViewError("type must be a FHIR type name", view_path=f"{view_path}.type")
    return Column(name, _expression(column["path"], f"{view_path}.path"), column_type, collection)


def _select(value: Any, view_path: str) -> Select:
    node = _object(value, view_path, _SELECT_KEYS)
    iterations = [key for key in ("forEach", "forEachOrNull", "repeat") if key in node]
    if len(iterations) > 1:
        raise ViewError(
            f"use one of forEach, forEachOrNull and repeat, not {' and '.join(iterations)}",
            view_path=view_path,
        )
    for_each: Expression | None = None
    if "forEach" in node or "forEachOrNull" in node:
        key = "forEach" if "forEach" in node else "forEachOrNull"
        for_each = _expression(node[key], f"{view_path}.{key}")
    repeat: tuple[Expression, ...] = ()
    if "repeat" in node:
        paths = _list(node["repeat"], f"{view_path}.repeat")
        if not paths:
            raise ViewError("repeat needs at least one path", view_path=f"{view_path}.repeat")
        repeat = tuple(_expression(p, f"{view_path}.repeat[{i}]") for i, p in enumerate(paths))
    columns = tuple(
        _column(c, f"{view_path}.column[{i}]")
        for i, c in enumerate(_list(node.get("column", []), f"{view_path}.column"))
    )
    selects = tuple(
        _select(s, f"{view_path}.select[{i}]")
        for i, s in enumerate(_list(node.get("select", []), f"{view_path}.select"))
    )
    union_all = tuple(
        _select(s, f"{view_path}.unionAll[{i}]")
        for i, s in enumerate(_list(node.get("unionAll", []), f"{view_path}.unionAll"))
    )
    if not columns and not selects and not union_all:
        raise ViewError("a select needs a column, select or unionAll", view_path=view_path)
    if union_all:
        first = union_all[0].column_names()
        for i, branch in enumerate(union_all[1:], start=1):
            if branch.column_names() != first:
                raise ViewError(
                    f"every unionAll branch must have the same columns in the same order: {first} "
                    f"but branch {i} has {branch.column_names()}",
                    view_path=f"{view_path}.unionAll[{i}]",
                )
    return Select(view_path, for_each, "forEachOrNull" in node, repeat, columns, selects, union_all)


def _constant(value: Any, view_path: str) -> ConstantValue:
    constant = _object(value, view_path, {"id", "extension", "modifierExtension", "name", *CONSTANT_KINDS})
    name = constant.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ViewError("a constant needs a name", view_path=f"{view_path}.name")
    values = [key for key in constant if key in CONSTANT_KINDS]
    if len(values) != 1:
        raise ViewError(f"the constant {name!r} needs exactly one value[x]", view_path=view_path)
    key = values[0]
    kind = CONSTANT_KINDS[key]
    content: str | int | float | bool = constant[key]
    expected = {"str": (str,), "int": (int,), "num": (int, float), "bool": (bool,)}[kind]
    if not isinstance(content, expected) or (kind != "bool" and isinstance(content, bool)):
        raise ViewError(f"{key} of the constant {name!r} has the wrong type", view_path=f"{view_path}.{key}")
    return ConstantValue(name, content, kind)


def read_view(document: Any) -> View:
    """The checked structure of a ViewDefinition document (a dict from JSON)."""
    view = _object(document, "", _VIEW_KEYS)
    if view.get("resourceType", "ViewDefinition") != "ViewDefinition":
        raise ViewError("resourceType must be ViewDefinition", view_path="resourceType")
    resource = view.get("resource")
    if not isinstance(resource, str) or not re.match(r"^[A-Z][A-Za-z]+$", resource):
        raise ViewError('a view needs the FHIR resource type it reads, e.g. "Patient"', view_path="resource")
    select_list = _list(view.get("select"), "select") if "select" in view else []
    if not select_list:
        raise ViewError("a view needs at least one select", view_path="select")
    select = tuple(_select(s, f"select[{i}]") for i, s in enumerate(select_list))
    constants = tuple(
        _constant(c, f"constant[{i}]") for i, c in enumerate(_list(view.get("constant", []), "constant"))
    )
    names = [c.name for c in constants]
    if len(set(names)) != len(names):
        raise ViewError("two constants have the same name", view_path="constant")
    where: list[Expression] = []
    for i, item in enumerate(_list(view.get("where", []), "where")):
        entry = _object(item, f"where[{i}]", {"id", "extension", "modifierExtension", "path", "description"})
        where.append(_expression(entry.get("path"), f"where[{i}].path"))
    result = View(resource, constants, select, tuple(where))
    columns = result.column_names()
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise ViewError(f"the column name {duplicates[0]!r} is used twice", view_path="select")
    return result
