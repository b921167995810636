"""What the shipped content must and must not say."""

from __future__ import annotations

import re

from rich.console import Console

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.reports.terminal import comparison_table


def _all_text(kb: KnowledgeBase) -> list[str]:
    texts = [f.text for t in kb.therapies.values() for _, f in t.facts()]
    texts += [f.clinician_text or "" for t in kb.therapies.values() for _, f in t.facts()]
    texts += [r.patient_text for r in kb.rules] + [r.clinician_text for r in kb.rules]
    texts += [c.patient_text for c in kb.considerations] + [c.clinician_text for c in kb.considerations]
    return texts


def test_the_unsupported_discontinuation_claim_is_not_made(kb: KnowledgeBase) -> None:
    """The seed's "TMS patients 4x more likely to discontinue" has no source (digest §4)."""
    claim = re.compile(r"(4\s*[x×]|four times)[^.]*(discontinu|drop|stop)", re.IGNORECASE)
    assert [t for t in _all_text(kb) if claim.search(t)] == []


def test_iv_ketamine_is_stated_to_be_off_label(kb: KnowledgeBase) -> None:
    regulatory = " ".join(f.text for f in kb.therapies["iv_ketamine"].regulatory)
    assert "off-label" in regulatory.lower()


def test_every_therapy_has_facts_with_numbers_for_benefits_and_harms(kb: KnowledgeBase) -> None:
    for therapy in kb.therapies.values():
        for section in ("benefits", "serious_risks"):
            facts = getattr(therapy, section)
            assert any(re.search(r"\d", f.text) for f in facts), (therapy.id, section)


def test_unverified_facts_are_labelled_in_the_comparison(kb: KnowledgeBase) -> None:
    console = Console(width=300, record=True)
    console.print(comparison_table(kb, list(kb.therapies)))
    text = console.export_text()
    unverified = kb.unverified_facts()
    assert text.count("UNVERIFIED") == len(unverified)
    assert "checked in the source" in text
