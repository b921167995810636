"""The scores chart of a course as an SVG string: PHQ-9 totals over time (x = date, y = 0-27), the
baseline point, a dashed response line (50% below baseline) and a remission line (below 5), both
at the thresholds of the `OutcomeRules` passed in; a mark under the time axis for each session
given; and GAD-7 in a panel of its own below, on its own scale (0-21), sharing the time axis.

Made for screen and paper alike: black and grey only, series told apart by dash pattern and marker
shape (not colour), every line labelled in words. Accessible: ``role="img"`` with a <title> and a
<desc> that states the numbers. No scripts and no style attributes (the CSP forbids them); only
presentation attributes. Callers pass moments already in the patient's local time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from trdnav.core.course_numbers import OutcomeRules
from trdnav.courses.outcomes import Baseline, Score

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 600, 16, 280  # the plot area
Y_MAX = 27
Y_TICKS = (0, 5, 10, 15, 20, 25, 27)
SESSION_MARK_Y = BOTTOM + 26  # the apex of each session's mark, under the dates
GAD7_TOP, GAD7_BOTTOM = 352, 472  # the GAD-7 panel, when there are GAD-7 scores
GAD7_MAX = 21
GAD7_TICKS = (0, 7, 14, 21)
RESPONSE_DASH = "8 5"
GAD7_DASH = "3 3"
LABEL_CLEARANCE = 2.5  # score points between the response and remission lines before labels clash


def y_for(total: float) -> float:
    """The y coordinate of a score (0 at the bottom, 27 at the top)."""
    return round(BOTTOM - (BOTTOM - TOP) * total / Y_MAX, 2)


def gad7_y_for(total: float) -> float:
    """The y coordinate of a GAD-7 total in its own panel (0 at the bottom, 21 at the top)."""
    return round(GAD7_BOTTOM - (GAD7_BOTTOM - GAD7_TOP) * total / GAD7_MAX, 2)


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
    base: Baseline | None,
    phq9: Sequence[Score],
    gad7: Sequence[Score],
    rules: OutcomeRules,
    sessions: Sequence[dt.datetime],
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
        said.append(
            "GAD-7, on its own scale of 0 to 21 in the lower panel: "
            + ", ".join(f"{s.taken_at.date().isoformat()} {s.total}" for s in gad7)
            + "."
        )
    if sessions:
        said.append(
            f"Sessions given ({len(sessions)}), marked under the time axis: "
            + ", ".join(moment.date().isoformat() for moment in sessions)
            + "."
        )
    else:
        said.append("No session given yet.")
    return " ".join(said)


def _y_axis(
    ticks: Sequence[int], y_of: Callable[[float], float], top: float, bottom: float, name: str
) -> list[str]:
    parts: list[str] = []
    for tick in ticks:  # gridlines and tick labels
        y = y_of(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{RIGHT}" y2="{y}" stroke="#ddd" stroke-width="1"/>')
        parts.append(_text(LEFT - 8, y + 4, str(tick), "end"))
    parts.append(
        f'<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{bottom}" stroke="#000" stroke-width="1"/>'
        f'<line x1="{LEFT}" y1="{bottom}" x2="{RIGHT}" y2="{bottom}" stroke="#000" stroke-width="1"/>'
    )
    middle = (top + bottom) / 2
    parts.append(
        f'<text x="16" y="{middle}" font-size="12" font-family="sans-serif" fill="#000" '
        f'text-anchor="middle" transform="rotate(-90 16 {middle})">{escape(name)}</text>'
    )
    return parts


def _session_mark(x: float, y: float, css_class: str = "session-mark") -> str:
    """A small upward triangle, outlined: one session given."""
    return (
        f'<polygon class="{css_class}" points="{x},{y} {x - 5},{y + 9} {x + 5},{y + 9}" '
        'fill="#fff" stroke="#000" stroke-width="1.5"/>'
    )


def scores_chart(
    phq9: Sequence[Score],
    gad7: Sequence[Score],
    base: Baseline | None,
    rules: OutcomeRules,
    *,
    sessions: Sequence[dt.datetime] = (),
    chart_id: str = "scores-chart",
) -> str:
    """The chart as inline SVG markup. ``phq9`` and ``gad7`` are the scores to plot (any order);
    ``sessions`` the start of each session given (done visits), in the same local time."""
    phq9 = sorted(phq9, key=lambda s: s.taken_at)
    gad7 = sorted(gad7, key=lambda s: s.taken_at)
    sessions = sorted(sessions)
    moments = [s.taken_at for s in (*phq9, *gad7)] + ([base.taken_at] if base else []) + list(sessions)
    height = GAD7_BOTTOM + 48 if gad7 else HEIGHT
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    title = f"PHQ-9 (0-27){' and GAD-7 (0-21, lower panel)' if gad7 else ''} scores over the course"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="scores-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(title)}, with the sessions given</title>',
        f'<desc id="{desc_id}">{escape(_describe(base, phq9, gad7, rules, sessions))}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#fff"/>',
    ]
    parts += _y_axis(Y_TICKS, y_for, TOP, BOTTOM, "PHQ-9")
    if gad7:
        parts += _y_axis(GAD7_TICKS, gad7_y_for, GAD7_TOP, GAD7_BOTTOM, "GAD-7")

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
            for axis in (BOTTOM, GAD7_BOTTOM) if gad7 else (BOTTOM,):
                parts.append(f'<line x1="{x}" y1="{axis}" x2="{x}" y2="{axis + 5}" stroke="#000"/>')
                parts.append(_text(x, axis + 18, day.strftime("%d %b"), "middle"))
        if sessions:
            parts.append(_text(LEFT - 8, SESSION_MARK_Y + 9, "Sessions", "end"))
        parts += [_session_mark(x_for(moment, first, last), SESSION_MARK_Y) for moment in sessions]
        if base is not None:
            bx, by = x_for(base.taken_at, first, last), y_for(base.total)
            parts.append(
                f'<circle class="baseline-point" cx="{bx}" cy="{by}" r="7" fill="none" stroke="#000" '
                'stroke-width="2"/>'
            )
            parts.append(_text(bx + 10, by - 8, f"Baseline {base.total}", "start", "baseline-label"))
        phq9_points = [(x_for(s.taken_at, first, last), y_for(s.total)) for s in phq9]
        gad7_points = [(x_for(s.taken_at, first, last), gad7_y_for(s.total)) for s in gad7]
        parts += _series(phq9_points, None, "circle", "phq9-series")
        parts += _series(gad7_points, GAD7_DASH, "square", "gad7-series")

    legend_y = height - 10
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
        parts.append(_text(lx + 30, legend_y, "GAD-7 (0-21, lower panel)"))
    sx = LEFT + 340
    parts.append(_session_mark(sx + 12, legend_y - 10, "session-mark-legend"))
    parts.append(_text(sx + 24, legend_y, "Session given"))
    parts.append("</svg>")
    return "\n".join(parts)
