"""The last changes to stored objects, each with its revision: what a
Kubernetes watch reads (kube-apiserver's watch cache, in small).

The datastore tells every commit's (before, after) changes to
:meth:`WatchLog.append` (from its own thread: an append to a deque and a
notify, nothing more). Watchers, on HTTP threads, ask for the changes after
a revision and wait for more. The log keeps the last ``capacity`` changes,
and none older than ``retention`` seconds (five minutes: kube-apiserver
compacts etcd's history every five minutes by default); a watch from a
revision older than the oldest kept gets :class:`Expired`, and must list
again, as in Kubernetes (410 Gone). The age limit is what keeps a busy
server's memory flat: at 120 changes a second, the 100,000 changes of the
capacity would take 14 minutes to fill, holding records long deleted.

A change's revision is its record's ``version``: for a delete, the datastore
hands the deleted record stamped with the deletion's revision, so every
change has the revision it was made at, and revisions grow along the log.

Not an actor: a lock-protected buffer with a condition, like the change
feed; nothing here blocks the datastore.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from actors.domain.errors import OrchestratorError
from actors.domain.models import Record

DEFAULT_CAPACITY = 100_000
DEFAULT_RETENTION = 300.0  # seconds
MARK_EVERY = 1.0  # seconds between the (time, revision) marks the age limit goes by


class Expired(OrchestratorError):
    """The changes after this revision are no longer kept."""


class Change(NamedTuple):
    revision: int
    before: Record | None
    after: Record | None


class WatchLog:
    def __init__(self, capacity: int = DEFAULT_CAPACITY, start: int = 0, retention: float = DEFAULT_RETENTION,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``start``: the revision the log begins at (nothing before it is kept)."""
        self._cond = threading.Condition()
        self._changes: collections.deque[Change] = collections.deque(maxlen=capacity)
        self.retention = retention
        self.clock = clock
        self._marks: collections.deque[tuple[float, int]] = collections.deque()  # (when, revision then), oldest first
        self._compacted = start  # changes at or before this revision may be missing
        self._revision = start
        self._closed = False

    @property
    def revision(self) -> int:
        return self._revision

    @property
    def closed(self) -> bool:
        return self._closed

    def append(self, changes: Sequence[tuple[Record | None, Record | None]]) -> None:
        with self._cond:
            log = self._changes
            for before, after in changes:
                revision = after.version if after is not None else before.version  # type: ignore[union-attr]
                if len(log) == log.maxlen:
                    self._compacted = log[0].revision
                log.append(Change(revision, before, after))
                if revision > self._revision:
                    self._revision = revision
            self._forget_old()
            self._cond.notify_all()

    def _forget_old(self) -> None:
        """Drop the changes made more than ``retention`` seconds ago (to the
        second: a mark of the revision reached is taken at most once a second)."""
        now = self.clock()
        if not self._marks or now - self._marks[-1][0] >= MARK_EVERY:
            self._marks.append((now, self._revision))
        log = self._changes
        while self._marks and now - self._marks[0][0] > self.retention:
            _, revision = self._marks.popleft()
            while log and log[0].revision <= revision:
                log.popleft()
            self._compacted = max(self._compacted, revision)

    def after(self, revision: int) -> list[Change]:
        """The changes made after ``revision``, oldest first; Expired when
        some of them are no longer kept."""
        with self._cond:
            return self._after(revision)

    def _after(self, revision: int) -> list[Change]:
        if revision < self._compacted:
            raise Expired(f"too old resource version: {revision} ({self._compacted})")
        found = []
        for change in reversed(self._changes):
            if change.revision <= revision:
                break
            found.append(change)
        found.reverse()
        return found

    def wait_after(self, revision: int, timeout: float, stop: Callable[[], bool] = lambda: False) -> list[Change]:
        """As :meth:`after`, blocking up to ``timeout`` seconds until there is
        at least one change, the log closes, or ``stop()`` holds."""
        with self._cond:
            self._cond.wait_for(lambda: self._closed or stop() or self._revision > revision, timeout=timeout)
            return self._after(revision)

    def close(self) -> None:
        """End every wait at once (the server is stopping)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
