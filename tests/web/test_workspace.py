"""The clinician's workspace: the queue, an assessment's detail, reviews, notes, consultation
status and the clinician summary; only the clinic's own records, each read and write audited."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from tests.web.conftest import BrowserClient, World, error_summary_links, signed_in
from trdnav.knowledge.loader import load
from trdnav.store.models import Assessment, AuditEvent, ConsultationRequest, Note, Review
from trdnav.store.repository import create_assessment, request_consultation, save_answers

KB = load()
ALL_CLEAR: dict[str, Any] = dict.fromkeys(
    (item.id for item in KB.items.values() if item.section == "safety"), "no"
) | {"phq9": [2, 2, 1, 1, 1, 1, 1, 1, 0], "gad7": [1, 1, 1, 1, 1, 1, 1], "age": 40}
SEIZURE = ALL_CLEAR | {"seizure_history": "yes"}
ITEM_9 = ALL_CLEAR | {"phq9": [2, 2, 1, 1, 1, 1, 1, 1, 1]}


def add_assessment(app: FastAPI, clinic_id: int, answers: dict[str, Any], *, request: bool = False) -> int:
    with app.state.sessions.begin() as session:
        assessment, _token = create_assessment(
            session,
            therapies=["iv_ketamine", "tms"],
            knowledge_version=KB.version,
            contract_version=KB.manifest.contract_version,
            clinic_id=clinic_id,
        )
        save_answers(
            session,
            assessment,
            answers,
            step="results",
            knowledge_version=KB.version,
            suicide_risk=answers["phq9"][8] > 0,
        )
        if request:
            request_consultation(
                session,
                assessment,
                name="Pat Doe",
                phone="555-0199",
                email="",
                preferred_times="",
                message="",
            )
        return assessment.id


def audit_rows(app: FastAPI, after: int = 0) -> list[tuple[Any, ...]]:
    with app.state.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq))
        return [(e.action, e.record_type, e.record_id, e.clinic_id, e.staff_id, e.role) for e in events]


def last_seq(app: FastAPI) -> int:
    with app.state.sessions() as session:
        return session.scalar(select(func.max(AuditEvent.seq))) or 0


def count(app: FastAPI, model: type) -> int:
    with app.state.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def positions(text: str, *needles: str) -> list[int]:
    found = [text.index(needle) for needle in needles]
    return found


# --- The queue -----------------------------------------------------------------------------------


def test_the_queue_puts_alerts_then_needs_review_then_new_requests_first(app: FastAPI, world: World) -> None:
    plain = add_assessment(app, world.clinic_a, ALL_CLEAR, request=True)
    review = add_assessment(app, world.clinic_a, SEIZURE)
    alert = add_assessment(app, world.clinic_a, ITEM_9)
    before = last_seq(app)
    with signed_in(app, world.clinician_a) as client:
        page = client.get("/staff/")

    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    links = [f'href="/staff/assessments/{i}"' for i in (alert, review, plain)]
    assert positions(page.text, *links) == sorted(positions(page.text, *links))
    assert 'href="/staff/assessments/' + str(world.assessment_b) + '"' not in page.text
    assert audit_rows(app, before) == [
        ("read", "queue", None, world.clinic_a, world.clinician_a, "clinician")
    ]


def test_the_dashboard_counts_the_whole_queue_and_the_filters_narrow_the_table(
    app: FastAPI, world: World
) -> None:
    alert = add_assessment(app, world.clinic_a, ITEM_9, request=True)
    with signed_in(app, world.admin_a) as client:
        filtered = client.get("/staff/", params={"status": "alert", "therapy": "tms"})
        by_therapy = client.get("/staff/", params={"therapy": "ect"})
        nonsense = client.get("/staff/", params={"status": "<script>", "page": "x"})

    assert filtered.status_code == 200
    assert f'href="/staff/assessments/{alert}"' in filtered.text
    assert f'href="/staff/assessments/{world.assessment_a}"' not in filtered.text
    # Counts: one alert; the world's assessment and the alert both have new requests.
    assert '<dt>Urgent alerts</dt><dd><a href="/staff/?status=alert">1</a>' in filtered.text
    assert '<dt>New consultation requests</dt><dd><a href="/staff/?status=new_request">2</a>' in filtered.text
    assert '<option value="alert" selected>' in filtered.text
    assert "No assessments match these filters" in by_therapy.text
    assert nonsense.status_code == 200
    assert f'href="/staff/assessments/{alert}"' in nonsense.text


# --- Assessment detail ---------------------------------------------------------------------------


def test_the_detail_shows_answers_scores_rule_ids_unanswered_and_contact_details(
    app: FastAPI, world: World
) -> None:
    answers = SEIZURE | {"needs_fast_relief": "yes"}
    del answers["cochlear_implant"]
    assessment = add_assessment(app, world.clinic_a, answers, request=True)
    before = last_seq(app)
    with signed_in(app, world.clinician_a) as client:
        page = client.get(f"/staff/assessments/{assessment}")

    text = page.text
    assert page.status_code == 200
    assert text.count("<h1") == 1
    assert "TMS.SAFETY.SEIZURE_HISTORY" in text
    assert "History of seizure or epilepsy" in text  # the clinician text, not the patient's
    assert "Rossi 2009" in text  # a source of the rule
    assert KB.items["cochlear_implant"].question in text  # unanswered
    assert KB.items["seizure_history"].question in text
    assert "<code>&#34;yes&#34;</code>" in text or "<code>&quot;yes&quot;</code>" in text
    assert "10 of 27</td><td>Moderate" in text and "7 of 21</td><td>Mild" in text  # totals, bands
    assert "urgency" in text  # the priority that favours ketamine
    assert "Pat Doe" in text and "555-0199" in text
    for link in ("export.json", "questionnaire-response.json", "delete", "summary.pdf"):
        assert f'href="/staff/assessments/{assessment}/{link}"' in text
    assert audit_rows(app, before) == [
        ("read", "assessment", assessment, world.clinic_a, world.clinician_a, "clinician")
    ]


def test_an_alert_is_stated_first_on_the_detail(app: FastAPI, world: World) -> None:
    assessment = add_assessment(app, world.clinic_a, ITEM_9)
    with signed_in(app, world.clinician_a) as client:
        text = client.get(f"/staff/assessments/{assessment}").text
    assert text.index("Suicide-risk alert") < text.index("Scores")


# --- Reviews -------------------------------------------------------------------------------------


def test_a_review_needs_a_reason_and_nothing_is_stored_without_one(app: FastAPI, world: World) -> None:
    assessment = add_assessment(app, world.clinic_a, SEIZURE)
    before = last_seq(app)
    with signed_in(app, world.clinician_a) as client:
        response = client.post(
            f"/staff/assessments/{assessment}/reviews",
            data={"therapy": "tms", "status": "contraindicated", "reason": "  "},
        )

    assert response.status_code == 422
    assert 'id="review-reason-error"' in response.text
    assert "Give the clinical reason for this status, from 3 to 2000 characters" in response.text
    assert 'aria-describedby="review-reason-error"' in response.text
    assert f'action="/staff/assessments/{assessment}/reviews#review"' in response.text
    assert '<section aria-labelledby="review-title" id="review">' in response.text, "back at the form"
    assert error_summary_links(response.text, "review-errors") == {
        "review-reason": "Give the clinical reason for this status, from 3 to 2000 characters (now 0)."
    }
    assert count(app, Review) == 0
    assert [row[:2] for row in audit_rows(app, before)] == [("read", "assessment")]


def test_an_override_keeps_the_engines_status_beside_it_and_the_queue_shows_the_effective_status(
    app: FastAPI, world: World
) -> None:
    assessment = add_assessment(app, world.clinic_a, SEIZURE)
    before = last_seq(app)
    with signed_in(app, world.clinician_a) as client:
        response = client.post(
            f"/staff/assessments/{assessment}/reviews",
            data={"therapy": "tms", "status": "clear", "reason": "Single febrile seizure at age 2."},
            follow_redirects=False,
        )
        detail = client.get(f"/staff/assessments/{assessment}").text
        queue = client.get("/staff/", params={"status": "reviewed"}).text

    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/assessments/{assessment}#safety-tms"
    with app.state.sessions() as session:
        review = session.scalars(select(Review)).one()
        assert (review.therapy, review.engine_status, review.status, review.staff_id) == (
            "tms",
            "needs_review",
            "no_known_concerns",
            world.clinician_a,
        )
    assert audit_rows(app, before)[0] == (
        "create",
        "review",
        review.id,
        world.clinic_a,
        world.clinician_a,
        "clinician",
    )
    assert "Single febrile seizure at age 2." in detail
    assert "(override)" in detail
    assert f'href="/staff/assessments/{assessment}"' in queue
    assert "clinician override; engine: Needs review" in queue


def test_a_review_of_a_therapy_the_assessment_does_not_compare_is_refused(app: FastAPI, world: World) -> None:
    with signed_in(app, world.clinician_a) as client:
        response = client.post(
            f"/staff/assessments/{world.assessment_a}/reviews",
            data={"therapy": "ect", "status": "contraindicated", "reason": "Not applicable here."},
        )
    assert response.status_code == 422
    assert "Choose one of the therapies compared in this assessment." in response.text
    assert count(app, Review) == 0


# --- Notes and consultation status ---------------------------------------------------------------


def test_a_note_is_stored_and_shown(app: FastAPI, world: World) -> None:
    before = last_seq(app)
    with signed_in(app, world.admin_a) as client:
        empty = client.post(f"/staff/assessments/{world.assessment_a}/notes", data={"text": ""})
        response = client.post(
            f"/staff/assessments/{world.assessment_a}/notes",
            data={"text": "Called; prefers mornings."},
            follow_redirects=False,
        )
        detail = client.get(f"/staff/assessments/{world.assessment_a}").text

    assert empty.status_code == 422
    assert 'id="note-text-error"' in empty.text
    assert error_summary_links(empty.text, "note-errors") == {
        "note-text": "Write the note, from 1 to 5000 characters (now 0)."
    }
    assert response.status_code == 303
    with app.state.sessions() as session:
        note = session.scalars(select(Note)).one()
        assert (note.text, note.staff_id, note.assessment_id) == (
            "Called; prefers mornings.",
            world.admin_a,
            world.assessment_a,
        )
    assert "Called; prefers mornings." in detail
    assert ("create", "note", note.id, world.clinic_a, world.admin_a, "admin") in audit_rows(app, before)


def test_a_consultation_is_booked_then_closed(app: FastAPI, world: World) -> None:
    url = f"/staff/consultations/{world.consultation_a}/status"
    before = last_seq(app)
    with signed_in(app, world.clinician_a) as client:
        no_time = client.post(url, data={"status": "booked", "booked_for": ""})
        booked = client.post(
            url, data={"status": "booked", "booked_for": "2026-12-03 10:00"}, follow_redirects=False
        )
        with app.state.sessions() as session:
            consultation = session.get(ConsultationRequest, world.consultation_a)
            assert consultation is not None
            assert (consultation.status, consultation.booked_for) == ("booked", "2026-12-03 10:00")
            assert consultation.status_changed_at is not None
        detail = client.get(f"/staff/assessments/{world.assessment_a}").text
        closed = client.post(url, data={"status": "closed"}, follow_redirects=False)

    assert no_time.status_code == 422
    assert "Enter when the consultation is booked for" in no_time.text
    form = f"consultation-{world.consultation_a}"
    assert f'action="{url}#{form}"' in no_time.text
    assert list(error_summary_links(no_time.text, f"{form}-errors")) == [f"{form}-booked-for"]
    assert booked.status_code == 303 and closed.status_code == 303
    assert "Booked for 2026-12-03 10:00" in detail
    with app.state.sessions() as session:
        consultation = session.get(ConsultationRequest, world.consultation_a)
        assert consultation is not None
        assert (consultation.status, consultation.booked_for) == ("closed", "")
    updates = [row for row in audit_rows(app, before) if row[0] == "update"]
    assert (
        updates
        == [("update", "consultation", world.consultation_a, world.clinic_a, world.clinician_a, "clinician")]
        * 2
    )


# --- The clinician summary -----------------------------------------------------------------------


def test_the_summary_prints_and_downloads_as_pdf(app: FastAPI, world: World) -> None:
    assessment = add_assessment(app, world.clinic_a, SEIZURE, request=True)
    before = last_seq(app)
    with signed_in(app, world.clinician_a) as client:
        page = client.get(f"/staff/assessments/{assessment}/summary")
        pdf = client.get(f"/staff/assessments/{assessment}/summary.pdf")

    assert page.status_code == 200
    assert "TMS.SAFETY.SEIZURE_HISTORY" in page.text
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert pdf.headers["cache-control"] == "no-store"
    assert audit_rows(app, before) == [
        ("read", "assessment", assessment, world.clinic_a, world.clinician_a, "clinician"),
        ("export", "assessment", assessment, world.clinic_a, world.clinician_a, "clinician"),
    ]


# --- Another clinic's records --------------------------------------------------------------------


def test_another_clinics_records_are_not_found_and_nothing_is_written(app: FastAPI, world: World) -> None:
    before = last_seq(app)
    a, consultation = world.assessment_a, world.consultation_a
    with signed_in(app, world.clinician_b) as client:
        answers = [
            client.get(f"/staff/assessments/{a}"),
            client.get(f"/staff/assessments/{a}/summary"),
            client.get(f"/staff/assessments/{a}/summary.pdf"),
            client.post(
                f"/staff/assessments/{a}/reviews",
                data={"therapy": "tms", "status": "contraindicated", "reason": "Trying another clinic."},
            ),
            client.post(f"/staff/assessments/{a}/notes", data={"text": "Not mine."}),
            client.post(f"/staff/consultations/{consultation}/status", data={"status": "closed"}),
            client.get("/staff/assessments/999999"),
            client.post("/staff/consultations/999999/status", data={"status": "closed"}),
        ]
        queue = client.get("/staff/").text

    assert [response.status_code for response in answers] == [404] * len(answers)
    assert answers[0].text == answers[6].text  # the same answer as an unknown id
    assert f'href="/staff/assessments/{a}"' not in queue
    assert (count(app, Review), count(app, Note)) == (0, 0)
    with app.state.sessions() as session:
        stored = session.get(ConsultationRequest, consultation)
        assert stored is not None and stored.status == "new"
        assert session.get(Assessment, a) is not None
    assert audit_rows(app, before) == [
        ("read", "queue", None, world.clinic_b, world.clinician_b, "clinician")
    ]


def test_signed_out_visitors_are_sent_to_sign_in_and_nothing_is_written(app: FastAPI, world: World) -> None:
    with BrowserClient(app) as client:
        page = client.get(f"/staff/assessments/{world.assessment_a}", follow_redirects=False)
        note = client.post(
            f"/staff/assessments/{world.assessment_a}/notes", data={"text": "x"}, follow_redirects=False
        )
    for response in (page, note):
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/login")
        assert "Sam Example" not in response.text
    assert count(app, Note) == 0
