"""Scheduling as pure rules, after the Kubernetes scheduler framework: the
plug-ins of :mod:`actors.scheduling.plugins` applied one node at a time.

A *filter* says whether a node can run a task: it returns the reasons it
cannot (empty when it can). :func:`explain` runs the filters in order (a
node is reported under the first filter that rejects it), then the profile's
scores over the nodes that pass: each a whole number from 0 to 100, the
total their weighted sum. :func:`place` picks the highest total; ties go to
the smallest node id, so the same input always gives the same placement. A
task nominated to a node (it preempted tasks there) goes there when the node
passes the filters, as kube-scheduler does.

This is the rule written for people and tested against Kubernetes'
documented behaviour; :class:`actors.scheduling.node_index.NodeIndex` makes
the same decisions with vector operations, and a property test holds the
two together. No threads, no actors, no clock.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from actors.domain.models import Node, Task, TaskStatus, replace
from actors.scheduling.plugins import inter_pod_affinity, node_affinity, node_state, resources, taint_toleration
from actors.scheduling.plugins import topology_spread
from actors.scheduling.plugins.base import Cluster
from actors.scheduling.plugins.pod_state import relevant
from actors.scheduling.plugins.profiles import PROFILES, Profile
from actors.scheduling.plugins.resources import gpu_devices

__all__ = [
    "AFFINITY_MISMATCH", "DEFAULT_POLICY", "FILTERS", "INSUFFICIENT_CPU", "INSUFFICIENT_GPU", "INSUFFICIENT_MEMORY",
    "NOT_READY", "POLICIES", "UNSCHEDULABLE", "Decision", "Placement", "Unschedulable", "Verdict", "explain",
    "fits_nowhere", "gpu_devices", "place", "place_all", "unschedulable_message", "unschedulable_message_counts",
    "with_task",
]

NOT_READY = node_state.NOT_READY
UNSCHEDULABLE = node_state.UNSCHEDULABLE
AFFINITY_MISMATCH = node_affinity.MISMATCH
INSUFFICIENT_CPU = resources.INSUFFICIENT_CPU
INSUFFICIENT_MEMORY = resources.INSUFFICIENT_MEMORY
INSUFFICIENT_GPU = resources.INSUFFICIENT_GPU
untolerated_taint = taint_toleration.untolerated_taint

Filter = Callable[[Task, Node, Cluster], tuple[str, ...]]


def _on_node(rule: Callable[[Task, Node], tuple[str, ...]]) -> Filter:
    def check(task: Task, node: Node, cluster: Cluster) -> tuple[str, ...]:
        return rule(task, node)
    check.__name__ = rule.__name__
    return check


FILTERS: tuple[Filter, ...] = (
    _on_node(node_state.node_ready),
    _on_node(node_state.node_schedulable),
    _on_node(taint_toleration.taints_tolerated),
    _on_node(node_affinity.node_affinity_matches),
    _on_node(resources.resources_fit),
    topology_spread.topology_spread,
    inter_pod_affinity.inter_pod_affinity,
)
"""In kube-scheduler's order."""

POLICIES: Mapping[str, Profile] = PROFILES
DEFAULT_POLICY = "spread"


@dataclasses.dataclass(frozen=True, slots=True)
class Placement:
    task_id: str
    node_id: str
    score: float
    devices: tuple[int, ...] = ()
    """The node's GPU devices the task takes."""


@dataclasses.dataclass(frozen=True, slots=True)
class Unschedulable:
    task_id: str
    message: str
    """kube-scheduler's: ``0/3 nodes are available: 1 node(s) were not ready, 2 Insufficient cpu.``"""


Decision = Placement | Unschedulable


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    """What one node made of a task: the reasons a filter rejected it, or
    its score from each score plug-in (normalised, before weights) and its
    weighted total."""

    node_id: str
    reasons: tuple[str, ...] = ()
    scores: Mapping[str, int] = dataclasses.field(default_factory=dict)
    total: int = 0

    @property
    def feasible(self) -> bool:
        return not self.reasons


UNSCHEDULABLE_PREFIX = "0/"
"""How every :func:`unschedulable_message` starts, and no other message."""


def unschedulable_message(total: int, reasons: Iterable[str]) -> str:
    """kube-scheduler's words: each reason with its count of nodes, sorted as text."""
    return unschedulable_message_counts(total, collections.Counter(reasons))


def unschedulable_message_counts(total: int, counts: Mapping[str, int]) -> str:
    """:func:`unschedulable_message` from the count of each reason."""
    if total == 0:
        return f"{UNSCHEDULABLE_PREFIX}0 nodes are available: no nodes registered."
    parts = sorted(f"{n} {reason}" for reason, n in counts.items() if n)
    return f"{UNSCHEDULABLE_PREFIX}{total} nodes are available: " + ", ".join(parts) + "."


def fits_nowhere(task: Task) -> bool:
    """Pending, and the last time the scheduler looked it found no node for
    it (as opposed to waiting for its first look, or requeued off a node)."""
    return task.status is TaskStatus.PENDING and task.message.startswith(UNSCHEDULABLE_PREFIX)


def _profile(policy: str | Profile) -> Profile:
    return policy if isinstance(policy, Profile) else PROFILES[policy]


def explain(task: Task, nodes: Sequence[Node], policy: str | Profile = DEFAULT_POLICY,
            filters: Sequence[Filter] = FILTERS) -> list[Verdict]:
    """Every node's verdict on ``task``: filtered, then (the feasible ones)
    scored by the profile's plug-ins."""
    profile = _profile(policy)
    cluster = Cluster(nodes)
    rejected: dict[str, tuple[str, ...]] = {}
    feasible: list[Node] = []
    for node in nodes:
        for check in filters:
            reasons = check(task, node, cluster)
            if reasons:
                rejected[node.id] = reasons
                break
        else:
            feasible.append(node)
    cpu, memory = task.resources.cpu, task.resources.memory
    scores: list[dict[str, int]] = [{} for _ in feasible]
    totals = [0] * len(feasible)
    if feasible:
        if profile.fit_weight:
            for i, node in enumerate(feasible):
                scores[i]["NodeResourcesFit"] = value = resources.fit_score(profile.fit, cpu, memory, node)
                totals[i] += profile.fit_weight * value
        if profile.balanced_weight:
            for i, node in enumerate(feasible):
                scores[i]["NodeResourcesBalancedAllocation"] = value = resources.balanced_score(cpu, memory, node)
                totals[i] += profile.balanced_weight * value
        for plugin, weight in profile.extra_scores():
            if plugin.applies(task, cluster):
                raw = np.asarray([plugin.raw(task, node, cluster, feasible) for node in feasible], dtype=np.int64)
                values = [int(v) for v in plugin.normalize(raw)]
            else:
                values = [plugin.constant()] * len(feasible)
            for i, value in enumerate(values):
                scores[i][plugin.name] = value
                totals[i] += weight * value
    verdicts = {node.id: Verdict(node.id, scores=s, total=t) for node, s, t in zip(feasible, scores, totals)}
    return [verdicts.get(node.id) or Verdict(node.id, rejected[node.id]) for node in nodes]


def place(task: Task, nodes: Sequence[Node], policy: str | Profile = DEFAULT_POLICY,
          filters: Sequence[Filter] = FILTERS) -> Decision:
    """Choose a node for ``task`` among ``nodes`` (with ``allocated`` and
    ``pods`` filled in): its nominated node if feasible, else the highest
    total, ties to the smallest id. A task that fits nowhere hears why from
    every node."""
    verdicts = explain(task, nodes, policy, filters)
    best: Verdict | None = None
    for verdict in verdicts:
        if not verdict.feasible:
            continue
        if verdict.node_id == task.nominated_node:
            best = verdict
            break
        if best is None or verdict.total > best.total or (verdict.total == best.total and verdict.node_id < best.node_id):
            best = verdict
    if best is None:
        return Unschedulable(task.id, unschedulable_message(len(nodes), (r for v in verdicts for r in v.reasons)))
    node = next(n for n in nodes if n.id == best.node_id)
    return Placement(task.id, best.node_id, float(best.total), gpu_devices(task, node) or ())


def with_task(node: Node, task: Task, devices: tuple[int, ...]) -> Node:
    """``node`` with ``task`` booked on it (its GPU on ``devices``)."""
    gpu_used = node.gpu_used
    if devices:
        used = list(gpu_used) + [0] * (node.gpus - len(gpu_used))
        for d in devices:
            used[d] += task.resources.gpu // len(devices)
        gpu_used = tuple(used)
    pods = node.pods
    if relevant(task):
        ids = [p.id for p in pods]
        at = bisect.bisect_left(ids, task.id)
        pods = (*pods[:at], task, *pods[at:])
    return replace(node, allocated=node.allocated + task.resources, gpu_used=gpu_used, pods=pods)


def place_all(tasks: Iterable[Task], nodes: Sequence[Node], policy: str | Profile = DEFAULT_POLICY) -> list[Decision]:
    """Place ``tasks`` in order, each seeing the resources the earlier ones took."""
    working = list(nodes)
    position = {node.id: i for i, node in enumerate(working)}
    decisions: list[Decision] = []
    for task in tasks:
        decision = place(task, working, policy)
        decisions.append(decision)
        if isinstance(decision, Placement):
            i = position[decision.node_id]
            working[i] = with_task(working[i], task, decision.devices)
    return decisions
