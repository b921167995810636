"""The application factory: settings, knowledge base, database and routes in one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import trdnav
from trdnav.knowledge.loader import load
from trdnav.settings import DEFAULT_SECRET_KEY, Settings
from trdnav.store import audit
from trdnav.store.audit_keys import keyring_from_settings
from trdnav.store.database import migrate, open_engine, session_factory
from trdnav.store.secrets_at_rest import keyring_from
from trdnav.web import patient, staff
from trdnav.web.api import fhir as fhir_api
from trdnav.web.api import routes as api
from trdnav.web.api.docs import install_api_docs
from trdnav.web.cds import routes as cds_routes
from trdnav.web.cds.routes import install_cds_handlers
from trdnav.web.default_clinic import check_default_clinic
from trdnav.web.middleware.compression import compressed
from trdnav.web.middleware.csrf import CsrfCheck
from trdnav.web.middleware.headers import SecurityHeaders
from trdnav.web.middleware.limits import BodySizeLimit
from trdnav.web.middleware.readable_forms import ReadableForms
from trdnav.web.middleware.request_log import RequestLog
from trdnav.web.path_ids import bound_integer_ids
from trdnav.web.patient.intake import html_errors
from trdnav.web.problem_details import CDS_PREFIX, install_problem_handlers
from trdnav.web.staff.record_pages import PAGE as RECORDS_PAGE
from trdnav.web.staff.signin_pages import install_signin_handlers
from trdnav.web.stylesheets import StaticWithMinifiedStylesheets


def _add_routes(app: FastAPI, routes: list[BaseRoute]) -> None:
    """Put a package's routes on the app itself, the same routes and OpenAPI schema as
    ``include_router`` gives. FastAPI 0.165 sends each request to an included router through a
    second matching layer, measured at 3-9 µs a request: a tenth of the evaluate operation's
    own work (docs/performance.md)."""
    app.router.routes.extend(routes)


MIN_SECRET_KEY_LENGTH = 32


def check_secret_key(settings: Settings) -> None:
    """In production, refuse a missing, default or short secret key: it signs the CSRF tokens."""
    key = settings.secret_key
    weak = key == DEFAULT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH
    if settings.environment == "production" and weak:
        raise ValueError(
            f"TRDNAV_SECRET_KEY: in production, set a random key of at least {MIN_SECRET_KEY_LENGTH} "
            "characters (not the default); generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )


def utc_now() -> dt.datetime:
    """The app's default clock: the current moment, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def behind_trusted_proxies(app: ASGIApp, settings: Settings) -> ASGIApp:
    """Believe X-Forwarded-For and X-Forwarded-Proto only from `Settings.trusted_proxies`: from them,
    the client's address (the sign-in throttle's, the audit trail's) is the one the proxy saw;
    from anyone else, and with no proxy set (the default), the headers are ignored, so nobody can
    pick the address they are counted and audited under."""
    if not settings.trusted_proxies:
        return app
    # uvicorn types ASGI with its own (narrower) protocol types; the middleware is plain ASGI.
    proxied = ProxyHeadersMiddleware(cast(Any, app), trusted_hosts=list(settings.trusted_proxies))
    return cast(ASGIApp, proxied)


def create_app(settings: Settings | None = None, clock: Callable[[], dt.datetime] = utc_now) -> FastAPI:
    """Build the app; creates and migrates the database on first start.

    ``clock`` is the app's one source of the current time (``app.state.clock``, read by the
    ``Now`` dependency); tests pass their own or set ``app.state.clock``."""
    settings = settings or Settings()
    check_secret_key(settings)
    secret_keys = keyring_from(settings)  # in production, refused without TRDNAV_ENCRYPTION_KEY(_FILE)
    kb = load()
    unknown = [t for t in settings.therapies if t not in kb.therapies]
    if unknown:
        raise ValueError(
            f"TRDNAV_THERAPIES: unknown therapies {unknown}; expected some of {list(kb.therapies)}"
        )
    if settings.country not in kb.crisis_resources:
        raise ValueError(
            f"TRDNAV_COUNTRY: no crisis resources for {settings.country!r}; "
            f"expected one of {', '.join(kb.crisis_resources)}"
        )
    audit_keys = keyring_from_settings(settings)  # an AuditKeyError (a ValueError) names the setting
    engine = open_engine(settings.database_url)
    migrate(engine, secret_keys)
    sessions = session_factory(engine, audit_keys)
    try:
        with sessions() as session:
            check_default_clinic(session, settings)
            refusal = audit.missing_key(session, audit_keys)
            if refusal:
                raise ValueError(refusal)
    except ValueError:
        engine.dispose()
        raise
    app = FastAPI(
        title="TRD Navigator",
        version=trdnav.__version__,
        description="Decision aid for treatment-resistant depression: contract v1 assessments.",
        docs_url=None,  # install_api_docs: Swagger UI from the app itself, under the CSP
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.kb = kb
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.clock = clock
    app.state.keyring = secret_keys  # the encryption keys of the secrets kept in the database
    app.add_middleware(CsrfCheck)  # inside ReadableForms: a form it reads is readable
    app.add_middleware(ReadableForms)  # inside the size limit: it reads a whole form body
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        larger={CDS_PREFIX: settings.cds_max_body_bytes, RECORDS_PAGE: settings.record_upload_max_bytes},
    )
    # Outside FastAPI's own middlewares too (its 500s come from the outermost one): every response
    # gets the security headers, and every request one log line and an X-Request-ID; inside those,
    # a response is compressed when the browser asks.
    production = settings.environment == "production"
    fastapi_stack = app.build_middleware_stack
    app.build_middleware_stack = (  # type: ignore[method-assign]
        lambda: behind_trusted_proxies(
            RequestLog(SecurityHeaders(compressed(fastapi_stack()), production=production)), settings
        )
    )
    _add_routes(app, api.router.routes)
    _add_routes(app, fhir_api.router.routes)
    _add_routes(app, cds_routes.router.routes)
    _add_routes(app, patient.router.routes)
    _add_routes(app, staff.routes)
    bound_integer_ids(app)  # ids past 2**63, 0 or negative: 404, never a database error
    app.add_exception_handler(StarletteHTTPException, html_errors)
    install_problem_handlers(app)
    install_signin_handlers(app)
    install_cds_handlers(app)
    install_api_docs(app)
    static = Path(str(resources.files("trdnav.web").joinpath("static")))
    app.mount("/static", StaticWithMinifiedStylesheets(static), "static")
    return app
