"""The one JSON formatter every logger writes through: what a line may hold, and what it never does.

The attacks: a crafted ``extra`` key or value that would forge a second line or a field; an
exception whose message or traceback quotes a patient's answer; a message formatted with the
patient's data as its argument; a logger (uvicorn's, the root, SQLAlchemy's) with a handler of its own.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from trdnav.web.log_lines import ALLOWED_FIELDS, JsonLineFormatter, configure_logging

CANARY = "canary-answer-51c9"
FIELDS_ALWAYS = {"time", "level", "logger", "event"}


def _record(
    msg: object, *args: object, exc: BaseException | None = None, **extra: object
) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, msg, args or None, exc_info)
    record.__dict__.update(extra)
    return record


def _raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


def test_a_crafted_key_or_value_can_forge_neither_a_line_nor_a_field() -> None:
    forged = '"}\n{"level": "INFO", "event": "forged", "x": "'
    record = _record(f"bad {forged}", **{forged: CANARY, "status": forged, "route": f"\r\n{forged}\ud800"})
    text = JsonLineFormatter().format(record)
    assert "\n" not in text and "\r" not in text
    line = json.loads(text)
    assert set(line) == FIELDS_ALWAYS | {"status", "route"}
    assert line["status"] == forged  # a value stays inside its own string
    assert CANARY not in text
    text.encode("ascii")  # every character escaped, a lone surrogate too


def test_an_exception_is_named_by_its_type_only() -> None:
    error = _raised(ValueError(f"invalid literal for int() with base 10: '{CANARY}'"))
    text = JsonLineFormatter().format(_record("Exception in ASGI application\n", exc=error))
    line = json.loads(text)
    assert line["exception"] == "ValueError"
    assert CANARY not in text and "Traceback" not in text


def test_the_arguments_of_a_message_are_never_written() -> None:
    """``logger.info("... %s", value)``: the template, not the value; an exception as the message
    (uvicorn's ``logger.error(exc)``) by its type."""
    line = json.loads(JsonLineFormatter().format(_record('%s - "%s %s"', "127.0.0.1", "GET", f"/a/{CANARY}")))
    assert line["event"] == '%s - "%s %s"'
    as_message = JsonLineFormatter().format(_record(KeyError(CANARY)))
    assert json.loads(as_message)["event"] == "KeyError" and CANARY not in as_message


def test_fields_off_the_allow_list_are_dropped_and_others_kept_as_scalars() -> None:
    record = _record(
        "request",
        method="POST",
        status=500,
        duration_ms=1.5,
        answers={"age": CANARY},  # not on the list
        color_message=CANARY,  # uvicorn's coloured copy of the message, with its arguments
        request_id=[CANARY],  # on the list but not a scalar: named by its type
    )
    text = JsonLineFormatter().format(record)
    line = json.loads(text)
    assert line == {**line, "method": "POST", "status": 500, "duration_ms": 1.5, "request_id": "list"}
    assert set(line) <= FIELDS_ALWAYS | ALLOWED_FIELDS
    assert CANARY not in text


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging changes the process's loggers: put them back for the other tests."""
    manager = logging.root.manager
    before = {
        name: (each.level, list(each.handlers), each.propagate, each.disabled)
        for name, each in [("", logging.root), *manager.loggerDict.items()]
        if isinstance(each, logging.Logger)
    }
    last_resort = logging.lastResort
    yield
    logging.lastResort = last_resort
    for name, (level, handlers, propagate, disabled) in before.items():
        each = logging.getLogger(name or None)
        each.setLevel(level)
        each.handlers[:] = handlers
        each.propagate = propagate
        each.disabled = disabled


def test_every_logger_writes_through_the_one_json_handler(
    restored_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    stray = logging.getLogger("some.library")
    stray.addHandler(logging.StreamHandler(io.StringIO()))  # a library's own plain-text handler
    stray.propagate = False
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    configure_logging()
    error = _raised(RuntimeError(CANARY))
    logging.getLogger("uvicorn.error").error("Exception in ASGI application", exc_info=error)
    logging.getLogger("uvicorn.access").critical('%s - "GET %s"', "127.0.0.1", f"/a/{CANARY}")
    logging.getLogger("sqlalchemy.engine").info("[generated] (%r,)", CANARY)  # the SQL echo: off
    stray.warning("from %s", CANARY)
    logging.getLogger("trdnav.request").info("request", extra={"route": "/a/{token}", "status": 200})
    logging.getLogger().warning(KeyError(CANARY))

    lines = [json.loads(text) for text in stderr.getvalue().splitlines()]
    assert [(line["logger"], line["event"]) for line in lines] == [
        ("uvicorn.error", "Exception in ASGI application"),
        ("uvicorn.access", '%s - "GET %s"'),  # no handler (it does not propagate): the last resort
        ("some.library", "from %s"),
        ("trdnav.request", "request"),
        ("root", "KeyError"),
    ]
    assert lines[0]["exception"] == "RuntimeError"
    assert CANARY not in stderr.getvalue()
    assert not stray.handlers and stray.propagate
