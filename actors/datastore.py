"""The datastore actor: the one place nodes, tasks and deployments are kept.

Every change is a transaction of :mod:`actors.store.ops` applied atomically;
the actor's single thread serialises them, so a compare-and-swap on a record's
``version`` is all the other actors need to never lose an update.

State lives in memory with a few indexes kept up to date on every change
(allocation per node, active tasks per node, pending tasks, tasks and running
tasks per deployment, and the revision each deployment last changed at); a
backend (:class:`actors.store.backend.Backend`) makes changes durable. The
memory backend (:mod:`actors.store.memory`) keeps nothing; a durable backend
(:mod:`actors.store.sqlite`, :mod:`actors.store.etcd`) replaces it without
touching the other actors.

Call graph: the managers, the controller and the kubelet ask the datastore;
the datastore asks nobody. After each commit it notifies a
:class:`actors.feed.ChangeFeed` (a plain condition variable, not an actor) so
that in-process observers can wait for change instead of sleeping.

What lives elsewhere, and why: the backends in :mod:`actors.store` (storage,
no state of the datastore's); the change feed in :mod:`actors.feed`, plumbing
beside :mod:`actors.inbox` and :mod:`actors.reply`; the views the datastore
answers the controller with (:class:`ClusterView`, :class:`DeploymentView`)
in :mod:`actors.domain.views`, plain records that the pure scheduling code
(:mod:`actors.scheduling.node_snapshot`) reads without importing an actor.
Only the :class:`Datastore` logic and its actor are here.
"""

from __future__ import annotations

import bisect
import collections
import functools
import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pykka

from actors.quiescence import CountedActor
from sortedcontainers import SortedDict, SortedList

from actors.domain import namespaces
from actors.domain.errors import (
    AlreadyExists,
    Conflict,
    NotFound,
    OrchestratorError,
    ValidationError,
    VersionConflict,
)
from actors.inbox import Inbox
from actors.domain.models import (
    NO_RESOURCES,
    Deployment,
    Node,
    Object,
    Record,
    Resources,
    Task,
    WHOLE_GPU,
    TaskStatus,
    gpu_kind,
    replace,
)
from actors.domain.views import ClusterView, DeploymentView
from actors.feed import ChangeFeed
from actors.reply import Reply
from actors.store.backend import Backend
from actors.store.memory import MemoryBackend
from actors.store.ops import (
    Create,
    Delete,
    DeleteNamespaced,
    DeleteOwnedTasks,
    Op,
    Patch,
    RequireGpuRoom,
    RequireNodeReady,
    RequireVersion,
)

logger = logging.getLogger(__name__)


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
        self._gpu_used: dict[str, dict[int, int]] = {}  # node id -> device -> milli-GPU its active tasks hold
        self._gpu_kinds: dict[str, collections.Counter[int]] = {}  # node id -> GPU task kind -> active tasks
        self._active_by_node: dict[str, set[str]] = {}
        self._active_priorities: collections.Counter[int] = collections.Counter()  # of the bound tasks
        self._pods: dict[str, dict[str, Task]] = {}  # node id -> its active tasks with labels or pod terms
        self._pods_shown: dict[str, tuple[Task, ...]] = {}  # node id -> those, as Node.pods shows them
        self._node_changed: dict[str, int] = {}  # node id -> revision its record or allocation last changed, oldest first
        self._sick: set[str] = set()  # ids of unhealthy nodes
        self._gone: set[str] = set()  # ids of deleted nodes that active tasks are still bound to
        self._pending_order: SortedList = SortedList()  # (creation sequence, task id)
        self._status_counts: collections.Counter[TaskStatus] = collections.Counter()
        self._deployments: dict[str, Deployment] = {}
        self._owned: dict[str, set[str]] = {}  # deployment id -> ids of the tasks it owns
        self._running_owned: dict[str, int] = {}  # deployment id -> how many of them run
        self._touched: dict[str, int] = {}  # deployment id -> revision it or a task of it last changed
        self._last_touch = 0  # the latest of those
        self._objects: dict[str, Object] = {}
        self._records: dict[str, dict] = {"node": self._nodes, "task": self._tasks, "deployment": self._deployments,
                                          "object": self._objects}
        self._revision = 0
        loaded = self.backend.load()
        for node in loaded.nodes:
            self._put_node(node)
        for deployment in loaded.deployments:
            self._deployments[deployment.id] = deployment
        for task in loaded.tasks:
            self._insert_task(task)
        for kept in loaded.objects:
            self._objects[kept.id] = kept
        self._revision = loaded.revision
        for deployment_id in self._deployments:
            self._touched[deployment_id] = self._revision
        self._last_touch = self._revision

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

    def counts(self) -> dict[str, Any]:
        """Tasks by status and nodes by health, kept as changes happen; and
        for the nodes with GPUs, what each device holds (milli-GPU, as
        ``(node, device, used)``) and the totals."""
        healthy = sum(1 for n in self._nodes.values() if n.healthy)
        devices = []
        capacity = 0
        for node in self._nodes.values():
            if node.gpus:
                capacity += node.capacity.gpu
                used = self._gpu_used.get(node.id, {})
                devices.extend((node.id, d, used.get(d, 0)) for d in range(node.gpus))
        return {
            "tasks": {status.value: self._status_counts[status] for status in TaskStatus},
            "nodes": {"healthy": healthy, "unhealthy": len(self._nodes) - healthy},
            "gpu": {"capacity": capacity, "allocated": sum(u for _, _, u in devices)},
            "gpu_devices": devices,
        }

    def get_task(self, task_id: str) -> Task:
        task = self._tasks.get(task_id)
        if task is None:
            raise NotFound("task", task_id)
        return task

    def get_tasks(self, task_ids: Iterable[str]) -> list[Task]:
        """The tasks that still exist among ``task_ids``, in the given order."""
        return [self._tasks[i] for i in task_ids if i in self._tasks]

    def active_tasks(self, node_ids: Iterable[str] | None = None,
                     below_priority: int | None = None) -> dict[str, list[Task]]:
        """The tasks bound to each node (of ``node_ids``, or every node), in
        id order; with ``below_priority`` only those of lower priority (what
        a preemptor may evict)."""
        found: dict[str, list[Task]] = {}
        if below_priority is not None and (not self._active_priorities
                                           or min(self._active_priorities) >= below_priority):
            return found
        for node_id in (self._active_by_node if node_ids is None else node_ids):
            ids = self._active_by_node.get(node_id)
            if not ids:
                continue
            tasks = [self._tasks[i] for i in sorted(ids)]
            if below_priority is not None:
                tasks = [t for t in tasks if t.priority < below_priority]
            if tasks:
                found[node_id] = tasks
        return found

    def list_tasks(
        self, status: TaskStatus | None = None, node: str | None = None, namespace: str | None = None
    ) -> list[Task]:
        """Tasks in creation order, optionally filtered by status, node and
        namespace (see :mod:`actors.domain.namespaces`)."""
        if node is not None and status in (None, TaskStatus.SCHEDULED, TaskStatus.RUNNING):
            candidates: Iterable[Task] = sorted(
                (t for t in self._tasks.values() if t.node == node), key=self._creation_key
            )
        elif status is TaskStatus.PENDING:
            candidates = [self._tasks[i] for _, i in self._pending_order]
        else:
            candidates = self._tasks.values()
        found = [
            t
            for t in candidates
            if (status is None or t.status == status) and (node is None or t.node == node)
        ]
        if namespace is not None:
            found = [t for t in found if namespaces.in_namespace(t.id, namespace)]
        return found

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
        namespace: str | None = None,
    ) -> tuple[list[Task], bool]:
        """Up to ``limit`` tasks created after task ``after``, in creation
        order, and whether more follow. Costs O(log n + what it returns) when
        filtering by nothing or by pending (or by a namespace most tasks are
        in); a namespace of few tasks costs a scan of those after ``after``."""
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
            if (status is not None and task.status != status) or (node is not None and task.node != node) \
                    or (namespace is not None and not namespaces.in_namespace(task_id, namespace)):
                continue
            if limit is not None and len(found) >= limit:
                return found, True
            found.append(task)
        return found, False

    def cluster_view(
        self, limit: int | None = None, after: int | None = None, nodes_since: int | None = None
    ) -> ClusterView:
        """Nodes, stranded tasks, and up to ``limit`` pending tasks oldest
        first, starting behind the ``after`` cursor of an earlier view.
        With ``nodes_since`` (an earlier view's revision) only the nodes that
        changed after it. Costs O(log pending + limit + nodes returned),
        whatever the backlog and the cluster's size."""
        if nodes_since is None:
            nodes, removed, complete = self.list_nodes(), [], True
        else:
            nodes, removed, complete = [], [], False
            for node_id, revision in reversed(self._node_changed.items()):
                if revision <= nodes_since:
                    break
                node = self._nodes.get(node_id)
                if node is None:
                    removed.append(node_id)
                else:
                    nodes.append(self._with_allocation(node))
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
        # Kept as things change, not worked out from every node: a set
        # difference over 10,000 nodes would cost 0.5 ms on each reconcile.
        for node_id in sorted(self._gone | (self._sick & self._active_by_node.keys())):
            stranded.extend(self._tasks[i] for i in self._active_by_node[node_id])
        stranded.sort(key=self._creation_key)
        return ClusterView(
            nodes=nodes, pending=pending, stranded=stranded, more_pending=more, cursor=cursor,
            removed=removed, complete=complete, revision=self._revision, deployments_touched=self._last_touch,
            pending_total=self._status_counts[TaskStatus.PENDING],
        )

    def get_deployment(self, deployment_id: str) -> Deployment:
        deployment = self._deployments.get(deployment_id)
        if deployment is None:
            raise NotFound("deployment", deployment_id)
        return self._with_ready(deployment)

    def list_deployments(self) -> list[Deployment]:
        """Deployments sorted by id."""
        return [self._with_ready(self._deployments[i]) for i in sorted(self._deployments)]

    def get_object(self, object_id: str) -> Object:
        found = self._objects.get(object_id)
        if found is None:
            raise NotFound("object", object_id)
        return found

    def list_objects(self, prefix: str) -> list[Object]:
        """The objects whose id starts with ``prefix``, sorted by id."""
        return sorted((o for i, o in self._objects.items() if i.startswith(prefix)), key=lambda o: o.id)

    def deployments_with_tasks(self, deployment_ids: Iterable[str] | None = None) -> list[tuple[Deployment, list[Task]]]:
        """The deployments (all, sorted by id, or those of ``deployment_ids``
        that exist), each with every task it owns in creation order: what the
        Kubernetes API counts a deployment's status and replica sets from.
        Costs O(their tasks)."""
        chosen = sorted(self._deployments) if deployment_ids is None else [
            i for i in deployment_ids if i in self._deployments]
        return [
            (self._with_ready(self._deployments[i]),
             sorted((self._tasks[t] for t in self._owned.get(i, ())), key=self._creation_key))
            for i in chosen
        ]

    def deployment_view(self, since: int | None = None) -> DeploymentView:
        """Every deployment that changed after revision ``since`` (all of them
        when None), or whose tasks did, with its tasks. Costs O(deployments)
        plus the tasks of those returned: an idle cluster costs next to nothing."""
        chosen = [
            d for i, d in sorted(self._deployments.items())
            if since is None or self._touched.get(i, 0) > since
        ]
        return DeploymentView(
            deployments=[
                (self._with_ready(d), sorted((self._tasks[t] for t in self._owned.get(d.id, ())), key=self._creation_key))
                for d in chosen
            ],
            revision=self._revision,
        )

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
        return self._apply_at(ops, self._revision + 1, on_durable)

    def submit(self, ops: Sequence[Op], reply: Reply) -> None:
        """Commit ``ops`` and complete ``reply`` with the stored records once
        they are durable, or with the error. Meant to be told, not asked:
        whoever waits for the answer waits on ``reply`` alone, so the actors
        between a client and the store never block on each other for it."""
        try:
            self.commit(ops, functools.partial(_settle, reply))
        except Exception:
            reply.set_exception()

    def submit_all(self, inbox: Inbox[tuple[Sequence[Op], Reply]]) -> None:
        """:meth:`submit` each (ops, reply) waiting in ``inbox``: one message
        for a burst of them (see :mod:`actors.inbox`)."""
        for ops, reply in inbox.take():
            self.submit(ops, reply)

    def commit_each(self, transactions: Sequence[Sequence[Op]]) -> list[list[Record] | OrchestratorError]:
        """Apply several independent transactions in one round trip; each
        result is the stored records or the error that stopped that one."""
        results: list[list[Record] | OrchestratorError] = []
        changes: list[tuple[Record | None, Record | None]] = []
        try:
            for ops in transactions:
                try:
                    records, changed = self._apply(ops)
                except OrchestratorError as exc:
                    results.append(exc)
                else:
                    results.append(records)
                    changes += changed
        finally:
            if changes:
                self._announce(changes)
        return results

    def _apply(
        self,
        ops: Sequence[Op],
        on_durable: Callable[[list[Record], BaseException | None], None] | None = None,
        revision: int | None = None,
    ) -> tuple[list[Record], list[tuple[Record | None, Record | None]]]:
        """:meth:`commit` without telling anyone, at ``revision`` (the next
        one when None): the stored records and the (before, after) changes,
        for :meth:`_announce`."""
        if revision is None:
            revision = self._revision + 1
        puts, deletes, changes = self._plan(ops, revision)
        return self._install(puts, deletes, changes, revision, on_durable)

    def _check(self, ops: Sequence[Op]) -> None:
        """Raise as :meth:`commit` would for ``ops`` (DeleteOwnedTasks
        expanded), changing nothing: for a store that must agree with
        someone else (etcd) before it applies."""
        self._plan(ops, self._revision + 1)

    def _apply_at(
        self,
        ops: Sequence[Op],
        revision: int,
        on_durable: Callable[[list[Record], BaseException | None], None] | None = None,
    ) -> list[Record]:
        """Apply ``ops`` at ``revision`` (one the store gave out, e.g. etcd's)
        and tell the change feed and the event recorder."""
        records, changes = self._apply(ops, on_durable, revision)
        if changes:
            self._announce(changes)
        return records

    def _current(self, kind: str, record_id: str) -> Record | None:
        return self._records[kind].get(record_id)

    def _plan(self, ops: Sequence[Op], revision: int) -> tuple[list[Record], list[tuple[str, str]], list[Change]]:
        """Check every operation against the current state and build what it
        would store at ``revision``, changing nothing: (records to put,
        (kind, id) to delete, (before, after) changes). Raises as
        :meth:`commit` does. One pass, dispatching on exact types: this is
        the hot path of every binding."""
        puts: list[Record] = []
        deletes: list[tuple[str, str]] = []
        changes: list[tuple[Record | None, Record | None]] = []
        seen: set[tuple[str, str]] = set()
        for op in self._expand(ops):
            op_type = type(op)
            if op_type is RequireNodeReady:
                node = self._nodes.get(op.node_id)
                if node is None:
                    raise NotFound("node", op.node_id)
                if not (node.healthy and node.schedulable):
                    raise Conflict(f"node '{op.node_id}' is not ready")
                continue
            if op_type is RequireGpuRoom:
                node = self._nodes.get(op.node_id)
                if node is None:
                    raise NotFound("node", op.node_id)
                used = self._gpu_used.get(op.node_id, {})
                for device in op.devices:
                    if device >= node.gpus or WHOLE_GPU - used.get(device, 0) < op.each:
                        raise Conflict(f"node '{op.node_id}' has no room for {op.each / WHOLE_GPU:g} GPU on "
                                       f"device {device} any more")
                continue
            if op_type is RequireVersion:
                current = self._records[op.kind].get(op.id)
                if current is None:
                    raise NotFound(op.kind, op.id)
                if current.version != op.expected_version:
                    raise VersionConflict(op.kind, op.id, op.expected_version, current.version)
                continue
            if op_type is Patch or op_type is Delete:
                kind, record_id = op.kind, op.id
            else:
                kind, record_id = _KINDS[type(op.record)], op.record.id
            key = (kind, record_id)
            if key in seen:
                raise ValueError(f"one transaction touches {kind} '{record_id}' twice")
            seen.add(key)
            current = self._records[kind].get(record_id)
            if op_type is Create:
                if current is not None:
                    raise AlreadyExists(kind, record_id)
                stored = _stamped(op.record, revision)
                puts.append(stored)
                changes.append((None, stored))
                continue
            if current is None:
                raise NotFound(kind, record_id)
            expected = op.expected_version
            if expected is not None and current.version != expected:
                raise VersionConflict(kind, record_id, expected, current.version)
            if op_type is Delete:
                deletes.append(key)
                changes.append((replace(current, version=revision), None))  # a delete's revision, for watches
                continue
            stored = replace(current, version=revision, **op.changes) if op_type is Patch else _stamped(op.record, revision)
            puts.append(stored)
            changes.append((current, stored))
        return puts, deletes, changes

    def _install(
        self,
        puts: list[Record],
        deletes: list[tuple[str, str]],
        changes: list[Change],
        revision: int,
        on_durable: Callable[[list[Record], BaseException | None], None] | None = None,
    ) -> tuple[list[Record], list[Change]]:
        """Hand a planned change to the backend and make it the state."""
        if puts or deletes:
            done = None if on_durable is None else functools.partial(on_durable, puts)
            self.backend.persist(puts, deletes, revision, done)
            self._revision = revision
            for kind, record_id in deletes:
                self._remove(kind, record_id)
            for record in puts:
                self._store(record)
        elif on_durable is not None:
            on_durable(puts, None)
        return [r if type(r) is Task else self._derived(r) for r in puts], changes

    def _announce(self, changes: list[tuple[Record | None, Record | None]]) -> None:
        """Wake the change feed's waiters and tell the event recorder, once
        for any number of commits."""
        self.feed.publish(self._revision)
        if self.on_commit is not None:
            self.on_commit(changes)

    # -- internals -----------------------------------------------------------

    def _creation_key(self, task: Task) -> int:
        return self._order[task.id]

    def _with_allocation(self, node: Node) -> Node:
        allocated = self._allocated.get(node.id, NO_RESOURCES)
        if not node.capacity.gpu and not node.gpu_used and node.id not in self._gpu_used \
                and not node.pods and node.id not in self._pods:  # the usual case
            return node if allocated == node.allocated else replace(node, allocated=allocated)
        devices = self._gpu_used.get(node.id)
        gpu_used = tuple(devices.get(d, 0) for d in range(max(node.gpus, max(devices) + 1))) if devices else ()
        kinds = self._gpu_kinds.get(node.id)
        gpu_kinds = tuple(sorted(kinds.items())) if kinds else ()
        pods = self._pods_of(node.id)
        if allocated == node.allocated and gpu_used == node.gpu_used and gpu_kinds == node.gpu_kinds \
                and pods is node.pods:
            return node
        return replace(node, allocated=allocated, gpu_used=gpu_used, gpu_kinds=gpu_kinds, pods=pods)

    def _pods_of(self, node_id: str) -> tuple[Task, ...]:
        """The node's active tasks with labels or pod terms, in id order (made
        once per change: the same tuple until then)."""
        shown = self._pods_shown.get(node_id)
        if shown is None:
            tasks = self._pods.get(node_id)
            shown = tuple(tasks[i] for i in sorted(tasks)) if tasks else ()
            if tasks:
                self._pods_shown[node_id] = shown
        return shown

    def _hold_pod(self, task: Task, held: bool) -> None:
        """Keep (or drop) an active task in its node's :attr:`Node.pods`."""
        if not task.labels and not task.constraints.pod_terms:
            return
        self._pods_shown.pop(task.node, None)
        if held:
            self._pods.setdefault(task.node, {})[task.id] = task
            return
        tasks = self._pods.get(task.node)
        if tasks is not None:
            tasks.pop(task.id, None)
            if not tasks:
                del self._pods[task.node]

    def _with_ready(self, deployment: Deployment) -> Deployment:
        ready = self._running_owned.get(deployment.id, 0)
        if ready == deployment.ready:
            return deployment
        return replace(deployment, ready=ready)

    def _derived(self, record: Record) -> Record:
        """The record with its derived fields filled in, as reads return it."""
        if isinstance(record, Node):
            return self._with_allocation(record)
        if isinstance(record, Deployment):
            return self._with_ready(record)
        return record

    def _expand(self, ops: Sequence[Op]) -> Sequence[Op]:
        """Turn each DeleteOwnedTasks and DeleteNamespaced into deletes of
        the records they name now."""
        for op in ops:
            if isinstance(op, DeleteOwnedTasks | DeleteNamespaced):
                break
        else:
            return ops
        expanded: list[Op] = []
        for op in ops:
            if isinstance(op, DeleteOwnedTasks):
                owned = sorted(self._owned.get(op.owner, ()), key=self._order.__getitem__)
                expanded.extend(Delete("task", task_id) for task_id in owned)
            elif isinstance(op, DeleteNamespaced):
                deployments = [i for i in self._deployments if namespaces.in_namespace(i, op.namespace)]
                tasks = sorted((i for i in self._tasks if namespaces.in_namespace(i, op.namespace)),
                               key=self._order.__getitem__)
                expanded.extend(Delete("deployment", i) for i in deployments)
                expanded.extend(Delete("task", i) for i in tasks)
            else:
                expanded.append(op)
        return expanded

    def _put_node(self, node: Node) -> None:
        self._nodes[node.id] = node
        self._gone.discard(node.id)
        if node.healthy:
            self._sick.discard(node.id)
        else:
            self._sick.add(node.id)
        self._node_touched(node.id)

    def _node_touched(self, node_id: str) -> None:
        """The node's record or allocation changed at this revision."""
        self._node_changed.pop(node_id, None)
        self._node_changed[node_id] = self._revision

    def _store(self, record: Record) -> None:
        record_type = type(record)
        if record_type is Object:
            self._objects[record.id] = record
            return
        if record_type is Node:
            self._put_node(record)
            return
        if record_type is Deployment:
            self._deployments[record.id] = record
            self._touched[record.id] = self._last_touch = self._revision
            return
        old = self._tasks.get(record.id)
        if old is None:
            self._insert_task(record)
        else:
            self._tasks[record.id] = record
            # Started, or a message changed: the node's allocation stays as it is.
            same_hold = (
                old.node is not None and old.node == record.node and old.resources == record.resources
                and old.status.active and record.status.active
            )
            self._unindex(old, same_hold)
            self._index(record, same_hold)
            if same_hold and (old.labels != record.labels or old.constraints != record.constraints):
                self._hold_pod(old, False)
                self._hold_pod(record, True)
                self._node_touched(record.node)
        self._touch_owner(record)

    def _remove(self, kind: str, record_id: str) -> None:
        if kind == "object":
            del self._objects[record_id]
            return
        if kind == "node":
            del self._nodes[record_id]
            self._sick.discard(record_id)
            if record_id in self._active_by_node:
                self._gone.add(record_id)
            self._node_touched(record_id)
            return
        if kind == "deployment":
            del self._deployments[record_id]
            self._touched.pop(record_id, None)
            return
        task = self._tasks.pop(record_id)
        self._unindex(task)
        del self._by_order[self._order.pop(record_id)]
        if task.owner is not None:
            owned = self._owned[task.owner]
            owned.discard(record_id)
            if not owned:
                del self._owned[task.owner]
        self._touch_owner(task)

    def _touch_owner(self, task: Task) -> None:
        if task.owner is not None and task.owner in self._deployments:
            self._touched[task.owner] = self._last_touch = self._revision

    def _insert_task(self, task: Task) -> None:
        self._tasks[task.id] = task
        self._order[task.id] = self._next_order
        self._by_order[self._next_order] = task.id
        self._next_order += 1
        if task.owner is not None:
            self._owned.setdefault(task.owner, set()).add(task.id)
        self._index(task)

    def _index(self, task: Task, same_hold: bool = False) -> None:
        self._status_counts[task.status] += 1
        if task.owner is not None and task.status is TaskStatus.RUNNING:
            self._running_owned[task.owner] = self._running_owned.get(task.owner, 0) + 1
        if task.status is TaskStatus.PENDING:
            self._pending_order.add((self._order[task.id], task.id))
        elif not same_hold and task.status.active and task.node is not None:
            self._active_by_node.setdefault(task.node, set()).add(task.id)
            if task.node not in self._nodes:
                self._gone.add(task.node)
            self._allocated[task.node] = self._allocated.get(task.node, NO_RESOURCES) + task.resources
            self._hold_pod(task, True)
            self._active_priorities[task.priority] += 1
            if task.gpu_devices:
                devices = self._gpu_used.setdefault(task.node, {})
                each = task.resources.gpu // len(task.gpu_devices)
                for d in task.gpu_devices:
                    devices[d] = devices.get(d, 0) + each
                self._gpu_kinds.setdefault(task.node, collections.Counter())[gpu_kind(task.resources.gpu)] += 1
            self._node_touched(task.node)

    def _unindex(self, task: Task, same_hold: bool = False) -> None:
        self._status_counts[task.status] -= 1
        if task.owner is not None and task.status is TaskStatus.RUNNING:
            left = self._running_owned[task.owner] - 1
            if left:
                self._running_owned[task.owner] = left
            else:
                del self._running_owned[task.owner]
        if task.status is TaskStatus.PENDING:
            self._pending_order.discard((self._order[task.id], task.id))
        elif not same_hold and task.status.active and task.node is not None:
            ids = self._active_by_node[task.node]
            ids.discard(task.id)
            self._hold_pod(task, False)
            self._active_priorities[task.priority] -= 1
            if not self._active_priorities[task.priority]:
                del self._active_priorities[task.priority]
            remaining = self._allocated[task.node] - task.resources
            if ids:
                self._allocated[task.node] = remaining
            else:
                del self._active_by_node[task.node]
                self._gone.discard(task.node)
                del self._allocated[task.node]
            if task.gpu_devices:
                devices = self._gpu_used[task.node]
                each = task.resources.gpu // len(task.gpu_devices)
                for d in task.gpu_devices:
                    devices[d] -= each
                    if not devices[d]:
                        del devices[d]
                if not devices:
                    del self._gpu_used[task.node]
                kinds = self._gpu_kinds[task.node]
                kinds[gpu_kind(task.resources.gpu)] -= 1
                kinds += collections.Counter()  # drops the kinds that reached 0
                if kinds:
                    self._gpu_kinds[task.node] = kinds
                else:
                    del self._gpu_kinds[task.node]
            self._node_touched(task.node)


_KINDS = {Node: "node", Task: "task", Deployment: "deployment", Object: "object"}
Change = tuple[Record | None, Record | None]


def _settle(reply: Reply, records: list[Record], error: BaseException | None) -> None:
    if error is None:
        reply.set(records)
    else:
        reply.set_exception((type(error), error, error.__traceback__))


def _stamped(record: Record, revision: int) -> Record:
    """The record as stored: new version, and no derived fields."""
    if isinstance(record, Node):
        return replace(record, version=revision, allocated=NO_RESOURCES)
    if isinstance(record, Deployment):
        return replace(record, version=revision, ready=0)
    return replace(record, version=revision)


class DatastoreActor(CountedActor, Datastore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments of Datastore
        CountedActor.__init__(self)
        Datastore.__init__(self, *args, **kwargs)

    def on_stop(self) -> None:
        self.backend.close()


DatastoreProxy = pykka.ActorProxy[DatastoreActor]
