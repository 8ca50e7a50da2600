"""Batch create throughput: ``POST /tasks`` with arrays of 1,000 tasks (issue #4, item 3).

Target: 20,000 tasks/s or more. Each store (``--store memory``, then the
default SQLite) gets a fresh ``orchestrator serve`` process (8 threads, no
nodes, so every task stays pending and gets its "why pending" message
written); 4 keep-alive clients (:mod:`api.client.rawload`, 2 processes) post
batches of 1,000 tasks (``api.client.rawload.task_fields``, each with its own id)
back to back. ``quick`` is one short run of each; otherwise three,
interleaved, and the median counts.
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

BATCH = 1000
CLIENTS = 4
CLIENT_PROCESSES = 2
THREADS = 8
TARGET_TASKS_PER_SECOND = 20_000


def _stores(tmp: str) -> dict[str, tuple[str, ...]]:
    return {
        "memory": ("--store", "memory", "--threads", str(THREADS)),
        "sqlite": ("--store", f"sqlite:{tmp}/batch.db", "--threads", str(THREADS)),
    }


def _answers_are_the_batches(result: Result) -> bool:
    """Each sampled answer is the array of the tasks sent, in order, pending."""
    if not result.samples:
        return False
    for sent, status, answer in result.samples:
        if status != 201:
            return False
        tasks, created = json.loads(sent), json.loads(answer)
        if [t["id"] for t in created] != [t["id"] for t in tasks] or {t["status"] for t in created} != {"pending"}:
            return False
    return True


def run(quick: bool = False) -> dict[str, Any]:
    seconds, warmup, repeat = (0.5, 0.1, 1) if quick else (5.0, 1.0, 3)
    runs: dict[str, list[Result]] = {}
    cpu_us: dict[str, list[float]] = {}  # server CPU per task, microseconds
    checks: dict[str, bool] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for attempt in range(repeat):
            for name, args in _stores(tmp).items():
                for suffix in ("", "-wal", "-shm"):  # every run starts from an empty file
                    path = f"{tmp}/batch.db{suffix}"
                    if os.path.exists(path):
                        os.unlink(path)
                prefix = f"b{secrets.token_hex(3)}"
                with ServerProcess(*args) as server:
                    cpu_before = process_cpu_seconds(server.process.pid)
                    result = drive(Plan(
                        server.url, connections=CLIENTS, processes=CLIENT_PROCESSES, seconds=seconds, warmup=warmup,
                        body="api.client.rawload:task_batch_body", body_args=(BATCH,), prefix=prefix,
                    ))
                    cpu_after = process_cpu_seconds(server.process.pid)
                    stored = stored_task_ids(server.url, prefix)
                batches = sum(result.statuses.values())
                checks[f"{name}: every batch got 201, run {attempt + 1}"] = set(result.statuses) == {201}
                checks[f"{name}: no connection errors, run {attempt + 1}"] = not result.errors
                checks[f"{name}: every acknowledged task is stored, run {attempt + 1}"] = (
                    stored == set(result.acked) and len(result.acked) == batches * BATCH
                )
                checks[f"{name}: answers are the batches' tasks in order, run {attempt + 1}"] = (
                    _answers_are_the_batches(result)
                )
                runs.setdefault(name, []).append(result)
                if cpu_before is not None and cpu_after is not None and batches:
                    cpu_us.setdefault(name, []).append(1e6 * (cpu_after - cpu_before) / (batches * BATCH))
    figures: dict[str, Any] = {}
    for name, results in runs.items():
        median = sorted(results, key=lambda r: r.rate)[len(results) // 2]
        figures[f"{name}: tasks/s"] = round(statistics.median(r.rate for r in results) * BATCH)
        figures[f"{name}: batch p50 (ms)"] = round(median.percentile(50) * 1000, 1)
        figures[f"{name}: batch p99 (ms)"] = round(median.percentile(99) * 1000, 1)
        if name in cpu_us:
            figures[f"{name}: server CPU per task (us)"] = round(statistics.median(cpu_us[name]), 1)
    return {
        "figures": figures,
        "checks": checks,
        "target": f">= {TARGET_TASKS_PER_SECOND:,} tasks/s (memory store)",
        "met": None if quick else figures["memory: tasks/s"] >= TARGET_TASKS_PER_SECOND,
        "setup": (
            f"POST /tasks with arrays of {BATCH:,}, {CLIENTS} keep-alive clients in {CLIENT_PROCESSES} processes, "
            f"{THREADS} server threads, {seconds:g} s x {repeat} runs (median)"
        ),
    }
