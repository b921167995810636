"""The FHIRPath subset of SQL on FHIR v2, parsed into a small tree (a Pratt parser; no eval).

The tree only says what the text says; what is supported is decided by the compiler
(`expressions.py`), which refuses anything else with a `ViewError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trdnav.views.errors import ViewError


@dataclass(frozen=True)
class Literal:
    value: str | int | float | bool
    kind: str  # "str" | "int" | "num" | "bool"


@dataclass(frozen=True)
class EmptyCollection:
    pass


@dataclass(frozen=True)
class This:
    pass


@dataclass(frozen=True)
class Constant:
    name: str


@dataclass(frozen=True)
class Member:
    target: Node | None  # None: the focus ($this)
    name: str


@dataclass(frozen=True)
class Call:
    target: Node | None  # None: called on the focus
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Index:
    target: Node
    index: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


# A type specifier as a function argument (`ofType(Quantity)`) parses as a `Member` without target.
Node = Literal | EmptyCollection | This | Constant | Member | Call | Index | Binary | Unary

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<constant>%(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]*`|'(?:[^'\\]|\\.)*'))
  | (?P<special>\$(?:this|index|total))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*|`[^`]*`)
  | (?P<op><=|>=|!=|!~|[-+*/&|<>=~.,()\[\]{}])
    """,
    re.VERBOSE | re.DOTALL,
)

# binding powers, weakest first (FHIRPath operator precedence)
_INFIX = {
    "implies": 1, "or": 2, "xor": 2, "and": 3, "in": 4, "contains": 4,
    "=": 5, "!=": 5, "~": 5, "!~": 5, "<": 6, ">": 6, "<=": 6, ">=": 6,
    "|": 7, "is": 8, "as": 8, "+": 9, "-": 9, "&": 9, "*": 10, "/": 10, "div": 10, "mod": 10,
}  # fmt: skip
_PREFIX_POWER = 11
_KEYWORDS = {"true", "false", "and", "or", "xor", "implies", "div", "mod", "in", "contains", "is", "as"}
_ESCAPES = {"'": "'", '"': '"', "`": "`", "\\": "\\", "/": "/", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _unescape(body: str, expression: str) -> str:
    out: list[str] = []
    chars = iter(range(len(body)))
    for i in chars:
        char = body[i]
        if char != "\\":
            out.append(char)
            continue
        code = body[i + 1] if i + 1 < len(body) else ""
        if code == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", body[i + 2 : i + 6]):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            for _ in range(5):
                next(chars, None)
            continue
        if code not in _ESCAPES:
            raise ViewError(f"unknown escape '\\{code}' in a string", expression=expression)
        out.append(_ESCAPES[code])
        next(chars, None)
    return "".join(out)


def _tokens(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None:
            raise ViewError(
                f"unexpected character {expression[position]!r} at offset {position}", expression=expression
            )
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(expression)))
    return tokens


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokens(expression)
        self.at = 0

    def fail(self, message: str) -> ViewError:
        token = self.tokens[self.at]
        where = f"at offset {token.position}" if token.kind != "end" else "at the end"
        return ViewError(f"{message} {where}", expression=self.expression)

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str) -> None:
        if self.peek().text != text or self.peek().kind not in ("op",):
            raise self.fail(f"expected {text!r}")
        self.at += 1

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.fail("an empty expression")
        node = self.expression_(0)
        if self.peek().kind != "end":
            raise self.fail(f"unexpected {self.peek().text!r}")
        return node

    def infix_power(self, token: _Token) -> int:
        if token.kind == "op" and token.text in _INFIX:
            return _INFIX[token.text]
        if token.kind == "ident" and token.text in _INFIX:
            return _INFIX[token.text]
        return 0

    def expression_(self, min_power: int) -> Node:
        left = self.prefix()
        while True:
            token = self.peek()
            power = self.infix_power(token)
            if power <= min_power:
                return left
            self.take()
            if token.text in ("is", "as"):
                raise ViewError(f"the operator {token.text!r} is not supported", expression=self.expression)
            right = self.expression_(power)
            left = Binary(token.text, left, right)

    def prefix(self) -> Node:
        token = self.peek()
        if token.kind == "op" and token.text in ("+", "-"):
            self.take()
            return self.postfix(Unary(token.text, self.expression_(_PREFIX_POWER)))
        return self.postfix(self.term())

    def term(self) -> Node:
        token = self.take()
        if token.kind == "number":
            if "." in token.text:
                return Literal(float(token.text), "num")
            return Literal(int(token.text), "int")
        if token.kind == "string":
            return Literal(_unescape(token.text[1:-1], self.expression), "str")
        if token.kind == "constant":
            name = token.text[1:]
            if name[:1] in "`'":
                name = _unescape(name[1:-1], self.expression)
            return Constant(name)
        if token.kind == "special":
            if token.text != "$this":
                raise ViewError(f"{token.text} is not supported", expression=self.expression)
            return This()
        if token.kind == "op" and token.text == "(":
            inner = self.expression_(0)
            self.expect(")")
            return inner
        if token.kind == "op" and token.text == "{":
            self.expect("}")
            return EmptyCollection()
        if token.kind == "ident":
            if token.text in ("true", "false"):
                return Literal(token.text == "true", "bool")
            if token.text in _KEYWORDS:
                self.at -= 1
                raise self.fail(f"unexpected keyword {token.text!r}")
            return self.invocation(None, token)
        self.at -= 1
        raise self.fail(f"unexpected {token.text or 'end of expression'!r}")

    def invocation(self, target: Node | None, token: _Token) -> Node:
        name = token.text.strip("`")
        if self.peek().kind == "op" and self.peek().text == "(":
            self.take()
            args: list[Node] = []
            if not (self.peek().kind == "op" and self.peek().text == ")"):
                args.append(self.expression_(0))
                while self.peek().kind == "op" and self.peek().text == ",":
                    self.take()
                    args.append(self.expression_(0))
            self.expect(")")
            return Call(target, name, tuple(args))
        return Member(target, name)

    def postfix(self, node: Node) -> Node:
        while True:
            token = self.peek()
            if token.kind == "op" and token.text == ".":
                self.take()
                member = self.take()
                if member.kind != "ident" or member.text in ("true", "false"):
                    self.at -= 1
                    raise self.fail("expected a name after '.'")
                node = self.invocation(node, member)
            elif token.kind == "op" and token.text == "[":
                self.take()
                index = self.expression_(0)
                self.expect("]")
                node = Index(node, index)
            else:
                return node


def parse(expression: str) -> Node:
    """The tree of one FHIRPath expression, or a `ViewError` naming the expression and the offset."""
    return _Parser(expression).parse()
