"""The 'Record value sets' section of docs/rules.md: which health-record codes answer which items."""

from __future__ import annotations

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.knowledge.value_sets import SYSTEMS

SOURCE_WORDS = {
    "vsac": "VSAC / eCQM value set",
    "code_system": "code system hierarchy",
    "seen_in_use": "codes seen in use",
    "clinicians_list": "clinician's list",
}


def value_sets_markdown(kb: KnowledgeBase) -> list[str]:
    sets = kb.value_sets
    if sets is None:
        return []
    windows = sets.windows
    out = [
        "## Record value sets (FHIR import)",
        "",
        "`trdnav fhir import` reads a FHIR R4 record and answers only what these codes cover: a record"
        " says `yes` or `unsure`, never `no`. Refuted and entered-in-error records are ignored;"
        " a provisional, differential or unconfirmed one says `unsure`. *Ever* sets count past"
        " (resolved, inactive) records too; *current* sets only active ones. ICD-10-CM codes marked"
        " `.*` cover every code under them.",
        "",
        f"- PHQ-9 and GAD-7: the most recent complete item set (LOINC item codes of the instruments)"
        f" within {windows.scores_days} days; blood pressure (LOINC {sets.blood_pressure.panel},"
        f" {sets.blood_pressure.systolic}, {sets.blood_pressure.diastolic}) is recent within"
        f" {windows.blood_pressure_days} days; an antidepressant counts as a trial after"
        f" {windows.adequate_trial_days} days of use. Evidence: {windows.evidence}. {windows.basis}",
        "",
        "| value set | answers | timing | record says | source | evidence |",
        "|---|---|---|---|---|---|",
    ]
    for vs in sets.value_sets:
        targets = ", ".join(f"`{t.item}`" + (f" = `{t.word}`" if t.word else "") for t in vs.targets)
        out.append(
            f"| `{vs.id}` {vs.name} | {targets} | {vs.timing} | {vs.record_says} |"
            f" {SOURCE_WORDS[vs.source.kind]}: {vs.source.name} ({vs.source.where}) | {vs.evidence} |"
        )
    out.append("")
    for vs in sets.value_sets:
        codes = "; ".join(f"{c.system} {c.code}{'.*' if c.descendants else ''} {c.display}" for c in vs.codes)
        out += [f"- `{vs.id}` ({vs.resources and ', '.join(vs.resources)}): {codes}. {vs.basis}"]
    out += ["", "Systems: " + ", ".join(f"{k} = {v}" for k, v in SYSTEMS.items()) + ".", ""]
    return out
