"""`trdnav cds clients add|list|remove`: an administrator registers the EHRs a clinic trusts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jwt
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.web.cds_client import SigningKey
from trdnav.cli import app
from trdnav.store.models import AuditEvent, CdsClient


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for key in list(os.environ):
        if key.upper().startswith("TRDNAV_"):
            monkeypatch.delenv(key)
    url = f"sqlite:///{tmp_path / 'trdnav.db'}"
    monkeypatch.setenv("TRDNAV_DATABASE_URL", url)
    return url


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def north(database_url: str) -> str:
    code, output = _run("clinics", "create", "north", "--name", "North Clinic")
    assert code == 0, output
    return database_url


def test_a_client_with_a_jwks_file_or_url_is_added_listed_and_removed(north: str, tmp_path: Path) -> None:
    jwks = tmp_path / "ehr.jwks.json"
    jwks.write_text(json.dumps({"keys": [SigningKey.rsa().public_jwk(), SigningKey.ec().public_jwk()]}))
    code, output = _run(
        "cds",
        "clients",
        "add",
        "--clinic",
        "north",
        "--issuer",
        "https://ehr.example",
        "--jwks-file",
        str(jwks),
    )
    assert code == 0, output
    assert "Clinic north now trusts the CDS client https://ehr.example." in output
    code, output = _run(
        "cds", "clients", "add", "--clinic", "north", "--issuer", "https://other.example",
        "--jwks-url", "https://other.example/.well-known/jwks.json",
    )  # fmt: skip
    assert code == 0, output
    code, output = _run("cds", "clients", "list", "--clinic", "north")
    assert code == 0
    assert "https://ehr.example" in output and "JWK Set with 2 key(s)" in output
    assert "https://other.example/.well-known/jwks.json" in output
    code, output = _run("cds", "clients", "remove", "--clinic", "north", "--issuer", "https://ehr.example")
    assert code == 0 and "no longer trusts" in output
    engine = create_engine(north)
    with Session(engine) as session:
        assert [c.issuer for c in session.scalars(select(CdsClient))] == ["https://other.example"]
        actions = [
            (e.action, e.record_type)
            for e in session.scalars(select(AuditEvent))
            if e.record_type == "cds_client"
        ]
    engine.dispose()
    assert actions == [("create", "cds_client"), ("create", "cds_client"), ("delete", "cds_client")]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json", "is not JSON"),
        ('{"keys": []}', 'non-empty "keys" list'),
        (json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}), "expected RSA or EC"),
        (json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}]}), "expected P-384"),
    ],
)
def test_a_bad_jwks_file_exits_2_naming_the_field(
    north: str, tmp_path: Path, content: str, expected: str
) -> None:
    jwks = tmp_path / "bad.json"
    jwks.write_text(content)
    code, output = _run(
        "cds",
        "clients",
        "add",
        "--clinic",
        "north",
        "--issuer",
        "https://ehr.example",
        "--jwks-file",
        str(jwks),
    )
    assert code == 2
    assert expected in output


def test_a_private_key_unknown_clinic_duplicate_issuer_and_missing_keys_are_refused(
    north: str, tmp_path: Path
) -> None:
    key = SigningKey.rsa()
    private = jwt.algorithms.RSAAlgorithm.to_jwk(key.private, as_dict=True)
    secret = tmp_path / "private.json"
    secret.write_text(json.dumps({"keys": [private]}))
    code, output = _run(
        "cds",
        "clients",
        "add",
        "--clinic",
        "north",
        "--issuer",
        "https://a.example",
        "--jwks-file",
        str(secret),
    )
    assert code == 2 and "private key material" in output
    code, output = _run(
        "cds",
        "clients",
        "add",
        "--clinic",
        "nowhere",
        "--issuer",
        "https://a.example",
        "--jwks-url",
        "https://a.example/j",
    )
    assert code == 2 and "--clinic: no clinic 'nowhere'" in output
    code, output = _run("cds", "clients", "add", "--clinic", "north", "--issuer", "https://a.example")
    assert code == 2 and "give exactly one" in output
    assert (
        _run(
            "cds",
            "clients",
            "add",
            "--clinic",
            "north",
            "--issuer",
            "https://a.example",
            "--jwks-url",
            "https://a.example/j",
        )[0]
        == 0
    )
    code, output = _run(
        "cds",
        "clients",
        "add",
        "--clinic",
        "north",
        "--issuer",
        "https://a.example",
        "--jwks-url",
        "https://a.example/j",
    )
    assert code == 2 and "issuer: is already trusted" in output
    code, output = _run("cds", "clients", "remove", "--clinic", "north", "--issuer", "https://b.example")
    assert code == 2 and "does not trust" in output
