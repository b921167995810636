"""What the population report shows: counts only, never a patient's row.

The funnel (patients, depression, TRD, and per therapy among those with TRD: no known concerns,
needs review, contraindicated), the commonest reasons and open questions, PHQ-9 severity, age
groups, and the input's line counts. The same SQL runs on DuckDB and Spark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trdnav.population.screening_sql import Screening

Query = Callable[[str], list[tuple[Any, ...]]]
SAFETY = ("no_known_concerns", "needs_review", "contraindicated")
AGE_GROUPS = (("under 18", 0, 17), ("18–39", 18, 39), ("40–64", 40, 64), ("65 and over", 65, 200))


@dataclass
class Summary:
    lines: int
    skipped: int
    patients: int
    deceased: int
    depression: int
    trd: int
    with_phq9: int
    phq9_alerts: dict[str, int]
    safety: dict[str, dict[str, int]]
    """Per therapy, among patients with TRD: how many in each safety group."""
    reasons: dict[str, list[tuple[str, int]]]
    unanswered: dict[str, list[tuple[str, int]]]
    severity: list[tuple[str, int]]
    """PHQ-9 severity bands among patients with TRD and a recent PHQ-9."""
    ages: list[tuple[str, int]] = field(default_factory=list)
    """Age groups among patients with TRD."""


def _counts(rows: list[tuple[Any, ...]]) -> list[tuple[str, int]]:
    return sorted(((str(key), int(count)) for key, count in rows), key=lambda pair: (-pair[1], pair[0]))


def _count(condition: str) -> str:
    return f"coalesce(sum(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"


def summarise(query: Query, screening: Screening, *, lines: int, skipped: int) -> Summary:
    d = screening.dialect
    phq9 = next((alerts for name, alerts in screening.instruments() if name == "phq9"), [])
    alert_counts = ", ".join(_count(f"phq9_{alert}") for alert, _, _ in phq9)
    head = query(
        f"SELECT count(*), {_count('depression')}, {_count('trd')}, "
        f"{_count('trd AND phq9_total IS NOT NULL')}"
        + (f", {alert_counts}" if alert_counts else "")
        + " FROM screening"
    )[0]
    deceased = query("SELECT count(*) FROM patients WHERE deceased")[0][0]
    safety: dict[str, dict[str, int]] = {}
    reasons: dict[str, list[tuple[str, int]]] = {}
    unanswered: dict[str, list[tuple[str, int]]] = {}
    for therapy in screening.therapies:
        groups: dict[str, int] = dict(
            query(f"SELECT {therapy}_safety, count(*) FROM screening WHERE trd GROUP BY {therapy}_safety")
        )
        safety[therapy] = {group: int(groups.get(group, 0)) for group in SAFETY}
        reasons[therapy] = _counts(
            query(
                f"SELECT rule, count(*) FROM (SELECT {d.explode(f'{therapy}_reasons')} AS rule FROM "
                "screening "
                "WHERE trd) r GROUP BY rule"
            )
        )
        unanswered[therapy] = _counts(
            query(
                f"SELECT item, count(*) FROM (SELECT {d.explode(f'{therapy}_unanswered')} AS item FROM "
                "screening "
                "WHERE trd) u GROUP BY item"
            )
        )
    bands = screening.kb.instruments["phq9"].bands
    band_sql = " ".join(f"WHEN phq9_total <= {b.maximum} THEN '{b.label}'" for b in bands)
    severity: dict[str, int] = dict(
        query(
            f"SELECT CASE {band_sql} END AS band, count(*) FROM screening WHERE trd AND phq9_total IS NOT "
            "NULL GROUP BY 1"
        )
    )
    age_sql = " ".join(f"WHEN age BETWEEN {low} AND {high} THEN '{name}'" for name, low, high in AGE_GROUPS)
    ages: dict[str, int] = dict(
        query(f"SELECT CASE {age_sql} ELSE 'not known' END, count(*) FROM screening WHERE trd GROUP BY 1")
    )
    return Summary(
        lines=lines,
        skipped=skipped,
        patients=int(head[0]),
        deceased=int(deceased),
        depression=int(head[1]),
        trd=int(head[2]),
        with_phq9=int(head[3]),
        phq9_alerts={alert: int(count) for (alert, _, _), count in zip(phq9, head[4:], strict=True)},
        safety=safety,
        reasons=reasons,
        unanswered=unanswered,
        severity=[(b.label, int(severity.get(b.label, 0))) for b in bands],
        ages=[(name, int(ages.get(name, 0))) for name, _, _ in (*AGE_GROUPS, ("not known", 0, 0))],
    )
