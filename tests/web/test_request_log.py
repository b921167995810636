"""No patient data in anything logged: the canary test, and the request log's shape.

A whole patient flow is driven in-process with distinctive "canary" values wherever the forms and
the API accept free text or a number (and wrong values that are refused, which error paths could
echo), then the staff pages that show the same assessment. Everything logged meanwhile, by every
logger at DEBUG, and everything written to stdout and stderr, is searched for the canaries and
the private links. The request log must have written its lines meanwhile, so the test cannot pass
by logging nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import safety_items
from tests.web.conftest import (
    BrowserClient,
    World,
    add_patient,
    default_clinic_app,
    safety_all_no,
    signed_in,
    unassigned_assessment,
)
from trdnav.store.repository import find_by_token
from trdnav.web.log_lines import JsonLineFormatter
from trdnav.web.middleware.request_log import LOGGER_NAME, route_template

CANARY_CONTACT = {
    "name": "Canary-Name-7f3a",
    "phone": "555 0199 7342",  # a phone number may hold digits, spaces and + ( ) . - only
    "email": "canary-7f3a@example.org",
    "preferred_times": "canary-times-7f3a",
    "message": "canary-message-7f3a",
}
CANARY_REFUSED = {
    "age": "canary-age-7f3a",
    "email": "canary-bad-email-7f3a",
    "api value": "canary-api-value-7f3a",
    "api item": "canary_api_item_7f3a",
}
CANARY_MONTHS = 587  # the only three-digit answer in the flow; episode_months allows 0-600
ABOUT = {"age": "47", "conditions": ["depression"], "episode_months": str(CANARY_MONTHS)}
SURE = {"sure": "no", "understand": "yes", "risk_benefit": "no", "encouragement": "yes"}
API_DOCUMENT = {
    "version": 1,
    "answers": {"age": 47, "episode_months": CANARY_MONTHS, "dislikes_needles": "yes"},
}

# The test's own HTTP client logs each URL it requests, private links included. It stands in for
# the browser: in production it is not in the server process, so its records are not the app's.
TEST_CLIENT_LOGGERS = {"httpx", "httpx2", "httpcore"}
REQUEST_LINE_KEYS = {
    "time",
    "level",
    "logger",
    "event",
    "method",
    "route",
    "status",
    "duration_ms",
    "request_id",
}
STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


# SQLAlchemy's loggers are its SQL echo: off unless asked for (it sets them to WARN itself), and at
# INFO or DEBUG they print statements, parameters and rows by design. Never turn them on in
# production; they stay at their own level here.
DATABASE_ECHO = "sqlalchemy"


@pytest.fixture
def every_logger_at_debug() -> Iterator[None]:
    """Every logger at DEBUG for the test, also those that set a level of their own."""
    loggers = [
        logging.getLogger(name)
        for name in list(logging.root.manager.loggerDict)
        if name.split(".")[0] != DATABASE_ECHO
    ]
    before = [(each, each.level, each.disabled) for each in loggers]
    for each in loggers:
        if each.level:
            each.setLevel(logging.DEBUG)
        each.disabled = False
    yield
    for each, level, disabled in before:
        each.setLevel(level)
        each.disabled = disabled


def start_at_clinic(client: TestClient, slug: str) -> str:
    response = client.post(f"/c/{slug}/start", follow_redirects=False)
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/a/([A-Za-z0-9_-]+)/about", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


def expect(response: Any, status: int) -> Any:
    assert response.status_code == status, (response.request.url.path, response.status_code)
    return response


def drive_the_patient_flow(client: TestClient) -> list[str]:
    """Every patient page and form, with the canaries; returns the private links made."""
    token = start_at_clinic(client, "north")
    page = f"/a/{token}"
    expect(client.get(f"{page}/about"), 200)
    expect(client.post(f"{page}/about", data={**ABOUT, "age": CANARY_REFUSED["age"]}), 422)
    expect(client.post(f"{page}/about", data=ABOUT, follow_redirects=False), 303)
    feelings = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "0"}
    expect(client.post(f"{page}/feelings", data=feelings, follow_redirects=False), 303)
    safety = dict.fromkeys(safety_items(), "no")
    expect(client.post(f"{page}/safety", data=safety, follow_redirects=False), 303)
    priorities = {"dislikes_needles": "yes", "can_attend_daily_sessions": "no"}
    expect(client.post(f"{page}/priorities", data=priorities, follow_redirects=False), 303)
    review = expect(client.get(f"{page}/review"), 200)
    assert f"<dd>{CANARY_MONTHS}</dd>" in review.text  # the canary answer was taken and shown
    expect(client.get(page, follow_redirects=False), 303)
    expect(client.get(f"{page}/results"), 200)
    expect(client.post(f"{page}/sure", data=SURE, follow_redirects=False), 303)
    expect(client.get(f"{page}/print"), 200)
    pdf = expect(client.get(f"{page}/summary.pdf"), 200)
    assert pdf.content.startswith(b"%PDF")
    expect(client.get(f"{page}/consultation"), 200)
    refused = {**CANARY_CONTACT, "email": CANARY_REFUSED["email"]}
    expect(client.post(f"{page}/consultation", data=refused), 422)
    expect(client.post(f"{page}/consultation", data=CANARY_CONTACT, follow_redirects=False), 303)
    done = expect(client.get(f"{page}/consultation/done"), 200)
    assert done.request.url.path.endswith("/consultation/done")

    stored = expect(client.post("/api/v1/assessments", json=API_DOCUMENT), 201).json()
    expect(client.get(f"/api/v1/assessments/{stored['token']}"), 200)
    expect(client.post("/api/v1/assessments:evaluate", json=API_DOCUMENT), 200)
    wrong = {
        "version": 1,
        "answers": {"insurance": CANARY_REFUSED["api value"], CANARY_REFUSED["api item"]: 1},
    }
    expect(client.post("/api/v1/assessments:evaluate", json=wrong), 422)
    return [token, stored["token"]]


STAFF_PAGES = (
    "/staff/",
    "/staff/assessments/{assessment_id}",
    "/staff/assessments/{assessment_id}/summary",
    "/staff/assessments/{assessment_id}/summary.pdf",
    "/staff/assessments/{assessment_id}/export.json",
    "/staff/assessments/{assessment_id}/questionnaire-response.json",
)


def open_the_staff_pages(app: FastAPI, world: World, token: str, request_ids: list[str]) -> list[str]:
    """The staff pages that exist (the workspace is being built), for the canary assessment."""
    with app.state.sessions() as session:
        assessment = find_by_token(session, token)
        assert assessment is not None
        assessment_id = assessment.id
    routes = {getattr(route, "path", None) for route in app.routes}
    opened = []
    with signed_in(app, world.clinician_a, two_factor_done=True) as clinician:
        clinician.event_hooks["response"].append(
            lambda response: request_ids.append(response.headers["x-request-id"])
        )
        for template in STAFF_PAGES:
            if template in routes:
                path = template.format(assessment_id=assessment_id)
                expect(clinician.get(path), 200)
                opened.append(template)
    return opened


def logged_text(record: logging.LogRecord) -> str:
    """What any handler could write for a record: message, arguments, extra fields, traceback."""
    extras = {key: value for key, value in vars(record).items() if key not in STANDARD_ATTRIBUTES}
    parts = [record.getMessage(), repr(record.msg), repr(record.args), repr(extras)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


def test_nothing_logged_during_the_whole_flow_holds_patient_data(
    app: FastAPI,
    world: World,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    every_logger_at_debug: None,
) -> None:
    caplog.set_level(logging.DEBUG)
    request_ids: list[str] = []
    with BrowserClient(app) as client:
        client.event_hooks["response"].append(
            lambda response: request_ids.append(response.headers["x-request-id"])
        )
        tokens = drive_the_patient_flow(client)
    staff_pages = open_the_staff_pages(app, world, tokens[0], request_ids)
    output = capfd.readouterr()

    records = [r for r in caplog.records if r.name.split(".")[0] not in TEST_CLIENT_LOGGERS]
    logged = [(record.name, logged_text(record)) for record in records]
    logged += [("stdout", output.out), ("stderr", output.err)]
    secrets = [*CANARY_CONTACT.values(), *CANARY_REFUSED.values(), *tokens]
    months = re.compile(rf"(?<![\w.:]){CANARY_MONTHS}(?![\w.])")
    leaks = [
        (source, secret) for source, text in logged for secret in secrets if secret.lower() in text.lower()
    ]
    leaks += [(source, str(CANARY_MONTHS)) for source, text in logged if months.search(text)]
    assert leaks == [], "patient data or a private link was logged"

    # The test saw the log: one JSON request line per request, with nothing but its fields.
    lines = [json.loads(JsonLineFormatter().format(r)) for r in records if r.name == LOGGER_NAME]
    assert len(request_ids) >= 20 + len(staff_pages)
    assert [line["request_id"] for line in lines] == request_ids
    assert all(set(line) == REQUEST_LINE_KEYS and line["event"] == "request" for line in lines)
    routes = {line["route"] for line in lines}
    assert {"/c/{slug}/start", "/a/{token}/about", "/a/{token}/results", "/a/{token}/summary.pdf"} <= routes
    assert {"/api/v1/assessments", "/api/v1/assessments/{token}", "/api/v1/assessments:evaluate"} <= routes
    assert set(staff_pages) <= routes
    assert {(line["route"], line["status"]) for line in lines} >= {
        ("/a/{token}/about", 422),
        ("/a/{token}", 303),
    }


def test_nothing_logged_on_the_refusal_paths_holds_patient_data(
    app: FastAPI,
    world: World,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    every_logger_at_debug: None,
) -> None:
    """The paths that refuse but still act (issue 9): API answers refused with PHQ-9 item 9 above 0
    (crisis resources returned; the default clinic alerted), a consultation request refused by a
    standalone site, the admins' list of assessments without a clinic (it shows the name given in a
    request) and assigning one, and a course refused until its safety screen is reviewed."""
    app.state.clock = lambda: dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
    caplog.set_level(logging.DEBUG)
    refused_with_item_9 = {
        "version": 1,
        "answers": {
            "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 2],
            CANARY_REFUSED["api item"]: CANARY_REFUSED["api value"],
        },
    }
    with BrowserClient(app) as client:
        expect(client.post("/api/v1/assessments:evaluate", json=refused_with_item_9), 422)
        start = expect(client.post("/start", follow_redirects=False), 303)
        token = start.headers["location"].split("/")[2]
        expect(client.get(f"/a/{token}/results"), 200)
        expect(client.post(f"/a/{token}/consultation", data=CANARY_CONTACT), 409)
    with default_clinic_app(app, "north") as connected, TestClient(connected) as client:
        body = expect(client.post("/api/v1/assessments", json=refused_with_item_9), 422).json()
        assert body["clinic_alerted"] is True
    lost, lost_token = unassigned_assessment(app, suicide_risk=True, request_name=CANARY_CONTACT["name"])
    with signed_in(app, world.admin_a, two_factor_done=True) as admin:
        listed = expect(admin.get("/staff/admin/unassigned"), 200)
        assert CANARY_CONTACT["name"] in listed.text  # the page shows it; the log must not
        expect(admin.post(f"/staff/admin/unassigned/{lost}/assign", follow_redirects=False), 303)
    answers = {k: v for k, v in safety_all_no().items() if k != "psychosis_history"}  # needs review
    with app.state.sessions.begin() as session:
        patient = add_patient(session, world.clinic_a, answers).id
    with signed_in(app, world.clinician_a, two_factor_done=True) as clinician:
        form = {"protocol": "iv_ketamine_twice_weekly", "start_date": "2026-10-19", "unavailable": ""}
        refused = expect(clinician.post(f"/staff/assessments/{patient}/courses/new", data=form), 422)
        assert "no clinician has reviewed it" in refused.text
    output = capfd.readouterr()

    records = [r for r in caplog.records if r.name.split(".")[0] not in TEST_CLIENT_LOGGERS]
    logged = [(record.name, logged_text(record)) for record in records]
    logged += [("stdout", output.out), ("stderr", output.err)]
    secrets = [*CANARY_CONTACT.values(), CANARY_REFUSED["api item"], CANARY_REFUSED["api value"]]
    secrets += [token, lost_token]
    leaks = [
        (source, secret) for source, text in logged for secret in secrets if secret.lower() in text.lower()
    ]
    assert leaks == [], "patient data or a private link was logged"
    lines = [json.loads(JsonLineFormatter().format(r)) for r in records if r.name == LOGGER_NAME]
    routes = {(line["route"], line["status"]) for line in lines}
    assert {
        ("/api/v1/assessments:evaluate", 422),
        ("/api/v1/assessments", 422),
        ("/a/{token}/consultation", 409),
        ("/staff/admin/unassigned", 200),
        ("/staff/admin/unassigned/{unassigned_id}/assign", 303),
        ("/staff/assessments/{assessment_id}/courses/new", 422),
    } <= routes, "the test saw the request log of every path"


def test_each_response_carries_the_id_of_its_log_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    response = client.get("/static/style.css?private=query")
    lines = [json.loads(JsonLineFormatter().format(r)) for r in caplog.records if r.name == LOGGER_NAME]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", line["request_id"])
    assert (line["method"], line["route"], line["status"]) == ("GET", "/static", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "private" not in json.dumps(line)  # never the query string
    other = client.get("/")
    assert other.headers["x-request-id"] != response.headers["x-request-id"]


def test_unmatched_paths_and_plain_routes_are_named_without_the_path(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    client.get("/no/such/canary-path-7f3a")
    client.get("/openapi.json")
    client.get("/docs/swagger-ui/swagger-ui.css")
    lines = [json.loads(JsonLineFormatter().format(r)) for r in caplog.records if r.name == LOGGER_NAME]
    assert [(line["route"], line["status"]) for line in lines] == [
        ("unmatched", 404),
        ("/openapi.json", 200),
        ("/docs/swagger-ui", 200),
    ]


def test_route_template_of_a_request_that_was_never_routed() -> None:
    assert route_template({"type": "http", "path": "/a/secret/about"}) == "unmatched"
