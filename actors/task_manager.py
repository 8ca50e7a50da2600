"""The task manager actor: create, read, report status of, and delete tasks.

Call graph: the API asks it; it asks the datastore and tells the controller
(through ``on_change``) so that new tasks and freed resources are acted on at
once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import pykka

from actors.datastore import DatastoreProxy
from actors.errors import AlreadyExists
from actors.lifecycle import check_transition, with_status
from actors.models import Task, TaskSpec, TaskStatus
from actors.retry import check_version, retry_on_conflict
from actors.store_ops import Create, Delete, Update

logger = logging.getLogger(__name__)

ASK_TIMEOUT = 10.0  # seconds an ask to the datastore may take


def new_task_id() -> str:
    """``task-`` and 12 random hex digits: unique without coordination."""
    return f"task-{uuid.uuid4().hex[:12]}"


def _noop() -> None:
    pass


class TaskManager:
    def __init__(
        self,
        datastore: DatastoreProxy,
        clock: Callable[[], float],
        on_change: Callable[[], object] = _noop,
        new_id: Callable[[], str] = new_task_id,
    ) -> None:
        self.datastore = datastore
        self.clock = clock
        self.on_change = on_change
        self.new_id = new_id

    def create(self, spec: TaskSpec) -> Task:
        """Store a new pending task. Without an id, one is made (and made
        again in the unlikely case it is taken)."""
        for _ in range(5):
            task_id = spec.id or self.new_id()
            task = Task(
                id=task_id,
                name=spec.name or task_id,
                resources=spec.resources,
                node_selector=dict(spec.node_selector),
                duration=spec.duration,
                outcome=spec.outcome,
                created_at=self.clock(),
            )
            try:
                (stored,) = self.datastore.commit([Create(task)]).get(timeout=ASK_TIMEOUT)
            except AlreadyExists:
                if spec.id is not None:
                    raise
                continue
            logger.debug("task %s created", task_id)
            self.on_change()
            return stored
        raise AlreadyExists("task", task_id)

    def get(self, task_id: str) -> Task:
        return self.datastore.get_task(task_id).get(timeout=ASK_TIMEOUT)

    def list(self, status: TaskStatus | None = None, node: str | None = None) -> list[Task]:
        return self.datastore.list_tasks(status, node).get(timeout=ASK_TIMEOUT)

    def update_status(self, task_id: str, status: TaskStatus, expected_version: int | None = None) -> Task:
        """Report progress (see :func:`actors.lifecycle.check_transition`)."""

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
        return stored

    def delete(self, task_id: str, expected_version: int | None = None) -> None:
        def attempt(expected: int | None) -> None:
            task = self.get(task_id)
            check_version(task, expected)
            self.datastore.commit([Delete("task", task_id, task.version)]).get(timeout=ASK_TIMEOUT)

        retry_on_conflict(attempt, expected_version)
        logger.debug("task %s deleted", task_id)
        self.on_change()


class TaskManagerActor(pykka.ThreadingActor, TaskManager):
    def __init__(
        self,
        datastore: DatastoreProxy,
        clock: Callable[[], float],
        on_change: Callable[[], object] = _noop,
        new_id: Callable[[], str] = new_task_id,
    ) -> None:
        pykka.ThreadingActor.__init__(self)
        TaskManager.__init__(self, datastore, clock, on_change, new_id)


TaskManagerProxy = pykka.ActorProxy[TaskManagerActor]
