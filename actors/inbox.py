"""Hand an actor many small items with one message per burst, not per item.

A Pykka message costs a future, an envelope and a thread wake-up, tens of
microseconds under load: more than the work of storing one task or
recording one event. An :class:`Inbox` collects items from any thread; the
first item after the actor last emptied it sends the one message
(``deliver(inbox)``), and items that arrive before the actor gets to it ride
along. The actor calls :meth:`Inbox.take` and handles them all, in order.

Order with other messages is kept: an item put before a caller sends the
actor another message is taken no later than that message is handled,
because either its delivery message is already queued ahead, or the actor
has not taken the items yet.

If the delivery message is lost (the actor died with it queued), nothing is
delivered until someone calls :meth:`Inbox.take` or :meth:`Inbox.redeliver`:
the supervisor's restart step does (see :mod:`actors.system`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Inbox(Generic[T]):
    def __init__(self, deliver: Callable[[Inbox[T]], object]) -> None:
        self._deliver = deliver
        self._lock = threading.Lock()
        self._items: list[T] = []
        self._pending = False

    def put(self, item: T) -> bool:
        """Queue ``item``; True if this sent the delivery message."""
        with self._lock:
            self._items.append(item)
            if self._pending:
                return False
            self._pending = True
        try:
            self._deliver(self)
        except BaseException:
            with self._lock:
                self._pending = False  # the next put tries again
            raise
        return True

    def take(self) -> list[T]:
        """Every item queued, oldest first (the actor's side)."""
        with self._lock:
            items, self._items = self._items, []
            self._pending = False
        return items

    def redeliver(self) -> None:
        """Send the delivery message again (after the actor was replaced)."""
        with self._lock:
            if not self._items:
                self._pending = False
                return
            self._pending = True
        self._deliver(self)

    def __len__(self) -> int:
        return len(self._items)
