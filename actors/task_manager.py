"""The task manager actor: create, read, report status of, and delete tasks.

Call graph: the API asks it; it asks the datastore and tells the controller
(through ``on_change``) so that new tasks and freed resources are acted on at
once.

Creating tasks, the API's hot path, needs no actor of its own: a
:class:`TaskSubmitter` makes the tasks in the caller's thread (an id and a
time are all it adds) and queues them for the datastore through an
:class:`~actors.inbox.Inbox`, so a burst of concurrent creates costs the
datastore one message and the controller one reconcile request.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pykka

from actors.quiescence import CountedActor

from actors.datastore import DatastoreProxy
from actors.domain.errors import AlreadyExists, Conflict
from actors.inbox import Inbox
from actors.domain.lifecycle import binding, check_transition, with_status
from actors.manager import ASK_TIMEOUT, Manager, _noop
from actors.domain.models import Task, TaskSpec, TaskStatus, replace
from actors.scheduling.rules import gpu_devices
from actors.reply import Reply
from actors.domain.retry import check_version, retry_on_conflict
from actors.store.ops import Create, Delete, Patch, RequireNodeReady, Update, gpu_guard
from actors.supervisor import Supervisable

logger = logging.getLogger(__name__)

def new_task_id() -> str:
    """``task-`` and 16 random hex digits (64 bits): unique without
    coordination (a clash is about 1 in 10^7 even among a million tasks)."""
    return f"task-{uuid.uuid4().hex[:16]}"


def new_task(spec: TaskSpec, clock: Callable[[], float], new_id: Callable[[], str] = new_task_id) -> Task:
    """A pending task as ``spec`` asks, created now."""
    task_id = spec.id or new_id()
    return Task(
        id=task_id,
        name=spec.name or task_id,
        resources=spec.resources,
        node_selector=dict(spec.node_selector),
        duration=spec.duration,
        outcome=spec.outcome,
        created_at=clock(),
        manifest=spec.manifest,
        scheduler=spec.scheduler,
        node_affinity=spec.node_affinity,
        tolerations=spec.tolerations,
        labels=dict(spec.labels),
        constraints=spec.constraints,
        priority=spec.priority,
        preemption_policy=spec.preemption_policy,
    )


class TaskSubmitter(Manager):
    """Creates tasks from any thread, without waiting for the store.

    Not an actor, and safe to share: it keeps no state but the inbox of
    submissions waiting for the datastore. ``on_change`` (the controller's
    reconcile request) is called once per burst, after the datastore was told
    to commit it, so the reconcile it asks for sees the new tasks.
    """

    def __init__(
        self,
        datastore: DatastoreProxy,
        clock: Callable[[], float],
        on_change: Callable[..., object] = _noop,
        new_id: Callable[[], str] = new_task_id,
    ) -> None:
        super().__init__(datastore, clock, on_change)
        self.new_id = new_id
        self._inbox: Inbox[tuple[list[Create], Reply]] = Inbox(lambda inbox: datastore.submit_all(inbox))

    def submit(self, specs: Sequence[TaskSpec], reply: Reply) -> None:
        """Create the tasks in one transaction (all or none): ``reply`` gets
        the stored tasks, in order, once durable, or the error (AlreadyExists,
        ...). The HTTP thread waits on ``reply`` alone."""
        try:
            now = self.clock()  # one transaction, one moment: every task of a batch is created at once
            ops = [Create(new_task(spec, lambda: now, self.new_id)) for spec in specs]
            if not self.datastore.actor_ref.is_alive():
                # A call to a stopped actor fails only in the future we drop.
                raise pykka.ActorDeadError("the datastore is stopped")
            if self._inbox.put((ops, reply)):
                self.on_change(capacity_changed=False)
        except Exception:
            reply.set_exception()


class TaskManager(Manager):
    def __init__(
        self,
        datastore: DatastoreProxy,
        clock: Callable[[], float],
        on_change: Callable[..., object] = _noop,
        new_id: Callable[[], str] = new_task_id,
        *,
        start_tasks: Callable[[list[str]], object] = _noop,
    ) -> None:
        """``start_tasks``: the kubelet's, told (never asked) the tasks a
        client bound to simulated nodes."""
        super().__init__(datastore, clock, on_change)
        self.new_id = new_id
        self.start_tasks = start_tasks
        self.submitter = TaskSubmitter(datastore, clock, on_change, new_id)

    def _new_task(self, spec: TaskSpec) -> Task:
        return new_task(spec, self.clock, self.new_id)

    def submit(self, specs: Sequence[TaskSpec], reply: Reply) -> None:
        """As :meth:`TaskSubmitter.submit`, by message (the API calls a
        :class:`TaskSubmitter` directly)."""
        self.submitter.submit(specs, reply)

    def create(self, spec: TaskSpec) -> Task:
        """Store a new pending task and return it. Without an id, one is
        made (and made again in the unlikely case it is taken)."""
        for _ in range(5):
            task = self._new_task(spec)
            task_id = task.id
            try:
                (stored,) = self.datastore.commit([Create(task)]).get(timeout=ASK_TIMEOUT)
            except AlreadyExists:
                if spec.id is not None:
                    raise
                continue
            logger.debug("task %s created", task_id)
            self.on_change(capacity_changed=False)
            return stored
        raise AlreadyExists("task", task_id)

    def get(self, task_id: str) -> Task:
        return self.datastore.get_task(task_id).get(timeout=ASK_TIMEOUT)

    def list(
        self, status: TaskStatus | None = None, node: str | None = None, namespace: str | None = None
    ) -> list[Task]:
        return self.datastore.list_tasks(status, node, namespace).get(timeout=ASK_TIMEOUT)

    def page(
        self, status: TaskStatus | None, node: str | None, limit: int | None, after: str | None,
        namespace: str | None = None,
    ) -> tuple[list[Task], bool]:
        """A page of tasks created after task ``after``, and whether more follow."""
        return self.datastore.page_tasks(status, node, limit, after, namespace).get(timeout=ASK_TIMEOUT)

    def update_status(self, task_id: str, status: TaskStatus, expected_version: int | None = None) -> Task:
        """Report progress (see :func:`actors.domain.lifecycle.check_transition`)."""

        def attempt(expected: int | None) -> Task:
            task = self.get(task_id)
            check_version(task, expected)
            check_transition(task, status)
            updated = with_status(task, status, self.clock())
            (stored,) = self.datastore.commit([Update(updated, task.version)]).get(timeout=ASK_TIMEOUT)
            return stored

        stored = retry_on_conflict(attempt, expected_version)
        logger.info("task %s is %s", task_id, status)
        if status.final:
            self.on_change()
        elif stored.owner is not None:
            self.on_change(capacity_changed=False)  # a rolling update may take its next step
        return stored

    def bind(self, task_id: str, node_id: str) -> Task:
        """Place a pending task on ``node_id`` for a scheduler of the
        client's own (Kubernetes' ``pods/binding``): the same guarded
        transaction as the controller's binding, so the node must be ready;
        409 if the task is bound already, or asks for GPU the node has not
        free (its devices are chosen as the scheduler chooses them). A task
        on a simulated node starts."""
        def attempt(expected: int | None) -> Task:
            task = self.get(task_id)
            if task.status is not TaskStatus.PENDING:
                raise Conflict(f"task '{task_id}' is already assigned to node '{task.node}'")
            devices: tuple[int, ...] = ()
            if task.resources.gpu:
                node = self.datastore.get_node(node_id).get(timeout=ASK_TIMEOUT)
                found = gpu_devices(task, node)
                if found is None:
                    raise Conflict(f"node '{node_id}' has no free GPU room for task '{task_id}' "
                                   f"({task.resources.gpu / 1000:g} GPU)")
                devices = found
            (stored,) = self.datastore.commit([
                RequireNodeReady(node_id),
                *gpu_guard(task, node_id, devices),
                Patch("task", task.id, task.version, binding(task, node_id, self.clock(), devices)),
            ]).get(timeout=ASK_TIMEOUT)
            return stored

        # the controller may have just written the task's "waiting" message: read it again and retry
        stored = retry_on_conflict(attempt, None)
        logger.info("task %s bound to node %s by a client", task_id, node_id)
        if self.datastore.get_node(node_id).get(timeout=ASK_TIMEOUT).simulated:
            self.start_tasks([task_id])  # a real node's agent reports progress itself
        self.on_change()
        return stored

    def update_manifest(
        self, task_id: str, manifest: Mapping[str, Any], expected_version: int | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Task:
        """Store a new Kubernetes manifest for the task (its labels and
        annotations, say), and its ``labels`` when given (other tasks'
        affinity and spread constraints select by them); nothing else the
        scheduler reads changes. The Kubernetes front end checks which
        fields may change."""

        def attempt(expected: int | None) -> Task:
            task = self.get(task_id)
            check_version(task, expected)
            new_labels = task.labels if labels is None else dict(labels)
            if task.manifest == manifest and task.labels == new_labels:
                return task
            changed = replace(task, manifest=manifest, labels=new_labels)
            (stored,) = self.datastore.commit([Update(changed, task.version)]).get(timeout=ASK_TIMEOUT)
            return stored

        return retry_on_conflict(attempt, expected_version)

    def delete(self, task_id: str, expected_version: int | None = None) -> int:
        """Remove the task; returns a revision at or after the deletion."""

        def attempt(expected: int | None) -> int:
            task = self.get(task_id)
            check_version(task, expected)
            self.datastore.commit([Delete("task", task_id, task.version)]).get(timeout=ASK_TIMEOUT)
            return self.datastore.revision.get(timeout=ASK_TIMEOUT)

        revision = retry_on_conflict(attempt, expected_version)
        logger.debug("task %s deleted", task_id)
        self.on_change()
        return revision


class TaskManagerActor(Supervisable, CountedActor, TaskManager):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments of TaskManager
        CountedActor.__init__(self)
        TaskManager.__init__(self, *args, **kwargs)


TaskManagerProxy = pykka.ActorProxy[TaskManagerActor]
