"""Routes: the patient intake flow (start page, the form steps, and the review page).

Every step is POST-redirect-GET, and every answer is saved when its step is sent, so
back, refresh and resume never lose an answer. A private link opens the assessment;
an unknown link gets the same 404 page as a malformed one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.accounts import find_clinic
from trdnav.store.alerts import flag_suicide_risk
from trdnav.store.models import Assessment, Clinic
from trdnav.store.repository import save_answers, start_assessment
from trdnav.web import forms, record_answers
from trdnav.web.clinic_view import ClinicView, clinic_view
from trdnav.web.default_clinic import default_clinic
from trdnav.web.dependencies import (
    AppSettings,
    DbSession,
    Knowledge,
    LinkClosed,
    link_holder,
    open_assessment,
    patient_actor,
)
from trdnav.web.form_models import form_lists
from trdnav.web.intake_time import intake_minutes
from trdnav.web.patient.router import router
from trdnav.web.templating import render

REVIEW = "review"
FLOW: tuple[str, ...] = (*forms.STEPS, REVIEW)
# How far a person has got; a later step is never overwritten by an earlier one.
PROGRESS: tuple[str, ...] = ("start", *FLOW, "results")


async def submitted_fields(request: Request) -> dict[str, list[str]]:
    """The submitted form as field name -> values (text fields only)."""
    return form_lists(await request.form())


Fields = Annotated[dict[str, list[str]], Depends(submitted_fields)]


def step_url(token: str, step: str) -> str:
    return f"/a/{token}/{step}"


def private_link(request: Request, token: str) -> str:
    """The link that resumes this assessment on any device."""
    return f"{str(request.base_url).rstrip('/')}/a/{token}"


def not_found(request: Request) -> HTMLResponse:
    """The same page for unknown, malformed and expired links: it reveals nothing."""
    return render(request, "not_found.html", status_code=404)


async def html_errors(request: Request, exc: Exception) -> Response:
    """Exception handler for the app: outside the API, a 404 gets the not-found page, and a 403
    (an expired form, a page for admins only), a 410 (a private link expired, replaced or turned
    off: how to get a new one) or a 503 (the default clinic is missing) a page that says why."""
    assert isinstance(exc, StarletteHTTPException)
    if not request.url.path.startswith("/api/"):
        if exc.status_code == 404:
            return not_found(request)
        if isinstance(exc, LinkClosed):
            return render(
                request,
                "link_closed.html",
                status_code=410,
                heading=exc.heading,
                message=exc.detail,
                contact=exc.contact,
            )
        if exc.status_code == 403:
            heading = "This was not sent" if request.method == "POST" else "You cannot open this page"
            return render(request, "refused.html", status_code=403, heading=heading, message=exc.detail)
        if exc.status_code == 503:
            heading = "This site is not ready"
            return render(request, "refused.html", status_code=503, heading=heading, message=exc.detail)
    return await http_exception_handler(request, exc)


def therapy_names(kb: KnowledgeBase, offered: list[str], joiner: str) -> str:
    """The offered therapies in words: "IV ketamine or TMS", "A, B and C"."""
    names = [kb.therapies[t].short_name for t in offered if t in kb.therapies]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {joiner} {names[-1]}"


def furthest(current: str, step: str) -> str:
    """The later of two steps; a step this module does not know is kept as it is."""
    if current not in PROGRESS:
        return current
    return max(current, step, key=PROGRESS.index)


def resume_step(last_step: str) -> str:
    """Where a returning person carries on: the step after the last one they sent."""
    if last_step == "start":
        return FLOW[0]
    if last_step in forms.STEPS:
        return FLOW[FLOW.index(last_step) + 1]
    return REVIEW


def _start_page(request: Request, kb: KnowledgeBase, clinic: ClinicView) -> HTMLResponse:
    request.state.clinic = clinic
    return render(
        request,
        "start.html",
        therapies_or=therapy_names(kb, list(clinic.therapies), "or"),
        therapies_and=therapy_names(kb, list(clinic.therapies), "and"),
        off_label_ketamine="iv_ketamine" in clinic.therapies,
        steps=[forms.STEP_TITLES[step] for step in FLOW],
        minutes=intake_minutes(kb),
    )


def _start(request: Request, session: Session, kb: KnowledgeBase, clinic: Clinic | None) -> RedirectResponse:
    view = clinic_view(clinic, request.app.state.settings)
    _assessment, token = start_assessment(
        session,
        link_holder(request, view.id),
        therapies=list(view.therapies),
        knowledge_version=kb.version,
        contract_version=kb.manifest.contract_version,
        clinic_id=view.id,
    )
    return RedirectResponse(step_url(token, FLOW[0]), status_code=303)


@router.get("/", response_class=HTMLResponse)
def start_page(request: Request, session: DbSession, kb: Knowledge, config: AppSettings) -> HTMLResponse:
    return _start_page(request, kb, clinic_view(default_clinic(session, config), config))


@router.post("/start")
def start(request: Request, session: DbSession, kb: Knowledge, config: AppSettings) -> RedirectResponse:
    return _start(request, session, kb, default_clinic(session, config))


@router.get("/c/{slug}/", response_class=HTMLResponse)
def clinic_start_page(
    request: Request, slug: str, session: DbSession, kb: Knowledge, config: AppSettings
) -> HTMLResponse:
    """A clinic's public intake link: assessments started here belong to that clinic."""
    clinic = find_clinic(session, slug)
    if clinic is None:
        return not_found(request)
    return _start_page(request, kb, clinic_view(clinic, config))


@router.post("/c/{slug}/start", response_model=None)
def clinic_start(request: Request, slug: str, session: DbSession, kb: Knowledge) -> Response:
    clinic = find_clinic(session, slug)
    if clinic is None:
        return not_found(request)
    return _start(request, session, kb, clinic)


@router.get("/a/{token}")
def resume(request: Request, token: str, session: DbSession) -> Response:
    assessment = open_assessment(request, session, token, "read")
    if assessment is None:
        return not_found(request)
    return RedirectResponse(step_url(token, resume_step(assessment.last_step)), status_code=303)


def _step_context(
    request: Request, kb: KnowledgeBase, assessment: Assessment, token: str, step: str, from_review: bool
) -> dict[str, Any]:
    index = FLOW.index(step)
    return {
        "token": token,
        "crisis": assessment.suicide_risk_alert,
        "step": step,
        "step_number": index + 1,
        "step_count": len(FLOW),
        "title": forms.STEP_TITLES[step],
        "back": step_url(token, FLOW[index - 1]) if index > 0 else None,
        "action": step_url(token, step),
        "link": private_link(request, token),
        "from_review": from_review,
        "groups": forms.step_groups(kb, step, assessment.therapies) if step in forms.STEPS else [],
        "choices": forms.shown_choices(kb),
        "yes_no": forms.YES_NO_LABELS,
    }


def _show_step(step: str) -> Callable[..., HTMLResponse]:
    def show(request: Request, token: str, session: DbSession, kb: Knowledge) -> HTMLResponse:
        assessment = open_assessment(request, session, token, "read")
        if assessment is None:
            return not_found(request)
        context = _step_context(
            request, kb, assessment, token, step, request.query_params.get("from") == REVIEW
        )
        items = forms.step_items(kb, step)
        last = assessment.last_step
        sent = last in PROGRESS and PROGRESS.index(last) >= PROGRESS.index(step)  # the step was sent before
        shown = {**record_answers.prefilled(kb, assessment, items, sent), **assessment.answers}
        values = forms.values_from_answers(kb, items, shown)
        notes = record_answers.patient_notes(kb, assessment, items, sent)
        return render(request, "step.html", values=values, errors={}, record_notes=notes, **context)

    show.__name__ = f"show_{step}"
    return show


def _save_step(step: str) -> Callable[..., Response]:
    def save(request: Request, token: str, session: DbSession, kb: Knowledge, fields: Fields) -> Response:
        assessment = open_assessment(request, session, token, "update")
        if assessment is None:
            return not_found(request)
        form = forms.parse_step(kb, step, fields)
        save_answers(
            session,
            assessment,
            form.answers,
            clear=tuple(form.cleared),
            step=furthest(assessment.last_step, step),
            knowledge_version=kb.version,
            suicide_risk=assessment.suicide_risk_alert,
        )
        if form.alerts & kb.urgent_alert_ids:
            flag_suicide_risk(session, patient_actor(request, assessment), assessment)
        from_review = fields.get("from") == [REVIEW]
        if form.errors:
            context = _step_context(request, kb, assessment, token, step, from_review)
            return render(
                request, "step.html", status_code=422, values=form.values, errors=form.errors, **context
            )
        following = REVIEW if from_review else FLOW[FLOW.index(step) + 1]
        return RedirectResponse(step_url(token, following), status_code=303)

    save.__name__ = f"save_{step}"
    return save


for _step in forms.STEPS:
    router.add_api_route(f"/a/{{token}}/{_step}", _show_step(_step), methods=["GET"])
    router.add_api_route(f"/a/{{token}}/{_step}", _save_step(_step), methods=["POST"])


@dataclass(frozen=True)
class ReviewBlock:
    heading: str | None
    rows: list[tuple[str, str]]  # (question, answer in plain words)


@dataclass(frozen=True)
class ReviewSection:
    step: str
    title: str
    change: str
    blocks: list[ReviewBlock]


def _rows(kb: KnowledgeBase, items: tuple[str, ...], answers: dict[str, object]) -> list[tuple[str, str]]:
    return [(kb.items[i].question, forms.answer_words(kb, i, answers.get(i))) for i in items]


def _instrument_block(kb: KnowledgeBase, item: str, answers: dict[str, object]) -> ReviewBlock:
    instrument = kb.instruments[item]
    scores = answers.get(item)
    labels = {a.value: a.text for a in instrument.answers}
    rows = [
        (
            question.text,
            labels.get(scores[question.number - 1], "Not answered")
            if isinstance(scores, list) and len(scores) >= question.number
            else "Not answered",
        )
        for question in instrument.items
    ]
    return ReviewBlock(instrument.name, rows)


def review_sections(kb: KnowledgeBase, assessment: Assessment, token: str) -> list[ReviewSection]:
    """Every answer in plain words, grouped by the step that asked it."""
    answers = dict(assessment.answers)
    sections: list[ReviewSection] = []
    for step in forms.STEPS:
        groups = forms.step_groups(kb, step, assessment.therapies)
        if all(kb.items[item].kind == "scores" for group in groups for item in group.items):
            blocks = [_instrument_block(kb, item, answers) for group in groups for item in group.items]
        else:
            blocks = [ReviewBlock(group.heading, _rows(kb, group.items, answers)) for group in groups]
        change = f"{step_url(token, step)}?from={REVIEW}"
        sections.append(ReviewSection(step, forms.STEP_TITLES[step], change, blocks))
    return sections


@router.get("/a/{token}/review", response_class=HTMLResponse)
def review(request: Request, token: str, session: DbSession, kb: Knowledge) -> HTMLResponse:
    assessment = open_assessment(request, session, token, "read")
    if assessment is None:
        return not_found(request)
    return render(
        request,
        "review.html",
        token=token,
        crisis=assessment.suicide_risk_alert,
        step_number=len(FLOW),
        step_count=len(FLOW),
        title=forms.STEP_TITLES[REVIEW],
        back=step_url(token, FLOW[-2]),
        link=private_link(request, token),
        sections=review_sections(kb, assessment, token),
        results=step_url(token, "results"),
    )
