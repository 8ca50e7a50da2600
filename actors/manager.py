"""What the node, task and deployment managers share: the datastore they ask,
the clock they stamp times with, and whom they tell that something changed."""

from __future__ import annotations

from collections.abc import Callable

from actors.datastore import DatastoreProxy

ASK_TIMEOUT = 10.0  # seconds an ask to the datastore may take


def _noop(*args: object, **kwargs: object) -> None:
    pass


class Manager:
    def __init__(
        self,
        datastore: DatastoreProxy,
        clock: Callable[[], float],
        on_change: Callable[..., object] = _noop,
    ) -> None:
        self.datastore = datastore
        self.clock = clock
        self.on_change = on_change
