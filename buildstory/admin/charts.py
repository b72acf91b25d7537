"""Server-rendered SVG charts: geometry here, markup in the ``svg_chart`` macro of _ui.html.

A chart is a list of shapes (rect, text, line) with CSS classes for colour — no inline
styles, so the strict CSP holds and dark mode works — plus the rows of the visually
hidden data table that screen-reader users read instead of the picture.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Shape:
    kind: str  # "rect" | "text" | "line"
    cls: str
    attrs: dict
    text: str | None = None
    tip: str | None = None  # a <title> tooltip for pointer users


@dataclass
class Chart:
    title: str
    desc: str
    width: int
    height: int
    label_header: str
    value_header: str
    rows: list[tuple[str, int]]
    shapes: list[Shape] = field(default_factory=list)
    empty: bool = False


def nice_max(value: int) -> int:
    """Return a round axis maximum ≥ ``value`` (1, 2, 5 × 10ⁿ; at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover (the loop always returns)


def _day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def day_columns(points: list[tuple[date, int]], *, title: str, empty_text: str,
                width: int = 360, height: int = 200) -> Chart:
    """Return a column chart of one value per day (sign-ups per day)."""
    total = sum(v for _, v in points)
    rows = [(_day_label(d), v) for d, v in points]
    desc = (f"{total} in total over {len(points)} days"
            + (f", at most {max(v for _, v in points)} on one day." if total else "."))
    chart = Chart(title, desc, width, height, "Day", "Sign-ups", rows, empty=total == 0)
    left, right, top, bottom = 36, 8, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = nice_max(max((v for _, v in points), default=0))
    base = top + plot_h
    for value in (0, top_value // 2 if top_value >= 2 else None, top_value):
        if value is None:
            continue
        y = base - plot_h * value / top_value
        chart.shapes.append(Shape("line", "chart-grid", {"x1": left, "x2": width - right,
                                                        "y1": _r(y), "y2": _r(y)}))
        chart.shapes.append(Shape("text", "chart-tick", {"x": left - 6, "y": _r(y + 4),
                                                        "text-anchor": "end"}, str(value)))
    slot = plot_w / max(len(points), 1)
    for i, (day, value) in enumerate(points):
        h = plot_h * value / top_value
        x = left + i * slot + slot * 0.15
        if value:
            chart.shapes.append(Shape("rect", "chart-bar", {
                "x": _r(x), "y": _r(base - h), "width": _r(slot * 0.7), "height": _r(h),
                "rx": 2}, tip=f"{_day_label(day)}: {value}"))
        last = len(points) - 1
        if (i % 7 == 0 and last - i >= 4) or i == last:
            # The first and last labels align to the plot's edges so they are never cut.
            anchor, lx = "middle", x + slot * 0.35
            if i == 0:
                anchor, lx = "start", left
            elif i == last:
                anchor, lx = "end", width - right
            chart.shapes.append(Shape("text", "chart-label", {
                "x": _r(lx), "y": height - 8, "text-anchor": anchor}, _day_label(day)))
    if chart.empty:
        chart.shapes.append(Shape("text", "chart-empty", {
            "x": _r(left + plot_w / 2), "y": _r(top + plot_h / 2), "text-anchor": "middle"},
            empty_text))
    return chart


def horizontal_bars(points: list[tuple[str, int]], *, title: str, empty_text: str,
                    label_header: str, value_header: str, width: int = 360,
                    bar_height: int = 24) -> Chart:
    """Return a horizontal bar chart of labelled values (builders per country)."""
    total = sum(v for _, v in points)
    desc = (", ".join(f"{label}: {value}" for label, value in points[:3])
            + ("…" if len(points) > 3 else "")) if points else empty_text
    label_w, value_w, gap = 150, 40, 8
    height = max(len(points), 1) * (bar_height + gap) + gap
    chart = Chart(title, desc, width, height, label_header, value_header, list(points),
                  empty=total == 0)
    top_value = max((v for _, v in points), default=1) or 1
    plot_w = width - label_w - value_w
    for i, (label, value) in enumerate(points):
        y = gap + i * (bar_height + gap)
        w = max(plot_w * value / top_value, 2)
        chart.shapes.append(Shape("text", "chart-label", {
            "x": label_w - 8, "y": _r(y + bar_height * 0.68), "text-anchor": "end"},
            _truncate(label, 24)))
        chart.shapes.append(Shape("rect", "chart-bar", {
            "x": label_w, "y": y, "width": _r(w), "height": bar_height, "rx": 3},
            tip=f"{label}: {value}"))
        chart.shapes.append(Shape("text", "chart-value", {
            "x": _r(label_w + w + 6), "y": _r(y + bar_height * 0.68)}, str(value)))
    if chart.empty:
        chart.shapes.append(Shape("text", "chart-empty", {
            "x": width // 2, "y": _r(height / 2 + 4), "text-anchor": "middle"}, empty_text))
    return chart


def _r(value: float) -> float | int:
    rounded = round(value, 1)
    return int(rounded) if rounded == int(rounded) else rounded


def _truncate(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
