"""HTTP create throughput against a bare Falcon endpoint (issue #4, item 2).

Target: 16 concurrent keep-alive clients on ``POST /tasks`` reach at least
85% of the requests per second of a bare Falcon-on-waitress endpoint that
parses the same JSON body and answers 201 with it (:mod:`api.baseline`),
measured in the same run with the same server settings; p99 at most 50 ms.

Servers, each a fresh process per run, in turn: the bare endpoint, then
``orchestrator serve --store memory``, then the default SQLite store; all
with ``--threads 8`` (the default). The clients are :mod:`api.client.rawload`:
two processes driving 8 connections each, every request a new task with its
own id (``api.client.rawload.task_fields``), no nodes registered (so every task
stays pending and gets its "why pending" message written, as in
``scripts/bench_store.py``). ``quick`` is one short run of each; otherwise
three, interleaved, and the median counts.

Import it and call :func:`run` (the benchmark harness does); do not run this
file as a script: its directory would shadow the standard library's ``http``.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import tempfile
from typing import Any

from api.client.loadgen import ServerProcess
from api.client.rawload import Plan, Result, process_cpu_seconds, run as drive, stored_task_ids

CLIENTS = 16
CLIENT_PROCESSES = 2
THREADS = 8
TARGET_SHARE = 0.85
TARGET_P99_MS = 50.0


def _servers(tmp: str) -> dict[str, tuple[tuple[str, ...], str]]:
    """Name -> (serve arguments, module)."""
    return {
        "bare": (("--threads", str(THREADS)), "api.baseline"),
        "memory": (("--store", "memory", "--threads", str(THREADS)), "api.cli"),
        "sqlite": (("--store", f"sqlite:{tmp}/bench.db", "--threads", str(THREADS)), "api.cli"),
    }


def _check_answers(name: str, result: Result, checks: dict[str, bool]) -> None:
    """Every create got 201 and the answer is the task (or, bare, the body) sent."""
    checks[f"{name}: every request got 201"] = bool(result.statuses) and set(result.statuses) == {201}
    checks[f"{name}: no connection errors"] = not result.errors
    good = bool(result.samples)
    for sent, status, answer in result.samples:
        sent_json, answer_json = json.loads(sent), json.loads(answer) if status == 201 else None
        if name == "bare":
            good = good and answer_json == sent_json
        else:
            good = good and isinstance(answer_json, dict) and answer_json.get("id") == sent_json["id"] and (
                answer_json.get("status"), answer_json.get("resources")
            ) == ("pending", {"cpu": 250, "memory": 64})
    checks[f"{name}: answers are the created task" if name != "bare" else "bare: answers echo the body"] = good


def run(quick: bool = False) -> dict[str, Any]:
    seconds, warmup, repeat = (0.6, 0.2, 1) if quick else (5.0, 1.0, 3)
    runs: dict[str, list[Result]] = {}
    cpu_us: dict[str, list[float]] = {}  # server CPU per request, microseconds
    checks: dict[str, bool] = {}
    with tempfile.TemporaryDirectory() as tmp:
        servers = _servers(tmp)
        for attempt in range(repeat):
            for name, (args, module) in servers.items():
                if name == "sqlite":  # every run starts from an empty file
                    for suffix in ("", "-wal", "-shm"):
                        path = f"{tmp}/bench.db{suffix}"
                        if os.path.exists(path):
                            os.unlink(path)
                prefix = f"h{secrets.token_hex(3)}"
                with ServerProcess(*args, module=module) as server:
                    plan = Plan(
                        server.url, connections=CLIENTS, processes=CLIENT_PROCESSES, seconds=seconds,
                        warmup=warmup, prefix=prefix,
                    )
                    cpu_before = process_cpu_seconds(server.process.pid)
                    result = drive(plan)
                    cpu_after = process_cpu_seconds(server.process.pid)
                    if name != "bare":
                        stored = stored_task_ids(server.url, prefix)
                        checks[f"{name}: every acknowledged task is stored, run {attempt + 1}"] = (
                            stored == set(result.acked) and len(result.acked) == sum(result.statuses.values())
                        )
                _check_answers(name, result, checks)
                runs.setdefault(name, []).append(result)
                if cpu_before is not None and cpu_after is not None and result.statuses:
                    cpu_us.setdefault(name, []).append(1e6 * (cpu_after - cpu_before) / sum(result.statuses.values()))
    figures: dict[str, Any] = {}
    for name, results in runs.items():
        median = sorted(results, key=lambda r: r.rate)[len(results) // 2]
        summary = median.summary()
        figures[f"{name}: requests/s"] = round(statistics.median(r.rate for r in results))
        figures[f"{name}: p50 (ms)"] = summary["p50_ms"]
        figures[f"{name}: p99 (ms)"] = summary["p99_ms"]
        if name in cpu_us:
            figures[f"{name}: server CPU per request (us)"] = round(statistics.median(cpu_us[name]))
    bare = statistics.median(r.rate for r in runs["bare"])
    for name in ("memory", "sqlite"):
        rate = statistics.median(r.rate for r in runs[name])
        figures[f"{name}: share of bare"] = round(rate / bare, 3) if bare else 0.0
        if "bare" in cpu_us and name in cpu_us:
            # What the share would be were both servers CPU-bound: steadier on a busy machine.
            figures[f"{name}: share of bare by CPU"] = round(
                statistics.median(cpu_us["bare"]) / statistics.median(cpu_us[name]), 3
            )
    met = figures["memory: share of bare"] >= TARGET_SHARE and figures["memory: p99 (ms)"] <= TARGET_P99_MS
    return {
        "figures": figures,
        "checks": checks,
        "target": f">= {TARGET_SHARE:.0%} of bare, p99 <= {TARGET_P99_MS:g} ms (memory store)",
        "met": None if quick else met,
        "setup": (
            f"POST /tasks, {CLIENTS} keep-alive clients in {CLIENT_PROCESSES} processes, {THREADS} server threads, "
            f"{seconds:g} s x {repeat} runs (median); bare = Falcon echo endpoint on the same server settings"
        ),
    }
