"""Running the web app: settings from the environment, the app built and migrated, then uvicorn.

Used by ``trdnav serve`` (and so ``make run``). Problems a person can fix (a bad ``TRDNAV_``
setting, a database URL that cannot be used) become a ``ServeError`` whose lines name the setting,
never a traceback. Every logger, uvicorn's included, writes through ``trdnav.web.log_lines`` (one JSON
line a record, the exception's type only, allow-listed fields). Uvicorn's access log is off: the
private link is in the URL path, and it must not end up in any log;
``trdnav.web.middleware.request_log`` writes one JSON line per request instead, with the route's
template in place of the path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from trdnav.settings import Settings
from trdnav.web.app import create_app
from trdnav.web.log_lines import configure_logging, log_config

PREFIX = "TRDNAV_"


class ServeError(Exception):
    """The app cannot start; each line says what is wrong and which setting to change."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _setting_name(field: object) -> str:
    return f"{PREFIX}{str(field).upper()}"


def _location(loc: tuple[int | str, ...]) -> str:
    """``("therapies", 0)`` -> ``TRDNAV_THERAPIES (item 0)``."""
    name = _setting_name(loc[0]) if loc else PREFIX + "*"
    rest = ", ".join(f"item {part}" if isinstance(part, int) else str(part) for part in loc[1:])
    return f"{name} ({rest})" if rest else name


def settings_from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``Settings`` from the environment; unknown or invalid ``TRDNAV_`` variables are errors.

    The messages name the variable but never echo its value (a database URL may hold a password).
    """
    environ = os.environ if environ is None else environ
    known = {_setting_name(field) for field in Settings.model_fields}
    unknown = sorted(key for key in environ if key.upper().startswith(PREFIX) and key.upper() not in known)
    if unknown:
        listed = ", ".join(sorted(known))
        raise ServeError([f"{key}: not a setting of this app; the settings are {listed}" for key in unknown])
    try:
        return Settings()
    except ValidationError as error:
        lines = [f"{_location(problem['loc'])}: {problem['msg']}" for problem in error.errors()]
        raise ServeError(lines) from None
    except SettingsError as error:
        found = re.search(r'field "(\w+)"', str(error))
        name = _setting_name(found.group(1)) if found else "A TRDNAV_ setting"
        example = '["tms", "iv_ketamine"]'
        raise ServeError([f"{name}: cannot read the value; write lists in JSON, e.g. {example}"]) from None


def build_app(settings: Settings) -> FastAPI:
    """The app, with its database created and migrated; setting and database problems as ``ServeError``."""
    try:
        return create_app(settings)
    except (ArgumentError, NoSuchModuleError):
        raise ServeError(
            [
                f"{PREFIX}DATABASE_URL: not a usable SQLAlchemy URL; expected sqlite:///path/to/file.db "
                "or postgresql+psycopg://user@host/database"
            ]
        ) from None
    except OperationalError as error:
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(error.orig or error).strip().splitlines()[0]
        raise ServeError([f"{PREFIX}DATABASE_URL: cannot open the database {shown}: {reason}"]) from None
    except ValueError as error:  # create_app's own checks name the setting (e.g. TRDNAV_THERAPIES)
        raise ServeError([str(error)]) from None


def url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(settings: Settings, *, host: str, port: int, announce: Callable[[str], None] = print) -> None:
    """Build the app, announce its URL, then serve until interrupted (Ctrl+C)."""
    app = build_app(settings)
    configure_logging()  # the app's own records, from here on; uvicorn applies log_config() again
    announce(f"TRD Navigator is running at {url_for(host, port)}")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=log_config(),
        access_log=False,
        log_level="info",
        server_header=False,
        proxy_headers=False,  # the app believes them only from TRDNAV_TRUSTED_PROXIES (create_app)
    )
