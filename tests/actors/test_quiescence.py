"""The count of messages in flight, and the wait for zero that a replay
moves its clock on."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pykka
import pytest

from actors.quiescence import CountedActor, InFlight, counting


def test_nothing_in_flight_is_idle_at_once():
    assert InFlight().wait_idle(timeout=0) is True


def test_a_wait_ends_with_the_last_message_done():
    counter = InFlight()
    counter.add()
    counter.add()
    with ThreadPoolExecutor(3) as pool:
        waits = [pool.submit(counter.wait_idle, 60) for _ in range(3)]
        counter.done()
        assert counter.count == 1
        assert counter.wait_idle(timeout=0.01) is False
        counter.done()
        assert [w.result(timeout=60) for w in waits] == [True, True, True]
    assert counter.count == 0


def test_a_wait_that_times_out_says_so_and_leaves_nothing_behind():
    counter = InFlight()
    counter.add()
    assert counter.wait_idle(timeout=0.01) is False
    assert counter._waiters == []
    counter.done()  # releases no lock it no longer holds
    assert counter.wait_idle(timeout=0) is True


def test_counted_actors_count_each_message_until_handled():
    counter = InFlight()
    release = threading.Event()
    entered = threading.Event()

    class Slow(CountedActor):
        def hold(self):
            entered.set()
            release.wait(60)
            return "held"

    with counting(counter):
        actor = Slow.start().proxy()
    try:
        answer = actor.hold()
        assert entered.wait(60)
        assert counter.count == 1  # being handled: out of the inbox, still in flight
        assert counter.wait_idle(timeout=0.01) is False
        release.set()
        assert answer.get(timeout=60) == "held"
        assert counter.wait_idle(timeout=60) is True
    finally:
        release.set()
        actor.stop()


@pytest.fixture(autouse=True)
def _no_actors_left():
    yield
    pykka.ActorRegistry.stop_all()
