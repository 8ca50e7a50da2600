"""Replays on the virtual clock (issue #15): the whole openb trace, and a
synthetic million tasks, through the real actors.

1. ``orchestrator simulate replay`` of openb's default pod list on its
   1,523 nodes (``../shared/traces/openb/``, read where it is), ``spread``:
   target at most 60 s of wall time, over 200,000 times faster than real
   time. Skipped, and said so, where the trace is not.
2. A synthetic million tasks (``--synthetic --tasks 1000000 --node-count
   10000``: Poisson arrivals, the size mix and durations of
   :mod:`actors.simulation.workload`): target at most 10 minutes and 2 GiB.

Each runs in a process of its own (the command itself), so its peak RSS is
its own. Figures: wall seconds, virtual seconds per wall second, where the
time goes (the report's ``time_spent``), peak RSS. Checks: every run
finishes, every task is accounted for (placed + never placed + withdrawn =
total), and a second replay of the first gives the same ``events_sha256``.
Quick: a synthetic 2,000 tasks on 20 nodes, twice.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT.parent / "shared" / "traces" / "openb"
OPENB = (TRACES / "openb_node_list_all_node.csv", TRACES / "openb_pod_list_default.csv")
MILLION = ("--synthetic", "--tasks", "1000000", "--node-count", "10000")
QUICK = ("--synthetic", "--tasks", "2000", "--node-count", "20")
OPENB_SECONDS, MILLION_SECONDS, MILLION_BYTES = 60.0, 600.0, 2 * 2**30


def _replay(args: tuple[str, ...], timeout: float) -> tuple[dict[str, Any], float, int]:
    """(the run's report, wall seconds, the child's peak RSS in bytes)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "api.cli", "simulate", "replay", *args, "--json", str(out)],
                              cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall = time.perf_counter() - began
        if done.returncode != 0:
            raise RuntimeError(f"simulate replay {' '.join(args)} failed: {done.stderr[-2000:]}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return json.loads(out.read_text())["runs"][0], wall, max(peak, before) * 1024


def _figures(name: str, run: dict[str, Any], wall: float, rss: int) -> dict[str, Any]:
    spent = run["time_spent"]
    figures = {
        f"{name}: wall s": round(wall, 1),
        f"{name}: virtual s": run["virtual_seconds"],
        f"{name}: virtual s per wall s": round(run["virtual_seconds_per_wall_second"]),
        f"{name}: tasks": run["tasks"]["total"],
        f"{name}: placed": run["tasks"]["placed"],
        f"{name}: events": run["events"],
        f"{name}: peak RSS MiB": round(rss / 2**20),
    }
    for phase in ("reconciles", "events", "idle", "event log", "samples"):  # where the time goes
        figures[f"{name}: s in {phase}"] = spent[phase]
    return figures


def _accounted(run: dict[str, Any]) -> bool:
    t = run["tasks"]
    return t["placed"] + t["never_placed"] + t["withdrawn"] == t["total"]


def run(quick: bool) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    checks: dict[str, bool] = {}
    met: bool | None = None
    if quick:
        first, wall, rss = _replay(QUICK, 300)
        again, _, _ = _replay(QUICK, 300)
        figures.update(_figures("synthetic 2,000", first, wall, rss))
        checks["every task accounted for"] = _accounted(first)
        checks["the same replay twice, the same log"] = first["events_sha256"] == again["events_sha256"]
    else:
        verdicts = []
        if all(p.exists() for p in OPENB):
            args = ("--nodes", str(OPENB[0]), "--workload", str(OPENB[1]))
            first, wall, rss = _replay(args, 3600)
            again, _, _ = _replay(args, 3600)
            figures.update(_figures("openb default", first, wall, rss))
            checks["openb: every task accounted for"] = _accounted(first)
            checks["openb: the same replay twice, the same log"] = first["events_sha256"] == again["events_sha256"]
            verdicts.append(wall <= OPENB_SECONDS and first["virtual_seconds_per_wall_second"] >= 200_000)
        else:
            print(f"replay: openb default skipped: no trace at {TRACES}", flush=True)
        million, wall, rss = _replay(MILLION, 7200)
        figures.update(_figures("synthetic 1,000,000 on 10,000 nodes", million, wall, rss))
        checks["million: every task accounted for"] = _accounted(million)
        verdicts.append(wall <= MILLION_SECONDS and rss <= MILLION_BYTES)
        met = all(verdicts)
    return {
        "figures": figures,
        "checks": checks,
        "target": "openb default <= 60 s and >= 200,000x real time; 1,000,000 tasks <= 10 min, <= 2 GiB",
        "met": met,
        "setup": "orchestrator simulate replay, spread, a process per run; the real actors on a virtual clock",
    }
