"""Adding staff in one clinic does not reveal that an e-mail address has an account at another:
the admin gets the same answer (a redirect to the same neutral notice) after the same work (the
password is hashed either way, argon2 being the slow part), and the other clinic's account is left
exactly as it was."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from tests.web.conftest import World, signed_in
from trdnav.store import clinic_admin
from trdnav.store.models import AuditEvent, Staff

BO = "bo@south.example"  # clinic B's clinician


def _new_staff(email: str) -> dict[str, str]:
    return {"email": email, "name": "Nia New", "role": "admin", "password": "a long enough password"}


def _snapshot(app: FastAPI, email: str) -> tuple[Any, ...] | None:
    with app.state.sessions() as session:
        staff = session.scalars(select(Staff).where(Staff.email == email)).first()
        if staff is None:
            return None
        return (staff.id, staff.clinic_id, staff.name, staff.role, staff.password_hash, staff.active)


def test_an_address_of_another_clinic_gets_the_same_answer_as_a_new_one(
    app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[str] = []
    real_hash = clinic_admin.hash_password
    monkeypatch.setattr(
        clinic_admin, "hash_password", lambda password: hashed.append(password) or real_hash(password)
    )
    admin = signed_in(app, world.admin_a)
    before = _snapshot(app, BO)
    with app.state.sessions() as session:
        entries_before = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.clinic_id == world.clinic_b)
        )

    existing = admin.post("/staff/admin/staff", data=_new_staff(BO.upper()), follow_redirects=False)
    new = admin.post("/staff/admin/staff", data=_new_staff("nia@north.example"), follow_redirects=False)

    assert (existing.status_code, existing.headers["location"]) == (new.status_code, new.headers["location"])
    assert existing.text == new.text
    assert len(hashed) == 1, "the address in use elsewhere costs the same argon2 hash as a new account"
    assert _snapshot(app, BO) == before, "the other clinic's account is not altered"
    with app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Staff).where(Staff.email == BO)) == 1
        assert (
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.clinic_id == world.clinic_b)
            )
            == entries_before
        )
    notice = admin.get(existing.headers["location"]).text
    assert "unless its e-mail address is already in use" in notice
    assert "south" not in notice.lower() and "another clinic" not in notice.lower()


def test_an_address_already_on_this_clinics_own_list_is_named_at_the_field(
    app: FastAPI, world: World
) -> None:
    """The admin can see their own clinic's accounts anyway: saying so reveals nothing."""
    response = signed_in(app, world.admin_a).post("/staff/admin/staff", data=_new_staff("ana@north.example"))
    assert response.status_code == 422
    assert "already exists" in response.text


def test_a_wrong_field_is_named_first_whether_or_not_the_address_is_in_use_elsewhere(
    app: FastAPI, world: World
) -> None:
    admin = signed_in(app, world.admin_a)
    elsewhere = admin.post("/staff/admin/staff", data={**_new_staff(BO), "password": "short"})
    new = admin.post("/staff/admin/staff", data={**_new_staff("nia@north.example"), "password": "short"})
    assert elsewhere.status_code == new.status_code == 422
    assert elsewhere.text.replace(BO, "X") == new.text.replace("nia@north.example", "X")
