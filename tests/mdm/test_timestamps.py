"""One reading of the timestamps systems send (mdm.timestamps)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mdm.timestamps import moment, moment_or_none

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", [
    "2026-06-01T12:00:00Z",             # Business Central, NetSuite
    "2026-06-01T12:00:00.000+0000",     # Salesforce's SystemModstamp
    "2026-06-01T12:00:00+00:00",
    "2026-06-01 12:00:00",              # naive, space-separated: UTC
    "2026-06-01T14:00:00+02:00",
    " 2026-06-01T12:00:00.0000000Z ",  # seven digits of fractions, padded
])
def test_every_form_systems_send_names_the_same_moment(text):
    assert moment(text) == NOON
    assert moment_or_none(text) == NOON


def test_an_offset_is_kept_and_a_naive_datetime_taken_as_utc():
    assert moment("2026-06-01T14:00:00+02:00").utcoffset() == timedelta(hours=2)
    assert moment(datetime(2026, 6, 1, 12, 0)).tzinfo is UTC
    plus_two = datetime(2026, 6, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert moment(plus_two) is plus_two


@pytest.mark.parametrize("value", [None, "", "  ", "yesterday", "2026-13-45T00:00:00Z", 42, {"at": 1}])
def test_what_names_no_moment_is_none_when_read_leniently(value):
    assert moment_or_none(value) is None


def test_read_strictly_it_is_an_error():
    with pytest.raises(ValueError):
        moment("2026-02-30T10:00:00Z")
