"""Scheduling throughput and placement quality through the real actors (issue #4, targets 1 and 6).

5,000 nodes of four sizes with zone and disk labels, then 100,000 pending
tasks of four sizes (a fifth with node selectors, ten that fit no node) are
written straight to the datastore; then the controller reconciles until no
work is left. The figure is tasks placed over the time those reconciles
took: the controller, the scheduler and the datastore as ``orchestrator
serve`` runs them (in process, memory store, no HTTP), once per policy.

Checks (see :mod:`actors.scheduling.quality`): no placement rule is broken
(selectors, capacity, allocation), placed + unschedulable = total, the tasks
that fit nowhere stay pending, and no pending task would fit a ready node.
Quality: ``spread`` reports the gap between the fullest and the emptiest
node (share of capacity, cpu and memory); ``binpack`` the nodes used against
the fewest any placement could use. Quick: 200 nodes, 4,000 tasks.
"""

from __future__ import annotations

import random
import time
from typing import Any

from actors import Settings, start_control_plane
from actors.domain.models import Node, Resources, Task, TaskStatus
from actors.scheduling.quality import (
    binpack_lower_bound,
    nodes_used,
    overlooked,
    requested,
    spread,
    violations,
)
from actors.scheduling.rules import fits_nowhere
from actors.store.ops import Create

TARGET_PER_S = 10_000
FULL = (5_000, 100_000)  # nodes, tasks
QUICK = (200, 4_000)  # still above 100 nodes, where placement samples
# (cpu millicores, memory MiB, weight)
NODE_SIZES = ((4_000, 8_192, 4), (8_000, 32_768, 3), (16_000, 65_536, 2), (32_000, 131_072, 1))
TASK_SIZES = ((100, 128, 4), (250, 512, 3), (500, 1_024, 2), (1_000, 4_096, 1))
ZONES = ("a", "b", "c")
IMPOSSIBLE = {"disk": "nvme"}  # no node has it: these tasks fit nowhere
IMPOSSIBLE_EVERY = 10_000  # one task in this many (at least one)
POLICIES = ("spread", "binpack")
ASK = 600.0  # seconds: the whole backlog may go through one call


def make_nodes(count: int, now: float, seed: int = 1) -> list[Node]:
    """Mixed sizes (4:3:2:1, smallest first); zones a/b/c round robin, a
    quarter of the nodes with ``disk: ssd``, the rest ``hdd``."""
    rng = random.Random(seed)
    sizes = [(cpu, memory) for cpu, memory, _ in NODE_SIZES]
    weights = [w for _, _, w in NODE_SIZES]
    nodes = []
    for i in range(count):
        cpu, memory = rng.choices(sizes, weights)[0]
        labels = {"zone": ZONES[i % len(ZONES)], "disk": "ssd" if i % 4 == 0 else "hdd"}
        nodes.append(Node(id=f"node-{i:05d}", capacity=Resources(cpu, memory), labels=labels,
                          created_at=now, last_heartbeat=now))
    return nodes


def make_tasks(count: int, now: float, seed: int = 2) -> list[Task]:
    """Mixed sizes (4:3:2:1, smallest first); a fifth select labels (10% a
    zone, 5% a disk, 5% both), and one in :data:`IMPOSSIBLE_EVERY` selects a
    label no node has."""
    rng = random.Random(seed)
    sizes = [(cpu, memory) for cpu, memory, _ in TASK_SIZES]
    weights = [w for _, _, w in TASK_SIZES]
    every = min(IMPOSSIBLE_EVERY, count)
    tasks = []
    for i in range(count):
        cpu, memory = rng.choices(sizes, weights)[0]
        draw = rng.random()
        if i % every == every // 2:
            selector = dict(IMPOSSIBLE)
        elif draw < 0.10:
            selector = {"zone": rng.choice(ZONES)}
        elif draw < 0.15:
            selector = {"disk": rng.choice(("ssd", "hdd"))}
        elif draw < 0.20:
            selector = {"zone": rng.choice(ZONES), "disk": rng.choice(("ssd", "hdd"))}
        else:
            selector = {}
        task_id = f"task-{i:06d}"
        tasks.append(Task(id=task_id, name=task_id, resources=Resources(cpu, memory), node_selector=selector,
                          created_at=now))
    return tasks


def place_backlog(cp: Any, nodes: list[Node], tasks: list[Task]) -> tuple[int, int, float]:
    """Write ``nodes`` and ``tasks`` straight to the datastore, then
    reconcile until no work is left: (placed, reconciles, seconds of those
    reconciles).

    The reconcile the control plane queues when it starts must be over
    before the backlog is written, or it would place tasks on its own (and
    chain more reconciles) behind the measurement's back: one round trip to
    the controller waits for it. Writing to the datastore directly asks for
    no reconcile."""
    cp.controller.reconcile().get(timeout=ASK)
    cp.datastore.commit_each([[Create(n)] for n in nodes]).get(timeout=ASK)
    for start in range(0, len(tasks), 10_000):
        cp.datastore.commit_each([[Create(t)] for t in tasks[start:start + 10_000]]).get(timeout=ASK)
    placed = reconciles = 0
    began = time.perf_counter()
    while True:
        result = cp.controller.reconcile().get(timeout=ASK)
        reconciles += 1
        placed += result.scheduled
        if not result.more:
            return placed, reconciles, time.perf_counter() - began
        if reconciles > len(tasks) + 1:
            raise RuntimeError(f"still reconciling after {reconciles} rounds")


def run_policy(policy: str, node_count: int, task_count: int) -> tuple[dict[str, Any], dict[str, bool]]:
    """One control plane, one backlog, reconciled to the end; (figures, checks)."""
    now = time.time()
    nodes, tasks = make_nodes(node_count, now), make_tasks(task_count, now)
    impossible = {t.id for t in tasks if t.node_selector == IMPOSSIBLE}
    cp = start_control_plane(Settings(start_timer=False, policy=policy))
    try:
        placed, reconciles, seconds = place_backlog(cp, nodes, tasks)
        del nodes, tasks
        stored_nodes = cp.datastore.list_nodes().get(timeout=ASK)
        stored_tasks = cp.datastore.list_tasks().get(timeout=ASK)
    finally:
        cp.stop()

    active = [t for t in stored_tasks if t.status.active]
    pending = [t for t in stored_tasks if t.status is TaskStatus.PENDING]
    unschedulable = sum(1 for t in pending if fits_nowhere(t))
    broken = violations(stored_nodes, stored_tasks)
    left_behind = overlooked(stored_nodes, pending)
    by_id = {t.id: t for t in stored_tasks}
    gap = spread(stored_nodes)
    total = requested(stored_tasks)
    used = nodes_used(stored_nodes)
    bound = binpack_lower_bound([n.capacity for n in stored_nodes], total)
    p = f"{policy}: "
    figures: dict[str, Any] = {
        p + "placed/s": round(placed / seconds) if seconds else None,
        p + "placed": placed,
        p + "unschedulable": unschedulable,
        p + "seconds": round(seconds, 2),
        p + "reconciles": reconciles,
        p + "cpu requested (share)": round(total.cpu / sum(n.capacity.cpu for n in stored_nodes), 3),
        p + "memory requested (share)": round(total.memory / sum(n.capacity.memory for n in stored_nodes), 3),
    }
    if policy == "spread":
        figures[p + "gap cpu (max-min)"] = round(gap.cpu, 3)
        figures[p + "gap memory (max-min)"] = round(gap.memory, 3)
    else:
        figures[p + "nodes used"] = used
        figures[p + "lower bound"] = bound
        figures[p + "used / bound"] = round(used / bound, 3) if bound else None
    checks = {
        p + "no placement rule broken": not broken,
        p + "placed + unschedulable = total": len(active) + unschedulable == task_count and placed == len(active),
        p + "tasks that fit nowhere stay pending": all(
            by_id[i].status is TaskStatus.PENDING and fits_nowhere(by_id[i]) for i in impossible
        ),
        p + "no pending task fits a ready node": not left_behind,
    }
    for problem in (broken + [f"task {i} was left pending but fits" for i in left_behind])[:10]:
        print(f"scheduling ({policy}): {problem}", flush=True)
    return figures, checks


def run(quick: bool) -> dict[str, Any]:
    node_count, task_count = QUICK if quick else FULL
    figures: dict[str, Any] = {}
    checks: dict[str, bool] = {}
    for policy in POLICIES:
        f, c = run_policy(policy, node_count, task_count)
        figures.update(f)
        checks.update(c)
    slowest = min(figures[f"{p}: placed/s"] or 0 for p in POLICIES)
    return {
        "figures": figures,
        "checks": checks,
        "target": f">= {TARGET_PER_S:,} placed/s, both policies",
        "met": None if quick else slowest >= TARGET_PER_S,
        "setup": (
            f"{node_count:,} nodes (4 sizes 4-32 cores, zone a/b/c, disk ssd/hdd), {task_count:,} pending tasks "
            "(4 sizes 100m-1 core, a fifth with selectors, 1 in 10,000 fitting nowhere); real controller, "
            "scheduler and datastore actors in process, memory store"
        ),
    }
