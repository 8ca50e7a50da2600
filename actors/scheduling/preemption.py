"""Preemption, as kube-scheduler's DefaultPreemption does it: a pending task
that fits nowhere may evict tasks of lower priority from one node.

A node is a candidate when the task passes every filter there but the
resources one, and would fit once every lower-priority task on it is gone.
Then, highest priority first (earliest started first among equals), each of
those tasks is *reprieved* (kept) if the task still fits with it; the rest
are the victims. Among the candidates the node chosen has, in this order:
the lowest highest victim priority, the lowest sum of victim priorities
(each counted from the lowest int32, so fewer victims weigh less), the
fewest victims, the latest start among its highest-priority victims, the
smallest id.

Not here (a node those rules reject is no candidate, victims or not):
removing victims to satisfy the task's inter-pod affinity or topology spread
constraints; PodDisruptionBudgets do not exist here. A task whose
``preemption_policy`` is ``Never`` preempts nobody.

Pure: no threads, no clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from actors.domain.models import Node, Task, replace
from actors.scheduling.plugins import inter_pod_affinity, node_affinity, node_state, taint_toleration
from actors.scheduling.plugins import topology_spread
from actors.scheduling.plugins.base import Cluster
from actors.scheduling.plugins.resources import resources_fit
from actors.scheduling.rules import with_task

_STATIC = (node_state.node_ready, node_state.node_schedulable, taint_toleration.taints_tolerated,
           node_affinity.node_affinity_matches)
_OFFSET = 2**31  # kube-scheduler counts priorities from the lowest int32 when it sums them


@dataclasses.dataclass(frozen=True, slots=True)
class Preemption:
    task_id: str
    node_id: str
    victims: tuple[Task, ...]


def may_preempt(task: Task) -> bool:
    return task.preemption_policy != "Never"


def without(node: Node, tasks: Sequence[Task]) -> Node:
    """``node`` as if ``tasks`` (bound to it) were gone."""
    allocated = node.allocated
    used = list(node.gpu_used)
    for task in tasks:
        allocated = allocated - task.resources
        for d in task.gpu_devices:
            if d < len(used):
                used[d] -= task.resources.gpu // len(task.gpu_devices)
    gone = {t.id for t in tasks}
    return replace(node, allocated=allocated, gpu_used=tuple(used),
                   pods=tuple(p for p in node.pods if p.id not in gone))


def _started(task: Task) -> float:
    return task.started_at if task.started_at is not None else (task.scheduled_at or 0.0)


def find(task: Task, nodes: Sequence[Node], running: Mapping[str, Sequence[Task]]) -> Preemption | None:
    """The node and victims that make room for ``task``, None when no node
    can. ``running``: each node's bound tasks (those of lower priority are
    enough)."""
    if not may_preempt(task):
        return None
    nodes = sorted(nodes, key=lambda n: n.id)
    cluster = Cluster(nodes)
    pod_rules = np.ones(len(nodes), dtype=bool)
    masks = topology_spread.masks(task, cluster)
    if inter_pod_affinity.applies_filter(task, cluster):
        masks += inter_pod_affinity.masks(task, cluster)
    for _, passes in masks:
        pod_rules &= passes
    best: tuple | None = None
    chosen: Preemption | None = None
    for i, node in enumerate(nodes):
        lower = [t for t in running.get(node.id, ()) if t.priority < task.priority]
        if not lower or not pod_rules[i] or any(check(task, node) for check in _STATIC):
            continue
        current = without(node, lower)
        if resources_fit(task, current):
            continue
        victims = []
        for candidate in sorted(lower, key=lambda t: (-t.priority, _started(t), t.id)):
            trial = with_task(current, candidate, candidate.gpu_devices)
            if resources_fit(task, trial):
                victims.append(candidate)
            else:
                current = trial
        if not victims:
            continue
        top = max(v.priority for v in victims)
        key = (top, sum(v.priority + _OFFSET for v in victims), len(victims),
               -min(_started(v) for v in victims if v.priority == top), node.id)
        if best is None or key < best:
            best, chosen = key, Preemption(task.id, node.id, tuple(victims))
    return chosen


def message(preemptor: Task, node_id: str) -> str:
    """What a victim is told (it starts with
    :data:`actors.domain.lifecycle.PREEMPTED_PREFIX`)."""
    return f"preempted by {preemptor.id} (priority {preemptor.priority}) on node {node_id}"


def find_all(tasks: Sequence[Task], nodes: Sequence[Node], running: Mapping[str, Sequence[Task]]) -> list[Preemption]:
    """:func:`find` for each task, highest priority first, each seeing the
    victims and the room the earlier ones took."""
    working = {n.id: n for n in nodes}
    left = {node_id: list(tasks_) for node_id, tasks_ in running.items()}
    found = []
    for task in sorted(tasks, key=lambda t: -t.priority):
        plan = find(task, list(working.values()), left)
        if plan is None:
            continue
        found.append(plan)
        gone = {v.id for v in plan.victims}
        left[plan.node_id] = [t for t in left[plan.node_id] if t.id not in gone]
        node = without(working[plan.node_id], plan.victims)
        working[plan.node_id] = with_task(node, task, ())
    return found
