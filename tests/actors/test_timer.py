from __future__ import annotations

import threading
import time

from actors.timer import TimerActor


def test_periodic_callbacks_fire_every_interval():
    ticks = []
    enough = threading.Event()

    def tick():
        ticks.append(time.monotonic())
        if len(ticks) == 3:
            enough.set()

    timer = TimerActor.start(time.time, 0.02, [tick])
    try:
        assert enough.wait(timeout=5)
    finally:
        timer.stop()
    assert ticks[2] - ticks[0] >= 0.03


def test_wake_at_calls_back_once_at_the_given_time_in_order():
    woken = []
    done = threading.Event()
    timer = TimerActor.start(time.time, 3600).proxy()
    now = time.time()
    timer.wake_at(now + 0.05, lambda: (woken.append("late"), done.set())).get(timeout=5)
    timer.wake_at(now + 0.01, lambda: woken.append("early")).get(timeout=5)
    assert done.wait(timeout=5)
    assert woken == ["early", "late"]
    assert time.time() >= now + 0.05


def test_stopping_the_timer_ends_its_thread():
    timer = TimerActor.start(time.time, 3600)
    timer.stop(timeout=5)
    assert not any(t.name == "TimerThread" and t.is_alive() for t in threading.enumerate())
