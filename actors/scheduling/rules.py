"""Scheduling policy as pure functions, after the Kubernetes scheduler framework.

A *filter* says whether a node can run a task: it returns the reasons it
cannot (empty when it can). A *score* says how good a feasible node is, from 0
to 100. :func:`place` runs the filters in order (a node is reported under the
first filter that rejects it), scores the nodes that pass, and picks the
highest score; ties go to the smallest node id, so the same input always gives
the same placement.

No threads, no actors, no clock: table-tested in ``tests/actors``.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence

from actors.domain import affinity, taints
from actors.domain.models import WHOLE_GPU, Node, Task, TaskStatus, replace

Filter = Callable[[Task, Node], tuple[str, ...]]
Score = Callable[[Task, Node], float]

UNHEALTHY = "unhealthy"
UNSCHEDULABLE = "unschedulable"
SELECTOR_MISMATCH = "didn't match node selector"
INSUFFICIENT_CPU = "insufficient cpu"
INSUFFICIENT_MEMORY = "insufficient memory"
INSUFFICIENT_GPU = "insufficient gpu"
AFFINITY_MISMATCH = "didn't match node affinity"


def untolerated_taint(taint: taints.Taint) -> str:
    """The reason a node's taint gives: ``had untolerated taint {dedicated: gpu}``."""
    return f"had untolerated taint {taint}"


def node_healthy(task: Task, node: Node) -> tuple[str, ...]:
    return () if node.healthy else (UNHEALTHY,)


def node_schedulable(task: Task, node: Node) -> tuple[str, ...]:
    return () if node.schedulable else (UNSCHEDULABLE,)


def node_selector_matches(task: Task, node: Node) -> tuple[str, ...]:
    labels = node.labels
    for key, value in task.node_selector.items():
        if labels.get(key) != value:
            return (SELECTOR_MISMATCH,)
    return ()


def taints_tolerated(task: Task, node: Node) -> tuple[str, ...]:
    """The node's ``NoSchedule`` and ``NoExecute`` taints must all be
    tolerated; the first one that is not is the reason."""
    if not node.taints:
        return ()
    taint = taints.untolerated(node.taints, task.tolerations)
    return () if taint is None else (untolerated_taint(taint),)


def node_affinity_matches(task: Task, node: Node) -> tuple[str, ...]:
    return () if affinity.matches(task.node_affinity, node.labels) else (AFFINITY_MISMATCH,)


def gpu_devices(task: Task, node: Node) -> tuple[int, ...] | None:
    """The devices ``task``'s GPU request takes on ``node``: a share the
    device with the least free room that still holds it (the lowest-numbered
    among equals), whole GPUs the lowest-numbered entirely free devices;
    ``()`` without GPU, None when it does not fit."""
    gpu = task.resources.gpu
    if gpu <= 0:
        return ()
    free = node.gpu_free()
    if gpu < WHOLE_GPU:
        fitting = [(room, d) for d, room in enumerate(free) if room >= gpu]
        return (min(fitting)[1],) if fitting else None
    whole = [d for d, room in enumerate(free) if room == WHOLE_GPU]
    count = gpu // WHOLE_GPU
    return tuple(whole[:count]) if len(whole) >= count else None


def resources_fit(task: Task, node: Node) -> tuple[str, ...]:
    """Capacity minus what the node's active tasks request must cover the
    task's request; reports every resource that is short, like Kubernetes.
    A GPU share needs one device with that much free, whole GPUs that many
    entirely free devices."""
    free = node.free
    reasons = []
    if task.resources.cpu > free.cpu:
        reasons.append(INSUFFICIENT_CPU)
    if task.resources.memory > free.memory:
        reasons.append(INSUFFICIENT_MEMORY)
    if task.resources.gpu and gpu_devices(task, node) is None:
        reasons.append(INSUFFICIENT_GPU)
    return tuple(reasons)


FILTERS: tuple[Filter, ...] = (node_healthy, node_schedulable, taints_tolerated, node_selector_matches,
                               node_affinity_matches, resources_fit)


def _used_fraction(requested: int, capacity: int) -> float:
    if capacity <= 0:
        return 1.0
    return min(requested / capacity, 1.0)


def _mean_used_after(task: Task, node: Node) -> float:
    after = node.allocated + task.resources
    return (
        _used_fraction(after.cpu, node.capacity.cpu)
        + _used_fraction(after.memory, node.capacity.memory)
    ) / 2


def spread_score(task: Task, node: Node) -> float:
    """Least allocated (Kubernetes' default): the share of cpu and memory
    left free once the task is placed, averaged, times 100."""
    return (1.0 - _mean_used_after(task, node)) * 100


def binpack_score(task: Task, node: Node) -> float:
    """Most allocated: the share of cpu and memory in use once the task is
    placed, averaged, times 100. Fills nodes before starting new ones."""
    return _mean_used_after(task, node) * 100


POLICIES: Mapping[str, Score] = {"spread": spread_score, "binpack": binpack_score}
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
    """Kubernetes-style: ``0/3 nodes available: 2 insufficient cpu, 1 unhealthy``."""


Decision = Placement | Unschedulable


UNSCHEDULABLE_PREFIX = "0/"
"""How every :func:`unschedulable_message` starts, and no other message."""


def unschedulable_message(total: int, reasons: Iterable[str]) -> str:
    """Count the reasons, most frequent first (then by name), like kube-scheduler."""
    return unschedulable_message_counts(total, collections.Counter(reasons))


def unschedulable_message_counts(total: int, counts: Mapping[str, int]) -> str:
    """:func:`unschedulable_message` from the count of each reason."""
    if total == 0:
        return f"{UNSCHEDULABLE_PREFIX}0 nodes available: no nodes registered"
    parts = sorted(((reason, n) for reason, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))
    return f"{UNSCHEDULABLE_PREFIX}{total} nodes available: " + ", ".join(f"{n} {reason}" for reason, n in parts)


def fits_nowhere(task: Task) -> bool:
    """Pending, and the last time the scheduler looked it found no node for
    it (as opposed to waiting for its first look, or requeued off a node)."""
    return task.status is TaskStatus.PENDING and task.message.startswith(UNSCHEDULABLE_PREFIX)


def place(
    task: Task,
    nodes: Sequence[Node],
    score: Score = spread_score,
    filters: Sequence[Filter] = FILTERS,
) -> Decision:
    """Choose a node for ``task`` among ``nodes`` (with ``allocated`` filled).

    Every node goes through the filters and the feasible ones are scored;
    the best wins, ties to the smallest id. A task that fits nowhere hears
    why from every node. (:class:`actors.scheduling.node_index.NodeIndex` makes the same
    decision with vector operations; this is the rule it is tested against.)"""
    best: Node | None = None
    best_score = -1.0
    reasons: list[str] = []
    for node in nodes:
        rejected: tuple[str, ...] = ()
        for check in filters:
            rejected = check(task, node)
            if rejected:
                break
        if rejected:
            reasons.extend(rejected)
            continue
        value = round(score(task, node), 6)  # equal scores must tie exactly
        if value > best_score or (value == best_score and best is not None and node.id < best.id):
            best, best_score = node, value
    if best is None:
        return Unschedulable(task.id, unschedulable_message(len(nodes), reasons))
    return Placement(task.id, best.id, best_score, gpu_devices(task, best) or ())


def with_task(node: Node, task: Task, devices: tuple[int, ...]) -> Node:
    """``node`` with ``task`` booked on it (its GPU on ``devices``)."""
    gpu_used = node.gpu_used
    if devices:
        used = list(gpu_used) + [0] * (node.gpus - len(gpu_used))
        for d in devices:
            used[d] += task.resources.gpu // len(devices)
        gpu_used = tuple(used)
    return replace(node, allocated=node.allocated + task.resources, gpu_used=gpu_used)


def place_all(tasks: Iterable[Task], nodes: Sequence[Node], score: Score = spread_score) -> list[Decision]:
    """Place ``tasks`` in order, each seeing the resources the earlier ones took."""
    working = list(nodes)
    position = {node.id: i for i, node in enumerate(working)}
    decisions: list[Decision] = []
    for task in tasks:
        decision = place(task, working, score)
        decisions.append(decision)
        if isinstance(decision, Placement):
            i = position[decision.node_id]
            working[i] = with_task(working[i], task, decision.devices)
    return decisions
