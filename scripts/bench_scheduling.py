#!/usr/bin/env python3
"""Placements per second through the real controller, scheduler and datastore
actors (in process, no HTTP), for a few cluster sizes.

    .venv/bin/python scripts/bench_scheduling.py [--sizes 100x10000,1000x10000,5000x5000]

(`scripts/bench.py --scenario scheduling` is the issue's scenario; this one
sweeps cluster sizes.) Each size is NODESxTASKS: that many nodes (64 cores,
256 GiB, three zones),
then that many pending tasks (100m-500m; a fifth with a zone selector)
stored at once; the figure is tasks placed over the time reconciles took.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from actors import Settings, start_control_plane  # noqa: E402
from actors.domain.models import NodeSpec, Resources, Task  # noqa: E402
from actors.store.ops import Create  # noqa: E402


def run(nodes: int, tasks: int, policy: str) -> tuple[int, float]:
    cp = start_control_plane(Settings(start_timer=False, policy=policy))
    try:
        for i in range(nodes):
            spec = NodeSpec(f"n{i}", capacity=Resources(64000, 262144), labels={"zone": "abc"[i % 3]})
            cp.node_manager.register(spec).get(timeout=30)
        # One round trip: the reconciles the registrations asked for have run,
        # so none starts behind the measurement's back once tasks exist.
        cp.controller.reconcile().get(timeout=60)
        rnd = random.Random(1)
        cp.datastore.commit_each([
            [Create(Task(id=f"t{j}", name=f"t{j}", resources=Resources(rnd.choice([100, 250, 500]), 128),
                         node_selector={"zone": "a"} if j % 5 == 0 else {}))]
            for j in range(tasks)
        ]).get(timeout=600)
        began, placed = time.perf_counter(), 0
        while True:
            result = cp.controller.reconcile().get(timeout=600)
            placed += result.scheduled
            if not result.more and not result.scheduled:
                return placed, time.perf_counter() - began
    finally:
        cp.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100x10000,1000x10000,5000x5000")
    parser.add_argument("--policy", default="spread", choices=["spread", "binpack"])
    args = parser.parse_args()
    for size in args.sizes.split(","):
        nodes, tasks = (int(n) for n in size.split("x"))
        placed, seconds = run(nodes, tasks, args.policy)
        print(f"{nodes:6} nodes {tasks:7} tasks: {placed} placed in {seconds:6.1f} s = {placed / seconds:7.0f}/s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
