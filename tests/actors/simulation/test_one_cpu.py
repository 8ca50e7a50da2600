"""Holding a replay to one CPU: the threads it starts inherit it, and the
caller gets its CPUs back."""

import gc
import os
import threading

import pytest

from actors.simulation import one_cpu as one_cpu_module
from actors.simulation.one_cpu import choose, current_cpu, idle_shares, one_cpu, pick
from actors.simulation.replay import GC_THRESHOLDS, replay
from actors.simulation.workload import synthetic

@pytest.fixture(autouse=True)
def quiet_machine(monkeypatch):
    """The suite's other worker keeps a CPU busy: say every CPU is idle."""
    monkeypatch.setattr(one_cpu_module, "idle_shares", lambda: {cpu: 1.0 for cpu in os.sched_getaffinity(0)})


def test_a_busy_machine_leaves_the_threads_as_they_are(monkeypatch):
    before = os.sched_getaffinity(0), os.sched_getscheduler(0)
    monkeypatch.setattr(one_cpu_module, "idle_shares", lambda: {cpu: 0.3 for cpu in before[0]})
    with one_cpu() as cpu:
        assert cpu is None
        assert (os.sched_getaffinity(0), os.sched_getscheduler(0)) == before


def test_the_idlest_cpu_is_chosen_if_idle_enough():
    assert choose({0, 1}, {0: 0.1, 1: 0.9}, current=0) == 1
    assert choose({0, 1}, {0: 0.6, 1: 0.6}, current=1) == 0  # a tie: the lowest
    assert choose({0, 1}, {0: 0.4, 1: 0.2}, current=0) is None  # none half idle
    assert choose({1}, {0: 1.0, 1: 0.7}, current=0) == 1  # only what the thread may use
    assert choose({0, 1}, None, current=1) == 1  # no /proc/stat: stay where it runs


def test_idle_shares_are_read_for_every_cpu():
    shares = idle_shares(window=0.05)
    assert set(shares) >= os.sched_getaffinity(0)
    assert all(0.0 <= share <= 1.0 for share in shares.values())


def test_pick_keeps_the_current_cpu_if_allowed_else_the_lowest():
    assert pick({0, 1, 2}, 2) == 2
    assert pick({1, 3}, 0) == 1
    assert pick({5}, None) == 5


def test_the_current_cpu_is_one_the_thread_may_use():
    assert current_cpu() in os.sched_getaffinity(0)


def test_threads_started_inside_run_on_the_one_cpu_and_the_caller_gets_its_cpus_back():
    before = os.sched_getaffinity(0)
    seen = {}

    policy = os.sched_getscheduler(0)

    def look() -> None:
        seen["thread"] = os.sched_getaffinity(0), os.sched_getscheduler(0)

    with one_cpu() as cpu:
        assert os.sched_getaffinity(0) == {cpu}
        thread = threading.Thread(target=look)
        thread.start()
        thread.join()
    assert seen["thread"] == ({cpu}, os.SCHED_BATCH)
    assert cpu in before
    assert os.sched_getaffinity(0) == before
    assert os.sched_getscheduler(0) == policy


def test_the_caller_gets_its_cpus_back_after_an_error():
    before = os.sched_getaffinity(0)
    policy = os.sched_getscheduler(0)
    with pytest.raises(RuntimeError):
        with one_cpu():
            raise RuntimeError("replay failed")
    assert os.sched_getaffinity(0) == before
    assert os.sched_getscheduler(0) == policy


def test_a_replay_runs_on_one_cpu_collects_less_and_leaves_the_caller_as_it_was():
    before = os.sched_getaffinity(0)
    thresholds = gc.get_threshold()
    seen = set()
    collector = set()

    def progress(at: float, span: float) -> None:  # called on the replay's thread, its actors running
        actors = [t for t in threading.enumerate() if t.name.endswith(tuple("0123456789")) and "Actor" in t.name]
        assert actors
        for thread in actors:
            seen.add(frozenset(os.sched_getaffinity(thread.native_id)))
        seen.add(frozenset(os.sched_getaffinity(0)))
        collector.add((gc.get_threshold(), gc.get_freeze_count() > 0))

    replay(synthetic(20, 2, seed=1), progress=progress)
    assert len(seen) == 1 and len(next(iter(seen))) == 1
    assert collector == {(GC_THRESHOLDS, True)}  # the workload frozen, collections rarer
    assert os.sched_getaffinity(0) == before
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0
