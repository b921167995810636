"""Every log record the server writes, from any logger, as one JSON line that holds no patient data.

What a record may carry is decided here, once, for every logger (the app's, uvicorn's, SQLAlchemy's,
the root): ``log_config()`` sends them all through ``JsonLineFormatter`` on stderr, and ``trdnav serve``
gives it to uvicorn as its ``log_config`` (so ``make run`` has it too).

A line is ``{"time", "level", "logger", "event"}`` and only those fields of ``ALLOWED_FIELDS`` the
record was given with ``extra=``; everything else is dropped:

- ``event`` is the message *template* (``"Started server process [%d]"``), never the arguments
  interpolated into it: an argument can be a path, a form value or an exception. A message that is
  not text (``logger.error(exc)``) is named by its type. So code logs values an operator needs as
  allow-listed ``extra`` fields (ids, codes, counts), and never formats data into the message
  (ruff's ``G`` rules refuse f-strings and ``%`` in logging calls).
- An exception is named by its type only (``"exception": "ValueError"``): its message and its
  traceback can quote what a person typed.
- The line is written by ``json.dumps`` with ASCII escapes, so a newline, a quote or a lone
  surrogate in any value stays inside its string: nothing can forge a second line or a field.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import sys
from typing import Any

# The fields a line may carry besides time, level, logger and event, with what each is:
ALLOWED_FIELDS = frozenset(
    {
        # trdnav.request: one line per HTTP request (trdnav.web.middleware.request_log)
        "method",  # GET, POST, ...
        "route",  # the route's path template, never the path
        "status",  # the HTTP status sent
        "duration_ms",
        "request_id",  # random, also sent as X-Request-ID
        # ids and codes of what staff did
        "assessment_id",
        "staff_id",
        "records",  # a count
        "reason",  # a code from a fixed list
    }
)
_SCALARS = (str, int, float, bool, type(None))


def _event(record: logging.LogRecord) -> str:
    return record.msg if isinstance(record.msg, str) else type(record.msg).__name__


def _field(value: object) -> object:
    """A scalar as it is; anything else by its type's name (its text could hold anything)."""
    return value if isinstance(value, _SCALARS) else type(value).__name__


class JsonLineFormatter(logging.Formatter):
    """One record as one line of JSON: the template, the allow-listed fields, the exception's type."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": str(record.levelname),
            "logger": str(record.name),
            "event": _event(record),
        }
        fields = vars(record)
        line.update({key: _field(fields[key]) for key in sorted(ALLOWED_FIELDS & fields.keys())})
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=True)


def log_config() -> dict[str, Any]:
    """The ``logging.config.dictConfig`` settings: a new dict each time (``dictConfig`` changes the one
    it is given), for uvicorn's ``log_config`` and for ``configure_logging``."""
    quiet = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLineFormatter}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        # Every logger propagates to the root and its one handler; none has a handler of its own.
        "root": {"level": "WARNING", "handlers": ["stderr"]},
        "loggers": {
            "trdnav": {"level": "INFO", **quiet},
            "uvicorn": {"level": "INFO", **quiet},
            "uvicorn.error": {"level": "INFO", **quiet},
            # The access log prints the path, which holds the private link: trdnav.request replaces it.
            "uvicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            # SQLAlchemy's INFO and DEBUG are its SQL echo (statements, parameters, rows): never on.
            "sqlalchemy": {"level": "WARNING", **quiet},
        },
    }


def configure_logging() -> None:
    """Apply ``log_config()``, and take the handlers off every logger that exists already (a library
    may have added its own), so that the root's JSON handler is the only one that writes.

    A record that reaches no handler at all (a logger that does not propagate, like uvicorn's
    access log) would go to ``logging.lastResort``, which prints the formatted message as plain
    text: it writes JSON lines too."""
    logging.config.dictConfig(log_config())
    last_resort = logging.StreamHandler(sys.stderr)
    last_resort.setLevel(logging.WARNING)
    last_resort.setFormatter(JsonLineFormatter())
    logging.lastResort = last_resort
    for each in list(logging.root.manager.loggerDict.values()):
        if isinstance(each, logging.Logger) and each.name != "uvicorn.access":
            each.handlers.clear()
            each.propagate = True
