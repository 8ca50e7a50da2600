"""What a datastore backend is: the :class:`Backend` protocol, what it loads
(:class:`Loaded`), and :class:`DurableOnCommit`, the shared ``persist`` and
``wait_durable`` of the backends that are durable as soon as the datastore
applies a change (memory, etcd).

The datastore (:mod:`actors.datastore`) calls a backend from its own thread;
the backends are :mod:`actors.store.memory`, :mod:`actors.store.sqlite` and
:mod:`actors.store.etcd`, and :func:`actors.store.backends.open_backend`
chooses one from a ``--store`` value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from actors.domain.models import Deployment, Node, Object, Record, Task

OnDurable = Callable[[BaseException | None], None]


class Loaded(NamedTuple):
    """What a backend holds at start."""

    nodes: list[Node]
    tasks: list[Task]
    """In creation order."""
    deployments: list[Deployment]
    revision: int
    objects: Sequence[Object] = ()
    """Sorted by id (see :class:`~actors.domain.models.Object`)."""


class Backend(Protocol):
    """Where committed changes go to last. Called from the datastore thread."""

    def load(self) -> Loaded:
        """Every stored record, and the last revision."""
        ...

    def persist(
        self,
        puts: Sequence[Record],
        deletes: Sequence[tuple[str, str]],
        revision: int,
        on_durable: OnDurable | None = None,
    ) -> None:
        """Take the changes of one commit; they may become durable later.
        ``on_durable(None)`` is called (from any thread) once they are, or
        ``on_durable(error)`` if they never will be."""
        ...

    def wait_durable(self, revision: int, timeout: float) -> None:
        """Block until every change up to ``revision`` is durable (any
        thread); raise Unavailable after ``timeout`` seconds."""
        ...

    def close(self) -> None: ...


class DurableOnCommit:
    """The ``persist`` and ``wait_durable`` of a backend whose changes are as
    durable as they will be by the time the datastore applies them: nothing
    kept (memory), or already agreed by a quorum (etcd)."""

    def persist(
        self,
        puts: Sequence[Record],
        deletes: Sequence[tuple[str, str]],
        revision: int,
        on_durable: OnDurable | None = None,
    ) -> None:
        if on_durable is not None:
            on_durable(None)

    def wait_durable(self, revision: int, timeout: float) -> None:
        pass
