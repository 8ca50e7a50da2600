"""The timer actor: the control plane's sense of time passing.

Pykka has no timers, so this actor runs one daemon thread that calls each
periodic callback every ``interval`` seconds (the controller's reconcile) and
one-shot callbacks at a given clock time (the kubelet's next task to end).
Callbacks are proxy methods of other actors: calling one only enqueues a
message, so the timer never waits on anybody.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable, Sequence

import pykka

logger = logging.getLogger(__name__)

Callback = Callable[[], object]


class TimerActor(pykka.ThreadingActor):
    def __init__(
        self,
        clock: Callable[[], float],
        interval: float,
        periodic: Sequence[Callback] = (),
    ) -> None:
        super().__init__()
        self.clock = clock
        self.interval = interval
        self._periodic = list(periodic)
        self._wakeups: list[tuple[float, int, Callback]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="TimerThread", daemon=True)

    def on_start(self) -> None:
        self._thread.start()

    def on_stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def add_periodic(self, callback: Callback) -> None:
        with self._cond:
            self._periodic.append(callback)

    def wake_at(self, when: float, callback: Callback) -> None:
        """Call ``callback`` once the clock reads ``when`` (seconds)."""
        with self._cond:
            heapq.heappush(self._wakeups, (when, next(self._seq), callback))
            self._cond.notify_all()

    def _run(self) -> None:
        next_tick = self.clock() + self.interval
        while True:
            due: list[Callback] = []
            with self._cond:
                if self._stopping:
                    return
                now = self.clock()
                if now >= next_tick:
                    due.extend(self._periodic)
                    next_tick = now + self.interval
                while self._wakeups and self._wakeups[0][0] <= now:
                    due.append(heapq.heappop(self._wakeups)[2])
                if not due:
                    until = min(next_tick, self._wakeups[0][0]) if self._wakeups else next_tick
                    self._cond.wait(timeout=max(until - now, 0.001))
                    continue
            for callback in due:
                try:
                    callback()
                except pykka.ActorDeadError:
                    logger.debug("timer callback target is stopped")
                except Exception:
                    logger.exception("timer callback failed")


TimerProxy = pykka.ActorProxy[TimerActor]
