"""Knowing when the control plane is idle: no message queued for any actor
and none being handled.

An empty Pykka inbox does not mean an actor is idle (the message it is
handling has already left it), so idleness is counted: every message put
in a counted actor's inbox adds one to an :class:`InFlight` counter, and
each message handled takes one off once its handler returns. An actor
waiting on another's reply is still inside its own handler, so the count
cannot reach zero while any work is under way. The virtual-time simulation
(:mod:`actors.simulation.replay`) waits for zero before it moves the clock.

Every actor class of the control plane derives from :class:`CountedActor`;
it counts only when created inside :func:`counting` (so ``serve`` pays
nothing), including actors the supervisor restarts later.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pykka

from actors.reply import SlotFuture

_current: InFlight | None = None


class InFlight:
    """The count of messages in flight, and a wait for it to reach zero.

    A plain lock, not a :class:`threading.Condition`: every message of a
    replay passes here twice, and a condition's Python-level entry and exit
    cost more than the count. A waiter parks on a lock of its own, which
    the message that brings the count to zero releases."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self._waiters: list[Any] = []  # locks held for the threads waiting for zero

    def add(self) -> None:
        with self._lock:
            self._count += 1

    def done(self) -> None:
        with self._lock:
            self._count -= 1
            if self._count <= 0 and self._waiters:
                for waiter in self._waiters:
                    waiter.release()
                self._waiters.clear()

    @property
    def count(self) -> int:
        return self._count

    def wait_idle(self, timeout: float) -> bool:
        """Block until no message is in flight; False if ``timeout`` seconds
        passed first."""
        with self._lock:
            if self._count <= 0:
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if waiter.acquire(timeout=timeout):
            return True
        with self._lock:
            if waiter in self._waiters:  # still waiting: give up
                self._waiters.remove(waiter)
                return False
            return True  # released as the time ran out


class _CountingInbox(queue.SimpleQueue):
    def __init__(self, counter: InFlight) -> None:
        super().__init__()
        self.counter = counter

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self.counter.add()
        super().put(item)


class CountedActor(pykka.ThreadingActor):
    """A Pykka threading actor whose messages an :class:`InFlight` counts,
    when one is in force (:func:`counting`) as it is created.

    Its inbox is a :class:`queue.SimpleQueue` and its asks' futures are
    :class:`~actors.reply.SlotFuture` objects: Pykka's own are built on
    Python-level conditions, and the hand-over costs more than most
    handlers' work (every actor of the control plane derives from this)."""

    _in_flight: InFlight | None = None
    _create_future = staticmethod(SlotFuture)

    def _create_actor_inbox(self) -> queue.SimpleQueue:  # type: ignore[override]  # Pykka calls it from __init__
        self._in_flight = _current
        return queue.SimpleQueue() if _current is None else _CountingInbox(_current)

    def _handle_receive(self, message: Any) -> Any:
        try:
            return super()._handle_receive(message)
        finally:
            if self._in_flight is not None:
                self._in_flight.done()


@contextlib.contextmanager
def counting(counter: InFlight) -> Iterator[InFlight]:
    """Count the messages of every actor created until the block ends (and
    of those restarted in their place: the supervisor keeps the counter)."""
    global _current
    previous, _current = _current, counter
    try:
        yield counter
    finally:
        _current = previous
