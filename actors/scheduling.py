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

from actors.models import Node, Task, TaskStatus

Filter = Callable[[Task, Node], tuple[str, ...]]
Score = Callable[[Task, Node], float]

UNHEALTHY = "unhealthy"
UNSCHEDULABLE = "unschedulable"
SELECTOR_MISMATCH = "didn't match node selector"
INSUFFICIENT_CPU = "insufficient cpu"
INSUFFICIENT_MEMORY = "insufficient memory"


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


def resources_fit(task: Task, node: Node) -> tuple[str, ...]:
    """Capacity minus what the node's active tasks request must cover the
    task's request; reports every resource that is short, like Kubernetes."""
    free = node.free
    reasons = []
    if task.resources.cpu > free.cpu:
        reasons.append(INSUFFICIENT_CPU)
    if task.resources.memory > free.memory:
        reasons.append(INSUFFICIENT_MEMORY)
    return tuple(reasons)


FILTERS: tuple[Filter, ...] = (node_healthy, node_schedulable, node_selector_matches, resources_fit)


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
    if total == 0:
        return f"{UNSCHEDULABLE_PREFIX}0 nodes available: no nodes registered"
    counts = collections.Counter(reasons)
    parts = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return f"{UNSCHEDULABLE_PREFIX}{total} nodes available: " + ", ".join(f"{n} {reason}" for reason, n in parts)


def fits_nowhere(task: Task) -> bool:
    """Pending, and the last time the scheduler looked it found no node for
    it (as opposed to waiting for its first look, or requeued off a node)."""
    return task.status is TaskStatus.PENDING and task.message.startswith(UNSCHEDULABLE_PREFIX)


MIN_FEASIBLE_TO_FIND = 100


def feasible_to_find(total: int) -> int:
    """How many feasible nodes to find before scoring, like kube-scheduler's
    ``percentageOfNodesToScore`` default: every node up to 100; above, an
    adaptive share (50% minus 1% per 125 nodes, at least 5%), at least 100."""
    if total <= MIN_FEASIBLE_TO_FIND:
        return total
    percentage = max(5.0, 50.0 - total / 125)
    return max(MIN_FEASIBLE_TO_FIND, int(total * percentage / 100))


def place(
    task: Task,
    nodes: Sequence[Node],
    score: Score = spread_score,
    filters: Sequence[Filter] = FILTERS,
    start: int = 0,
    enough: int | None = None,
) -> Decision:
    """Choose a node for ``task`` among ``nodes`` (with ``allocated`` filled).

    Nodes are examined from index ``start`` round the list; once ``enough``
    feasible ones are found (all of them when None), the rest are skipped and
    the best of those found wins. A task that fits nowhere has looked at
    every node, so its reasons are complete."""
    best: Node | None = None
    best_score = -1.0
    reasons: list[str] = []
    found = 0
    count = len(nodes)
    for i in range(count):
        node = nodes[(start + i) % count]
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
        found += 1
        if enough is not None and found >= enough:
            break
    if best is None:
        return Unschedulable(task.id, unschedulable_message(len(nodes), reasons))
    return Placement(task.id, best.id, best_score)


def place_all(
    tasks: Iterable[Task],
    nodes: Sequence[Node],
    score: Score = spread_score,
    start: int = 0,
) -> tuple[list[Decision], int]:
    """Place ``tasks`` in order, each seeing the resources the earlier ones
    took. Above 100 nodes each task scores a sample (:func:`feasible_to_find`)
    taken from a start that moves round the cluster from task to task, as
    kube-scheduler does; the same input always gives the same placements.
    Returns the decisions and where the next batch should start."""
    working = list(nodes)
    position = {node.id: i for i, node in enumerate(working)}
    enough = feasible_to_find(len(working))
    sampling = enough < len(working)
    decisions: list[Decision] = []
    for task in tasks:
        decision = place(task, working, score, start=start, enough=enough if sampling else None)
        if sampling and working:
            start = (start + enough) % len(working)
        decisions.append(decision)
        if isinstance(decision, Placement):
            i = position[decision.node_id]
            node = working[i]
            working[i] = dataclasses.replace(node, allocated=node.allocated + task.resources)
    return decisions, start

