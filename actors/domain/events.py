"""What happened, as Kubernetes-style events derived from stored changes.

:func:`derive` compares a record before and after a commit and names the
change (``Scheduled``, ``Unhealthy``, ...). Pure: the event recorder actor
stamps sequence numbers and times and keeps the log.
"""

from __future__ import annotations

import dataclasses

from actors.domain.lifecycle import EVICTED_PREFIX, PREEMPTED_PREFIX
from actors.domain.models import Deployment, Node, Record, Task, TaskStatus


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    seq: int
    """Grows by one per event; a watch resumes after the last one it saw."""
    time: float
    """Seconds since the epoch."""
    kind: str
    object: str
    reason: str
    message: str


Change = tuple[Record | None, Record | None]
"""(before, after): None before for a create, None after for a delete."""

REASONS = (
    "Registered", "Unhealthy", "Recovered", "Cordoned", "Uncordoned", "Deleted",
    "Created", "Scheduled", "FailedScheduling", "Started", "Succeeded", "Failed", "Rescheduled",
    "Scaled", "RollingUpdate", "Preempted", "TaintManagerEviction",
)


def derive(before: Record | None, after: Record | None) -> list[tuple[str, str, str, str]]:
    """The events one change makes: (kind, object id, reason, message)."""
    record = after if after is not None else before
    if isinstance(record, Node):
        return [("node", record.id, reason, message) for reason, message in _node(before, after)]
    if isinstance(record, Task):
        return [("task", record.id, reason, message) for reason, message in _task(before, after)]
    if isinstance(record, Deployment):
        return [("deployment", record.id, reason, message) for reason, message in _deployment(before, after)]
    return []


def _deployment(before: Deployment | None, after: Deployment | None) -> list[tuple[str, str]]:
    if before is None:
        return [("Created", f"deployment of {after.replicas} replicas")]
    if after is None:
        return [("Deleted", "deployment deleted with its tasks")]
    events = []
    if after.replicas != before.replicas:
        events.append(("Scaled", f"replicas {before.replicas} -> {after.replicas}"))
    if after.template_hash != before.template_hash:
        events.append(("RollingUpdate", "template changed; replacing tasks one at a time"))
    return events


def _node(before: Node | None, after: Node | None) -> list[tuple[str, str]]:
    if before is None:
        kind = "simulated" if after.simulated else "real"
        return [("Registered", f"{kind} node with cpu {after.capacity.cpu}m, memory {after.capacity.memory}Mi")]
    if after is None:
        return [("Deleted", "node deleted; its tasks go back to pending")]
    events = []
    if before.healthy and not after.healthy:
        if not after.simulated and after.last_heartbeat == before.last_heartbeat:
            events.append(("Unhealthy", "no heartbeat within the node timeout"))
        else:
            events.append(("Unhealthy", "node marked unhealthy"))
    elif after.healthy and not before.healthy:
        events.append(("Recovered", "node is healthy again"))
    if before.schedulable and not after.schedulable:
        events.append(("Cordoned", "node marked unschedulable"))
    elif after.schedulable and not before.schedulable:
        events.append(("Uncordoned", "node marked schedulable"))
    return events


def _task(before: Task | None, after: Task | None) -> list[tuple[str, str]]:
    if before is None:
        return [("Created", f"task created, requesting cpu {after.resources.cpu}m, memory {after.resources.memory}Mi")]
    if after is None:
        return [("Deleted", "task deleted")]
    if after.status is before.status:
        if after.status is TaskStatus.PENDING and after.message != before.message and after.message.startswith("0/"):
            return [("FailedScheduling", after.message)]
        return []
    if after.message.startswith(PREEMPTED_PREFIX) and before.status.active:
        return [("Preempted", after.message)]
    if after.message.startswith(EVICTED_PREFIX) and before.status.active:
        return [("TaintManagerEviction", after.message)]
    if after.status is TaskStatus.SCHEDULED:
        return [("Scheduled", f"assigned to node {after.node} (attempt {after.attempts})")]
    if after.status is TaskStatus.RUNNING:
        return [("Started", f"running on node {after.node}")]
    if after.status is TaskStatus.SUCCEEDED:
        return [("Succeeded", f"succeeded on node {after.node}")]
    if after.status is TaskStatus.FAILED:
        where = f" on node {after.node}" if after.node else ""
        return [("Failed", f"failed{where}")]
    if after.status is TaskStatus.PENDING:  # taken off its node
        return [("Rescheduled", after.message or f"taken off node {before.node}")]
    return []
