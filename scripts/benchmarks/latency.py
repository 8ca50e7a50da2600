"""Create-to-scheduled latency at a steady 1,000 creates/s for 30 s on 1,000 nodes (issue #4, target 4).

A real ``orchestrator serve`` process (memory store, 8 threads, the other
flags at their defaults) gets 1,000 simulated nodes over HTTP, then 30,000
tasks from 16 keep-alive clients paced at 1,000 creates/s, the mix of
``scripts/load.py`` (three sizes, 40% with node selectors, durations of
0.5-2 s so the cluster stays busy, not full). The run is
:func:`api.client.loadrun.run`: create-to-scheduled is ``scheduled_at -
created_at``, the server's own timestamps (milliseconds), so polling does
not blur it.

Checks: every create was acknowledged, every acknowledged task was scheduled
and settled, and no request got a 5xx or no answer. Quick: 100 nodes,
200 creates/s for 3 s, durations of 0.05-0.2 s.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from api.client import loadplan, loadreport, loadrun
from api.client.loadgen import ServerProcess

TARGET_P99_MS = 100.0


@dataclasses.dataclass(frozen=True)
class Size:
    nodes: int
    rate: float  # creates per second
    seconds: float
    durations: tuple[float, float]  # of the tasks, seconds


FULL = Size(nodes=1_000, rate=1_000.0, seconds=30.0, durations=(0.5, 2.0))
QUICK = Size(nodes=100, rate=200.0, seconds=3.0, durations=(0.05, 0.2))
CLIENTS = 16
SERVER_FLAGS = ("--store", "memory", "--threads", "8")


def run(quick: bool) -> dict[str, Any]:
    size = QUICK if quick else FULL
    tasks = round(size.rate * size.seconds)
    scenario = loadplan.Scenario(
        nodes=size.nodes, tasks=tasks, rate=size.rate, clients=CLIENTS, duration_range=size.durations,
        prefix="latency", timeout=60.0, poll_interval=0.25,
    )
    with ServerProcess(*SERVER_FLAGS) as server:
        report = loadreport.build_report(loadrun.run(scenario, server.url))
    counts, latency = report["tasks"], report["latency_ms"]
    to_scheduled, create = latency["to_scheduled"], latency["create"]
    achieved = report["throughput"]["creates_per_s"] or 0.0
    return {
        "figures": {
            "to scheduled p99 (ms)": to_scheduled["p99"],
            "to scheduled p50 (ms)": to_scheduled["p50"],
            "to scheduled p95 (ms)": to_scheduled["p95"],
            "to scheduled max (ms)": to_scheduled["max"],
            "creates/s achieved": achieved,
            "create request p50 (ms)": create["p50"],
            "create request p99 (ms)": create["p99"],
            "tasks": counts["acknowledged"],
        },
        "checks": {
            "every create acknowledged": counts["acknowledged"] == tasks,
            "every task scheduled": to_scheduled["count"] == tasks,
            "every task settled, none lost": counts["settled"] == tasks and counts["lost"] == 0,
            "no 5xx, no request unanswered": report["ok"],
        },
        "target": f"p99 <= {TARGET_P99_MS:g} ms at {FULL.rate:,.0f}/s",
        "met": None if quick else (
            to_scheduled["p99"] is not None and to_scheduled["p99"] <= TARGET_P99_MS and achieved >= 0.95 * FULL.rate
        ),
        "setup": (
            f"orchestrator serve {' '.join(SERVER_FLAGS)}; {size.nodes:,} simulated nodes, {tasks:,} creates "
            f"paced at {size.rate:,.0f}/s by {CLIENTS} clients, durations {size.durations[0]:g}-{size.durations[1]:g} s"
        ),
    }
