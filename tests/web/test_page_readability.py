"""Every patient-facing page reads at Flesch-Kincaid grade 8 or lower, text block by text block.

Knowledge-base texts are checked one by one in tests/knowledge/test_readability.py; this test
checks what the templates add around them. Exceptions are listed with the reason.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import textstat
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import all_no
from trdnav.knowledge.loader import load
from trdnav.knowledge.schema import Fact
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic
from trdnav.store.repository import create_assessment, save_answers

GRADE_LIMIT = 8.0
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "legend", "label", "th", "td", "dt", "dd", "caption", "summary"}
PAGES = ["about", "feelings", "safety", "priorities", "review", "results", "consultation", "email"]


def _knowledge_texts() -> set[str]:
    kb = load()
    texts = {i.question for i in kb.items.values()} | {i.help or "" for i in kb.items.values()}
    texts |= {label for i in kb.items.values() for label in i.choices.values()}
    texts |= {f.text for t in kb.therapies.values() for _, f in t.facts()}
    texts |= {f.uncertainty or "" for t in kb.therapies.values() for _, f in t.facts()}
    texts |= {t.summary for t in kb.therapies.values()} | {t.name for t in kb.therapies.values()}
    for option in kb.options.values():  # the comparison's columns, current care among them
        texts |= {f.text for _, f in option.sourced() if isinstance(f, Fact)} | {
            option.name,
            option.short_name,
        }
        texts |= set(option.in_short.values()) | {p.text for p in option.prices}
        texts |= {option.bottom_line.text, option.bottom_line.caveat or "", option.bottom_line.time_point}
        texts |= {option.bottom_line.study, option.bottom_line.comparator_name or ""}
    texts |= {f.text for _, f in kb.condition.facts()}
    texts |= {r.patient_text for r in kb.rules} | {c.patient_text for c in kb.considerations}
    texts |= {b.patient_text for b in kb.barriers}
    for instrument in kb.instruments.values():
        texts |= {q.text for q in instrument.items} | {instrument.stem, instrument.attribution}
        texts |= {instrument.terms_of_use, instrument.name} | {a.text for a in instrument.alerts}
    texts |= {c.reference() for c in kb.citations.values()} | {c.short() for c in kb.citations.values()}
    texts |= {c.title for c in kb.citations.values()}  # a source's own title, as published
    texts |= {kb.manifest.made_by, kb.manifest.funding}
    return {t for t in texts if t}


# Template texts that may stay above grade 8, with the reason.
EXCEPTIONS: dict[str, str] = {
    # The safety screen's status label (reports/terminal.py SAFETY_WORDS), first read here when the
    # leaning cases below made an option contraindicated. Left to the safety screen's owners.
    "Result: Not suitable (unless a specialist decides otherwise)": "safety status label, to review",
}


class _Blocks(HTMLParser):
    """Collects the visible text of each block element (not scripts, styles or hidden parts)."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._stack: list[list[str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "title"}:
            self._skip += 1
        elif tag in BLOCKS:
            self._stack.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "title"}:
            self._skip -= 1
        elif tag in BLOCKS and self._stack:
            text = " ".join("".join(self._stack.pop()).split())
            if text:
                self.blocks.append(text)

    def handle_data(self, data: str) -> None:
        if not self._skip and self._stack:
            self._stack[-1].append(data)


def _own_sentences(block: str, known: set[str]) -> str:
    """The template's own words in a block: knowledge-base texts (checked elsewhere) removed."""
    for text in sorted(known, key=len, reverse=True):
        if text in block:
            block = block.replace(text, " ")
    return " ".join(block.split())


def _words(text: str) -> int:
    return len(re.findall(r"[A-Za-z]{2,}", text))


# Each way the leaning section can read (leaning_basis), on top of the fixture's answers.
LEANING_CASES = {
    "not_clear": {},
    "only_option": {"cochlear_implant": "yes", "psychosis_history": "yes", "ketamine_misuse_history": "yes"},
    "none_remaining": {"cochlear_implant": "yes", "psychosis_history": "yes", "has_ride_home": "no"},
    "priorities": {
        "needs_fast_relief": "no",
        "prefers_drug_free": "yes",
        "top_priorities": ["prefers_drug_free"],
    },
    "no_priorities": {"needs_fast_relief": None, "conditions": ["depression", "chronic_pain"]},
}


# Every leaning case at a clinic (its consultation form), and one of no clinic (a standalone start page).
CASES = [("clinic", case) for case in LEANING_CASES] + [("standalone", "not_clear")]


@pytest.fixture(params=CASES, ids=[f"{owner}-{case}" for owner, case in CASES])
def token(app: FastAPI, request: pytest.FixtureRequest) -> str:
    """An assessment of a clinic or of none, whose leaning section reads as ``case``."""
    owner, case = request.param
    kb = load()
    with app.state.sessions.begin() as session:
        clinic = (
            create_clinic(session, slug="north", name="North Clinic", settings=Settings())
            if owner == "clinic"
            else None
        )
        assessment, token = create_assessment(
            session,
            therapies=list(kb.manifest.therapies),
            knowledge_version=kb.version,
            contract_version=1,
            clinic_id=clinic.id if clinic else None,
        )
        answers = all_no(
            phq9=[1, 2, 1, 2, 1, 1, 1, 0, 1], gad7=[1, 1, 1, 1, 0, 0, 0], needs_fast_relief="yes"
        )["answers"]
        answers["metal_in_head"] = "unsure"
        answers.update(LEANING_CASES[case])
        answers = {item: value for item, value in answers.items() if value is not None}
        save_answers(
            session, assessment, answers, step="review", knowledge_version=kb.version, suicide_risk=True
        )
    return token


def test_every_page_reads_at_grade_8_or_lower(client: TestClient, token: str) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    # with an SMTP server set, so the e-mail page shows its form
    app.state.settings = app.state.settings.model_copy(update={"smtp_host": "smtp.example.org"})
    known = _knowledge_texts()
    too_hard: list[str] = []
    checked = 0
    for path in ["/", *(f"/a/{token}/{page}" for page in PAGES)]:
        response = client.get(path)
        assert response.status_code == 200, path
        parser = _Blocks()
        parser.feed(response.text)
        for block in parser.blocks:
            own = _own_sentences(block, known)
            if _words(own) < 4 or own in EXCEPTIONS:
                continue
            checked += 1
            grade = textstat.flesch_kincaid_grade(own)
            if grade > GRADE_LIMIT:
                too_hard.append(f"{path}: grade {grade}: {own}")
    assert checked > 50, "the pages should have been read"
    assert too_hard == [], "\n".join(too_hard)
