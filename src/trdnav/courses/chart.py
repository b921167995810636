"""The scores chart of a course as an SVG string: PHQ-9 totals over time (x = date, y = 0-27), the
baseline point, a dashed response line (50% below baseline) and a remission line (below 5), both
at the thresholds of the `OutcomeRules` passed in, and GAD-7 as a second series.

Made for screen and paper alike: black and grey only, series told apart by dash pattern and marker
shape (not colour), every line labelled in words. Accessible: ``role="img"`` with a <title> and a
<desc> that states the numbers. No scripts and no style attributes (the CSP forbids them); only
presentation attributes. Callers pass moments already in the patient's local time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from trdnav.core.course_numbers import OutcomeRules
from trdnav.courses.outcomes import Baseline, Score

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 600, 16, 280  # the plot area
Y_MAX = 27
Y_TICKS = (0, 5, 10, 15, 20, 25, 27)
RESPONSE_DASH = "8 5"
GAD7_DASH = "3 3"
LABEL_CLEARANCE = 2.5  # score points between the response and remission lines before labels clash


def y_for(total: float) -> float:
    """The y coordinate of a score (0 at the bottom, 27 at the top)."""
    return round(BOTTOM - (BOTTOM - TOP) * total / Y_MAX, 2)


def x_for(moment: dt.datetime, first: dt.datetime, last: dt.datetime) -> float:
    """The x coordinate of a moment; a single moment sits in the middle."""
    span = (last - first).total_seconds()
    if span <= 0:
        return round((LEFT + RIGHT) / 2, 2)
    return round(LEFT + (RIGHT - LEFT) * (moment - first).total_seconds() / span, 2)


def _text(x: float, y: float, words: str, anchor: str = "start", css_class: str = "") -> str:
    cls = f" class={quoteattr(css_class)}" if css_class else ""
    return (
        f'<text x="{x}" y="{y}" font-size="12" font-family="sans-serif" fill="#000" '
        f'text-anchor="{anchor}"{cls}>{escape(words)}</text>'
    )


def _series(points: list[tuple[float, float]], dash: str | None, marker: str, css_class: str) -> list[str]:
    parts: list[str] = []
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    if len(points) > 1:
        coords = " ".join(f"{x},{y}" for x, y in points)
        parts.append(
            f'<polyline class="{css_class}" points="{coords}" fill="none" stroke="#000" '
            f'stroke-width="2"{dash_attr}/>'
        )
    for x, y in points:
        if marker == "circle":
            parts.append(f'<circle class="{css_class}-point" cx="{x}" cy="{y}" r="4" fill="#000"/>')
        else:
            parts.append(
                f'<rect class="{css_class}-point" x="{x - 4}" y="{y - 4}" width="8" height="8" '
                'fill="#fff" stroke="#000" stroke-width="1.5"/>'
            )
    return parts


def response_level(base: Baseline, rules: OutcomeRules) -> float:
    """The PHQ-9 total at which the latest score counts as response."""
    return base.total * (100 - rules.response_percent) / 100


def _describe(
    base: Baseline | None, phq9: Sequence[Score], gad7: Sequence[Score], rules: OutcomeRules
) -> str:
    said = []
    if base is not None:
        said.append(f"Baseline PHQ-9 {base.total} on {base.taken_at.date().isoformat()}.")
        said.append(
            f"Response line at {response_level(base, rules):g} ({rules.response_percent}% below baseline)."
        )
    said.append(f"Remission line at {rules.remission_below}.")
    if phq9:
        said.append("PHQ-9: " + ", ".join(f"{s.taken_at.date().isoformat()} {s.total}" for s in phq9) + ".")
    else:
        said.append("No PHQ-9 scores since the course began.")
    if gad7:
        said.append("GAD-7: " + ", ".join(f"{s.taken_at.date().isoformat()} {s.total}" for s in gad7) + ".")
    return " ".join(said)


def scores_chart(
    phq9: Sequence[Score],
    gad7: Sequence[Score],
    base: Baseline | None,
    rules: OutcomeRules,
    *,
    chart_id: str = "scores-chart",
) -> str:
    """The chart as inline SVG markup. ``phq9`` and ``gad7`` are the scores to plot (any order)."""
    phq9 = sorted(phq9, key=lambda s: s.taken_at)
    gad7 = sorted(gad7, key=lambda s: s.taken_at)
    moments = [s.taken_at for s in (*phq9, *gad7)] + ([base.taken_at] if base else [])
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="scores-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">PHQ-9{" and GAD-7" if gad7 else ""} scores over the course</title>',
        f'<desc id="{desc_id}">{escape(_describe(base, phq9, gad7, rules))}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
    ]
    for tick in Y_TICKS:  # y axis with gridlines
        y = y_for(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{RIGHT}" y2="{y}" stroke="#ddd" stroke-width="1"/>')
        parts.append(_text(LEFT - 8, y + 4, str(tick), "end"))
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" stroke="#000" stroke-width="1"/>'
        f'<line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" stroke="#000" stroke-width="1"/>'
    )
    parts.append(
        f'<text x="16" y="{(TOP + BOTTOM) / 2}" font-size="12" font-family="sans-serif" fill="#000" '
        f'text-anchor="middle" transform="rotate(-90 16 {(TOP + BOTTOM) / 2})">Score</text>'
    )
    parts.append(_text((LEFT + RIGHT) / 2, BOTTOM + 36, "Date", "middle"))

    remission_y = y_for(rules.remission_below)
    parts.append(
        f'<line class="remission-line" x1="{LEFT}" y1="{remission_y}" x2="{RIGHT}" y2="{remission_y}" '
        'stroke="#000" stroke-width="1.5"/>'
    )
    # labels sit above their lines; when the two lines are close, the lower line's label goes below it
    response_at = response_level(base, rules) if base is not None and base.total > 0 else None
    close = response_at is not None and abs(response_at - rules.remission_below) < LABEL_CLEARANCE
    response_below = close and response_at is not None and response_at < rules.remission_below
    remission_label_y = remission_y + 14 if close and not response_below else remission_y - 4
    remission_words = f"Remission: PHQ-9 below {rules.remission_below}"
    parts.append(_text(RIGHT, remission_label_y, remission_words, "end", "remission-label"))
    if response_at is not None:
        response_y = y_for(response_at)
        response_label_y = response_y + 14 if response_below else response_y - 4
        parts.append(
            f'<line class="response-line" x1="{LEFT}" y1="{response_y}" x2="{RIGHT}" y2="{response_y}" '
            f'stroke="#000" stroke-width="1.5" stroke-dasharray="{RESPONSE_DASH}"/>'
        )
        parts.append(
            _text(
                RIGHT,
                response_label_y,
                f"Response: {rules.response_percent}% below baseline ({response_at:g})",
                "end",
                "response-label",
            )
        )

    if moments:
        first, last = min(moments), max(moments)
        days = sorted({m.date() for m in moments})
        shown = days if len(days) <= 6 else [days[round(i * (len(days) - 1) / 5)] for i in range(6)]
        for day in shown:
            moment = next(m for m in sorted(moments) if m.date() == day)
            x = x_for(moment, first, last)
            parts.append(f'<line x1="{x}" y1="{BOTTOM}" x2="{x}" y2="{BOTTOM + 5}" stroke="#000"/>')
            parts.append(_text(x, BOTTOM + 18, day.strftime("%d %b"), "middle"))
        if base is not None:
            bx, by = x_for(base.taken_at, first, last), y_for(base.total)
            parts.append(
                f'<circle class="baseline-point" cx="{bx}" cy="{by}" r="7" fill="none" stroke="#000" '
                'stroke-width="2"/>'
            )
            parts.append(_text(bx + 10, by - 8, f"Baseline {base.total}", "start", "baseline-label"))
        phq9_points = [(x_for(s.taken_at, first, last), y_for(s.total)) for s in phq9]
        gad7_points = [(x_for(s.taken_at, first, last), y_for(s.total)) for s in gad7]
        parts += _series(phq9_points, None, "circle", "phq9-series")
        parts += _series(gad7_points, GAD7_DASH, "square", "gad7-series")

    legend_y = HEIGHT - 10
    parts.append(
        f'<line x1="{LEFT}" y1="{legend_y - 4}" x2="{LEFT + 24}" y2="{legend_y - 4}" '
        'stroke="#000" stroke-width="2"/>'
    )
    parts.append(f'<circle cx="{LEFT + 12}" cy="{legend_y - 4}" r="4" fill="#000"/>')
    parts.append(_text(LEFT + 30, legend_y, "PHQ-9 (0-27)"))
    if gad7:
        lx = LEFT + 140
        parts.append(
            f'<line x1="{lx}" y1="{legend_y - 4}" x2="{lx + 24}" y2="{legend_y - 4}" stroke="#000" '
            f'stroke-width="2" stroke-dasharray="{GAD7_DASH}"/>'
        )
        parts.append(
            f'<rect x="{lx + 8}" y="{legend_y - 8}" width="8" height="8" fill="#fff" stroke="#000" '
            'stroke-width="1.5"/>'
        )
        parts.append(_text(lx + 30, legend_y, "GAD-7 (0-21)"))
    parts.append("</svg>")
    return "\n".join(parts)
