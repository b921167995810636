"""Integer ids in paths are bounded where the path is matched, for every route at once.

A path such as ``/staff/courses/{course_id}`` declares ``course_id: int``; FastAPI would accept any
integer, and a database cannot look up one at or past 2**63 (SQLite raises ``OverflowError``,
PostgreSQL "integer out of range" already past 2**31 - 1, the largest value of the ``Integer`` id
columns there): a 500. `bound_integer_ids` walks the app's routes once, when the app is built, and
makes every integer path parameter (of the route or of any dependency it uses) match only the
decimal numbers 1 to 2**31 - 1 without leading zeros, ids both databases can look up. Anything
else (0, a minus sign, leading zeros, a larger number) matches no route, so it is answered 404 like
any unknown id, before any code runs. A new route is covered without doing anything.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import compile_path

CONVERTOR = "row_id"
LARGEST_ID = 2**31 - 1  # the id columns are Integer: 32 bits on PostgreSQL (64 on SQLite)


def at_most(largest: int) -> str:
    """A regular expression matching the decimal numbers 1 to ``largest``, without leading zeros."""
    digits = str(largest)
    shorter = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    same_length = []
    for position, digit in enumerate(digits):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - position - 1
            same_length.append(f"{digits[:position]}[{lowest}-{int(digit) - 1}][0-9]{{{rest}}}")
    return "(?:" + "|".join([*shorter, *same_length, digits]) + ")"


class RowIdConvertor(Convertor[int]):
    """A row id as a path segment: 1 to `LARGEST_ID`, without leading zeros."""

    regex = at_most(LARGEST_ID)

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        if not 1 <= value <= LARGEST_ID:
            raise ValueError(f"a row id is 1 to {LARGEST_ID}, not {value}")
        return str(value)


register_url_convertor(CONVERTOR, RowIdConvertor())


def integer_path_params(route: APIRoute) -> list[str]:
    """The names of the route's path parameters declared as ``int`` (by it or its dependencies)."""
    names: list[str] = []
    pending: list[Dependant] = [route.dependant]
    while pending:
        dependant = pending.pop()
        names += [field.name for field in dependant.path_params if field.field_info.annotation is int]
        pending += dependant.dependencies
    return sorted(set(names))


def bound_integer_ids(app: FastAPI) -> None:
    """Make every integer path parameter of every route match only `RowIdConvertor`'s ids."""
    for route in app.router.routes:
        if not isinstance(route, APIRoute):
            continue
        path = route.path
        names = integer_path_params(route)
        for name in names:
            path = path.replace("{" + name + "}", "{" + name + ":" + CONVERTOR + "}")
        if names:
            route.path_regex, route.path_format, route.param_convertors = compile_path(path)
