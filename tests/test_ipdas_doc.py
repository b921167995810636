"""docs/ipdas.md stays honest: every IPDAS criterion has a status, every criterion not fully met
says what is missing, and every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_docs import _test_names

ROOT = Path(__file__).parent.parent
IPDAS = ROOT / "docs" / "ipdas.md"
STATUSES = {"met", "partly met", "not met", "not applicable"}
TEST_ID = re.compile(r"`(tests/[\w/]+\.py::test_\w+)`")


def _criteria() -> dict[str, str]:
    """Each criterion's heading (`### Q1. ...`, `#### QC3-QC7. ...`) and the text under it."""
    text = IPDAS.read_text(encoding="utf-8")
    parts = re.split(r"^#{3,4} ((?:Q|C|QC)\d+(?:-(?:Q|C|QC)\d+)?\. .+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_ipdas_criterion_has_a_status_and_what_is_missing_when_not_fully_met() -> None:
    criteria = _criteria()
    names = {title.split(".")[0] for title in criteria}
    assert {f"Q{n}" for n in range(1, 7)} <= names, "the six qualifying criteria"
    assert {f"C{n}" for n in range(1, 7)} | {"C7-C10"} <= names, "the ten certification criteria"
    for title, body in criteria.items():
        status = re.search(r"^- \*\*Status\*\*: (.+)$", body, re.MULTILINE)
        assert status and status.group(1) in STATUSES, f"{title}: a status from {sorted(STATUSES)}"
        if status.group(1) in {"partly met", "not met"}:
            assert "- **Missing**:" in body, f"{title} is {status.group(1)} and must say what is missing"
        if status.group(1) in {"met", "partly met"}:
            assert "- **Held by**:" in body and "- **How**:" in body, f"{title}: how it is met, and its tests"


def test_every_test_named_in_the_ipdas_document_exists() -> None:
    text = IPDAS.read_text(encoding="utf-8")
    existing = _test_names()
    named = set(TEST_ID.findall(text))
    assert len(named) >= 15, "the document names the tests that hold each criterion"
    missing = sorted(named - existing)
    assert missing == [], f"docs/ipdas.md names tests that do not exist: {missing}"
