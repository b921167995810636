"""The API against its own OpenAPI schema: schemathesis generates requests, in process (ASGI).

Each operation gets valid and invalid requests (schemathesis' default: every generation mode, every
phase that applies) and every default check: above all no 5xx (``not_a_server_error``) and no
response outside the documented statuses, media types and schemas (``status_code_conformance``,
``content_type_conformance``, ``response_schema_conformance``); valid documents must be accepted and
invalid ones refused. At least 2,000 requests are sent in all (``MIN_CASES_PER_OPERATION`` for each
of the four operations), on a fresh SQLite database.

The schema is loaded when the module is imported (``schemathesis.openapi.from_asgi``), so the app and
its database are made then and removed when the module's tests end. (The lazy loader,
``schemathesis.pytest.from_fixture``, fails under pytest 9: it sets ``Function._nodeid``, gone there.)
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import positive_data_acceptance

from trdnav.settings import Settings
from trdnav.web.app import create_app

OPERATIONS = 4
MIN_CASES_PER_OPERATION = 510  # 4 x 510 = 2,040 requests in all (issue 13: at least 2,000)
MAX_EXAMPLES = 510  # the fuzzing phase alone; examples and coverage phases add more
FHIR_EVALUATE = "POST /api/v1/fhir/QuestionnaireResponse/$evaluate"


_FOLDER = Path(tempfile.mkdtemp(prefix="trdnav-schemathesis-"))
_APP = create_app(Settings(database_url=f"sqlite:///{_FOLDER / 'trdnav.db'}"))
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@pytest.fixture(scope="session", autouse=True)
def _remove_database() -> Iterator[None]:
    """At the end of the test process (not of the module: pytest-xdist may run it in two runs)."""
    yield
    _APP.state.engine.dispose()
    shutil.rmtree(_FOLDER, ignore_errors=True)


@pytest.fixture
def sent() -> Iterator[list[str]]:
    """The requests one operation's test sent; at least MIN_CASES_PER_OPERATION by its end."""
    requests: list[str] = []
    yield requests
    assert len(requests) >= MIN_CASES_PER_OPERATION, f"only {len(requests)} requests were generated"


def test_the_schema_has_the_four_operations() -> None:
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels == {
        "POST /api/v1/assessments:evaluate",
        "POST /api/v1/assessments",
        "GET /api/v1/assessments/{token}",
        FHIR_EVALUATE,
    }
    assert len(labels) == OPERATIONS


@pytest.mark.slow  # over 2,000 generated requests
@schema.parametrize()
# `sent` is meant to live across the generated inputs: it counts them, and is not reset between them.
@settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_api_conforms_to_its_schema(case: Case, sent: list[str]) -> None:
    sent.append(case.operation.label)
    if case.operation.label == FHIR_EVALUATE:
        # The QuestionnaireResponse's schema describes its shape, not each item's allowed answers
        # (the contract check refuses those by name, 422): every other check still applies.
        case.call_and_validate(excluded_checks=[positive_data_acceptance])
    else:
        case.call_and_validate()
