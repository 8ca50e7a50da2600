"""The event recorder actor: the cluster's event log, bounded.

The datastore hands it each commit's changes (through an
:class:`~actors.inbox.Inbox`, one message per burst); it derives the events
(:mod:`actors.domain.events`), numbers them, keeps the last ``capacity`` and
publishes the newest sequence on an :class:`EventFeed` so that watchers
(HTTP streams, in their own threads) wake up without polling. It asks nobody.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pykka

from actors.quiescence import CountedActor

from actors.domain.errors import OrchestratorError
from actors.domain.events import Change, Event, derive
from actors.inbox import Inbox
from actors.supervisor import Supervisable

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 100_000


class Expired(OrchestratorError):
    """The events after this sequence are no longer kept (HTTP 410)."""


class EventFeed:
    """The newest event sequence, and a way to wait for a newer one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._seq = 0
        self._closed = False

    @property
    def seq(self) -> int:
        return self._seq

    @property
    def closed(self) -> bool:
        return self._closed

    def publish(self, seq: int) -> None:
        with self._cond:
            self._seq = seq
            self._cond.notify_all()

    def wait_after(self, seq: int, timeout: float) -> int:
        """Block until an event after ``seq`` exists, the feed closes, or
        ``timeout`` seconds pass; return the newest sequence."""
        with self._cond:
            self._cond.wait_for(lambda: self._seq > seq or self._closed, timeout=timeout)
            return self._seq

    def close(self) -> None:
        """Wake and end every watcher (the server is stopping)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class EventRecorder:
    def __init__(self, clock: Callable[[], float], capacity: int = DEFAULT_CAPACITY, feed: EventFeed | None = None) -> None:
        self.clock = clock
        self.feed = feed or EventFeed()
        self._events: collections.deque[Event] = collections.deque(maxlen=capacity)
        self._seq = self.feed.seq  # a restarted recorder carries on numbering

    def record(self, changes: Sequence[Change]) -> None:
        self._append(changes, self.clock())
        self.feed.publish(self._seq)

    def record_all(self, inbox: Inbox[tuple[float, Sequence[Change]]]) -> None:
        """Record every commit's changes waiting in ``inbox``, each with the
        time of its commit: the datastore puts each commit there, and a
        burst of commits costs one message (see :mod:`actors.inbox`)."""
        for at, changes in inbox.take():
            self._append(changes, at)
        self.feed.publish(self._seq)

    def _append(self, changes: Sequence[Change], now: float) -> None:
        debug = logger.isEnabledFor(logging.DEBUG)
        for before, after in changes:
            for kind, object_id, reason, message in derive(before, after):
                self._seq += 1
                self._events.append(Event(self._seq, now, kind, object_id, reason, message))
                if debug:
                    logger.debug("event %d: %s %s %s: %s", self._seq, kind, object_id, reason, message)

    def list(
        self,
        since: int = 0,
        object: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """Events after sequence ``since``, oldest first, optionally of one
        object or kind. Raises Expired if events after ``since`` were dropped."""
        if self._events and since < self._events[0].seq - 1:
            raise Expired(
                f"events after {since} are no longer kept; the oldest kept is {self._events[0].seq}: "
                "list without 'since' and watch from its last seq"
            )
        if since >= self._seq:
            return []
        start = len(self._events) - (self._seq - since) if self._events else 0
        found = []
        for i in range(max(start, 0), len(self._events)):
            event = self._events[i]
            if (object is None or event.object == object) and (kind is None or event.kind == kind):
                found.append(event)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def read(
        self, since: int = 0, object: str | None = None, kind: str | None = None, limit: int | None = None
    ) -> tuple[list[Event], int]:
        """Like :meth:`list`, and the newest sequence looked at, for a
        watcher to resume from even when no event matched."""
        found = self.list(since, object, kind, limit)
        head = found[-1].seq if limit is not None and len(found) >= limit else self._seq
        return found, head

    @property
    def last_seq(self) -> int:
        return self._seq


class EventRecorderActor(Supervisable, CountedActor, EventRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments of EventRecorder
        CountedActor.__init__(self)
        EventRecorder.__init__(self, *args, **kwargs)


EventRecorderProxy = pykka.ActorProxy[EventRecorderActor]
