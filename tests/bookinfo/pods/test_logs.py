"""A pod's log lines carry the time they were written."""
from __future__ import annotations

from datetime import datetime, timezone

from bookinfo.pods.logs import parse_time, previous, split, stamp, stamped, texts


def test_stamps_are_rfc3339_with_nanoseconds_in_utc():
    assert stamp(1_700_000_000_123_456_789) == "2023-11-14T22:13:20.123456789Z"
    assert stamped(b"hello", 1_700_000_000_000_000_000) == b"2023-11-14T22:13:20.000000000Z hello\n"


def test_a_stored_line_splits_into_its_time_and_text():
    when, text = split("2023-11-14T22:13:20.123456789Z GET /health 200")
    assert when == datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=timezone.utc)
    assert text == "GET /health 200"
    assert split("no time here") == (None, "no time here")
    assert texts(["2023-11-14T22:13:20.1Z a", "b"]) == ["a", "b"]


def test_envoy_start_times_parse_too():
    assert parse_time("2020-11-25T21:26:18.409Z") == datetime(2020, 11, 25, 21, 26, 18, 409000,
                                                              tzinfo=timezone.utc)


def test_the_previous_log_sits_beside_the_current_one(tmp_path):
    assert previous(tmp_path / "details-v1-abc.log") == tmp_path / "details-v1-abc.previous.log"
