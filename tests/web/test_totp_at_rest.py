"""Two-factor set up through the pages stores the TOTP secret encrypted: the database row holds no
base32 secret, and signing in with a code still works."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
from fastapi import FastAPI
from sqlalchemy import MetaData, select

from tests.web.conftest import PASSWORD, BrowserClient, World

SETUP = "/staff/two-factor/setup"
SECRET = re.compile(r'<code id="secret">([A-Z2-7]+)</code>')


def _every_stored_value(app: FastAPI) -> list[str]:
    engine = app.state.engine
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return [
            str(v)
            for table in metadata.sorted_tables
            for row in connection.execute(select(table))
            for v in row
        ]


def test_the_secret_is_nowhere_in_the_database_and_codes_still_sign_in(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    client.post("/staff/login", data={"email": "ana@north.example", "password": PASSWORD})
    found = SECRET.search(client.get(SETUP).text)
    assert found
    secret = found.group(1)
    assert not any(secret in value for value in _every_stored_value(app)), "kept encrypted while pending"
    totp = pyotp.TOTP(secret)
    step = totp.timecode(dt.datetime.now(dt.UTC))
    assert (
        client.post(SETUP, data={"code": totp.generate_otp(step)}, follow_redirects=False).status_code == 303
    )
    assert not any(secret in value for value in _every_stored_value(app)), "and once turned on"
    assert not any(re.fullmatch(r"[A-Z2-7]{32}", value) for value in _every_stored_value(app))
    client.post("/staff/logout")

    client.post("/staff/login", data={"email": "ana@north.example", "password": PASSWORD})
    signed = client.post(
        "/staff/two-factor", data={"code": totp.generate_otp(step + 1)}, follow_redirects=False
    )
    assert signed.status_code == 303
    assert client.get("/staff/", follow_redirects=False).status_code == 200
