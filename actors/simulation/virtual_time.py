"""Time for a simulation: a clock that moves only when told, the timer that
keeps wake-ups for it, and the gate that holds reconciles until the
control plane is idle.

The real timer actor sleeps on the wall clock. :class:`VirtualTimer` has
the same ``wake_at``/``add_periodic`` calls but keeps the wake-ups (the
kubelet's next task end) in a heap; the simulation (:mod:`actors.simulation.replay`)
asks it for the next due moment, moves the :class:`VirtualClock` there and
fires what is due. Nothing sleeps.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable

Callback = Callable[[], object]


class VirtualClock:
    """Seconds since the epoch, as the simulation sets them (never backwards)."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance_to(self, when: float) -> None:
        if when > self.now:
            self.now = when


class VirtualTimer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wakeups: list[tuple[float, int, Callback]] = []
        self._seq = itertools.count()

    def wake_at(self, when: float, callback: Callback) -> None:
        """Call ``callback`` once the simulation reaches ``when`` (seconds)."""
        with self._lock:
            heapq.heappush(self._wakeups, (when, next(self._seq), callback))

    def add_periodic(self, callback: Callback) -> None:
        """Periodic work has no place on a virtual clock: a replay misses no
        change, so the safety nets the ticks drive would find nothing."""

    def next_due(self) -> float | None:
        with self._lock:
            return self._wakeups[0][0] if self._wakeups else None

    def pop_due(self, now: float) -> list[Callback]:
        """The callbacks due at ``now`` or before, in the order asked for."""
        due = []
        with self._lock:
            while self._wakeups and self._wakeups[0][0] <= now:
                due.append(heapq.heappop(self._wakeups)[2])
        return due


class Gate:
    """Remembers that a reconcile was asked for; the simulation runs it."""

    def __init__(self) -> None:
        self._wanted = threading.Event()

    def __call__(self) -> None:
        self._wanted.set()

    def take(self) -> bool:
        """Whether a reconcile was asked for since the last take."""
        if self._wanted.is_set():
            self._wanted.clear()
            return True
        return False
