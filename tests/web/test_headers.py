"""Security headers on every kind of response, and templates that keep the CSP honest.

Every response carries a Content-Security-Policy without inline code, nosniff, no Referer (the
private link is in the URL), no framing and no camera/microphone/location: pages, the JSON API,
its errors, static files, redirects, 404s and the 413/500 made outside the routes. HSTS only in
production. The template scan fails as soon as a template (anyone's) adds markup the CSP would
block.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from trdnav.web.middleware.headers import CONTENT_SECURITY_POLICY

EXPECTED = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
DOCUMENT = {"version": 1, "answers": {"age": 47}}


def assert_secured(response: Response) -> None:
    for name, value in EXPECTED.items():
        # get_list: a header sent twice (by a route and the middleware) would show up here.
        assert response.headers.get_list(name) == [value], (response.url, name)
    assert "strict-transport-security" not in response.headers, response.url


def test_the_policy_allows_only_the_app_itself_and_never_inline_code() -> None:
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    for unsafe in ("unsafe-inline", "unsafe-eval", "unsafe-hashes", "*"):
        assert unsafe not in CONTENT_SECURITY_POLICY


def test_pages_api_errors_static_files_and_redirects_are_all_secured(client: TestClient) -> None:
    responses = {
        "page": client.get("/"),
        "api": client.post("/api/v1/assessments:evaluate", json=DOCUMENT),
        "problem": client.post(
            "/api/v1/assessments:evaluate", content=b"{", headers={"content-type": "application/json"}
        ),
        "not found page": client.get("/no/such/page"),
        "not found api": client.get("/api/v1/assessments/" + "A" * 43),
        "stylesheet": client.get("/static/style.css"),
        "redirect": client.post("/start", follow_redirects=False),
        "docs": client.get("/docs"),
        "openapi": client.get("/openapi.json"),
    }
    statuses = {kind: response.status_code for kind, response in responses.items()}
    assert statuses == {
        "page": 200,
        "api": 200,
        "problem": 400,
        "not found page": 404,
        "not found api": 404,
        "stylesheet": 200,
        "redirect": 303,
        "docs": 200,
        "openapi": 200,
    }
    assert responses["problem"].headers["content-type"] == "application/problem+json"
    assert responses["stylesheet"].headers["content-type"].startswith("text/css")
    for response in responses.values():
        assert_secured(response)


def test_a_private_page_that_sets_its_own_referrer_policy_sends_it_once(client: TestClient) -> None:
    location = client.post("/start", follow_redirects=False).headers["location"]
    page = client.get(location)
    assert page.status_code == 200
    assert_secured(page)
    assert page.headers["cache-control"] == "no-store"  # the route's own headers are kept


def test_a_too_large_body_is_refused_with_the_headers_too(client: TestClient, app: FastAPI) -> None:
    too_large = b"x" * (app.state.settings.max_body_bytes + 1)
    response = client.post(
        "/api/v1/assessments:evaluate", content=too_large, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert_secured(response)


def test_a_server_error_is_secured_too(app: FastAPI) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken-for-test", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken-for-test")
    assert response.status_code == 500
    assert_secured(response)


def test_hsts_only_in_production(production_app: FastAPI, client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/").headers
    with TestClient(production_app) as production:
        for response in (production.get("/"), production.get("/static/style.css"), production.get("/nope")):
            assert response.headers.get_list("strict-transport-security") == [HSTS]
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


# --- Templates ------------------------------------------------------------------------------------

TEMPLATES = Path(str(resources.files("trdnav.web").joinpath("templates")))
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)\b([^>]*)>", re.S)
EVENT_HANDLER = re.compile(r"(?:^|\s)on[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"(?:^|\s)style\s*=", re.I)
SCRIPT_SOURCE = re.compile(r"(?:^|\s)src\s*=", re.I)


def csp_problems(html: str) -> list[str]:
    """Markup that a policy without 'unsafe-inline' blocks: inline scripts and styles, handlers."""
    problems = []
    for tag in TAG.finditer(html):
        name, attributes = tag.group(1).lower(), tag.group(2)
        if name == "script" and not SCRIPT_SOURCE.search(attributes):
            problems.append(f"an inline <script>: {tag.group(0)}")
        if name == "style":
            problems.append("a <style> block")
        if STYLE_ATTRIBUTE.search(attributes):
            problems.append(f"a style= attribute: {tag.group(0)}")
        if EVENT_HANDLER.search(attributes):
            problems.append(f"an on<event>= handler: {tag.group(0)}")
    if re.search(r"javascript:", html, re.I):
        problems.append("a javascript: URL")
    return problems


def test_the_scan_finds_what_the_policy_would_block() -> None:
    assert csp_problems('<script src="/static/a.js"></script><p class="x">on=</p>') == []
    blocked = [
        "<script>alert(1)</script>",
        "<style>p {}</style>",
        '<p style="color: red">',
        '<button onclick="go()">',
        '<body\n  onload="go()">',
        '<a href="javascript:go()">',
    ]
    for html in blocked:
        assert csp_problems(html), html


def test_no_template_has_inline_scripts_styles_or_event_handlers() -> None:
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 10
    found = {
        str(path.relative_to(TEMPLATES)): problems
        for path in templates
        if (problems := csp_problems(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "the Content-Security-Policy would block these (move them to /static files)"


def test_every_api_response_with_patient_data_or_its_echo_is_no_store(client: TestClient) -> None:
    """A browser, a proxy or a shared disk cache must keep no copy of answers or results."""
    created = client.post("/api/v1/assessments", json=DOCUMENT)
    token = created.json()["token"]
    responses = [
        client.post("/api/v1/assessments:evaluate", json=DOCUMENT),
        created,
        client.get(f"/api/v1/assessments/{token}"),
        client.post("/api/v1/assessments:evaluate", json={"version": 1, "answers": {"age": "forty"}}),
        client.post(
            "/api/v1/assessments:evaluate", content=b"{not json", headers={"content-type": "application/json"}
        ),
        client.get("/api/v1/assessments/not-a-link"),
    ]
    assert [response.status_code for response in responses] == [200, 201, 200, 422, 400, 404]
    for response in responses:
        assert response.headers.get_list("cache-control") == ["no-store"], response.url
        assert_secured(response)
