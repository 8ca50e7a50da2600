"""NodeUnschedulable, and readiness: a node that stopped reporting
(unhealthy here) takes no new task, as kube-scheduler's not-ready taint
keeps pods off it."""

from __future__ import annotations

from actors.domain.models import Node, Task

NOT_READY = "node(s) were not ready"
UNSCHEDULABLE = "node(s) were unschedulable"


def node_ready(task: Task, node: Node) -> tuple[str, ...]:
    return () if node.healthy else (NOT_READY,)


def node_schedulable(task: Task, node: Node) -> tuple[str, ...]:
    return () if node.schedulable else (UNSCHEDULABLE,)
