"""Line charts as inline SVG, drawn on the server: no chart library, no CDN, nothing for the
browser to fetch. Pure functions over (time, value) points; the template writes the elements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

WIDTH, HEIGHT = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 10, 24
PALETTE = 8  # series colours: .series-0 .. .series-7 in console.css


def format_value(value: float, unit: str = "") -> str:
    """A value as a person reads it: durations in s/min/h/d, ratios in %, counts plain."""
    if unit == "seconds":
        for size, suffix in ((86400, "d"), (3600, "h"), (60, "min")):
            if abs(value) >= size:
                return f"{value / size:.1f} {suffix}"
        return f"{value:.1f} s"
    if unit == "ratio":
        return f"{value * 100:.0f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


@dataclass
class Line:
    label: str
    points: str  # "x,y x,y ..." for <polyline points>
    colour: int
    last: str


@dataclass
class Chart:
    title: str
    name: str
    unit: str
    width: int = WIDTH
    height: int = HEIGHT
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)  # (y pixel, label)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    empty: bool = True
    plot: tuple[int, int, int, int] = (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)


def line_chart(*, title: str, name: str, unit: str, series: list[tuple[str, list[tuple[datetime, float]]]],
               since: datetime, until: datetime) -> Chart:
    """Scale every series onto one plot: time from `since` to `until` across, zero to the largest
    value (a ratio: zero to one) up."""
    chart = Chart(title=title, name=name, unit=unit)
    values = [v for _, points in series for _, v in points]
    if not values or until <= since:
        return chart
    chart.empty = False
    top = 1.0 if unit == "ratio" else max(max(values), 0.0) or 1.0
    bottom = min(0.0, min(values))
    x0, y0, x1, y1 = chart.plot
    span = (until - since).total_seconds()

    def x(moment: datetime) -> float:
        return round(x0 + (x1 - x0) * (moment - since).total_seconds() / span, 1)

    def y(value: float) -> float:
        return round(y1 - (y1 - y0) * (value - bottom) / (top - bottom), 1)

    for i, (label, points) in enumerate(series):
        if points:
            chart.lines.append(Line(label=label, points=" ".join(f"{x(t)},{y(v)}" for t, v in points),
                                    colour=i % PALETTE, last=format_value(points[-1][1], unit)))
    chart.y_ticks = [(y(bottom + (top - bottom) * k / 4), format_value(bottom + (top - bottom) * k / 4, unit))
                     for k in range(5)]
    fmt = "%H:%M" if span <= 2 * 86400 else "%d %b"
    chart.x_ticks = [(x0 + (x1 - x0) * k / 4, (since + (until - since) * k / 4).strftime(fmt)) for k in range(5)]
    return chart
