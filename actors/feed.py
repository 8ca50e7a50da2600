"""The change feed: a counter that grows with every commit, and a way to
wait for it.

A plain condition variable, not an actor: the datastore publishes to it after
each commit (from its own thread), and in-process observers (HTTP threads,
tests, scripts) wait on it instead of sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class ChangeFeed:
    """A counter that grows with every commit, and a way to wait for it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._revision = 0

    @property
    def revision(self) -> int:
        return self._revision

    def publish(self, revision: int) -> None:
        with self._cond:
            self._revision = revision
            self._cond.notify_all()

    def wait_for_change(self, after: int, timeout: float) -> int:
        """Block until the revision passes ``after`` or ``timeout`` seconds
        pass; return the current revision."""
        with self._cond:
            self._cond.wait_for(lambda: self._revision > after, timeout=timeout)
            return self._revision

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Re-check ``predicate`` after every commit until it holds or
        ``timeout`` seconds pass. For tests and scripts, instead of sleeping."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            seen = self._revision
            if predicate():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.wait_for_change(seen, min(left, 0.5))
