"""Memory held by 10,000 nodes and 1,000,000 tasks in the datastore, and paged reads (issue #4, target 5).

The plain :class:`actors.datastore.Datastore` (the datastore actor's logic,
memory backend) is filled in batches of 1,000 creates per transaction with
records shaped as the API makes them: 10,000 nodes with labels, then tasks
with their own ids, resources and selectors, 70% ended, 20% running on a
node, 10% pending. The figure is the resident set size of a process that
holds nothing else: :func:`run` measures in a child process of its own
(``python -m scripts.benchmarks.memory``), so whoever calls it, the RSS is
the store's plus an interpreter's.

Checks: the counts by status are right, each node's allocation is the sum of
its running tasks, and pages (``page_tasks(limit=100, after=...)``, all
tasks and pending ones, and ``page_nodes``) return exactly the next records
in order, with "more" right at the end. Quick: 100,000 tasks.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from actors.datastore import Datastore
from actors.domain.models import Node, Resources, Task, TaskStatus
from actors.store.ops import Create

TARGET_BYTES = 2 * 2**30
FULL = (10_000, 1_000_000)  # nodes, tasks
QUICK = (10_000, 100_000)
BATCH = 1_000
TASK_SIZES = ((100, 128), (250, 512), (500, 1_024), (1_000, 4_096))
ZONES = ("a", "b", "c")


def rss_bytes() -> int:
    """The resident set size now (``VmRSS`` of /proc/self/status)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def peak_rss_bytes() -> int:
    """The largest resident set size so far (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def make_node(i: int, now: float) -> Node:
    node_id = f"node-{i:05d}"
    labels = {"zone": ZONES[i % 3], "disk": "ssd" if i % 4 == 0 else "hdd"}
    return Node(id=node_id, capacity=Resources(32_000, 131_072), labels=labels, created_at=now, last_heartbeat=now)


def make_task(i: int, node_count: int, rng: random.Random, now: float) -> Task:
    """Task ``i``: like one the API made (an id of ``task-`` and 16 hex
    digits, its own resources and selector), then 70% ended, 20% running on
    a node, 10% pending, decided by ``i`` so that the checks can count."""
    task_id = f"task-{i:016x}"
    cpu, memory = TASK_SIZES[rng.randrange(len(TASK_SIZES))]
    selector = {"zone": ZONES[i % 3]} if i % 5 == 0 else {}
    task = Task(id=task_id, name=task_id, resources=Resources(cpu, memory), node_selector=selector,
                duration=30.0, created_at=now)
    kind = status_of(i)
    if kind is TaskStatus.PENDING:
        return task
    placed = dataclasses.replace(
        task, status=kind, node=f"node-{i % node_count:05d}", attempts=1, scheduled_at=now, started_at=now
    )
    return placed if kind is TaskStatus.RUNNING else dataclasses.replace(placed, finished_at=now + 30)


def status_of(i: int) -> TaskStatus:
    """7 in 10 ended (1 of those failed), 2 running, 1 pending."""
    slot = i % 10
    if slot < 6:
        return TaskStatus.SUCCEEDED
    if slot == 6:
        return TaskStatus.FAILED
    if slot < 9:
        return TaskStatus.RUNNING
    return TaskStatus.PENDING


def measure(node_count: int, task_count: int) -> dict[str, Any]:
    """Fill a datastore in this process and measure it (the child's side)."""
    now = time.time()
    rng = random.Random(1)
    gc.collect()
    baseline = rss_bytes()
    store = Datastore()
    for start in range(0, node_count, BATCH):
        store.commit([Create(make_node(i, now)) for i in range(start, min(start + BATCH, node_count))])
    gc.collect()
    with_nodes = rss_bytes()
    began = time.perf_counter()
    expected_allocation: dict[str, Resources] = collections.defaultdict(Resources)
    for start in range(0, task_count, BATCH):
        batch = [make_task(i, node_count, rng, now) for i in range(start, min(start + BATCH, task_count))]
        for task in batch:
            if task.status is TaskStatus.RUNNING:
                expected_allocation[task.node] += task.resources
        store.commit([Create(t) for t in batch])
        del batch
    insert_seconds = time.perf_counter() - began
    gc.collect()
    with_tasks = rss_bytes()
    peak = max(peak_rss_bytes(), with_tasks)  # ru_maxrss may lag VmRSS by a page or two

    checks = page_checks(store, node_count, task_count)
    expected_counts = collections.Counter(status_of(i).value for i in range(task_count))
    counts = store.counts()
    checks["counts by status are right"] = counts["tasks"] == {s.value: expected_counts[s.value] for s in TaskStatus}
    checks["every node is there"] = counts["nodes"] == {"healthy": node_count, "unhealthy": 0}
    checks["allocation is the sum of running tasks"] = all(
        n.allocated == expected_allocation.get(n.id, Resources()) for n in store.list_nodes()
    )
    page_ms = time_pages(store, task_count)
    task_bytes = (with_tasks - with_nodes) / task_count
    node_bytes = (with_nodes - baseline) / node_count
    return {
        "rss": with_tasks,
        "peak_rss": peak,
        "baseline_rss": baseline,
        "bytes_per_task": task_bytes,
        "bytes_per_node": node_bytes,
        "insert_per_s": task_count / insert_seconds,
        "page_ms": page_ms,
        "checks": checks,
    }


def page_checks(store: Datastore, node_count: int, task_count: int) -> dict[str, bool]:
    """Pages return exactly the next records, in order, and say whether more follow."""
    ids = [f"task-{i:016x}" for i in range(task_count)]
    middle = task_count // 2
    page, more = store.page_tasks(limit=100, after=ids[middle])
    first, first_more = store.page_tasks(limit=100)
    last, last_more = store.page_tasks(limit=100, after=ids[-50])
    pending_ids = [ids[i] for i in range(task_count) if status_of(i) is TaskStatus.PENDING]
    pending, pending_more = store.page_tasks(status=TaskStatus.PENDING, limit=100, after=ids[middle])
    pending_after = [i for i in pending_ids if int(i[5:], 16) > middle]
    node_ids = [f"node-{i:05d}" for i in range(node_count)]
    nodes, nodes_more = store.page_nodes(limit=100, after=node_ids[node_count // 2])
    return {
        "a page after a task is the next 100": [t.id for t in page] == ids[middle + 1:middle + 101] and more,
        "the first page is the first 100": [t.id for t in first] == ids[:100] and first_more,
        "the last page ends without more": [t.id for t in last] == ids[-49:] and not last_more,
        "a page of pending tasks is the next 100 pending": (
            [t.id for t in pending] == pending_after[:100] and pending_more == (len(pending_after) > 100)
            and all(t.status is TaskStatus.PENDING for t in pending)
        ),
        "a page of nodes is the next 100 by id": (
            [n.id for n in nodes] == node_ids[node_count // 2 + 1:node_count // 2 + 101] and nodes_more
        ),
    }


def time_pages(store: Datastore, task_count: int, samples: int = 200) -> float:
    """Median milliseconds to read a page of 100 tasks after a random one."""
    rng = random.Random(3)
    times = []
    for _ in range(samples):
        after = f"task-{rng.randrange(task_count - 100):016x}"
        began = time.perf_counter()
        store.page_tasks(limit=100, after=after)
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def run(quick: bool) -> dict[str, Any]:
    node_count, task_count = QUICK if quick else FULL
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = subprocess.run(
        [sys.executable, "-m", "scripts.benchmarks.memory", "--nodes", str(node_count), "--tasks", str(task_count)],
        cwd=root, capture_output=True, text=True, timeout=1800,
    )
    if child.returncode != 0:
        raise RuntimeError(f"the measuring process exited with {child.returncode}: {child.stderr[-2000:]}")
    m = json.loads(child.stdout)
    mib = 2**20
    full_nodes, full_tasks = FULL
    projected = m["baseline_rss"] + m["bytes_per_node"] * full_nodes + m["bytes_per_task"] * full_tasks
    figures: dict[str, Any] = {
        "RSS (MiB)": round(m["rss"] / mib),
        "peak RSS (MiB)": round(m["peak_rss"] / mib),
        "bytes per task": round(m["bytes_per_task"]),
        "bytes per node": round(m["bytes_per_node"]),
        "interpreter alone (MiB)": round(m["baseline_rss"] / mib),
        "inserted tasks/s": round(m["insert_per_s"]),
        "page of 100 tasks (ms)": round(m["page_ms"], 3),
    }
    if quick:
        figures[f"projected RSS at {full_tasks:,} tasks (MiB)"] = round(projected / mib)
    return {
        "figures": figures,
        "checks": m["checks"],
        "target": f"RSS <= 2 GiB at {full_nodes:,} nodes, {full_tasks:,} tasks",
        "met": None if quick else m["peak_rss"] <= TARGET_BYTES,
        "setup": (
            f"{node_count:,} nodes and {task_count:,} tasks (70% ended, 20% running, 10% pending) in the plain "
            f"Datastore, memory backend, {BATCH:,} creates per transaction, in a process of its own"
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fill a datastore and print what it holds, as JSON.")
    parser.add_argument("--nodes", type=int, default=FULL[0])
    parser.add_argument("--tasks", type=int, default=FULL[1])
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.nodes, args.tasks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
