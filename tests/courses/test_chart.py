"""The scores chart: valid SVG with its lines where the rules put them, readable without colour."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from trdnav.courses.chart import BOTTOM, LEFT, RIGHT, TOP, scores_chart, x_for, y_for
from trdnav.courses.outcomes import Baseline, Score
from trdnav.knowledge.loader import load

RULES = load().outcome_rules.rules

SVG = "{http://www.w3.org/2000/svg}"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def day(n: int) -> dt.datetime:
    return START + dt.timedelta(days=n)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("class") == name]


def test_y_axis_runs_from_0_at_the_bottom_to_27_at_the_top() -> None:
    assert y_for(0) == BOTTOM
    assert y_for(27) == TOP
    assert x_for(day(0), day(0), day(10)) == LEFT
    assert x_for(day(10), day(0), day(10)) == RIGHT


def test_lines_and_points_sit_at_their_scores() -> None:
    base = Baseline(18, day(-3), "assessment")
    phq9 = [Score("phq9", 14, day(7)), Score("phq9", 8, day(14))]
    gad7 = [Score("gad7", 12, day(7)), Score("gad7", 9, day(14))]
    root = parse(scores_chart(phq9, gad7, base, RULES))

    (remission,) = by_class(root, "remission-line")
    assert float(remission.get("y1", "")) == float(remission.get("y2", "")) == y_for(5)
    (response,) = by_class(root, "response-line")
    assert float(response.get("y1", "")) == y_for(9)
    assert response.get("stroke-dasharray")  # dashed, not told apart by colour
    (baseline_point,) = by_class(root, "baseline-point")
    assert (float(baseline_point.get("cx", "")), float(baseline_point.get("cy", ""))) == (LEFT, y_for(18))

    (phq9_line,) = by_class(root, "phq9-series")
    points = [tuple(float(v) for v in p.split(",")) for p in phq9_line.get("points", "").split()]
    assert [y for _, y in points] == [y_for(14), y_for(8)]
    assert points[-1][0] == RIGHT
    (gad7_line,) = by_class(root, "gad7-series")
    assert gad7_line.get("stroke-dasharray") != response.get("stroke-dasharray")
    assert len(by_class(root, "gad7-series-point")) == 2

    labels = "".join(e.text or "" for e in root.iter(f"{SVG}text"))
    assert "Remission: PHQ-9 below 5" in labels
    assert "Response: 50% below baseline (9)" in labels


def test_chart_is_accessible_and_has_no_scripts_or_styles() -> None:
    svg = scores_chart([Score("phq9", 11, day(5))], [], Baseline(22, day(0), "score"), RULES, chart_id="c1")
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title") is not None
    desc = root.find(f"{SVG}desc")
    assert (
        desc is not None and "Baseline PHQ-9 22" in (desc.text or "") and "2026-03-07 11" in (desc.text or "")
    )
    assert not any(e.tag.endswith("script") or e.tag.endswith("style") for e in root.iter())
    assert all("style" not in e.attrib for e in root.iter())
    assert by_class(root, "gad7-series") == []


@pytest.mark.parametrize("baseline_total", [0, None])
def test_no_response_line_without_a_measurable_baseline(baseline_total: int | None) -> None:
    base = None if baseline_total is None else Baseline(baseline_total, day(0), "score")
    root = parse(scores_chart([], [], base, RULES))
    assert by_class(root, "response-line") == []
    assert len(by_class(root, "remission-line")) == 1


@pytest.mark.parametrize(
    ("baseline_total", "remission_label_below", "response_label_below"),
    [(20, False, False), (11, True, False), (8, False, True)],
)
def test_line_labels_do_not_collide_when_the_lines_are_close(
    baseline_total: int, remission_label_below: bool, response_label_below: bool
) -> None:
    root = parse(
        scores_chart([Score("phq9", 6, day(5))], [], Baseline(baseline_total, day(0), "score"), RULES)
    )
    (remission_label,) = by_class(root, "remission-label")
    (response_label,) = by_class(root, "response-label")
    assert (float(remission_label.get("y", "")) > y_for(5)) is remission_label_below
    assert (float(response_label.get("y", "")) > y_for(baseline_total / 2)) is response_label_below
    assert abs(float(remission_label.get("y", "")) - float(response_label.get("y", ""))) >= 12


def test_gad7_is_plotted_against_its_own_0_to_21_scale_in_a_panel_below() -> None:
    from trdnav.courses.chart import GAD7_BOTTOM, GAD7_TOP, gad7_y_for

    phq9 = [Score("phq9", 21, day(0)), Score("phq9", 27, day(7))]
    gad7 = [Score("gad7", 21, day(0)), Score("gad7", 0, day(7))]
    root = parse(scores_chart(phq9, gad7, None, RULES))
    assert (gad7_y_for(21), gad7_y_for(0)) == (GAD7_TOP, GAD7_BOTTOM)
    assert GAD7_TOP > BOTTOM, "below the PHQ-9 panel, not on its 0-27 axis"
    (gad7_line,) = by_class(root, "gad7-series")
    ys = [float(p.split(",")[1]) for p in gad7_line.get("points", "").split()]
    assert ys == [GAD7_TOP, GAD7_BOTTOM], "21 at the top of its own axis, 0 at the bottom"
    (phq9_line,) = by_class(root, "phq9-series")
    assert float(phq9_line.get("points", "").split()[0].split(",")[1]) == y_for(21) != GAD7_TOP
    labels = [e.text or "" for e in root.iter(f"{SVG}text")]
    assert "GAD-7" in labels and "PHQ-9" in labels, "each panel names its scale"
    assert {"0", "7", "14", "21"} <= set(labels)
    assert "GAD-7 (0-21, lower panel)" in labels
    title = root.find(f"{SVG}title")
    assert title is not None and "GAD-7 (0-21, lower panel)" in (title.text or "")
    assert float(root.get("height", "")) > GAD7_BOTTOM


def test_each_session_given_is_marked_on_the_time_axis_with_a_legend() -> None:
    sessions = [day(1), day(3), day(5)]
    root = parse(
        scores_chart(
            [Score("phq9", 15, day(0)), Score("phq9", 10, day(10))], [], None, RULES, sessions=sessions
        )
    )
    marks = by_class(root, "session-mark")
    assert len(marks) == 3
    apexes = [tuple(float(v) for v in m.get("points", "").split()[0].split(",")) for m in marks]
    assert [x for x, _ in apexes] == [x_for(s, day(0), day(10)) for s in sessions]
    assert all(y > BOTTOM for _, y in apexes), "under the time axis, clear of the scores"
    assert len(by_class(root, "session-mark-legend")) == 1
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "Sessions given (3), marked under the time axis: 2026-03-03" in (
        desc.text or ""
    )
    none = parse(scores_chart([Score("phq9", 15, day(0))], [], None, RULES))
    assert by_class(none, "session-mark") == [] and "No session given yet." in (
        none.find(f"{SVG}desc").text or ""
    )  # type: ignore[union-attr]
