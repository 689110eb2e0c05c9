"""KPI line charts as data for the browser. The server decides everything a reader needs — which
points, the time axis, the value axis and its labels (format_value), what to say when the data are
few — in pure functions over (time, value) points; static/js/charts.js only hands the result to
uPlot (static/vendor/uplot/) to draw. The chart's key lists each series' last value, so the page
still reads without JavaScript."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

PALETTE = 8  # series colours: .series-0 .. .series-7 in the dashboard's style
MARKERS_UP_TO = 48  # a series with no more points than this shows a marker on each (half a day of snapshots)
NARROWEST_AXIS = timedelta(hours=1)  # a lone point sits inside an hour of axis, not on a hairline
SNAPSHOT_STEP = timedelta(minutes=15)
# Value-axis steps for durations: whole seconds, minutes, hours, days.
DURATION_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
                  86400, 172800, 604800)


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


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass
class Line:
    label: str
    colour: int
    last: str  # the newest value, formatted
    values: list[float | None]  # one per Chart.times; None where this series has no sample


@dataclass
class Chart:
    title: str
    name: str
    unit: str
    since: datetime  # the range the reader chose
    until: datetime
    zone: str = "UTC"
    times: list[datetime] = field(default_factory=list)  # every snapshot time of any series, in order
    lines: list[Line] = field(default_factory=list)
    axis: tuple[datetime, datetime] | None = None  # the time axis drawn
    value_axis: tuple[float, float] = (0.0, 1.0)
    value_ticks: list[tuple[float, str]] = field(default_factory=list)
    markers: bool = False
    note: str = ""  # said under the chart when the data cover only part of the range

    @property
    def empty(self) -> bool:
        return not self.times

    @property
    def script_id(self) -> str:
        return f"chart-data-{self.name}"

    def payload(self) -> dict:
        """What charts.js needs, JSON-ready (the template writes it with json_script)."""
        return {
            "unit": self.unit, "zone": self.zone, "markers": self.markers,
            "x": [_epoch(t) for t in self.times],
            "x_range": [_epoch(t) for t in self.axis] if self.axis else None,
            "y_range": list(self.value_axis),
            "y_ticks": [[v, label] for v, label in self.value_ticks],
            "series": [{"label": line.label, "colour": line.colour, "last": line.last, "values": line.values}
                       for line in self.lines],
        }


def nice_step(span: float, unit: str, *, ticks: int = 4, whole: bool = False) -> float:
    """A step a person counts in, giving about `ticks` steps over `span`: 1, 2, 2.5 or 5 times a
    power of ten; for durations a whole number of seconds, minutes, hours or days; at least 1 for
    counts of whole things."""
    raw = span / ticks if span > 0 else 1.0
    if unit == "seconds":
        return next((float(s) for s in DURATION_STEPS if s >= raw), float(DURATION_STEPS[-1]))
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return max(step, 1.0) if whole else step


def value_axis(values: list[float], unit: str) -> tuple[tuple[float, float], list[tuple[float, str]]]:
    """The value axis: a ratio from 0 to 100%; anything else from zero (or the lowest value, if
    below zero) up to a whole step above the largest value, with the tick labels format_value writes."""
    if unit == "ratio":
        bottom, top, step = 0.0, 1.0, 0.25
    else:
        low, high = min(min(values), 0.0), max(max(values), 0.0)
        whole = unit != "seconds" and all(float(v).is_integer() for v in values)
        step = nice_step((high - low) or 1.0, unit, whole=whole)
        bottom = math.floor(low / step) * step
        top = max(math.ceil(high / step) * step, bottom + step)
    count = round((top - bottom) / step)
    ticks = [(round(bottom + k * step, 10), format_value(bottom + k * step, unit)) for k in range(count + 1)]
    return (bottom, top), ticks


def time_axis(first: datetime, since: datetime, until: datetime,
              step: timedelta = SNAPSHOT_STEP) -> tuple[tuple[datetime, datetime], bool]:
    """The time axis, and whether it was fitted to the data. It ends now (`until`). It starts at the
    range's start when the data reach back that far (within two snapshots); otherwise a snapshot
    before the first point, so a day of data on a 7-day range fills the chart instead of its last
    seventh — never narrower than NARROWEST_AXIS."""
    if first - since <= 2 * step:
        return (since, until), False
    start = min(first - step, until - NARROWEST_AXIS)
    return (max(start, since), until), True


def _when(moment: datetime, until: datetime, zone: ZoneInfo) -> str:
    local, today = moment.astimezone(zone), until.astimezone(zone)
    return f"{local:%H:%M}" if local.date() == today.date() else f"{local:%d %b %H:%M}"


def line_chart(*, title: str, name: str, unit: str, series: list[tuple[str, list[tuple[datetime, float]]]],
               since: datetime, until: datetime, zone: str = "UTC", step: timedelta = SNAPSHOT_STEP) -> Chart:
    """One chart of every (label, points) series between `since` and `until`: the points aligned on
    their snapshot times, the axes, markers when the points are few, and a plain sentence when they
    cover only part of the range."""
    chart = Chart(title=title, name=name, unit=unit, since=since, until=until, zone=zone)
    kept = [(label, [(t, v) for t, v in points if since <= t <= until]) for label, points in series]
    kept = [(label, points) for label, points in kept if points]
    if not kept or until <= since:
        return chart
    chart.times = sorted({t for _, points in kept for t, _ in points})
    for i, (label, points) in enumerate(kept):
        at = dict(points)
        chart.lines.append(Line(label=label, colour=i % PALETTE, last=format_value(points[-1][1], unit),
                                values=[at.get(t) for t in chart.times]))
    chart.value_axis, chart.value_ticks = value_axis([v for _, points in kept for _, v in points], unit)
    chart.markers = max(len(points) for _, points in kept) <= MARKERS_UP_TO
    chart.axis, fitted = time_axis(chart.times[0], since, until, step)
    if fitted:
        tz = ZoneInfo(zone)
        first, last = chart.times[0], chart.times[-1]
        snapshots = len(chart.times)
        chart.note = (f"One snapshot so far, at {_when(first, until, tz)}" if snapshots == 1 else
                      f"{snapshots} snapshots, the first at {_when(first, until, tz)}, the last at {_when(last, until, tz)}")
        chart.note += "; the chart fills as snapshots accumulate."
    return chart
