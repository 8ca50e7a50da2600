"""Three ``orchestrator serve`` processes on a three-member etcd cluster:
clients create tasks through all of them, the leading process is killed,
scheduling carries on, and nothing is lost or bound twice."""

from __future__ import annotations

import concurrent.futures
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


class Acknowledged:
    """The ids acknowledged so far, filled by the client threads; the test
    waits on it for a count (in this process: a condition, not polling)."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self._changed = threading.Condition()

    def add(self, task_id: str) -> None:
        with self._changed:
            self.ids.add(task_id)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.ids) >= count, timeout)


def create_tasks(urls: list[str], prefix: str, count: int, acknowledged: Acknowledged) -> dict[str, tuple[str, int | None]]:
    """Create ``count`` tasks, each through the next server in turn; a 201
    goes into ``acknowledged`` at once (the test watches it grow). Returns
    each task's server and answer (None: no answer, a dead server)."""
    sent: dict[str, tuple[str, int | None]] = {}
    with requests.Session() as session:
        for n in range(count):
            task_id, url = f"{prefix}-{n}", urls[n % len(urls)]
            try:
                answer = session.post(url + "/tasks", json={"id": task_id, "resources": {"cpu": TASK_CPU}}, timeout=10)
            except requests.RequestException:
                sent[task_id] = (url, None)
                continue
            sent[task_id] = (url, answer.status_code)
            if answer.status_code == 201:
                acknowledged.add(task_id)
    return sent


def test_the_leader_dies_and_every_acknowledged_task_is_scheduled_once(etcd_cluster):
    store = etcd_cluster.store(f"/processes-{uuid.uuid4().hex[:8]}")
    servers = [ServerProcess("--store", store, "--leader-ttl", str(TTL)) for _ in range(3)]
    try:
        [leader] = poll(lambda: leaders(servers) if len(leaders(servers)) == 1 else None, 10)
        for i in range(NODES):
            created = requests.post(servers[i % 3].url + "/nodes", json={"id": f"n{i}", "capacity": {"cpu": NODE_CPU}},
                                    timeout=10)
            assert created.status_code == 201, created.text

        acks = Acknowledged()
        urls = [s.url for s in servers]
        with concurrent.futures.ThreadPoolExecutor(5) as pool:
            before = [pool.submit(create_tasks, urls, f"a{c}", 20, acks) for c in range(3)]
            # Kill the leader while tasks are being created and placed.
            assert acks.wait_for(15, timeout=20), f"only {len(acks.ids)} acknowledged"
            leader.kill()
            killed_at = time.monotonic()
            survivors = [s for s in servers if s is not leader]
            after = [pool.submit(create_tasks, [s.url for s in survivors], f"b{c}", 20, acks)
                     for c in range(2)]
            [new_leader] = poll(lambda: leaders(survivors) or None, 3 * TTL)
            takeover = time.monotonic() - killed_at
            assert takeover <= 2 * TTL + 0.5, f"took {takeover:.1f} s to elect a new leader"
            sent = {}
            for future in before + after:
                sent.update(future.result(timeout=60))  # re-raises whatever failed in a client
        acknowledged = acks.ids
        assert len(sent) == 3 * 20 + 2 * 20
        # Everything sent to a survivor was acknowledged (the leader's death
        # costs a process, not an answer); what went to the dead leader may
        # have been, or not.
        to_survivors = {t: answer for t, (url, answer) in sent.items() if url != leader.url}
        assert len(to_survivors) >= 40 + 3 * 13  # each a-client sends at most 7 of its 20 to the leader
        refused = {t: answer for t, answer in to_survivors.items() if answer != 201}
        assert not refused, f"sent to a survivor and not acknowledged: {refused}"
        unknown = {t for t, (url, answer) in sent.items() if answer != 201}
        assert acknowledged == set(sent) - unknown

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
