"""Three ``orchestrator serve`` processes on a three-member etcd cluster:
clients create tasks through all of them, the leading process is killed,
scheduling carries on, and nothing is lost or bound twice."""

from __future__ import annotations

import threading
import time
import uuid

import requests

from tests.e2e.processes import ServerProcess

TTL = 2.0
NODES = 4
NODE_CPU = 4000
TASK_CPU = 100  # 4 nodes hold 160 tasks: every task fits


def poll(condition, timeout: float, every: float = 0.05):
    """``condition()`` until it returns something true; fail after ``timeout`` s.
    (The servers are other processes: there is no event to wait on.)"""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(every)


def leaders(servers: list[ServerProcess]) -> list[ServerProcess]:
    found = []
    for server in servers:
        try:
            if requests.get(server.url + "/health", timeout=2).json()["leader"]:
                found.append(server)
        except requests.RequestException:
            pass
    return found


def create_tasks(urls: list[str], prefix: str, count: int, acknowledged: set[str], unknown: set[str]) -> None:
    """Create ``count`` tasks, each through the next server in turn; a 201
    is acknowledged, anything else (a dead server) is an unknown outcome."""
    session = requests.Session()
    for n in range(count):
        task_id = f"{prefix}-{n}"
        try:
            answer = session.post(urls[n % len(urls)] + "/tasks", json={"id": task_id, "resources": {"cpu": TASK_CPU}},
                                  timeout=10)
        except requests.RequestException:
            unknown.add(task_id)
            continue
        (acknowledged if answer.status_code == 201 else unknown).add(task_id)
    session.close()


def test_the_leader_dies_and_every_acknowledged_task_is_scheduled_once(etcd_cluster):
    store = etcd_cluster.store(f"/processes-{uuid.uuid4().hex[:8]}")
    servers = [ServerProcess("--store", store, "--leader-ttl", str(TTL)) for _ in range(3)]
    try:
        [leader] = poll(lambda: leaders(servers) if len(leaders(servers)) == 1 else None, 10)
        for i in range(NODES):
            created = requests.post(servers[i % 3].url + "/nodes", json={"id": f"n{i}", "capacity": {"cpu": NODE_CPU}},
                                    timeout=10)
            assert created.status_code == 201, created.text

        acknowledged: set[str] = set()
        unknown: set[str] = set()
        urls = [s.url for s in servers]
        before = [threading.Thread(target=create_tasks, args=(urls, f"a{c}", 20, acknowledged, unknown))
                  for c in range(3)]
        for t in before:
            t.start()
        # Kill the leader while tasks are being created and placed.
        poll(lambda: len(acknowledged) >= 15, 20, every=0.01)
        leader.kill()
        killed_at = time.monotonic()
        survivors = [s for s in servers if s is not leader]
        after = [threading.Thread(target=create_tasks, args=([s.url for s in survivors], f"b{c}", 20, acknowledged,
                                                             unknown)) for c in range(2)]
        for t in after:
            t.start()
        [new_leader] = poll(lambda: leaders(survivors) or None, 3 * TTL)
        takeover = time.monotonic() - killed_at
        assert takeover <= 2 * TTL + 0.5, f"took {takeover:.1f} s to elect a new leader"
        for t in before + after:
            t.join(60)
        assert len(acknowledged) >= 15 + 40  # everything sent to the survivors was acknowledged

        def all_running():
            tasks = requests.get(new_leader.url + "/tasks", timeout=10).json()
            return tasks if all(t["status"] == "running" for t in tasks) else None

        tasks = poll(all_running, 30, every=0.2)
        ids = [t["id"] for t in tasks]
        assert len(ids) == len(set(ids)), "a task exists twice"
        assert acknowledged <= set(ids), f"lost: {sorted(acknowledged - set(ids))}"
        assert set(ids) <= acknowledged | unknown
        assert all(t["attempts"] == 1 and t["node"] is not None for t in tasks), "a task was placed twice"
        nodes = requests.get(new_leader.url + "/nodes", timeout=10).json()
        for node in nodes:
            mine = [t for t in tasks if t["node"] == node["id"]]
            assert node["allocated"]["cpu"] == TASK_CPU * len(mine) <= NODE_CPU
        # Every surviving server answers the same.
        for server in survivors:
            assert requests.get(server.url + "/tasks", timeout=10).json() == tasks
            assert requests.get(server.url + "/nodes", timeout=10).json() == nodes
    finally:
        for server in servers:
            server.stop()


def test_stopping_the_leader_hands_over_at_once(etcd_cluster):
    """A clean stop gives the lease back: no TTL to wait out."""
    store = etcd_cluster.store(f"/handover-{uuid.uuid4().hex[:8]}")
    servers = [ServerProcess("--store", store, "--leader-ttl", "30") for _ in range(2)]
    try:
        [leader] = poll(lambda: leaders(servers) if len(leaders(servers)) == 1 else None, 10)
        other = next(s for s in servers if s is not leader)
        assert leader.stop() == 0
        stopped_at = time.monotonic()
        poll(lambda: leaders([other]), 5)
        assert time.monotonic() - stopped_at < 5  # far less than the 30 s TTL
    finally:
        for server in servers:
            server.stop()
