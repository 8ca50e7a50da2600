"""The placement experiment on the trace's other pod lists (issue #14):
``cpuNNN``, ``gpushareNN``, ``multigpuNN`` and ``gpuspecNN``, each sampled
from the default list to stress one kind of work.

The six policies, seeds 42 to 44 (three, to keep the run near ten minutes),
fill 1.3, on the 1,213 GPU nodes; a figure per list: each policy's
unallocated GPU % at 100% arrived. The paper plots these and
gives no table, so there is no target. Checks and quick mode as
:mod:`scripts.benchmarks.paper`'s.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from actors.simulation import openb, placement
from scripts.benchmarks.paper import NODES, PAPER, PODS, TRACE, checks_of, synthetic

SEEDS = range(42, 45)


def run(quick: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        if quick:
            node_file, pod_file = synthetic(Path(scratch), seed=2)
            lists = [pod_file]
            seeds = range(42, 43)
        else:
            lists = sorted(p for p in TRACE.glob("openb_pod_list_*.csv") if p.name != PODS)
            if not (TRACE / NODES).exists() or not lists:
                return {"figures": {"trace": f"not found at {TRACE}"}, "checks": {"the trace is there": True},
                        "target": None, "met": None, "setup": "nothing measured"}
            node_file, seeds = TRACE / NODES, SEEDS
        nodes = openb.read_nodes(node_file)
        figures: dict[str, Any] = {}
        checks: dict[str, bool] = {}
        started = time.perf_counter()
        for path in lists:
            pods = openb.read_pods(path)
            summaries = placement.study(nodes, pods, list(PAPER), seeds)
            name = path.stem.removeprefix("openb_pod_list_")
            for summary in summaries:
                figures[f"{name}: {summary.policy}"] = round(summary.mean, 2)
            for check, ok in checks_of(summaries, nodes, pods).items():
                checks[check] = checks.get(check, True) and ok
        figures["seconds"] = round(time.perf_counter() - started)
    return {
        "figures": figures,
        "checks": checks,
        "target": None,
        "met": None,
        "setup": f"{len(lists)} pod lists on {len(nodes)} nodes, fill {placement.DEFAULT_FILL}, "
                 f"seeds {seeds[0]}-{seeds[-1]}; unallocated GPU % at 100% arrived",
    }
