"""The FHIRPath subset SQL on FHIR v2 views need, parsed into a small tree (no eval, ever).

Supported: paths and indexers; ``$this``; ``%constants``; string, number and boolean literals and
``{}``; the functions ``where``, ``exists``, ``empty``, ``first``, ``ofType``, ``extension``,
``join``, ``not``, ``getResourceKey``, ``getReferenceKey``; the operators ``=`` ``!=`` ``<`` ``>``
``<=`` ``>=`` ``and`` ``or`` ``+`` ``-`` ``*`` ``/``. Anything else is a `ViewError` naming the
expression, at compile time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trdnav.views.errors import ViewError


@dataclass(frozen=True)
class Literal:
    value: str | int | float | bool | None  # None: the empty collection {}
    kind: str  # "string", "integer", "decimal", "boolean", "empty"


@dataclass(frozen=True)
class Constant:
    name: str


@dataclass(frozen=True)
class This:
    pass


@dataclass(frozen=True)
class Member:
    base: Node | None  # None: the focus
    name: str


@dataclass(frozen=True)
class Index:
    base: Node
    index: Node


@dataclass(frozen=True)
class Call:
    base: Node | None
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Negate:
    operand: Node


Node = Literal | Constant | This | Member | Index | Call | Binary | Negate

FUNCTIONS = {
    "where": (1, 1),
    "exists": (0, 1),
    "empty": (0, 0),
    "first": (0, 0),
    "ofType": (1, 1),
    "extension": (1, 1),
    "join": (0, 1),
    "not": (0, 0),
    "getResourceKey": (0, 0),
    "getReferenceKey": (0, 1),
}
PRECEDENCE = {
    "*": 6,
    "/": 6,
    "+": 5,
    "-": 5,
    "<": 4,
    ">": 4,
    "<=": 4,
    ">=": 4,
    "=": 3,
    "!=": 3,
    "and": 2,
    "or": 1,
}
UNSUPPORTED_OPERATORS = {"div", "mod", "&", "|", "~", "!~", "in", "contains", "xor", "implies", "is", "as"}

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>\d+(?:\.\d+)?)|(?P<special>\$\w+|%`[^`]*`|%\w+)"
    r"|(?P<name>`[^`]*`|[A-Za-z_][A-Za-z0-9_]*)|(?P<op><=|>=|!=|!~|[=<>~+\-*/&|.\[\](),{}@]))"
)
ESCAPES = {"'": "'", '"': '"', "`": "`", "\\": "\\", "/": "/", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _unescape(body: str) -> str:
    return re.sub(
        r"\\u([0-9a-fA-F]{4})|\\(.)", lambda m: chr(int(m[1], 16)) if m[1] else ESCAPES.get(m[2], m[2]), body
    )


def _tokens(text: str) -> list[tuple[str, str]]:
    position, found = 0, []
    while position < len(text):
        if not text[position:].strip():
            break
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ViewError("", f"cannot read the FHIRPath expression {text!r} at {text[position:]!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    def fail(self, message: str) -> ViewError:
        return ViewError("", f"{message} in the FHIRPath expression {self.text!r}")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise self.fail(f"expected {value!r}" if value else "unexpected end")
        self.at += 1
        return token

    def expression(self, floor: int = 1) -> Node:
        """Precedence climbing: operators binding at least as tightly as ``floor``."""
        left = self.postfix(self.term())
        while True:
            token = self.peek()
            if token is None or token[0] not in ("name", "op"):
                return left
            op = token[1]
            if op in UNSUPPORTED_OPERATORS:
                raise self.fail(f"the operator {op!r} is not supported")
            if op not in PRECEDENCE or PRECEDENCE[op] < floor:
                return left
            self.take()
            left = Binary(op, left, self.expression(PRECEDENCE[op] + 1))

    def term(self) -> Node:
        kind, value = self.take()
        if kind == "string":
            return Literal(_unescape(value[1:-1]), "string")
        if kind == "number":
            return Literal(float(value), "decimal") if "." in value else Literal(int(value), "integer")
        if kind == "special":
            if value == "$this":
                return This()
            if value.startswith("%"):
                return Constant(value[1:].strip("`"))
            raise self.fail(f"{value} is not supported")
        if value == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if value == "{":
            self.take("}")
            return Literal(None, "empty")
        if value == "-":
            return Negate(self.postfix(self.term()))
        if value == "@":
            raise self.fail("date and time literals are not supported")
        if kind == "name":
            if value in ("true", "false"):
                return Literal(value == "true", "boolean")
            return self.invocation(None, value)
        raise self.fail(f"unexpected {value!r}")

    def invocation(self, base: Node | None, name: str) -> Node:
        name = name.strip("`")
        token = self.peek()
        if token is not None and token[1] == "(":
            self.take("(")
            args: list[Node] = []
            if self.peek() is not None and self.peek() != ("op", ")"):
                args.append(self.expression())
                while self.peek() == ("op", ","):
                    self.take(",")
                    args.append(self.expression())
            self.take(")")
            if name not in FUNCTIONS:
                raise self.fail(f"the function {name}() is not supported")
            low, high = FUNCTIONS[name]
            if not low <= len(args) <= high:
                raise self.fail(f"{name}() takes {low} to {high} arguments, not {len(args)}")
            return Call(base, name, tuple(args))
        return Member(base, name)

    def postfix(self, node: Node) -> Node:
        while True:
            token = self.peek()
            if token == ("op", "."):
                self.take(".")
                kind, value = self.take()
                if kind == "special" and value == "$this":
                    node = This()
                    continue
                if kind != "name":
                    raise self.fail(f"expected a name after '.', got {value!r}")
                node = self.invocation(node, value)
            elif token == ("op", "["):
                self.take("[")
                index = self.expression()
                self.take("]")
                node = Index(node, index)
            else:
                return node


def parse(text: str) -> Node:
    """The tree of a FHIRPath expression, or `ViewError` (without a place: the caller adds it)."""
    if not isinstance(text, str) or not text.strip():
        raise ViewError("", "expected a FHIRPath expression (a non-empty string)")
    parser = _Parser(text)
    node = parser.expression()
    if parser.peek() is not None:
        raise parser.fail(f"unexpected {parser.peek()[1]!r}")  # type: ignore[index]
    return node
