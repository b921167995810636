"""Rendering for the clinic workspace: staff pages carry the signed-in principal."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse

from trdnav.web.staff.patient_banner import patient_of
from trdnav.web.templating import render


def render_staff(
    request: Request, name: str, principal: Any, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A staff page (templates under ``staff/``); ``principal`` is None on the sign-in pages. The
    person the path is about (`trdnav.web.staff.patient_banner`) is ``patient``, for the banner."""
    context.setdefault("patient", patient_of(request))
    return render(request, name, status_code=status_code, principal=principal, **context)
