"""Durable state on SQLite: nothing acknowledged is lost, whatever happens
to the process (real subprocess, real HTTP, real SIGKILL)."""

from __future__ import annotations

import concurrent.futures
import signal
import sqlite3
import threading

import pytest
import requests

from actors.store import codec
from tests.e2e.processes import ServerProcess, run_cli

CLIENTS = 8
ROUNDS = 3
TASKS_PER_ROUND = 1800  # acknowledged creates before each kill: 5,400 in all


def _client(url: str, client: int, round_: int, acked: list[str], nodes: list[str], enough: threading.Event) -> None:
    """Create tasks (and now and then a node) until told to stop or the server dies."""
    session = requests.Session()
    n = 0
    try:
        while not enough.is_set():
            n += 1
            if n % 50 == 0:
                node_id = f"n-{round_}-{client}-{n}"
                if session.post(url + "/nodes", json={"id": node_id}, timeout=10).status_code == 201:
                    nodes.append(node_id)
                continue
            task_id = f"t-{round_}-{client}-{n}"
            response = session.post(url + "/tasks", json={"id": task_id, "resources": {"cpu": 1}}, timeout=10)
            if response.status_code == 201:
                acked.append(task_id)  # list.append is atomic
                if len(acked) >= TASKS_PER_ROUND * (round_ + 1):
                    enough.set()
    except requests.RequestException:
        pass  # the server was killed under us: what was acknowledged must be there
    finally:
        session.close()


def _check_file(path: str) -> tuple[set[str], set[str]]:
    """Integrity, and every row whole: (task ids, node ids) stored."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tasks = {codec.decode_task(data).id for (data,) in db.execute("SELECT data FROM tasks")}
        nodes = {codec.decode_node(data).id for (data,) in db.execute("SELECT data FROM nodes")}
        return tasks, nodes
    finally:
        db.close()


@pytest.mark.long
def test_acknowledged_writes_survive_repeated_sigkill(tmp_path):
    path = str(tmp_path / "state.db")
    acked: list[str] = []
    nodes: list[str] = []
    for round_ in range(ROUNDS):
        server = ServerProcess("--store", f"sqlite:{path}")
        try:
            if round_:
                listed = [t["id"] for t in requests.get(server.url + "/tasks", timeout=30).json()]
                assert len(listed) == len(set(listed)), "a task is listed twice"
                assert set(acked) <= set(listed), "an acknowledged task was lost"
            enough = threading.Event()
            with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
                futures = [pool.submit(_client, server.url, c, round_, acked, nodes, enough) for c in range(CLIENTS)]
                assert enough.wait(timeout=120), f"only {len(acked)} tasks acknowledged in 120 s"
                server.process.send_signal(signal.SIGKILL)  # mid-flight: clients are still sending
                for future in futures:
                    future.result(timeout=30)
            assert server.process.wait(timeout=10) == -signal.SIGKILL, "the server was not the one killed"
        finally:
            server.kill()
        stored_tasks, stored_nodes = _check_file(path)
        assert set(acked) <= stored_tasks
        assert set(nodes) <= stored_nodes
    assert len(acked) >= 5000
    server = ServerProcess("--store", f"sqlite:{path}")
    try:
        listed = [t["id"] for t in requests.get(server.url + "/tasks", timeout=30).json()]
        assert set(acked) <= set(listed) and len(listed) == len(set(listed))
        listed_nodes = {n["id"] for n in requests.get(server.url + "/nodes", timeout=30).json()}
        assert set(nodes) <= listed_nodes
    finally:
        server.stop()


def _state(url: str) -> tuple[list[dict], list[dict]]:
    return (requests.get(url + "/nodes", timeout=10).json(), requests.get(url + "/tasks", timeout=10).json())


def _wait_status(url: str, task_id: str, status: str, timeout: float = 20) -> dict:
    """Polls: the server is another process, whose change feed a test cannot wait on."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        task = requests.get(f"{url}/tasks/{task_id}", timeout=10).json()
        if task["status"] == status:
            return task
        assert time.monotonic() < deadline, f"{task_id} is {task['status']}, not {status}"
        threading.Event().wait(0.05)


def test_a_cluster_resumes_after_a_clean_restart_and_a_crash(tmp_path):
    path = f"sqlite:{tmp_path / 'state.db'}"
    server = ServerProcess("--store", path)
    try:
        url = server.url
        assert requests.post(url + "/nodes", json={"id": "n1", "capacity": {"cpu": 1000}}, timeout=10).status_code == 201
        requests.post(url + "/tasks", json={"id": "done", "duration": 0.05}, timeout=10)
        _wait_status(url, "done", "succeeded")
        requests.post(url + "/tasks", json={"id": "timed", "resources": {"cpu": 600}, "duration": 4}, timeout=10)
        running = _wait_status(url, "timed", "running")
        requests.post(url + "/tasks", json={"id": "waiting", "resources": {"cpu": 600}}, timeout=10)
        _wait_until_message(url, "waiting")
        before = _state(url)
        assert server.stop(signal.SIGTERM) == 0
    finally:
        server.kill()

    for how in (signal.SIGTERM, signal.SIGKILL):
        server = ServerProcess("--store", path)
        try:
            assert _state(server.url) == before, f"state changed across a restart before {how.name}"
            server.stop(how)
        finally:
            server.kill()

    server = ServerProcess("--store", path)
    try:
        finished = _wait_status(server.url, "timed", "succeeded")
        assert finished["started_at"] == running["started_at"]
        _assert_seconds_apart(finished["started_at"], finished["finished_at"], 4.0)
        moved = _wait_status(server.url, "waiting", "running")
        assert moved["node"] == "n1"
    finally:
        server.stop()


def _wait_until_message(url: str, task_id: str) -> None:
    """Polls: the server is another process, whose change feed a test cannot wait on."""
    import time

    deadline = time.monotonic() + 10
    while not requests.get(f"{url}/tasks/{task_id}", timeout=10).json()["message"]:
        assert time.monotonic() < deadline
        threading.Event().wait(0.02)


def _assert_seconds_apart(start: str, end: str, seconds: float) -> None:
    import datetime

    parse = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    assert abs((parse(end) - parse(start)).total_seconds() - seconds) < 0.002


def test_two_writers_with_one_version_one_wins(tmp_path):
    server = ServerProcess("--store", f"sqlite:{tmp_path / 'state.db'}")
    try:
        node = requests.post(server.url + "/nodes", json={"id": "n1"}, timeout=10).json()
        barrier = threading.Barrier(2)

        def put(writer: str) -> int:
            barrier.wait(timeout=10)
            return requests.put(
                server.url + "/nodes/n1",
                json={"labels": {"writer": writer}, "version": node["version"]},
                timeout=10,
            ).status_code

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            codes = sorted(pool.map(put, ("a", "b")))
        assert codes == [200, 409]
        stale = requests.delete(server.url + "/nodes/n1", headers={"If-Match": f'"{node["version"]}"'}, timeout=10)
        assert stale.status_code == 409
        assert "current" in stale.json()["description"] or "has version" in stale.json()["description"]
    finally:
        server.stop()


def _bytes(path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def test_bad_store_files_are_refused_and_left_untouched(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"\x00\x01 not sqlite " * 1000)
    result = run_cli("serve", "--port", "0", "--store", f"sqlite:{garbage}")
    assert result.returncode == 2
    assert "not a SQLite database" in result.stderr
    assert garbage.read_bytes() == b"\x00\x01 not sqlite " * 1000

    newer = tmp_path / "newer.db"
    db = sqlite3.connect(newer)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('schema_version', 999)")
    db.commit()
    db.close()
    before = _bytes(newer)
    result = run_cli("serve", "--port", "0", "--store", f"sqlite:{newer}")
    assert result.returncode == 2
    assert "schema version 999" in result.stderr
    assert _bytes(newer) == before

    result = run_cli("serve", "--port", "0", "--store", "sqlite:/proc/self/state.db")
    assert result.returncode == 2
    assert "not writable" in result.stderr or "cannot open" in result.stderr


BATCH = 200
BATCHES = 20  # acknowledged batches before the kill: 4,000 tasks


def test_acknowledged_batches_survive_sigkill_whole(tmp_path):
    # Batches of 200 from 4 clients; SIGKILL mid-flight. At least 20 batches
    # were acknowledged, every acknowledged batch is stored whole, and every
    # stored batch is whole (one transaction).
    path = str(tmp_path / "state.db")
    acked: list[list[str]] = []
    refused: list[str] = []
    enough = threading.Event()
    server = ServerProcess("--store", f"sqlite:{path}")

    def client(c: int) -> None:
        """Post batches until told to stop; once told, a lost connection is
        the kill, and before that it is a failure."""
        session = requests.Session()
        try:
            for n in range(10_000):
                if enough.is_set():
                    return
                ids = [f"b-{c}-{n}-{i}" for i in range(BATCH)]
                try:
                    response = session.post(server.url + "/tasks", json=[{"id": i} for i in ids], timeout=10)
                except requests.RequestException:
                    if enough.is_set():
                        return  # killed under us: what was acknowledged must be there
                    raise
                if response.status_code == 201:
                    acked.append(ids)  # list.append is atomic
                    if len(acked) >= BATCHES:
                        enough.set()
                else:
                    refused.append(f"{response.status_code}: {response.text[:200]}")
        finally:
            session.close()

    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(client, c) for c in range(4)]
            assert enough.wait(timeout=120), f"only {len(acked)} batches acknowledged in 120 s"
            server.process.send_signal(signal.SIGKILL)  # mid-flight: clients are still sending
            for future in futures:
                future.result(timeout=30)
        assert server.process.wait(timeout=10) == -signal.SIGKILL, "the server was not the one killed"
    finally:
        server.kill()
    assert not refused, f"batches refused before the kill: {refused[:3]}"
    assert len(acked) >= BATCHES
    stored, _ = _check_file(path)
    assert all(set(ids) <= stored for ids in acked)
    batches = {tuple(task_id.split("-")[1:3]) for task_id in stored}
    assert len(batches) >= len(acked)
    for c, n in batches:
        assert {f"b-{c}-{n}-{i}" for i in range(BATCH)} <= stored, f"batch {c}-{n} is stored in part"
