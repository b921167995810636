"""The few places where DuckDB SQL and Spark SQL differ, one small class per engine.

JSON values are DuckDB `JSON` and Spark `VARIANT`; a FHIRPath collection is a list of them
(`JSON[]`, `array<variant>`). Everything else the compiler writes is common SQL.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar, Literal

Kind = Literal["list", "json", "str", "int", "num", "bool"]


class Dialect(ABC):
    name = ""
    _types: ClassVar[dict[str, str]] = {}

    def elements_reader(self) -> Callable[[str, list[str]], str] | None:
        """How to read the child elements `names` of a JSON object at once, as a list whose i-th
        item (`element(list, i)`) is the i-th element's JSON value or NULL: the compiler then reads
        each path of a resource (or forEach item) from those. None where reading each path from the
        value itself costs no more (a parsed value); worth it where every read parses JSON text."""
        return None

    @abstractmethod
    def string(self, text: str) -> str: ...

    @abstractmethod
    def identifier(self, name: str) -> str: ...

    def sql_type(self, kind: Kind) -> str:
        return self._types[kind]

    @abstractmethod
    def json_get(self, base: str, names: tuple[str, ...]) -> str:
        """The JSON value at `base.a.b` (no arrays on the way), SQL NULL when absent."""
        ...

    @abstractmethod
    def json_string(self, base: str, names: tuple[str, ...]) -> str:
        """The string (or JSON text) at `base.a.b`, in one extraction."""
        ...

    @abstractmethod
    def unwrap(self, json: str) -> str:
        """A JSON value as a list: an array's items, [value] for anything else, [] for NULL."""
        ...

    def json_items(self, base: str, names: tuple[str, ...]) -> str:
        """The items of the array at `base.a.b`, an R4 element known to repeat: [] when absent."""
        return self.unwrap(self.json_get(base, names))

    def items_along(self, base: str, steps: tuple[tuple[str, bool], ...]) -> str | None:
        """The values at a path of R4 elements (name, repeats) from `base`, as one flat list, in one
        extraction; None where the engine has no such path (the compiler then goes item by item)."""
        return None

    @abstractmethod
    def lambda_(self, params: tuple[str, ...], body: str) -> str: ...

    @abstractmethod
    def transform(self, items: str, params: tuple[str, ...], body: str) -> str:
        """`params` is (item,) or (item, index); the index is 0-based in the body."""
        ...

    @abstractmethod
    def filter(self, items: str, param: str, condition: str) -> str: ...

    def flatten(self, lists: str) -> str:
        return f"flatten({lists})"

    @abstractmethod
    def concat(self, lists: list[str]) -> str: ...

    @abstractmethod
    def length(self, items: str) -> str: ...

    @abstractmethod
    def element(self, items: str, one_based: str) -> str: ...

    @abstractmethod
    def empty_list(self, kind: Kind = "list") -> str: ...

    @abstractmethod
    def list_of(self, items: list[str]) -> str: ...

    @abstractmethod
    def as_string(self, json: str) -> str: ...

    @abstractmethod
    def as_typed(self, json: str, kind: Kind) -> str:
        """A JSON scalar as a SQL string, integer, double or boolean (NULL when it is not one)."""
        ...

    @abstractmethod
    def to_json(self, value: str, kind: Kind) -> str:
        """A typed SQL value as a JSON value."""
        ...

    @abstractmethod
    def json_text(self, value: str) -> str:
        """A JSON value or a list of them as JSON text (for the final rows)."""
        ...

    @abstractmethod
    def error(self, message: str) -> str: ...

    @abstractmethod
    def struct(self, fields: list[tuple[str, str]]) -> str: ...

    def typed_null(self, kind: Kind) -> str:
        return f"CAST(NULL AS {self.sql_type(kind)})"

    @abstractmethod
    def join(self, strings: str, separator: str) -> str: ...

    def regexp_group(self, text: str, pattern: str, group: int) -> str:
        return f"NULLIF(regexp_extract({text}, {self.string(pattern)}, {group}), '')"

    @abstractmethod
    def sort_by_key(self, items: str) -> str:
        """Sort a list of structs whose first field `k` is a list of integers."""
        ...

    @abstractmethod
    def explode(self, items: str) -> str: ...


class DuckDB(Dialect):
    name = "duckdb"
    _types: ClassVar[dict[str, str]] = {
        "list": "JSON[]", "json": "JSON", "str": "VARCHAR", "int": "BIGINT", "num": "DOUBLE",
        "bool": "BOOLEAN",
    }  # fmt: skip

    def string(self, text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def identifier(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def elements_reader(self) -> Callable[[str, list[str]], str]:
        return self._elements

    def _elements(self, json: str, names: list[str]) -> str:
        # one parse for all of them (each json_extract parses the text again)
        paths = ", ".join(self.string(f"$.{name}") for name in names)
        return f"json_extract({json}, [{paths}])"

    def json_get(self, base: str, names: tuple[str, ...]) -> str:
        if not names:
            return base
        return f"json_extract({base}, {self.string(_path(names))})"

    def json_string(self, base: str, names: tuple[str, ...]) -> str:
        return f"json_extract_string({base}, {self.string(_path(names))})"

    def json_items(self, base: str, names: tuple[str, ...]) -> str:
        path = _path(names) + "[*]"
        return f"coalesce(json_extract({base}, {self.string(path)}), []::JSON[])"  # one parse, no type test

    def items_along(self, base: str, steps: tuple[tuple[str, bool], ...]) -> str | None:
        # '$.a[*].b' skips items without b and '$.a[*].b[*]' flattens: FHIRPath's collections;
        # a step without a name is the base itself (an array)
        path = "$" + "".join(f".{name}" * bool(name) + "[*]" * repeats for name, repeats in steps)
        return f"coalesce(json_extract({base}, {self.string(path)}), []::JSON[])"

    def unwrap(self, json: str) -> str:
        return (
            f"(CASE WHEN {json} IS NULL THEN []::JSON[] WHEN json_type({json}) = 'ARRAY' "
            f"THEN json_extract({json}, '$[*]') ELSE [{json}] END)"
        )

    def lambda_(self, params: tuple[str, ...], body: str) -> str:
        return f"lambda {', '.join(params)}: {body}"

    def transform(self, items: str, params: tuple[str, ...], body: str) -> str:
        if len(params) == 2:
            body = body.replace(f"<<{params[1]}>>", f"({params[1]} - 1)")
        return f"list_transform({items}, {self.lambda_(params, body)})"

    def filter(self, items: str, param: str, condition: str) -> str:
        return f"list_filter({items}, {self.lambda_((param,), condition)})"

    def concat(self, lists: list[str]) -> str:
        result = lists[0]
        for item in lists[1:]:
            result = f"list_concat({result}, {item})"
        return result

    def length(self, items: str) -> str:
        return f"len({items})"

    def element(self, items: str, one_based: str) -> str:
        return f"({items})[{one_based}]"

    def empty_list(self, kind: Kind = "list") -> str:
        return "[]::JSON[]"

    def list_of(self, items: list[str]) -> str:
        return f"[{', '.join(items)}]"

    def as_string(self, json: str) -> str:
        return f"json_extract_string({json}, '$')"

    def as_typed(self, json: str, kind: Kind) -> str:
        if kind == "str":
            return self.as_string(json)
        if kind == "json":
            return json
        return f"TRY_CAST({json} AS {self.sql_type(kind)})"

    def to_json(self, value: str, kind: Kind) -> str:
        if kind == "json":
            return value
        return f"to_json({value})"

    def json_text(self, value: str) -> str:
        return f"CAST(to_json({value}) AS VARCHAR)"

    def error(self, message: str) -> str:
        return f"error({self.string(message)})"

    def struct(self, fields: list[tuple[str, str]]) -> str:
        return "struct_pack(" + ", ".join(f"{name} := {value}" for name, value in fields) + ")"

    def join(self, strings: str, separator: str) -> str:
        return f"array_to_string({strings}, {separator})"

    def sort_by_key(self, items: str) -> str:
        return f"list_sort({items})"

    def explode(self, items: str) -> str:
        return f"unnest({items})"


class Spark(Dialect):
    name = "spark"
    _types: ClassVar[dict[str, str]] = {
        "list": "array<variant>", "json": "variant", "str": "string", "int": "bigint", "num": "double",
        "bool": "boolean",
    }  # fmt: skip

    def string(self, text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def identifier(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def json_get(self, base: str, names: tuple[str, ...]) -> str:
        path = "$" + "".join(f".{name}" for name in names)
        return f"try_variant_get({base}, {self.string(path)})"

    def json_string(self, base: str, names: tuple[str, ...]) -> str:
        path = "$" + "".join(f".{name}" for name in names)
        return f"try_variant_get({base}, {self.string(path)}, 'string')"

    def unwrap(self, json: str) -> str:
        return (
            f"(CASE WHEN {json} IS NULL THEN cast(array() AS array<variant>) "
            f"ELSE coalesce(try_variant_get({json}, '$', 'array<variant>'), array({json})) END)"
        )

    def lambda_(self, params: tuple[str, ...], body: str) -> str:
        if len(params) == 1:
            return f"{params[0]} -> {body}"
        return f"({', '.join(params)}) -> {body}"

    def transform(self, items: str, params: tuple[str, ...], body: str) -> str:
        if len(params) == 2:
            body = body.replace(f"<<{params[1]}>>", params[1])
        return f"transform({items}, {self.lambda_(params, body)})"

    def filter(self, items: str, param: str, condition: str) -> str:
        return f"filter({items}, {self.lambda_((param,), condition)})"

    def concat(self, lists: list[str]) -> str:
        return f"concat({', '.join(lists)})"

    def length(self, items: str) -> str:
        return f"size({items})"

    def element(self, items: str, one_based: str) -> str:
        return f"try_element_at({items}, CAST({one_based} AS int))"

    def empty_list(self, kind: Kind = "list") -> str:
        return "cast(array() AS array<variant>)"

    def list_of(self, items: list[str]) -> str:
        return f"array({', '.join(items)})"

    def as_string(self, json: str) -> str:
        return f"try_variant_get({json}, '$', 'string')"

    def as_typed(self, json: str, kind: Kind) -> str:
        if kind == "json":
            return json
        return f"try_variant_get({json}, '$', {self.string(self.sql_type(kind))})"

    def to_json(self, value: str, kind: Kind) -> str:
        if kind == "json":
            return value
        return f"CAST({value} AS variant)"

    def json_text(self, value: str) -> str:
        return f"to_json({value})"

    def error(self, message: str) -> str:
        return f"raise_error({self.string(message)})"

    def struct(self, fields: list[tuple[str, str]]) -> str:
        return "named_struct(" + ", ".join(f"'{name}', {value}" for name, value in fields) + ")"

    def join(self, strings: str, separator: str) -> str:
        return f"array_join({strings}, {separator})"

    def sort_by_key(self, items: str) -> str:
        return f"array_sort({items}, (l, r) -> CASE WHEN l.k < r.k THEN -1 WHEN l.k > r.k THEN 1 ELSE 0 END)"

    def explode(self, items: str) -> str:
        return f"explode({items})"


def _path(names: tuple[str, ...]) -> str:
    return "$" + "".join(f".{name}" for name in names)


DIALECTS: dict[str, Dialect] = {"duckdb": DuckDB(), "spark": Spark()}


def dialect_for(engine: str) -> Dialect:
    from trdnav.views.errors import ViewError

    if engine not in DIALECTS:
        raise ViewError(f"unknown engine {engine!r}: expected one of {', '.join(DIALECTS)}")
    return DIALECTS[engine]
