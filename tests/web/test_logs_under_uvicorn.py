"""The canary fuzz test: `trdnav serve` under attack on its error paths, and nothing of it in any log.

The server runs the way production runs it (`trdnav serve`: uvicorn with the app's log config), in
a subprocess whose stdout and stderr are captured whole. One test-only route raises an exception
whose message quotes a canary, and one logs a canary as a message argument: the two ways a
traceback or a message could carry a patient's answer. The requests are sent over a plain socket, so
they can hold what no HTTP client sends (bytes that are not UTF-8 in the path and the headers,
broken framing). Each carries a canary somewhere: answers, names, phone numbers, keys, headers,
cookies, query strings, malformed JSON, lone surrogates, NUL bytes, a body over the size limit,
unknown routes. Then: no canary in anything written; every line on stderr is one JSON object with
allow-listed fields; and no request but the test-only one was answered with a 5xx.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trdnav.web.log_lines import ALLOWED_FIELDS

CANARY = "Canary7q2w"  # each request's canary is this, a number and a letter: CANARY + "03x"
START_SECONDS = 30

SERVER = """
import logging, os
import trdnav.web.serve as serve
from trdnav.cli import main

canary = os.environ["CANARY"]
built = serve.build_app

def with_test_only_routes(settings):
    app = built(settings)

    @app.get("/test-only/raise")
    def fail() -> None:
        raise ValueError(f"invalid literal: {{'name': '{canary}-name', 'phone': '555 0100 {canary}'}}")

    @app.get("/test-only/log")
    def log() -> dict[str, str]:
        logging.getLogger("trdnav.test").warning("answer %s", f"{canary}-logged")
        logging.getLogger("some.library").error(KeyError(f"{canary}-key"))
        return {}

    return app

serve.build_app = with_test_only_routes
main()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _send(port: int, raw: bytes, timeout: float = 10) -> int | None:
    """Send raw bytes as one request; the status answered, or None if the server only closed (or
    still waits for the rest of the body when ``timeout`` runs out)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        with contextlib.suppress(OSError):  # the server answered (413) and closed before the whole body
            connection.sendall(raw)
        answer = b""
        try:
            while b"\r\n" not in answer:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except OSError:
            pass
    found = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
    return int(found.group(1)) if found else None


def _request(
    method: str, target: bytes, body: bytes = b"", content_type: bytes = b"", headers: bytes = b""
) -> bytes:
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    if content_type:
        lines.append(b"Content-Type: " + content_type)
    if body:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    head = b"\r\n".join(lines) + b"\r\n" + headers
    return head + b"\r\n" + body


JSON = b"application/json"
FORM = b"application/x-www-form-urlencoded"


def _attacks() -> list[tuple[str, bytes]]:
    """(name, raw request); every one holds its own canary ``CANARY + two digits + a letter``."""
    made: list[tuple[str, bytes]] = []

    def add(name: str, build: object) -> None:
        canary = f"{CANARY}{len(made):02d}x"
        raw = build(canary.encode()) if callable(build) else b""
        made.append((name, raw))

    evaluate = b"/api/v1/assessments:evaluate"
    add(
        "answers", lambda c: _request("POST", evaluate, b'{"version":1,"answers":{"age":"' + c + b'"}}', JSON)
    )
    add("key", lambda c: _request("POST", evaluate, b'{"version":1,"answers":{"' + c + b'":1}}', JSON))
    add(
        "forged line",
        lambda c: _request(
            "POST", evaluate, b'{"version":1,"answers":{"\\"}\\n{\\"event\\": \\"' + c + b'\\"":1}}', JSON
        ),
    )
    add(
        "surrogates",
        lambda c: _request("POST", evaluate, b'{"\\ud800' + c + b'":"\\udc00' + c + b'","answers":{}}', JSON),
    )
    add("malformed JSON", lambda c: _request("POST", evaluate, b'{"version":1,"answers":{"' + c, JSON))
    add("not UTF-8", lambda c: _request("POST", evaluate, b'{"answers":{"name":"\xff\xfe' + c + b'"}}', JSON))
    add("NUL", lambda c: _request("POST", evaluate, b'{"answers":{"name":"\\u0000' + c + b'\x00"}}', JSON))
    add("nested", lambda c: _request("POST", evaluate, b"[" * 100_000 + b'"' + c + b'"', JSON))
    add("huge body", lambda c: _request("POST", evaluate, b'{"x":"' + c * 200_000 + b'"}', JSON))
    add("wrong type", lambda c: _request("POST", evaluate, c, b"text/plain; " + c))
    add(
        "stored, then refused item 9",
        lambda c: _request(
            "POST",
            b"/api/v1/assessments",
            b'{"version":1,"answers":{"phq9":[1,1,1,1,1,1,1,1,2],"' + c + b'":1}}',
            JSON,
        ),
    )
    add("token", lambda c: _request("GET", b"/api/v1/assessments/" + c))
    add("private link", lambda c: _request("GET", b"/a/" + c + b"/about?name=" + c))
    add("unknown route", lambda c: _request("GET", b"/no/such/" + c + b"?phone=555%200100%20" + c))
    add("query", lambda c: _request("GET", b"/?therapies=%ED%A0%80" + c + b"&page=%00" + c))
    add("form", lambda c: _request("POST", b"/start", b"name=" + c + b"&phone=555+" + c, FORM))
    add("form surrogate", lambda c: _request("POST", b"/start", b"name=%ED%A0%80" + c + b"%00", FORM))
    add(
        "form not UTF-8",
        lambda c: _request("POST", b"/staff/login", b"email=\xff" + c + b"&password=" + c, FORM),
    )
    add(
        "multipart",
        lambda c: _request(
            "POST",
            b"/staff/login",
            b'--B\r\nContent-Disposition: form-data; name="' + c + b'"\r\n\r\n' + c + b"\r\n--B--\r\n",
            b"multipart/form-data; boundary=B",
        ),
    )
    add(
        "headers",
        lambda c: _request(
            "GET",
            b"/staff/",
            headers=b"Cookie: trdnav_staff="
            + c
            + b"; trdnav_csrf="
            + c
            + b"\r\nUser-Agent: "
            + c
            + b"\r\nReferer: http://x/"
            + c
            + b"\r\nX-Forwarded-For: "
            + c
            + b"\r\n",
        ),
    )
    add("header not UTF-8", lambda c: _request("GET", b"/", headers=b"X-Name: \xff\xfe" + c + b"\r\n"))
    add("path not UTF-8", lambda c: _request("GET", b"/a/\xff" + c))
    add("broken request line", lambda c: b"GET /" + c + b" HTTP/9.9\r\n\r\n")
    add("broken header", lambda c: b"GET / HTTP/1.1\r\nHost: x\r\n" + c + b"\r\n\r\n")
    add(
        "short body",
        lambda c: (
            b"POST /api/v1/assessments:evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 999\r\nConnection: close\r\n\r\n" + b'{"answers":{"name":"' + c
        ),
    )
    add(
        "bad chunks",
        lambda c: (
            b"POST /start HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
            + c
            + b"\r\n0\r\n\r\n"
        ),
    )
    add("raised inside a route", lambda c: _request("GET", b"/test-only/raise?" + c))
    add("logged by a route", lambda c: _request("GET", b"/test-only/log?" + c))
    return made


@pytest.mark.slow  # starts `trdnav serve` in a subprocess: 3-5 s
def test_no_canary_reaches_any_log_of_the_server_on_its_error_paths(tmp_path: Path) -> None:
    environ = {key: value for key, value in os.environ.items() if not key.upper().startswith("TRDNAV_")}
    environ.update(
        TRDNAV_DATABASE_URL=f"sqlite:///{tmp_path}/trdnav.db",
        TRDNAV_MAX_BODY_BYTES="1000000",
        PYTHONUNBUFFERED="1",
        CANARY=CANARY,
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    port = _free_port()
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, "serve", "--port", str(port)],
            env=environ,
            stdout=stdout,
            stderr=stderr,
        )
    statuses: dict[str, int | None] = {}
    try:
        deadline = time.monotonic() + START_SECONDS
        while _try_connect(port) is False:
            assert server.poll() is None, err.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        for name, raw in _attacks():
            statuses[name] = _send(port, raw, timeout=1 if name == "short body" else 10)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    written = out.read_bytes() + err.read_bytes()
    assert CANARY.lower().encode() not in written.lower(), _leaks(written)

    server_errors = {
        name: status for name, status in statuses.items() if status is not None and status >= 500
    }
    assert server_errors == {"raised inside a route": 500}, statuses
    assert statuses["surrogates"] == 422 and statuses["not UTF-8"] == 400 and statuses["huge body"] == 413

    lines = [json.loads(line) for line in err.read_text("ascii").splitlines()]
    assert all(
        set(line) <= {"time", "level", "logger", "event", "exception"} | ALLOWED_FIELDS for line in lines
    )
    events = {(line["logger"], line["event"], line.get("exception")) for line in lines}
    assert ("uvicorn.error", "Exception in ASGI application\n", "ValueError") in events  # uvicorn's, in JSON
    assert ("trdnav.test", "answer %s", None) in events and ("some.library", "KeyError", None) in events
    assert ("uvicorn.error", "Invalid HTTP request received.", None) in events
    requests = [line for line in lines if line["logger"] == "trdnav.request"]
    assert len(requests) >= 20, "the request log wrote its lines"
    assert {"/api/v1/assessments:evaluate", "/a/{token}/about", "unmatched", "/test-only/raise"} <= {
        line["route"] for line in requests
    }


def _try_connect(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _leaks(written: bytes) -> str:
    """The written lines holding a canary, for the failure message."""
    return "\n".join(
        line.decode("utf-8", "replace")
        for line in written.splitlines()
        if CANARY.lower().encode() in line.lower()
    )
