"""The results side of the web app: results page, SURE check, print view, PDF and consultation request."""

from __future__ import annotations

import dataclasses
import html
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from tests.conftest import all_no
from tests.web.conftest import BrowserClient, error_summary_links
from trdnav.crisis import country_resources
from trdnav.knowledge.loader import load
from trdnav.reports.terminal import ROW_QUESTIONS
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic
from trdnav.store.models import Assessment, ConsultationRequest
from trdnav.store.repository import create_assessment, find_by_token, save_answers
from trdnav.web.app import create_app
from trdnav.web.clinic_view import installation_view
from trdnav.web.patient import results as results_module
from trdnav.web.summary import build_summary, long_date
from trdnav.web.templating import templates

KB = load()
TMS = KB.therapies["tms"].name
KETAMINE = KB.therapies["iv_ketamine"].name


def _assessment(
    app: FastAPI,
    answers: dict[str, Any],
    *,
    therapies: tuple[str, ...] = ("iv_ketamine", "tms"),
    suicide_risk: bool = False,
    clinic: str | None = None,
) -> str:
    """An assessment with these answers; ``clinic`` (a new clinic's name) owns it, else none."""
    with app.state.sessions.begin() as session:
        slug = re.sub(r"[^a-z0-9]+", "-", clinic.lower()).strip("-") if clinic else ""
        owner = create_clinic(session, slug=slug, name=clinic, settings=Settings()) if clinic else None
        assessment, token = create_assessment(
            session,
            therapies=list(therapies),
            knowledge_version=KB.version,
            contract_version=1,
            clinic_id=owner.id if owner else None,
        )
        save_answers(
            session,
            assessment,
            answers,
            step="review",
            knowledge_version=KB.version,
            suicide_risk=suicide_risk,
        )
    return token


BLOCK_TAG = re.compile(r"</?(?:p|li|ul|ol|dl|dt|dd|div|h[1-6]|t[dhr]|caption|section|legend|br)\b[^>]*>")


def _text(fragment: str) -> str:
    """Visible words of an HTML fragment as a reader sees them, whitespace collapsed."""
    spaced = BLOCK_TAG.sub(" ", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", spaced)).split())


def _section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    return page[start : page.index("</section>", start)]


def _sources_page(client: TestClient, token: str) -> str:
    response = client.get(f"/a/{token}/sources")
    assert response.status_code == 200
    assert response.headers["referrer-policy"] == "no-referrer", "the private link never leaks to sources"
    return response.text


def _results(client: TestClient, token: str) -> str:
    response = client.get(f"/a/{token}/results")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_tms_leaning_is_a_summary_of_priorities_not_a_recommendation(
    app: FastAPI, client: TestClient
) -> None:
    token = _assessment(app, all_no(open_to_altered_state="no", dislikes_needles="yes")["answers"])
    leaning = _text(_section(_results(client, token), "leaning"))
    assert f"Based on what you told us, your answers lean toward {TMS}." in leaning
    assert "This is not a recommendation." in leaning


def test_ketamine_leaning_and_what_matters_points_to_it(app: FastAPI, client: TestClient) -> None:
    token = _assessment(app, all_no(needs_fast_relief="yes", open_to_altered_state="yes")["answers"])
    page = _results(client, token)
    leaning = _text(_section(page, "leaning"))
    assert f"your answers lean toward {KETAMINE}." in leaning
    assert "This is not a recommendation." in leaning
    urgency = next(c for c in KB.considerations if c.id == "urgency")
    priorities = _text(_section(page, "priorities"))
    assert urgency.patient_text in priorities
    assert f"This points to: {KETAMINE}" in priorities


def test_no_clear_leaning_is_said_plainly(app: FastAPI, client: TestClient) -> None:
    token = _assessment(app, all_no(needs_fast_relief="yes", open_to_altered_state="no")["answers"])
    leaning = _text(_section(_results(client, token), "leaning"))
    assert "Your answers do not point clearly to one option. That is common." in leaning
    assert "lean toward" not in leaning


def test_cochlear_implant_makes_tms_not_suitable_with_reason_and_source(
    app: FastAPI, client: TestClient
) -> None:
    token = _assessment(app, all_no(cochlear_implant="yes", other_metal_implant="yes")["answers"])
    page = _results(client, token)
    safety = _section(page, "safety")
    tms_part = safety[safety.index(f"<h3>{TMS}</h3>") :]
    rule = next(r for r in KB.rules if r.id == "TMS.SAFETY.COCHLEAR_IMPLANT")
    assert "Not suitable" in _text(tms_part)
    assert rule.patient_text in _text(tms_part)
    listed = _section(_sources_page(client, token), "sources")
    for citation_id in rule.citations:
        assert f'href="sources#src-{citation_id}"' in tms_part
        assert f'id="src-{citation_id}"' in listed
    note = next(r for r in KB.rules if r.id == "TMS.NOTE.METAL_AWAY_FROM_HEAD")
    assert note.patient_text in _text(tms_part), "the knee-replacement note is shown"


def test_under_18_the_results_say_the_tool_is_for_adults_and_ect_is_not_fully_screened(
    app: FastAPI, client: TestClient
) -> None:
    therapies = ("iv_ketamine", "tms", "ect")
    token = _assessment(app, all_no(age=16)["answers"], therapies=therapies)
    safety = _text(_section(_results(client, token), "safety"))
    for therapy in therapies:
        rule = next(r for r in KB.rules if r.id == f"AGE.UNDER_18.{therapy.upper()}")
        assert rule.patient_text in safety
        assert "for adults 18 and over" in rule.patient_text
    gap = KB.coverage.screens["ect"].gap
    assert gap is not None and gap.patient_text in safety


def test_incomplete_form_lists_the_unanswered_questions_with_a_way_back(
    app: FastAPI, client: TestClient
) -> None:
    token = _assessment(app, {"age": 40, "metal_in_head": "unsure"})
    page = _results(client, token)
    safety = _text(_section(page, "safety"))
    for item_id in ("seizure_history", "metal_in_head", "heart_disease"):
        assert KB.items[item_id].question in safety
    assert f'href="/a/{token}/safety"' in _section(page, "safety")
    assert "Needs a doctor's review" in safety
    questions = _text(_section(page, "questions"))
    assert KB.items["metal_in_head"].question in questions
    priorities = _text(_section(page, "priorities"))
    assert KB.items["needs_fast_relief"].question in priorities


def test_item_9_positive_shows_crisis_resources_before_the_comparison(
    app: FastAPI, client: TestClient
) -> None:
    answers = all_no(phq9=[0, 0, 0, 0, 0, 0, 0, 0, 1])["answers"]
    token = _assessment(app, answers, suicide_risk=True)
    page = _results(client, token)
    crisis = country_resources(app.state.settings.country)
    compare = page.index('id="comparison"')
    assert page.index(html.escape(crisis.title, quote=False)) < compare
    assert page.index('href="tel:911"') < page.index('href="tel:988"') < compare  # emergency first
    alert = KB.instruments["phq9"].alerts[0].text
    assert page.index(html.escape(alert, quote=False)) < compare


def test_comparison_is_an_accessible_grid_with_short_lines_and_the_facts_behind_more(
    app: FastAPI, client: TestClient
) -> None:
    token = _assessment(app, all_no()["answers"])
    grid = _section(_results(client, token), "comparison")
    assert "<table" in grid
    caption = "How current treatment, IV ketamine and TMS compare, question by question"
    assert f"<caption>{caption}</caption>" in grid
    headers = re.findall(r'<th scope="col">([^<]*)</th>', html.unescape(grid))
    assert headers == ["Question", KB.current_care.name, KETAMINE, TMS], "staying with current care first"
    for question in ROW_QUESTIONS.values():
        assert f'<th scope="row">{question}</th>' in grid
    words = _text(grid)
    assert "Checked in the source." in words
    assert "<script" not in grid and grid.count("<details") == 3 * len(ROW_QUESTIONS)
    for option in ("current_care", "iv_ketamine", "tms"):
        for row, line in KB.options[option].in_short.items():
            cell = _text(grid[grid.index(f'id="row-{row}"') :])
            assert line in cell
        for _, fact in KB.options[option].facts():
            folded = grid[grid.index(str(escape(fact.text))) :]
            next_more = folded.find("<summary")
            assert -1 < folded.find("</details>") < (next_more if next_more > -1 else len(folded)), fact.text
            if fact.uncertainty:
                assert f"How sure are we? {fact.uncertainty}" in words


def test_the_bottom_line_is_an_icon_array_with_its_comparator_in_words(
    app: FastAPI, client: TestClient
) -> None:
    token = _assessment(app, all_no()["answers"])
    row = _section(_results(client, token), "comparison")
    row = row[row.index('id="row-bottom-line"') : row.index("</tr>", row.index('id="row-bottom-line"'))]
    words = _text(row)
    for option in ("current_care", "iv_ketamine", "tms"):
        line = KB.options[option].bottom_line
        if line.comparable:
            figure = f"{round(line.percent)} in 100"
            assert f'role="img" aria-label="{figure}"' in row and figure in words
            said = KB.condition.outcome_words[line.outcome]  # the outcome in words, from the knowledge base
            assert f"{figure} {said.helped} {line.time_point}" in words
            assert f"{100 - round(line.percent)} in 100 {said.not_helped}" in words, (
                "both frames, not only the gain"
            )
            if line.comparator_percent is not None:
                assert (
                    f"Compared with {round(line.comparator_percent)} in 100 after {line.comparator_name}"
                    in words
                )
        else:  # the plain sentence and why it cannot be set beside the others, with no icon array
            assert line.text in words and line.caveat and f"Not comparable: {line.caveat}" in words


def _dots(path_data: str) -> int:
    """The dots one icon-array path draws: each row "M5 yhL" is a line with a dot every 10 units."""
    return sum(int(float(length)) // 10 + 1 for length in re.findall(r"M5 \d+h([\d.]+)", path_data))


def test_the_icon_array_fills_as_many_dots_as_the_figure_says(app: FastAPI, client: TestClient) -> None:
    token = _assessment(app, all_no()["answers"])
    row = _section(_results(client, token), "comparison")
    arrays = re.findall(r'<svg class="icon-array"[^>]*aria-label="(\d+) in 100".*?</svg>', row, re.DOTALL)
    drawn = re.findall(r'<path stroke="#b9c6d3" d="([^"]+)"/>\s*<path stroke="#0b4f8a" d="([^"]*)"/>', row)
    assert len(arrays) == len(drawn) >= 2
    for figure, (grey, blue) in zip(arrays, drawn, strict=True):
        assert _dots(grey) == 100, "a hundred dots in all"
        assert _dots(blue) == int(figure), f"{figure} in 100 filled"


def test_the_sources_page_lists_every_source_with_what_the_labels_mean(
    app: FastAPI, client: TestClient
) -> None:
    token = _assessment(app, all_no()["answers"], suicide_risk=True)
    page = _sources_page(client, token)
    words = _text(page)
    assert page.index('class="crisis"') < page.index("<h1"), "crisis resources first here too"
    assert f'href="/a/{token}/sources.pdf"' in page and f'href="/a/{token}/results#comparison"' in page
    listed = re.findall(r'<li id="src-([a-z0-9_]+)">', page)
    cited = set(re.findall(r'href="sources#src-([a-z0-9_]+)"', _results(client, token)))
    assert len(listed) == len(set(listed)) and cited <= set(listed)
    for label in ("Checked in the source", "From a secondary source", "Not yet checked", "Expert opinion"):
        assert label in words
    assert "same detail" in words and "How it is paid for" in words


def test_the_cost_row_shows_dated_prices_and_coverage(app: FastAPI, client: TestClient) -> None:
    token = _assessment(app, all_no()["answers"])
    grid = _section(_results(client, token), "comparison")
    cost = _text(grid[grid.index('id="row-cost"') : grid.index("</tr>", grid.index('id="row-cost"'))])
    for option in ("iv_ketamine", "tms"):
        for price in KB.options[option].prices:
            assert f"{price.text} (prices as of {price.as_of})" in cost
        for fact in KB.options[option].coverage:
            assert fact.text in cost


def test_every_citation_on_the_page_is_in_the_sources_list(app: FastAPI, client: TestClient) -> None:
    """The results page links each fact's sources to the sources page (/a/{token}/sources: a page of
    its own keeps the results page within its size budget), where each is listed with its link."""
    token = _assessment(app, all_no(cochlear_implant="yes", needs_fast_relief="yes")["answers"])
    page = _results(client, token)
    assert f'href="/a/{token}/sources"' in _section(page, "sources")
    sources = _section(_sources_page(client, token), "sources")
    cited = set(re.findall(r'href="sources#src-([a-z0-9_]+)"', page))
    assert "#src-" not in page.replace('"sources#src-', ""), "no link to a list the page does not have"
    expected = {c for t in ("iv_ketamine", "tms") for _, f in KB.therapies[t].facts() for c in f.citations}
    assert expected <= cited
    assert "legare2010_sure" in cited
    for citation_id in cited:
        assert f'id="src-{citation_id}"' in sources
        citation = KB.citations[citation_id]
        link = f"https://doi.org/{citation.doi}" if citation.doi else citation.url
        assert f'href="{html.escape(link or "")}"' in sources


def test_other_paths_and_treatments_not_offered_are_named(app: FastAPI, client: TestClient) -> None:
    token = _assessment(app, all_no()["answers"])
    other = _text(_section(_results(client, token), "other-paths"))
    assert "medicine" in other and "talk therapy" in other and "Waiting and watching" in other
    for therapy in ("esketamine", "accelerated_tms", "ect"):
        assert KB.therapies[therapy].name in other


def test_review_dates_authors_funding_and_version_are_shown(app: FastAPI, client: TestClient) -> None:
    token = _assessment(app, all_no()["answers"])
    about = _text(_section(_results(client, token), "about"))
    manifest = KB.manifest
    reviewed, next_review = long_date(manifest.reviewed), long_date(manifest.next_review)
    assert f"Content reviewed on {reviewed}; next review by {next_review}." in about
    assert manifest.made_by in about
    assert manifest.funding in about
    assert f"Knowledge version {KB.version}" in about
    assert "is paid when it does" not in about, "no clinic stands behind a standalone result"


def test_a_clinic_s_result_says_the_clinic_is_paid_for_the_treatments_it_gives(
    app: FastAPI, client: TestClient
) -> None:
    """IPDAS C6: the reader learns who gains from the choice, not only who paid for the tool."""
    token = _assessment(app, all_no()["answers"], clinic="East Clinic")
    about = _text(_section(_results(client, token), "about"))
    assert "East Clinic gives some of the treatments on this page and is paid when it does." in about


def test_sure_no_answers_are_saved_and_bring_suggestions(app: FastAPI, client: TestClient) -> None:
    token = _assessment(app, all_no()["answers"])
    sure = _section(_results(client, token), "sure")
    assert f'action="/a/{token}/sure#sure"' in sure, "a refused form comes back at the form"
    for item in KB.sure.items:
        assert item.question in _text(sure)
    assert "© O'Connor &amp; Légaré" in sure and 'href="sources#src-legare2010_sure"' in sure

    answers = {"sure": "yes", "understand": "no", "risk_benefit": "yes", "encouragement": "no"}
    response = client.post(f"/a/{token}/sure", data=answers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/a/{token}/results#sure"

    sure = _text(_section(_results(client, token), "sure"))
    suggestions = {item.id: item.suggestion for item in KB.sure.items}
    assert suggestions["understand"] in sure and suggestions["encouragement"] in sure
    assert suggestions["sure"] not in sure and suggestions["risk_benefit"] not in sure
    with app.state.sessions.begin() as session:
        stored = find_by_token(session, token)
        assert stored is not None and stored.sure_answers == answers


def test_sure_with_a_question_left_out_asks_again_and_saves_nothing(app: FastAPI, client: TestClient) -> None:
    token = _assessment(app, all_no()["answers"])
    response = client.post(f"/a/{token}/sure", data={"sure": "no", "understand": "maybe"})
    assert response.status_code == 422
    sure = _section(response.text, "sure")
    assert "Please choose yes or no for “Understand information”." in sure
    assert "Please choose yes or no for “Encouragement”." in sure
    assert 'name="sure" value="no" checked' in sure, "the answer given is kept"
    assert error_summary_links(sure, "sure-errors") == {
        "sure-understand-yes": "Please choose yes or no for “Understand information”.",
        "sure-risk_benefit-yes": "Please choose yes or no for “Risk-benefit ratio”.",
        "sure-encouragement-yes": "Please choose yes or no for “Encouragement”.",
    }, "a linked summary at the top of the form names each question left out, in order"
    assert sure.index("There is a problem") < sure.index("<form")
    with app.state.sessions.begin() as session:
        stored = find_by_token(session, token)
        assert stored is not None and stored.sure_answers == {}


def test_results_page_links_print_pdf_and_consultation(app: FastAPI, client: TestClient) -> None:
    token = _assessment(app, all_no()["answers"], clinic="East Clinic")
    response = client.get(f"/a/{token}/results")
    assert response.headers["cache-control"] == "no-store", "private health information is never cached"
    assert response.headers["referrer-policy"] == "no-referrer", "the private link never leaks to sources"
    assert '<meta name="referrer" content="no-referrer">' in response.text, "nor without the header"
    page = response.text
    assert '<link rel="stylesheet" href="/static/print.css" media="print">' in page
    for link in ("print", "summary.pdf", "consultation"):
        assert f'href="/a/{token}/{link}"' in page
    assert f"http://testserver/a/{token}/results" in page, "the private link is shown for printing"
    printable = client.get(f"/a/{token}/print")
    assert printable.status_code == 200
    assert "<form" not in printable.text
    assert f"http://testserver/a/{token}/results" in printable.text
    css = client.get("/static/print.css")
    assert css.status_code == 200 and "display:none" in css.text


def test_pdf_summary_is_made_by_weasyprint_from_the_summary(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _assessment(app, all_no(phq9=[0, 0, 0, 0, 0, 0, 0, 0, 2])["answers"], suicide_risk=True)
    rendered: list[str] = []
    real_render = results_module.render_pdf

    def spy(page: str, *, base_url: str, paper: str) -> bytes:
        rendered.append(page)
        return real_render(page, base_url=base_url, paper=paper)

    monkeypatch.setattr(results_module, "render_pdf", spy)
    response = client.get(f"/a/{token}/summary.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="trd-navigator-summary.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    assert len(response.content) > 1000
    [page] = rendered
    words = _text(page)
    assert f"Knowledge version {KB.version}" in words
    assert f"http://testserver/a/{token}/results" in words
    assert re.search(r"Summary made on \w+ \d{1,2}, \d{4}\.", words)
    assert page.index(country_resources(app.state.settings.country).title) < page.index('id="comparison"')
    assert "<form" not in page and "<script" not in page and "<link" not in page


def test_the_installation_country_picks_the_crisis_resources_of_the_page_and_the_pdf(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hazard H17: one set of crisis resources everywhere, here Australia's (000, then Lifeline)."""
    app = create_app(Settings(database_url=database_url, country="AU"))
    rendered: list[str] = []
    monkeypatch.setattr(results_module, "render_pdf", lambda page, **_: rendered.append(page) or b"%PDF-")
    try:
        token = _assessment(app, all_no(phq9=[0, 0, 0, 0, 0, 0, 0, 0, 1])["answers"], suicide_risk=True)
        with TestClient(app) as client:
            page = _results(client, token)
            assert client.get(f"/a/{token}/summary.pdf").status_code == 200
        for shown in (page, rendered[0]):
            assert (
                shown.index("Call 000")
                < shown.index("Call Lifeline on 13 11 14")
                < shown.index('id="comparison"')
            )
            words = re.sub(r"<[^>]*>", " ", shown)  # tokens and ids in attributes may hold any digits
            assert "988" not in words and "911" not in words
    finally:
        app.state.engine.dispose()


def test_consultation_request_is_stored_and_confirmed(app: FastAPI, client: TestClient) -> None:
    token = _assessment(app, all_no()["answers"], clinic="East Clinic")
    form = client.get(f"/a/{token}/consultation")
    assert form.status_code == 200
    assert '<label for="phone">' in form.text and '<label for="email">' in form.text
    response = client.post(
        f"/a/{token}/consultation",
        data={"name": "Sam Lee", "phone": "", "email": "sam@example.org", "preferred_times": "Mornings"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    done = client.get(response.headers["location"])
    assert done.status_code == 200
    assert "East Clinic has your request" in done.text
    assert "What happens next" in done.text and "by email" in done.text
    with app.state.sessions.begin() as session:
        stored = find_by_token(session, token)
        assert stored is not None
        [request] = session.scalars(
            select(ConsultationRequest).where(ConsultationRequest.assessment_id == stored.id)
        ).all()
        assert (request.name, request.email, request.phone) == ("Sam Lee", "sam@example.org", "")
        assert request.preferred_times == "Mornings"


def test_consultation_without_contact_details_explains_next_to_the_fields(
    app: FastAPI, client: TestClient
) -> None:
    token = _assessment(app, all_no()["answers"], clinic="East Clinic")
    response = client.post(
        f"/a/{token}/consultation", data={"name": "", "preferred_times": "Friday", "message": "Hello"}
    )
    assert response.status_code == 422
    assert "Please tell us your name." in response.text
    assert "Please give a phone number or an email address" in response.text
    assert ">Friday</textarea>" in response.text and ">Hello</textarea>" in response.text
    assert 'aria-describedby="name-error"' in response.text

    bad = client.post(
        f"/a/{token}/consultation", data={"name": "Sam", "phone": "call me", "email": "sam at home"}
    )
    assert bad.status_code == 422
    assert "Please check your phone number." in bad.text
    assert "Please check your email address." in bad.text
    assert 'value="Sam"' in bad.text
    with app.state.sessions.begin() as session:
        assert session.scalars(select(ConsultationRequest)).all() == []


def test_the_done_page_without_a_request_goes_to_the_form(app: FastAPI, client: TestClient) -> None:
    token = _assessment(app, all_no()["answers"], clinic="East Clinic")
    response = client.get(f"/a/{token}/consultation/done", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/a/{token}/consultation"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "results"),
        ("GET", "print"),
        ("GET", "summary.pdf"),
        ("POST", "sure"),
        ("GET", "consultation"),
        ("POST", "consultation"),
        ("GET", "consultation/done"),
    ],
)
def test_unknown_links_get_the_same_404(app: FastAPI, client: BrowserClient, method: str, path: str) -> None:
    real = _assessment(app, all_no()["answers"])
    unknown = "A" * len(real)
    form = {"sure": "yes", "name": "x", "csrf_token": client.form_token()}
    response = client.request(method, f"/a/{unknown}/{path}", data=form)
    assert response.status_code == 404
    assert real not in response.text
    with app.state.sessions.begin() as session:
        assert len(session.scalars(select(Assessment)).all()) == 1


# The three personas of issue 11: no risks and fast relief; a cochlear implant and a past seizure;
# PHQ-9 item 9 above 0 with the safety questions skipped.
PERSONAS = {
    "fast_relief": (all_no(needs_fast_relief="yes", open_to_altered_state="yes")["answers"], False),
    "implant_and_seizure": (all_no(cochlear_implant="yes", seizure_history="yes")["answers"], False),
    "item_9_skipped_safety": ({"age": 40, "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 2]}, True),
}
A4_POINTS = (595, 842)
LETTER_POINTS = (612, 792)


def _printout_pages(
    client: TestClient, token: str, monkeypatch: pytest.MonkeyPatch, path: str = "summary.pdf"
) -> tuple[int, tuple[int, int], str]:
    """The pages of a PDF the route makes, their paper size in points, and the HTML it was made from."""
    from trdnav.web.pdf import lay_out

    made: list[tuple[str, str]] = []
    monkeypatch.setattr(
        results_module, "render_pdf", lambda page, *, base_url, paper: made.append((page, paper)) or b"%PDF-"
    )
    assert client.get(f"/a/{token}/{path}").status_code == 200
    [(page, paper)] = made
    document = lay_out(page, base_url="http://testserver/", paper=paper)
    first = document.pages[0]
    # WeasyPrint measures in CSS pixels (96 per inch); a point is 1/72 inch
    size = (round(first.width * 72 / 96), round(first.height * 72 / 96))
    return len(document.pages), size, page


def test_many_open_safety_questions_make_one_question_for_the_doctor_naming_each(
    app: FastAPI, client: TestClient
) -> None:
    """Someone who skipped the safety questions gets one question that lists them all, not a page of
    copies of the same sentence; one or two open questions are still asked about one by one."""
    answers, suicide_risk = PERSONAS["item_9_skipped_safety"]
    questions = _text(
        _section(_results(client, _assessment(app, answers, suicide_risk=suicide_risk)), "questions")
    )
    compared = {"iv_ketamine", "tms"}
    safety = [i.question for i in KB.items.values() if i.section == "safety" and compared & set(i.bears_on)]
    assert len(safety) > 3
    assert questions.count("Do any of these matter for me?") == 1
    assert "I was not sure how to answer this" not in questions
    assert all(f"“{question}”" in questions for question in safety)
    few = _text(
        _section(_results(client, _assessment(app, all_no(seizure_history="unsure")["answers"])), "questions")
    )
    assert "I was not sure how to answer this: “" in few and "Do any of these matter for me?" not in few


@pytest.mark.slow
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_printout_is_at_most_4_pages_on_letter_paper_at_a_us_clinic(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch, persona: str
) -> None:
    answers, suicide_risk = PERSONAS[persona]
    token = _assessment(
        app, answers, therapies=("iv_ketamine", "tms"), suicide_risk=suicide_risk, clinic="East Clinic"
    )
    pages, size, page = _printout_pages(client, token, monkeypatch)
    assert pages <= 4, f"{persona}: {pages} pages"
    assert size == LETTER_POINTS
    words = _text(page)
    for section in ("your-summary", "comparison", "questions"):
        assert f'id="{section}"' in page
    assert "trd-navigator-sources.pdf" in words, "the printout names its sources appendix"
    assert f"http://testserver/a/{token}/sources.pdf" in words


def test_the_printout_is_on_a4_paper_outside_the_us(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(Settings(database_url=database_url, country="GB"))
    try:
        token = _assessment(app, all_no()["answers"])
        with TestClient(app) as client:
            assert _printout_pages(client, token, monkeypatch)[1] == A4_POINTS
    finally:
        app.state.engine.dispose()


def test_the_sources_appendix_holds_every_fact_and_source_of_the_comparison(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _assessment(app, all_no()["answers"], clinic="East Clinic")
    assert f'href="/a/{token}/sources.pdf"' in _results(client, token)
    response = client.get(f"/a/{token}/sources.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert response.headers["content-disposition"] == 'attachment; filename="trd-navigator-sources.pdf"'
    _, size, page = _printout_pages(client, token, monkeypatch, "sources.pdf")
    assert size == LETTER_POINTS
    words = _text(page)
    for therapy in ("iv_ketamine", "tms"):
        for _, fact in KB.therapies[therapy].facts():
            assert fact.text in words
            for citation_id in fact.citations:
                assert f'id="src-{citation_id}"' in page


def test_the_clinic_s_own_price_stands_beside_the_typical_prices() -> None:
    """ClinicView.prices (therapy id -> the words the clinic typed) stands in the cost row of that option."""
    priced = dataclasses.replace(
        installation_view(Settings()),
        name="East Clinic",
        prices={"tms": "$300 a session, paid before each visit"},
    )
    summary = build_summary(
        KB,
        token="t",
        private_link="http://testserver/a/t/results",
        answers=all_no()["answers"],
        therapies=("iv_ketamine", "tms"),
        sure_answers={},
        today=KB.manifest.reviewed,
        clinic=priced,
    )
    grid = templates.get_template("results_comparison.html").render(s=summary, clinic=priced, detail=True)
    cost = _text(grid[grid.index('id="row-cost"') : grid.index("</tr>", grid.index('id="row-cost"'))])
    assert "At East Clinic: $300 a session, paid before each visit" in cost
    assert cost.count("At East Clinic") == 1, "only the option the clinic priced"
    assert [c.clinic_price for c in summary.costs] == [None, None, priced.prices["tms"]]
