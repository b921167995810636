"""Jinja2 templates with the globals every page needs (settings, knowledge, disclaimer)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from trdnav.web.clinic_time import TEMPLATE_FILTERS
from trdnav.web.clinic_view import installation_view
from trdnav.web.middleware.csrf import attach_cookie, csrf_token
from trdnav.web.outcome_view import TEMPLATE_FUNCTIONS

templates = Jinja2Templates(directory=str(resources.files("trdnav.web").joinpath("templates")))
# A block tag's own line leaves no blank line or indent behind (about 2 KB off the results page).
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
templates.env.globals["csrf_token"] = csrf_token
templates.env.globals.update(TEMPLATE_FUNCTIONS)
templates.env.filters.update(TEMPLATE_FILTERS)

DISCLAIMER = (
    "This tool helps you get ready to talk with your doctor. It does not replace your doctor's judgement. "
    "It is not a medical device."
)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; ``crisis`` (show crisis resources first) defaults to False."""
    context.setdefault("crisis", False)
    context.setdefault("token", None)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "settings": request.app.state.settings,
            "kb": request.app.state.kb,
            "disclaimer": DISCLAIMER,
            "clinic": getattr(request.state, "clinic", None) or installation_view(request.app.state.settings),
            **context,
        },
        status_code=status_code,
    )
    attach_cookie(request, response)
    return response
