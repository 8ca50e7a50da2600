"""The load helpers that need no server: percentiles, pacing, client threads."""

from __future__ import annotations

import threading

import pytest

from api.client.loadgen import Pacer, Run, percentile, run_clients
from tests.helpers import FakeClock


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], 50, None),
        ([7.0], 50, 7.0),
        ([7.0], 99, 7.0),
        ([1.0, 2.0], 50, 1.0),  # nearest rank: the smallest with >= 50% at or below it
        ([1.0, 2.0], 51, 2.0),
        ([1.0, 2.0, 3.0, 4.0], 100, 4.0),
        (list(range(1, 101)), 50, 50),
        (list(range(1, 101)), 95, 95),
        (list(range(1, 101)), 99, 99),  # not the largest
        (list(range(1, 101)), 99.5, 100),
        (list(range(1, 301)), 10, 30),  # 300 * 0.1 is 30.000000000000004 in floating point
        (list(range(1, 21)), 95, 19),
        (list(range(1, 1001)), 0.1, 1),
    ],
)
def test_percentile_by_nearest_rank(values, p, expected):
    assert percentile(values, p) == expected


@pytest.mark.parametrize("p", [0, -1, 100.5])
def test_percentile_refuses_out_of_range(p):
    with pytest.raises(ValueError):
        percentile([1.0], p)


def test_run_percentile_sorts_and_is_zero_when_empty():
    assert Run().percentile(99) == 0.0
    assert Run(latencies=[3.0, 1.0, 2.0]).percentile(50) == 2.0


class FakeSleep:
    """Sleeping moves the fake clock; records each wait."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)


def test_pacer_without_rate_hands_out_every_index_once_and_never_sleeps():
    clock = FakeClock()
    sleep = FakeSleep(clock)
    pacer = Pacer(3, clock=clock, sleep=sleep)
    assert [pacer.claim() for _ in range(5)] == [0, 1, 2, None, None]
    assert sleep.waits == []
    assert pacer.claimed == 3


def test_pacer_spaces_indexes_by_the_rate_from_the_first_claim():
    clock = FakeClock()
    sleep = FakeSleep(clock)
    pacer = Pacer(4, rate=10, clock=clock, sleep=sleep)
    assert pacer.claim() == 0
    assert sleep.waits == []
    assert pacer.claim() == 1
    assert sleep.waits == [pytest.approx(0.1)]
    clock.advance(0.5)  # the client fell behind: the next two are overdue, no wait
    assert [pacer.claim(), pacer.claim()] == [2, 3]
    assert len(sleep.waits) == 1
    assert pacer.claim() is None


def test_pacer_gives_distinct_indexes_to_concurrent_threads():
    pacer = Pacer(2000)
    seen: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        while (i := pacer.claim()) is not None:
            with lock:
                seen.append(i)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(seen) == list(range(2000))


def test_run_clients_gives_each_thread_its_own_client_and_raises_the_first_error():
    clients = []
    lock = threading.Lock()

    def work(client) -> None:
        with lock:
            clients.append(client)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run_clients("http://127.0.0.1:9", 3, work)  # no request is made: nothing connects
    assert len({id(c) for c in clients}) == 3


def test_child_processes_run_in_this_checkout():
    """Children run ``python -m api...`` in these directories: anywhere but
    the project's own, they import whichever checkout the virtualenv was
    installed from (after the move into api/client/ they ran in api/)."""
    import os

    from api.client import benchrun, loadgen, rawload

    project = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert loadgen.ROOT == rawload.ROOT == benchrun.ROOT == project
    assert os.path.isfile(os.path.join(project, "setup.cfg"))
