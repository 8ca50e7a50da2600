"""How a task's status may change, as pure functions over records."""

from __future__ import annotations

from typing import Any


from actors.domain.errors import Conflict
from actors.domain.models import Task, TaskStatus, replace

# What an external agent (``PUT /tasks/{id}``) may do: report progress on a
# non-simulated node, or fail any task that has not ended.
_AGENT_TRANSITIONS = {
    TaskStatus.SCHEDULED: {TaskStatus.RUNNING, TaskStatus.FAILED},
    TaskStatus.RUNNING: {TaskStatus.SUCCEEDED, TaskStatus.FAILED},
    TaskStatus.PENDING: {TaskStatus.FAILED},
}


def check_transition(task: Task, status: TaskStatus) -> None:
    if status not in _AGENT_TRANSITIONS.get(task.status, ()):
        raise Conflict(
            f"task '{task.id}' cannot go from {task.status} to {status}; allowed: "
            "scheduled->running, running->succeeded|failed, and any non-final status->failed"
        )


def status_changes(status: TaskStatus, now: float) -> dict[str, Any]:
    """The fields that change when a task moves to ``status`` at ``now``
    (seconds): what :func:`with_status` applies, as a datastore Patch."""
    changes: dict[str, Any] = {"status": status}
    if status is TaskStatus.RUNNING:
        changes["started_at"] = now
    elif status.final:
        changes["finished_at"] = now
    return changes


def with_status(task: Task, status: TaskStatus, now: float) -> Task:
    """The task moved to ``status`` at time ``now`` (seconds)."""
    return replace(task, **status_changes(status, now))


def binding(task: Task, node_id: str, now: float, devices: tuple[int, ...] = ()) -> dict[str, Any]:
    """The fields that change when ``task`` is placed on ``node_id`` (its GPU
    request on ``devices``): what :func:`bound` applies, as a datastore Patch."""
    changes = {
        "status": TaskStatus.SCHEDULED,
        "node": node_id,
        "attempts": task.attempts + 1,
        "scheduled_at": now,
        "message": "",
    }
    if devices or task.gpu_devices:
        changes["gpu_devices"] = tuple(devices)
    if task.nominated_node is not None:
        changes["nominated_node"] = None
    return changes


def bound(task: Task, node_id: str, now: float, devices: tuple[int, ...] = ()) -> Task:
    """The task placed on ``node_id``."""
    return replace(task, **binding(task, node_id, now, devices))


def requeued(task: Task, reason: str) -> Task:
    """The task taken off its node and waiting to be placed again."""
    return replace(
        task,
        status=TaskStatus.PENDING,
        node=None,
        scheduled_at=None,
        started_at=None,
        message=reason,
        gpu_devices=(),
    )


PREEMPTED_PREFIX = "preempted by "
EVICTED_PREFIX = "evicted from node "


def evicted(task: Task, reason: str, now: float) -> Task:
    """``task`` put off its node by the control plane (preempted, or a
    ``NoExecute`` taint): a native task goes back to pending to be placed
    again; a Kubernetes pod (it has a manifest) ends ``failed``, because a
    pod is never moved (kube-scheduler deletes its victims and their
    controllers make new pods; here the pod stays, failed, so its client
    sees why, and a deployment replaces it)."""
    if task.manifest is None:
        return requeued(task, reason)
    return replace(with_status(task, TaskStatus.FAILED, now), message=reason)
