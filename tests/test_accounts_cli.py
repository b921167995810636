"""`trdnav clinics create|list` and `trdnav users create`: the first clinic and admin of an
installation, made from the command line, audited, and able to sign in through the web form."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.web.conftest import BrowserClient
from trdnav.cli import app
from trdnav.settings import Settings
from trdnav.store.database import open_engine, session_factory
from trdnav.store.models import AuditEvent, Clinic, Staff
from trdnav.web.app import create_app

PASSWORD = "a long enough password 42"


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for key in list(os.environ):
        if key.upper().startswith("TRDNAV_"):
            monkeypatch.delenv(key)
    url = f"sqlite:///{tmp_path / 'trdnav.db'}"
    monkeypatch.setenv("TRDNAV_DATABASE_URL", url)
    return url


def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def _create_north() -> None:
    code, output = _run("clinics", "create", "north", "--name", "North Clinic", "--therapies", "tms")
    assert code == 0, output
    assert "Created clinic north (North Clinic); its intake link is /c/north/." in output


def test_the_first_clinic_and_admin_are_made_here_and_can_sign_in(database_url: str) -> None:
    _create_north()
    code, output = _run(
        "users",
        "create",
        "--clinic",
        "north",
        "--email",
        "Adam@North.example",
        "--name",
        "Adam North",
        "--role",
        "admin",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert code == 0, output
    assert PASSWORD not in output, "the password is asked for without echo"
    assert "Created admin adam@north.example at north; the password must be changed" in output

    web = create_app(Settings(database_url=database_url))
    try:
        with BrowserClient(web) as client:
            response = client.post(
                "/staff/login",
                data={"email": "adam@north.example", "password": PASSWORD},
                follow_redirects=False,
            )
            assert response.status_code == 303 and response.headers["location"] == "/staff/"
            first = client.get("/staff/", follow_redirects=False)
            assert first.headers["location"] == "/staff/password", "a temporary password is changed first"
    finally:
        web.state.engine.dispose()


def test_creating_clinics_and_staff_is_audited_as_the_system(database_url: str) -> None:
    _create_north()
    code, output = _run(
        "users",
        "create",
        "--clinic",
        "north",
        "--email",
        "ana@north.example",
        "--name",
        "Ana North",
        "--role",
        "clinician",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, output
    engine = open_engine(database_url)
    try:
        with session_factory(engine)() as session:
            clinic = session.scalars(select(Clinic)).one()
            staff = session.scalars(select(Staff)).one()
            assert clinic.therapies == ["tms"]
            assert staff.password_hash.startswith("$argon2id$") and PASSWORD not in staff.password_hash
            events = [
                (e.actor, e.action, e.record_type, e.record_id, e.clinic_id)
                for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
            ]
            assert events == [
                ("system", "create", "clinic", clinic.id, clinic.id),
                ("system", "create", "staff", staff.id, clinic.id),
            ]
    finally:
        engine.dispose()


def test_clinics_are_listed(database_url: str) -> None:
    assert "No clinics yet" in _run("clinics", "list")[1]
    _create_north()
    code, output = _run("clinics", "list")
    assert code == 0
    assert "north" in output and "North Clinic" in output and "tms" in output


@pytest.mark.parametrize(
    ("args", "stdin", "named"),
    [
        (["clinics", "create", "North Clinic", "--name", "North"], None, "slug: expected"),
        (
            ["clinics", "create", "north", "--name", "North", "--therapies", "magic"],
            None,
            "therapies: unknown",
        ),
        (["users", "create", "--clinic", "nowhere"], PASSWORD, "clinic: no clinic called 'nowhere'"),
        (["users", "create", "--clinic", "north", "--email", "not-an-email"], PASSWORD, "email: expected"),
        (["users", "create", "--clinic", "north", "--role", "owner"], PASSWORD, "role: expected one of"),
        (["users", "create", "--clinic", "north"], "short", "password: must be at least 12 characters"),
        (["users", "create", "--clinic", "north"], "password1234", "password: is too common or too easy"),
        (
            ["users", "create", "--clinic", "north"],
            "ana north rocks!",
            "password: must not contain your email",
        ),
    ],
)
def test_a_value_that_cannot_be_used_exits_2_naming_the_field(
    database_url: str, args: list[str], stdin: str | None, named: str
) -> None:
    _create_north()
    if args[0] == "users":
        defaults = {"--email": "ana@north.example", "--name": "Ana North", "--role": "clinician"}
        for option, value in defaults.items():
            if option not in args:
                args = [*args, option, value]
        args.append("--password-stdin")
    code, output = _run(*args, stdin=None if stdin is None else stdin + "\n")
    assert code == 2, output
    assert named in output
    assert "Traceback" not in output


def test_an_existing_email_or_slug_is_refused(database_url: str) -> None:
    _create_north()
    assert _run("clinics", "create", "north", "--name", "Another")[0] == 2
    user = ["users", "create", "--clinic", "north", "--email", "ana@north.example", "--name", "Ana"]
    user += ["--role", "clinician", "--password-stdin"]
    assert _run(*user, stdin=PASSWORD + "\n")[0] == 0
    code, output = _run(*user, stdin=PASSWORD + "\n")
    assert code == 2 and "email: an account for ana@north.example already exists" in output


@pytest.mark.parametrize(
    "args",
    [
        ["clinics", "list"],
        ["clinics", "create", "north", "--name", "North Clinic"],
        [
            "users",
            "create",
            "--clinic",
            "north",
            "--email",
            "a@north.example",
            "--name",
            "A",
            "--role",
            "admin",
        ],
    ],
)
def test_a_database_url_that_cannot_be_used_is_named_without_a_traceback(
    database_url: str, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("TRDNAV_DATABASE_URL", "notaurl")
    result = CliRunner().invoke(app, [*args, "--password-stdin"] if args[0] == "users" else args, input="x\n")
    assert result.exit_code == 2, result.output
    assert "TRDNAV_DATABASE_URL: not a usable SQLAlchemy URL" in result.output
    assert isinstance(result.exception, SystemExit)
