"""The API's times: RFC 3339 in UTC with milliseconds, exactly as
``datetime`` writes them (the fast path is checked against it)."""

import datetime

from hypothesis import given, settings, strategies as st

from api.native.serialize import rfc3339


def by_datetime(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_times_read_as_people_expect():
    assert rfc3339(0.0) == "1970-01-01T00:00:00.000Z"
    assert rfc3339(1_672_531_200.25) == "2023-01-01T00:00:00.250Z"
    assert rfc3339(None) is None


def test_the_edges_of_a_millisecond_and_a_second_round_as_datetime_does():
    for seconds in (1.0005, 1.0004999, 0.9999995, 0.9999994, 59.9999996, 1_700_000_000.9999996,
                    86_399.9995, 253_402_300_799.0, 253_402_300_799.999, 12.5e-7, 2.5e-6):
        assert rfc3339(seconds) == by_datetime(seconds), seconds


@settings(max_examples=3000, deadline=None)
@given(st.floats(min_value=-2e9, max_value=2.5e11, allow_nan=False))
def test_any_time_is_written_as_datetime_writes_it(seconds):
    assert rfc3339(seconds) == by_datetime(seconds)
