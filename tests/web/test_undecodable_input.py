"""Input that cannot be decoded is refused with a 4xx on every route, signed in or not, never a 500.

Every route of the app, with each path parameter filled from the world's ids, is sent query strings
and bodies holding lone surrogates, bytes that are not UTF-8 and NUL characters: as URL-encoded forms
(with this browser's CSRF token, so the route itself reads them), as JSON and as multipart. Staff
routes are called by a signed-in admin with two-factor done. A 500 (an exception the client raises
here) is where a traceback with the input would reach a log.
"""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.web.conftest import World, signed_in

QUERY = "?page=%ED%A0%80&therapies=%FF%00&visit=%00&from=%ED%A0%80"
BODIES = {
    "form, lone surrogate": (b"name=%ED%A0%80&reason=%ED%B0%80", b"application/x-www-form-urlencoded"),
    "form, not UTF-8": (b"name=%FF%FE&email=\xff", b"application/x-www-form-urlencoded"),
    "form, NUL": (b"name=a%00b&code=%00", b"application/x-www-form-urlencoded"),
    "JSON, lone surrogate": (b'{"version":1,"answers":{"\\ud800":"\\udc00"}}', b"application/json"),
    "JSON, not UTF-8": (b'{"version":1,"answers":{"a":"\xff"}}', b"application/json"),
    "multipart": (
        b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xed\xa0\x80\x00\r\n--B--\r\n',
        b"multipart/form-data; boundary=B",
    ),
}


def test_undecodable_input_never_makes_a_route_answer_500(app: FastAPI, world: World) -> None:
    ids = {
        "assessment_id": world.assessment_a,
        "consultation_id": world.consultation_a,
        "token": world.token_a,
    }
    routes = [
        (re.sub(r"\{(\w+)(:\w+)?\}", lambda found: str(ids.get(found.group(1), 1)), route.path), method)
        for route in app.routes
        for method in sorted(getattr(route, "methods", None) or ())
        if method in {"GET", "POST"}
    ]
    client = signed_in(app, world.admin_a, two_factor_done=True)
    token = client.form_token().encode()
    answered: list[tuple[str, str, str, int]] = []
    for path, method in routes:
        if method == "GET":
            answered.append((method, path, "query", client.get(path + QUERY).status_code))
            continue
        for name, (body, content_type) in BODIES.items():
            if content_type.startswith(b"application/x-www"):
                body += b"&csrf_token=" + token
            response = client.request(
                method, path + QUERY, content=body, headers={"content-type": content_type}
            )
            answered.append((method, path, name, response.status_code))
    assert len(answered) > 200
    assert [each for each in answered if each[3] >= 500] == []
    refused = {
        (path, name) for method, path, name, status in answered if method == "POST" and status in (400, 422)
    }
    assert ("/api/v1/assessments:evaluate", "JSON, lone surrogate") in refused
    assert ("/staff/admin/settings", "form, not UTF-8") in refused
