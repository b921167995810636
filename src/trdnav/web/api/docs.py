"""The API's interactive documentation at ``/docs``: Swagger UI served by the app itself.

Why not FastAPI's own ``/docs``: it loads Swagger UI from a CDN (no docs offline, and a third party
sees who reads them) and starts it with an inline ``<script>``, which the Content-Security-Policy
(``trdnav.web.middleware.headers``) refuses. Here the page has only ``<link>`` and ``<script src>``: Swagger
UI's files come from the ``fastapi-offline`` package (Swagger UI 5, Apache-2.0; the package is
MIT), mounted under ``/docs/swagger-ui``, and the start-up code is ``static/docs/swagger-init.js``.
The OpenAPI document stays at ``/openapi.json``.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
SWAGGER_UI_PATH = "/docs/swagger-ui"
SWAGGER_UI_PACKAGE = ("fastapi_offline", "static")
INIT_SCRIPT = "/static/docs/swagger-init.js"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} · API documentation</title>
  <link rel="icon" href="{root}{swagger_ui}/favicon.png">
  <link rel="stylesheet" href="{root}{swagger_ui}/swagger-ui.css">
</head>
<body>
  <main id="swagger-ui" data-openapi-url="{openapi_url}">
    <noscript><p>This page needs JavaScript. The API is described in
      <a href="{openapi_url}">the OpenAPI document</a>.</p></noscript>
  </main>
  <script src="{root}{swagger_ui}/swagger-ui-bundle.js"></script>
  <script src="{root}{init_script}"></script>
</body>
</html>
"""


def install_api_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and Swagger UI's files; create the app with ``docs_url=None``."""
    app.mount(SWAGGER_UI_PATH, StaticFiles(packages=[SWAGGER_UI_PACKAGE]), name="swagger-ui")

    @app.get(DOCS_PATH, include_in_schema=False, response_class=HTMLResponse)
    def api_docs(request: Request) -> HTMLResponse:
        root = escape(request.scope.get("root_path", "").rstrip("/"))
        page = _PAGE.format(
            title=escape(app.title),
            root=root,
            swagger_ui=SWAGGER_UI_PATH,
            init_script=INIT_SCRIPT,
            openapi_url=root + escape(app.openapi_url or "/openapi.json"),
        )
        return HTMLResponse(page)
