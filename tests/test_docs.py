"""Generated and hand-written docs stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.reports.rules_doc import rules_markdown

ROOT = Path(__file__).parent.parent


def test_rules_md_is_not_stale(kb: KnowledgeBase) -> None:
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(kb) + "\n", "docs/rules.md is stale: run `make docs`"


def test_rules_md_lists_every_rule(kb: KnowledgeBase) -> None:
    text = rules_markdown(kb)
    for rule in kb.rules:
        assert f"### `{rule.id}`" in text


def _test_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        relative = path.relative_to(ROOT).as_posix()
        for match in re.finditer(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.MULTILINE):
            names.add(f"{relative}::{match.group(1)}")
    return names


def test_rules_md_has_the_screening_coverage_table_for_every_question_and_therapy(kb: KnowledgeBase) -> None:
    text = rules_markdown(kb)
    coverage = text[text.index("## Screening coverage") : text.index("## Considerations")]
    for item in (i for i in kb.items.values() if i.section == "safety"):
        table = coverage[coverage.index(f"#### `{item.id}`") :].split("\n\n")[1]
        for therapy in kb.manifest.therapies:
            assert f"| {therapy} | " in table, (item.id, therapy)
    for therapy in kb.manifest.therapies:
        assert f"(`{therapy}`): {kb.coverage.screens[therapy].screening}" in coverage


def test_every_test_named_in_the_hazard_log_exists() -> None:
    log = (ROOT / "docs" / "safety.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(tests/[\w/]+\.py::test_\w+)`", log))
    assert len(named) >= 10, "the hazard log should name the tests that verify each mitigation"
    missing = sorted(named - _test_names())
    assert missing == [], f"docs/safety.md names tests that do not exist: {missing}"


def test_every_test_named_in_the_asvs_table_exists() -> None:
    """docs/security.md's ASVS level 2 table names the test that holds each requirement."""
    security = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    table = security[security.index("## ASVS 4.0.3 level 2") : security.index("Not met, and why")]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) >= 30, "the table covers the level 2 requirements that apply"
    for row in rows:
        assert re.search(r"`tests/[\w/]+\.py::test_\w+`", row), f"a row with no test: {row[:80]}"
    named = set(re.findall(r"`(tests/[\w/]+\.py::test_\w+)`", table))
    missing = sorted(named - _test_names())
    assert missing == [], f"docs/security.md names tests that do not exist: {missing}"


def test_every_hazard_has_cause_effect_severity_mitigation_and_tests() -> None:
    log = (ROOT / "docs" / "safety.md").read_text(encoding="utf-8")
    hazards = re.split(r"^### ", log, flags=re.MULTILINE)[1:]
    assert len(hazards) >= 8
    for hazard in hazards:
        title = hazard.splitlines()[0]
        for field in ("Cause", "Effect", "Severity", "Mitigation", "Verified by"):
            assert f"**{field}" in hazard, f"hazard {title!r} lacks {field}"


@pytest.mark.parametrize("command", ["make run", "make test"])
def test_readme_shows_the_two_commands(command: str) -> None:
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")
