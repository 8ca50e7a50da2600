"""How right and how good a placement is, as pure functions over a snapshot.

The benchmark (``scripts/benchmarks/scheduling.py``) reads every node and
task after the scheduler has run and asks two questions:

- *Is it right?* :func:`violations` lists every broken rule: a task bound
  to a node that does not exist, whose labels do not match the task's
  ``node_selector``, or a node whose active tasks request more than its
  capacity (or more or less than the ``allocated`` the datastore reports).
  :func:`overlooked` lists pending tasks that would fit on a ready node:
  the scheduler gave up on a task it could have placed.
- *Is it good?* For ``spread``, :func:`spread` gives the gap between the
  fullest and the emptiest ready node, as a share of capacity, per
  resource (0 is perfectly even). For ``binpack``, :func:`nodes_used`
  against :func:`binpack_lower_bound`: no placement can use fewer nodes
  than the bound, so used / bound is at least 1, and 1 is perfect.

Units: cpu in millicores, memory in MiB, shares between 0 and 1. No threads,
no actors: table-tested in ``tests/actors/scheduling/test_quality.py``.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable, Sequence

from actors.domain.models import NO_RESOURCES, Node, Resources, Task, TaskStatus


@dataclasses.dataclass(frozen=True, slots=True)
class Spread:
    """Fullest minus emptiest node, as a share of each node's capacity."""

    cpu: float
    memory: float


def utilisation(node: Node) -> tuple[float, float]:
    """(cpu, memory): the share of the node's capacity its tasks request.
    A resource the node has none of counts as full (nothing fits there)."""
    cpu = node.allocated.cpu / node.capacity.cpu if node.capacity.cpu > 0 else 1.0
    memory = node.allocated.memory / node.capacity.memory if node.capacity.memory > 0 else 1.0
    return cpu, memory


def spread(nodes: Iterable[Node]) -> Spread:
    """Max minus min utilisation over the ready nodes, per resource (0 for
    no ready node). Unready nodes take no new work, so they do not count."""
    shares = [utilisation(n) for n in nodes if n.ready]
    if not shares:
        return Spread(0.0, 0.0)
    cpus = [cpu for cpu, _ in shares]
    memories = [memory for _, memory in shares]
    return Spread(max(cpus) - min(cpus), max(memories) - min(memories))


def nodes_used(nodes: Iterable[Node]) -> int:
    """Nodes that hold at least one request (cpu or memory)."""
    return sum(1 for n in nodes if n.allocated.cpu > 0 or n.allocated.memory > 0)


def binpack_lower_bound(capacities: Sequence[Resources], total: Resources) -> int:
    """The fewest nodes any placement of ``total`` requests could use.

    With nodes of mixed sizes: for each resource on its own, take nodes
    largest first until their capacity covers the total of that resource;
    the bound is the larger of the two counts. It ignores that tasks are
    indivisible and that selectors restrict nodes, so a real placement may
    need more, never fewer. Raises ValueError when even every node together
    is too small (no placement exists)."""
    return max(
        _largest_first(sorted((c.cpu for c in capacities), reverse=True), total.cpu, "cpu"),
        _largest_first(sorted((c.memory for c in capacities), reverse=True), total.memory, "memory"),
    )


def _largest_first(sizes: list[int], needed: int, resource: str) -> int:
    covered = 0
    for count, size in enumerate(sizes):
        if covered >= needed:
            return count
        covered += size
    if covered >= needed:
        return len(sizes)
    raise ValueError(f"{needed} {resource} requested but all nodes together have {covered}")


def requested(tasks: Iterable[Task]) -> Resources:
    """What the active (scheduled or running) tasks request in total."""
    total = NO_RESOURCES
    for task in tasks:
        if task.status.active:
            total = total + task.resources
    return total


def violations(nodes: Iterable[Node], tasks: Iterable[Task]) -> list[str]:
    """Every broken placement rule, one message each (empty when right):
    an active task without a node or on a node that does not exist, a node
    whose labels do not match the task's selector, a node whose tasks
    request more than its capacity or differ from its ``allocated``."""
    by_id = {n.id: n for n in nodes}
    sums: dict[str, Resources] = collections.defaultdict(lambda: NO_RESOURCES)
    found = []
    for task in tasks:
        if not task.status.active:
            if task.node is not None and task.status is TaskStatus.PENDING:
                found.append(f"task {task.id}: pending but bound to node {task.node}")
            continue
        node = by_id.get(task.node) if task.node is not None else None
        if node is None:
            found.append(f"task {task.id}: {task.status} on missing node {task.node}")
            continue
        mismatched = sorted(k for k, v in task.node_selector.items() if node.labels.get(k) != v)
        if mismatched:
            found.append(f"task {task.id}: node {node.id} does not match its selector on {', '.join(mismatched)}")
        sums[node.id] = sums[node.id] + task.resources
    for node in by_id.values():
        total = sums.get(node.id, NO_RESOURCES)
        if total.cpu > node.capacity.cpu or total.memory > node.capacity.memory:
            found.append(
                f"node {node.id}: tasks request {total.cpu} cpu, {total.memory} memory "
                f"over a capacity of {node.capacity.cpu}, {node.capacity.memory}"
            )
        if total != node.allocated:
            found.append(f"node {node.id}: allocated {node.allocated} but its tasks request {total}")
    return found


def overlooked(nodes: Sequence[Node], pending: Iterable[Task]) -> list[str]:
    """Ids of pending tasks that would fit a ready node as the nodes stand:
    left behind although there was room. Tasks with the same request and
    selector are checked once, so a large backlog costs little."""
    ready = [n for n in nodes if n.ready]
    verdicts: dict[tuple[Resources, tuple[tuple[str, str], ...]], bool] = {}
    found = []
    for task in pending:
        if task.status is not TaskStatus.PENDING:
            continue
        key = (task.resources, tuple(sorted(task.node_selector.items())))
        fits = verdicts.get(key)
        if fits is None:
            fits = verdicts[key] = any(_fits(task, n) for n in ready)
        if fits:
            found.append(task.id)
    return found


def _fits(task: Task, node: Node) -> bool:
    free = node.free
    return (
        task.resources.cpu <= free.cpu
        and task.resources.memory <= free.memory
        and all(node.labels.get(k) == v for k, v in task.node_selector.items())
    )
