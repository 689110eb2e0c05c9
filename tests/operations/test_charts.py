"""The KPI charts as the server prepares them for the browser (pure, no database): points aligned
on snapshot times, a time axis that fits few points, value axes in steps a person counts in, and
plain words when the data are few."""

from datetime import UTC, datetime, timedelta

from operations.charts import (
    MARKERS_UP_TO,
    NARROWEST_AXIS,
    format_value,
    line_chart,
    nice_step,
    time_axis,
    value_axis,
)

NOW = datetime(2026, 6, 8, 12, 0, tzinfo=UTC)
WEEK_AGO = NOW - timedelta(days=7)
STEP = timedelta(minutes=15)


def chart(series, *, unit="", since=WEEK_AGO, until=NOW, zone="UTC"):
    return line_chart(title="Auto-match rate", name="concord_auto_match_rate", unit=unit, series=series,
                      since=since, until=until, zone=zone, step=STEP)


def every(hours: int, *, back: int, value=lambda k: float(k)):
    """A point every `hours` hours, the last `back` hours up to NOW."""
    return [(NOW - timedelta(hours=h), value(h)) for h in range(back, -1, -hours)]


# --- values -----------------------------------------------------------------------------------

def test_values_read_as_people_read_them():
    assert format_value(90, "seconds") == "1.5 min"
    assert format_value(7200, "seconds") == "2.0 h"
    assert format_value(3 * 86400, "seconds") == "3.0 d"
    assert format_value(0.756, "ratio") == "76%"
    assert format_value(1234.0) == "1,234"


def test_a_ratio_axis_runs_from_0_to_100_percent_in_quarters():
    (bottom, top), ticks = value_axis([0.5, 0.62], "ratio")
    assert (bottom, top) == (0.0, 1.0)
    assert [label for _, label in ticks] == ["0%", "25%", "50%", "75%", "100%"]


def test_a_count_axis_counts_whole_things_from_zero():
    (bottom, top), ticks = value_axis([3.0], "")
    assert (bottom, top) == (0.0, 3.0)
    assert [label for _, label in ticks] == ["0", "1", "2", "3"]
    (_, top), ticks = value_axis([0.0, 0.0], "")
    assert top == 1.0 and [label for _, label in ticks] == ["0", "1"]  # all zero: still an axis


def test_a_count_axis_reaches_a_whole_step_above_the_largest_value():
    (bottom, top), ticks = value_axis([120.0, 1234.0], "")
    assert bottom == 0.0 and top == 1500.0
    assert [label for _, label in ticks] == ["0", "500", "1,000", "1,500"]


def test_a_duration_axis_steps_in_minutes_and_hours():
    assert nice_step(3000, "seconds") == 900  # 50 min over 4 ticks: quarter hours
    (_, top), ticks = value_axis([5400.0], "seconds")
    assert top == 5400.0 and [label for _, label in ticks] == ["0.0 s", "30.0 min", "1.0 h", "1.5 h"]


def test_values_below_zero_bring_the_axis_down_with_them():
    (bottom, top), ticks = value_axis([-2.0, 6.0], "")
    assert bottom < -1.9 and top >= 6.0 and ticks[0][0] == bottom


# --- time axis --------------------------------------------------------------------------------

def test_data_reaching_back_to_the_range_start_keep_the_whole_range():
    assert time_axis(WEEK_AGO + STEP, WEEK_AGO, NOW, STEP) == ((WEEK_AGO, NOW), False)


def test_data_covering_part_of_the_range_get_an_axis_fitted_to_them():
    first = NOW - timedelta(days=1)
    (start, end), fitted = time_axis(first, WEEK_AGO, NOW, STEP)
    assert fitted and end == NOW and start == first - STEP


def test_a_lone_recent_point_sits_inside_an_hour_of_axis():
    (start, end), fitted = time_axis(NOW - timedelta(minutes=5), WEEK_AGO, NOW, STEP)
    assert fitted and end - start == NARROWEST_AXIS


# --- the chart --------------------------------------------------------------------------------

def test_series_are_aligned_on_every_snapshot_time_of_any_series():
    t1, t2, t3 = (NOW - timedelta(hours=h) for h in (3, 2, 1))
    drawn = chart([("customer", [(t1, 0.5), (t2, 0.6), (t3, 0.8)]), ("project", [(t2, 0.4)])], unit="ratio")
    assert drawn.times == [t1, t2, t3]
    assert [line.values for line in drawn.lines] == [[0.5, 0.6, 0.8], [None, 0.4, None]]
    assert [(line.label, line.last, line.colour) for line in drawn.lines] == [("customer", "80%", 0), ("project", "40%", 1)]


def test_the_payload_is_what_the_browser_draws():
    drawn = chart([("customer", [(NOW - timedelta(hours=1), 0.5)])], unit="ratio")
    data = drawn.payload()
    assert data["x"] == [int((NOW - timedelta(hours=1)).timestamp())]
    assert data["x_range"] == [int((NOW - timedelta(hours=1, minutes=15)).timestamp()), int(NOW.timestamp())]
    assert data["y_range"] == [0.0, 1.0] and data["y_ticks"][-1] == [1.0, "100%"]
    assert data["series"] == [{"label": "customer", "colour": 0, "last": "50%", "values": [0.5]}]
    assert data["markers"] is True and data["unit"] == "ratio" and data["zone"] == "UTC"
    assert drawn.script_id == "chart-data-concord_auto_match_rate"


def test_a_single_snapshot_is_marked_and_said_plainly():
    drawn = chart([("customer", [(NOW - timedelta(minutes=20), 0.5)])], unit="ratio")
    assert drawn.markers
    assert drawn.note == "One snapshot so far, at 11:40; the chart fills as snapshots accumulate."


def test_a_day_of_snapshots_on_a_week_says_when_they_began():
    drawn = chart([("customer", every(2, back=30))], unit="ratio")
    assert drawn.axis == (NOW - timedelta(hours=30) - STEP, NOW)
    assert drawn.note == "16 snapshots, the first at 07 Jun 06:00, the last at 12:00; the chart fills as snapshots accumulate."


def test_the_note_reads_in_the_sites_time_zone():
    drawn = chart([("customer", [(NOW - timedelta(minutes=20), 0.5)])], unit="ratio", zone="Europe/Berlin")
    assert "at 13:40;" in drawn.note and drawn.payload()["zone"] == "Europe/Berlin"


def test_a_full_range_has_no_note_and_many_points_no_markers():
    drawn = chart([("customer", every(1, back=7 * 24))])
    assert drawn.axis == (WEEK_AGO, NOW) and drawn.note == ""
    assert len(drawn.times) > MARKERS_UP_TO and not drawn.markers


def test_points_outside_the_range_are_left_out_and_no_points_make_an_empty_chart():
    assert chart([("customer", [(WEEK_AGO - timedelta(hours=1), 0.5)])]).empty
    empty = chart([])
    assert empty.empty and empty.lines == [] and empty.payload()["x"] == []
