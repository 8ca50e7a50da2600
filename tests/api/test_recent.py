"""RecentMemo: remembers what is asked for, forgets what is not."""

from __future__ import annotations

from api.recent import RecentMemo


def counting():
    calls = []

    def compute(x):
        calls.append(x)
        return x * 2

    return compute, calls


def test_a_value_is_computed_once_while_it_is_asked_for():
    compute, calls = counting()
    now = [0.0]
    memo = RecentMemo(compute, period=10, clock=lambda: now[0])
    for step in range(100):  # asked every second for 100 s: ten rotations, one computation
        now[0] = step
        assert memo(3) == 6
    assert calls == [3]


def test_what_is_not_asked_for_is_forgotten_after_two_periods():
    compute, calls = counting()
    now = [0.0]
    memo = RecentMemo(compute, period=10, clock=lambda: now[0])
    for key in range(50):  # churn: each key asked once
        now[0] = key
        memo(key)
    assert len(memo) <= 20  # the last two periods' keys, not all fifty
    assert memo(49) == 98 and calls.count(49) == 1
    now[0] = 100
    memo(1000)
    now[0] = 120
    memo(1001)
    assert memo(49) == 98 and calls.count(49) == 2  # gone, so computed again


def test_the_young_generation_is_bounded_by_count_too():
    compute, _ = counting()
    memo = RecentMemo(compute, period=1e9, max_size=4, clock=lambda: 0.0)
    for key in range(100):
        memo(key)
    assert len(memo) <= 8
