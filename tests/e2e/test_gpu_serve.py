"""``orchestrator serve`` with a GPU policy, a policy of one's own, and GPU
placements that survive a restart of a server on SQLite."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator

import requests

from tests.e2e.processes import ROOT, ServerProcess, run_cli

EXAMPLE = os.path.join(ROOT, "scripts", "example_policy.py")


@contextlib.contextmanager
def scheduling(server: ServerProcess, *task_ids: str) -> Iterator[None]:
    """Watch the event stream from before the body's creates until every one
    of ``task_ids`` was Scheduled: no polling, no sleeping."""
    with requests.get(f"{server.url}/events", params={"watch": "true"}, stream=True, timeout=30) as stream:
        yield
        waiting = set(task_ids)
        for line in stream.iter_lines(decode_unicode=True):
            if line.startswith("data:"):
                event = json.loads(line.removeprefix("data:"))
                if event["reason"] == "Scheduled":
                    waiting.discard(event["object"])
            if not waiting:
                return


def placed(server: ServerProcess, task_id: str) -> dict:
    return requests.get(f"{server.url}/tasks/{task_id}", timeout=10).json()


def test_serve_places_gpu_shares_with_fgd_and_keeps_them_across_a_restart(tmp_path):
    path = tmp_path / "gpu.db"
    server = ServerProcess("--store", f"sqlite:{path}", "--policy", "fgd", "--seed", "7")
    try:
        requests.post(f"{server.url}/nodes", json={"id": "g", "capacity": {"gpu": 2}}, timeout=10).raise_for_status()
        with scheduling(server, "a", "b", "c"):
            for name, gpu in (("a", 0.5), ("b", 0.5), ("c", 1)):
                requests.post(f"{server.url}/tasks", json={"id": name, "resources": {"gpu": gpu}},
                              timeout=10).raise_for_status()
        devices = {name: placed(server, name)["gpu_devices"] for name in ("a", "b", "c")}
        assert devices["a"] == devices["b"] != devices["c"]  # the shares fill one device, the whole GPU the other
        before = requests.get(f"{server.url}/nodes/g", timeout=10).json()["gpu_allocation"]
        assert sorted(before) == [1, 1]
    finally:
        server.stop()
    again = ServerProcess("--store", f"sqlite:{path}")
    try:
        assert requests.get(f"{again.url}/nodes/g", timeout=10).json()["gpu_allocation"] == before
        assert placed(again, "c")["gpu_devices"] == devices["c"]
    finally:
        again.stop()


def test_serve_loads_a_policy_module_and_refuses_an_unknown_policy():
    server = ServerProcess("--policy-module", f"{EXAMPLE}:WorstFit", "--policy", "worst-fit")
    try:
        for node, cpu in (("small", 2000), ("big", 16000)):
            requests.post(f"{server.url}/nodes", json={"id": node, "capacity": {"cpu": cpu}},
                          timeout=10).raise_for_status()
        with scheduling(server, "t"):
            requests.post(f"{server.url}/tasks", json={"id": "t", "resources": {"cpu": 1000}},
                          timeout=10).raise_for_status()
        assert placed(server, "t")["node"] == "big"  # the most left over
    finally:
        server.stop()
    refused = run_cli("serve", "--store", "memory", "--policy", "fastest")
    assert refused.returncode == 2 and "no policy 'fastest'; choose one of spread, binpack" in refused.stderr
    weighed = run_cli("serve", "--store", "memory", "--policy", "fgd", "--score-weight", "NodeAffinity=0")
    assert weighed.returncode == 2 and "--score-weight changes the spread and binpack profiles" in weighed.stderr
    broken = run_cli("serve", "--store", "memory", "--policy-module", "nowhere.py:X")
    assert broken.returncode == 2 and "no file 'nowhere.py'" in broken.stderr
