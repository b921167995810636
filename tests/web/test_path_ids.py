"""Integer ids in paths are bounded: an id at or past 2**63, zero, negative or with leading zeros is
404 on every route that takes one, signed in or not, never a 500 from the database
(`trdnav.web.path_ids`). The routes are read from the app's own route table, so a new one is
checked without being listed."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.web.conftest import BrowserClient, World, signed_in
from trdnav.web.path_ids import LARGEST_ID, at_most, integer_path_params

OUT_OF_RANGE = [
    *(str(number) for number in (2**63, 2**63 - 1, 2**31, 2**64, 10**40, LARGEST_ID + 1)),
    *("0", "-1", "007"),
]


def _id_routes(app: FastAPI) -> list[tuple[str, str, list[str]]]:
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute) and (names := integer_path_params(route)):
            found += [(method, route.path, names) for method in sorted(route.methods)]
    return found


def _fill(path: str, names: list[str], value: str, world: World) -> str:
    path = path.replace("{token}", world.token_a)
    for name in names:
        path = path.replace("{" + name + "}", value)
    assert not re.search(r"\{\w+\}", path), path
    return path


def test_the_route_table_has_the_integer_id_routes_of_staff_and_patients(app: FastAPI) -> None:
    paths = {path for _, path, _ in _id_routes(app)}
    assert len(paths) >= 25
    assert "/a/{token}/courses/{course_id}/calendar.ics" in paths  # reachable without signing in
    assert "/staff/courses/{course_id}/visits/{visit_id}/move" in paths  # two ids in one path


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_an_out_of_range_id_is_404_on_every_route_never_a_500(app: FastAPI, world: World, who: str) -> None:
    client = BrowserClient(app, raise_server_exceptions=False)
    if who == "admin":
        client.cookies = signed_in(app, world.admin_a, two_factor_done=True).cookies
    failures = []
    for method, path, names in _id_routes(app):
        for value in OUT_OF_RANGE:
            url = _fill(path, names, value, world)
            response = client.get(url) if method == "GET" else client.post(url, data={})
            if response.status_code != 404:
                failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_the_largest_id_still_reaches_the_route_and_is_an_unknown_record(app: FastAPI, world: World) -> None:
    client = signed_in(app, world.admin_a, two_factor_done=True)
    response = client.get(f"/staff/courses/{LARGEST_ID}")
    assert response.status_code == 404
    assert client.get(f"/staff/assessments/{world.assessment_a}").status_code == 200


@pytest.mark.parametrize("largest", [2**31 - 1, 2**63 - 1, 30405, 1999])
def test_the_id_pattern_matches_exactly_one_to_the_largest(largest: int) -> None:
    pattern = re.compile(at_most(largest))
    for number in {1, 2, largest // 3 + 1, largest - 1, largest, largest + 1, largest * 10}:
        assert bool(pattern.fullmatch(str(number))) == (1 <= number <= largest), number
    for text in ["0", "-1", "01", "", "+1", " 1", str(largest) + "0"]:
        assert not pattern.fullmatch(text)


def test_the_id_pattern_is_exact_for_every_small_bound() -> None:
    for largest in range(1, 260):
        pattern = re.compile(at_most(largest))
        assert [n for n in range(3000) if pattern.fullmatch(str(n))] == list(range(1, largest + 1))
