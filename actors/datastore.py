"""The datastore actor: the one place nodes and tasks are kept.

Every change is a transaction of :mod:`actors.store_ops` applied atomically;
the actor's single thread serialises them, so a compare-and-swap on a record's
``version`` is all the other actors need to never lose an update.

State lives in memory with a few indexes kept up to date on every change
(allocation per node, active tasks per node, pending tasks); a
:class:`Backend` makes changes durable. The memory backend keeps nothing; a
durable backend replaces it without touching the other actors.

Call graph: the managers, the controller and the kubelet ask the datastore;
the datastore asks nobody. After each commit it notifies a
:class:`ChangeFeed` (a plain condition variable, not an actor) so that
in-process observers can wait for change instead of sleeping.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import functools
import itertools
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import pykka
from sortedcontainers import SortedDict, SortedList

from actors.errors import (
    AlreadyExists,
    Conflict,
    NotFound,
    OrchestratorError,
    ValidationError,
    VersionConflict,
)
from actors.models import (
    NO_RESOURCES,
    Node,
    Record,
    Resources,
    Task,
    TaskStatus,
    kind_of,
)
from actors.reply import Reply
from actors.store_ops import Create, Delete, Op, RequireNodeReady, Update

logger = logging.getLogger(__name__)


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


OnDurable = Callable[[BaseException | None], None]


class Backend(Protocol):
    """Where committed changes go to last. Called from the datastore thread."""

    def load(self) -> tuple[list[Node], list[Task], int]:
        """Nodes, tasks in creation order, and the last revision."""
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


class MemoryBackend:
    """Keeps nothing: state lives as long as the process."""

    def load(self) -> tuple[list[Node], list[Task], int]:
        return [], [], 0

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

    def close(self) -> None:
        pass


@dataclasses.dataclass(frozen=True, slots=True)
class ClusterView:
    """What the controller needs for one reconcile, read in one round trip."""

    nodes: list[Node]
    pending: list[Task]
    """Pending tasks not skipped, oldest first, at most the limit asked for."""
    stranded: list[Task]
    """Active tasks whose node is gone or unhealthy."""
    more_pending: bool = False
    """More pending tasks wait beyond the limit."""
    cursor: int | None = None
    """Where the returned pending tasks end in creation order: pass it as
    ``after`` to start behind them."""


class Datastore:
    """The datastore's logic, usable without an actor (and so without threads)."""

    def __init__(self, backend: Backend | None = None, feed: ChangeFeed | None = None) -> None:
        self.backend: Backend = backend or MemoryBackend()
        self.feed = feed or ChangeFeed()
        self.on_commit: Callable[[list[tuple[Record | None, Record | None]]], object] | None = None
        """Told every commit's (before, after) changes: the event recorder."""
        self._nodes: dict[str, Node] = {}
        self._tasks: dict[str, Task] = {}
        self._order: dict[str, int] = {}  # task id -> creation sequence
        self._by_order: SortedDict = SortedDict()  # creation sequence -> task id
        self._next_order = 0
        self._allocated: dict[str, Resources] = {}
        self._active_by_node: dict[str, set[str]] = {}
        self._pending_order: SortedList = SortedList()  # (creation sequence, task id)
        self._status_counts: collections.Counter[TaskStatus] = collections.Counter()
        self._revision = 0
        nodes, tasks, revision = self.backend.load()
        for node in nodes:
            self._nodes[node.id] = node
        for task in tasks:
            self._insert_task(task)
        self._revision = revision

    # -- reads ---------------------------------------------------------------

    @property
    def revision(self) -> int:
        return self._revision

    def set_on_commit(self, listener: Callable[[list[tuple[Record | None, Record | None]]], object]) -> None:
        self.on_commit = listener

    def get_node(self, node_id: str) -> Node:
        node = self._nodes.get(node_id)
        if node is None:
            raise NotFound("node", node_id)
        return self._with_allocation(node)

    def list_nodes(self, healthy: bool | None = None) -> list[Node]:
        """Nodes sorted by id, optionally only the (un)healthy ones."""
        return [
            self._with_allocation(self._nodes[node_id])
            for node_id in sorted(self._nodes)
            if healthy is None or self._nodes[node_id].healthy == healthy
        ]

    def counts(self) -> dict[str, dict[str, int]]:
        """Tasks by status and nodes by health, kept as changes happen."""
        healthy = sum(1 for n in self._nodes.values() if n.healthy)
        return {
            "tasks": {status.value: self._status_counts[status] for status in TaskStatus},
            "nodes": {"healthy": healthy, "unhealthy": len(self._nodes) - healthy},
        }

    def get_task(self, task_id: str) -> Task:
        task = self._tasks.get(task_id)
        if task is None:
            raise NotFound("task", task_id)
        return task

    def get_tasks(self, task_ids: Iterable[str]) -> list[Task]:
        """The tasks that still exist among ``task_ids``, in the given order."""
        return [self._tasks[i] for i in task_ids if i in self._tasks]

    def list_tasks(self, status: TaskStatus | None = None, node: str | None = None) -> list[Task]:
        """Tasks in creation order, optionally filtered by status and node."""
        if node is not None and status in (None, TaskStatus.SCHEDULED, TaskStatus.RUNNING):
            candidates: Iterable[Task] = sorted(
                (t for t in self._tasks.values() if t.node == node), key=self._creation_key
            )
        elif status is TaskStatus.PENDING:
            candidates = [self._tasks[i] for _, i in self._pending_order]
        else:
            candidates = self._tasks.values()
        return [
            t
            for t in candidates
            if (status is None or t.status == status) and (node is None or t.node == node)
        ]

    def page_nodes(
        self, healthy: bool | None = None, limit: int | None = None, after: str | None = None
    ) -> tuple[list[Node], bool]:
        """Up to ``limit`` nodes with ids after ``after``, sorted by id, and
        whether more follow."""
        ids = sorted(self._nodes)
        start = 0 if after is None else bisect.bisect_right(ids, after)
        found: list[Node] = []
        for node_id in itertools.islice(ids, start, None):
            node = self._nodes[node_id]
            if healthy is not None and node.healthy != healthy:
                continue
            if limit is not None and len(found) >= limit:
                return found, True
            found.append(self._with_allocation(node))
        return found, False

    def page_tasks(
        self,
        status: TaskStatus | None = None,
        node: str | None = None,
        limit: int | None = None,
        after: str | None = None,
    ) -> tuple[list[Task], bool]:
        """Up to ``limit`` tasks created after task ``after``, in creation
        order, and whether more follow. Costs O(log n + what it returns) when
        filtering by nothing or by pending."""
        position = -1
        if after is not None:
            if after not in self._order:
                raise ValidationError(
                    "after", f"there is no task '{after[:80]}' to continue after (deleted?); list again from the start"
                )
            position = self._order[after]
        if status is TaskStatus.PENDING and node is None:
            ids: Iterable[str] = (i for _, i in self._pending_order.irange(minimum=(position, "\U0010ffff")))
        elif node is not None:
            ids = (t.id for t in self.list_tasks(status, node) if self._order[t.id] > position)
        else:
            ids = (self._by_order[o] for o in self._by_order.irange(minimum=position, inclusive=(False, True)))
        found: list[Task] = []
        for task_id in ids:
            task = self._tasks[task_id]
            if (status is not None and task.status != status) or (node is not None and task.node != node):
                continue
            if limit is not None and len(found) >= limit:
                return found, True
            found.append(task)
        return found, False

    def cluster_view(self, limit: int | None = None, after: int | None = None) -> ClusterView:
        """Nodes, stranded tasks, and up to ``limit`` pending tasks oldest
        first, starting behind the ``after`` cursor of an earlier view.
        Costs O(log pending + limit), whatever the backlog."""
        nodes = self.list_nodes()
        pending: list[Task] = []
        more = False
        cursor = after
        start = None if after is None else (after, "\U0010ffff")
        for order, task_id in self._pending_order.irange(minimum=start, inclusive=(False, True)):
            if limit is not None and len(pending) >= limit:
                more = True
                break
            pending.append(self._tasks[task_id])
            cursor = order
        stranded = []
        for node_id, task_ids in self._active_by_node.items():
            node = self._nodes.get(node_id)
            if node is None or not node.healthy:
                stranded.extend(self._tasks[i] for i in task_ids)
        stranded.sort(key=self._creation_key)
        return ClusterView(nodes=nodes, pending=pending, stranded=stranded, more_pending=more, cursor=cursor)

    # -- writes --------------------------------------------------------------

    def commit(
        self,
        ops: Sequence[Op],
        on_durable: Callable[[list[Record], BaseException | None], None] | None = None,
    ) -> list[Record]:
        """Apply ``ops`` all together or not at all.

        Returns the stored records of the creates and updates, in order, with
        their new version. Raises NotFound, AlreadyExists or Conflict, and then
        nothing has changed. ``on_durable(records, error)`` is called once the
        change is durable (``error`` None) or failed to become so.
        """
        self._check(ops)
        revision = self._revision + 1
        puts: list[Record] = []
        deletes: list[tuple[str, str]] = []
        changes: list[tuple[Record | None, Record | None]] = []
        for op in ops:
            if isinstance(op, (Create, Update)):
                stored = _stamped(op.record, revision)
                puts.append(stored)
                before = None if isinstance(op, Create) else self._current(kind_of(stored), stored.id)
                changes.append((before, stored))
            elif isinstance(op, Delete):
                deletes.append((op.kind, op.id))
                changes.append((self._current(op.kind, op.id), None))
        if puts or deletes:
            done = None if on_durable is None else functools.partial(on_durable, puts)
            self.backend.persist(puts, deletes, revision, done)
            self._revision = revision
            for kind, record_id in deletes:
                self._remove(kind, record_id)
            for record in puts:
                self._store(record)
            self.feed.publish(revision)
            if self.on_commit is not None:
                self.on_commit(changes)
        elif on_durable is not None:
            on_durable(puts, None)
        return [self._with_allocation(r) if isinstance(r, Node) else r for r in puts]

    def submit(self, ops: Sequence[Op], reply: Reply) -> None:
        """Commit ``ops`` and complete ``reply`` with the stored records once
        they are durable, or with the error. Meant to be told, not asked:
        whoever waits for the answer waits on ``reply`` alone, so the actors
        between a client and the store never block on each other for it."""
        try:
            self.commit(ops, functools.partial(_settle, reply))
        except Exception:
            reply.set_exception()

    def commit_each(self, transactions: Sequence[Sequence[Op]]) -> list[list[Record] | OrchestratorError]:
        """Apply several independent transactions in one round trip; each
        result is the stored records or the error that stopped that one."""
        results: list[list[Record] | OrchestratorError] = []
        for ops in transactions:
            try:
                results.append(self.commit(ops))
            except OrchestratorError as exc:
                results.append(exc)
        return results

    # -- internals -----------------------------------------------------------

    def _creation_key(self, task: Task) -> int:
        return self._order[task.id]

    def _with_allocation(self, node: Node) -> Node:
        allocated = self._allocated.get(node.id, NO_RESOURCES)
        if allocated == node.allocated:
            return node
        return dataclasses.replace(node, allocated=allocated)

    def _current(self, kind: str, record_id: str) -> Record | None:
        return (self._nodes if kind == "node" else self._tasks).get(record_id)

    def _check(self, ops: Sequence[Op]) -> None:
        seen: set[tuple[str, str]] = set()
        for op in ops:
            if isinstance(op, RequireNodeReady):
                node = self._nodes.get(op.node_id)
                if node is None:
                    raise NotFound("node", op.node_id)
                if not node.ready:
                    raise Conflict(f"node '{op.node_id}' is not ready")
                continue
            kind, record_id = (
                (op.kind, op.id) if isinstance(op, Delete) else (kind_of(op.record), op.record.id)
            )
            if (kind, record_id) in seen:
                raise ValueError(f"one transaction touches {kind} '{record_id}' twice")
            seen.add((kind, record_id))
            current = self._current(kind, record_id)
            if isinstance(op, Create):
                if current is not None:
                    raise AlreadyExists(kind, record_id)
                continue
            if current is None:
                raise NotFound(kind, record_id)
            expected = op.expected_version
            if expected is not None and current.version != expected:
                raise VersionConflict(kind, record_id, expected, current.version)

    def _store(self, record: Record) -> None:
        if isinstance(record, Node):
            self._nodes[record.id] = record
            return
        if record.id in self._tasks:
            self._unindex(self._tasks[record.id])
            self._tasks[record.id] = record
            self._index(record)
        else:
            self._insert_task(record)

    def _remove(self, kind: str, record_id: str) -> None:
        if kind == "node":
            del self._nodes[record_id]
            return
        task = self._tasks.pop(record_id)
        self._unindex(task)
        del self._by_order[self._order.pop(record_id)]

    def _insert_task(self, task: Task) -> None:
        self._tasks[task.id] = task
        self._order[task.id] = self._next_order
        self._by_order[self._next_order] = task.id
        self._next_order += 1
        self._index(task)

    def _index(self, task: Task) -> None:
        self._status_counts[task.status] += 1
        if task.status is TaskStatus.PENDING:
            self._pending_order.add((self._order[task.id], task.id))
        elif task.status.active and task.node is not None:
            self._active_by_node.setdefault(task.node, set()).add(task.id)
            self._allocated[task.node] = self._allocated.get(task.node, NO_RESOURCES) + task.resources

    def _unindex(self, task: Task) -> None:
        self._status_counts[task.status] -= 1
        if task.status is TaskStatus.PENDING:
            self._pending_order.discard((self._order[task.id], task.id))
        elif task.status.active and task.node is not None:
            ids = self._active_by_node[task.node]
            ids.discard(task.id)
            remaining = self._allocated[task.node] - task.resources
            if ids:
                self._allocated[task.node] = remaining
            else:
                del self._active_by_node[task.node]
                del self._allocated[task.node]


def _settle(reply: Reply, records: list[Record], error: BaseException | None) -> None:
    if error is None:
        reply.set(records)
    else:
        reply.set_exception((type(error), error, error.__traceback__))


def _stamped(record: Record, revision: int) -> Record:
    """The record as stored: new version, and no derived allocation."""
    if isinstance(record, Node):
        return dataclasses.replace(record, version=revision, allocated=NO_RESOURCES)
    return dataclasses.replace(record, version=revision)


class DatastoreActor(pykka.ThreadingActor, Datastore):
    def __init__(self, backend: Backend | None = None, feed: ChangeFeed | None = None) -> None:
        pykka.ThreadingActor.__init__(self)
        Datastore.__init__(self, backend, feed)

    def on_stop(self) -> None:
        self.backend.close()


DatastoreProxy = pykka.ActorProxy[DatastoreActor]
