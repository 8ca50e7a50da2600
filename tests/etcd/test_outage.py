"""etcd goes away: requests get 503 with Retry-After within a few seconds,
never a 500 or a hang, and the server recovers by itself when it returns."""

from __future__ import annotations

import time

import pytest
import requests

from tests.e2e.processes import ServerProcess
from tests.etcd.cluster import EtcdCluster
from tests.etcd.test_processes import poll

TTL = 2.0
FEW_SECONDS = 5.0


@pytest.fixture
def cluster():
    """A cluster of its own: these tests stop its members."""
    cluster = EtcdCluster(3).start()
    yield cluster
    cluster.stop()


def timed(method: str, url: str, **kw) -> tuple[requests.Response, float]:
    began = time.monotonic()
    answer = requests.request(method, url, timeout=30, **kw)
    return answer, time.monotonic() - began


def assert_unavailable(server: ServerProcess) -> None:
    for method, path, body in (("GET", "/nodes", None), ("GET", "/tasks/t1", None),
                               ("POST", "/tasks", {"id": "t2"}), ("PUT", "/nodes/n1", {"schedulable": False})):
        answer, took = timed(method, server.url + path, json=body)
        assert answer.status_code == 503, (method, path, answer.status_code, answer.text)
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.json()["title"] and answer.json()["description"]
        assert took < FEW_SECONDS, f"{method} {path} took {took:.1f} s"


@pytest.mark.parametrize("stopped", [[0, 1, 2], [1, 2]], ids=["all-members", "quorum-lost"])
def test_an_etcd_outage_gives_503_then_recovery(cluster, stopped):
    with ServerProcess("--store", cluster.store(), "--leader-ttl", str(TTL)) as server:
        assert requests.post(server.url + "/nodes", json={"id": "n1"}, timeout=10).status_code == 201
        assert requests.post(server.url + "/tasks", json={"id": "t1"}, timeout=10).status_code == 201
        poll(lambda: requests.get(server.url + "/tasks/t1", timeout=10).json()["status"] == "running", 10)

        for i in stopped:
            cluster.stop_member(i)
        assert_unavailable(server)
        # It stops leading: nothing reconciles on a store it cannot reach.
        poll(lambda: requests.get(server.url + "/health", timeout=5).json()["leader"] is False, 2 * TTL)
        assert_unavailable(server)

        for i in stopped:
            cluster.start_member(i, wait=False)
        cluster.wait_healthy()
        poll(lambda: requests.get(server.url + "/nodes", timeout=10).status_code == 200, 20, every=0.2)
        assert [n["id"] for n in requests.get(server.url + "/nodes", timeout=10).json()] == ["n1"]
        assert requests.post(server.url + "/tasks", json={"id": "t2"}, timeout=10).status_code in (201, 409)
        # Leading again (the old lease runs out first), it schedules the new task.
        poll(lambda: requests.get(server.url + "/tasks/t2", timeout=10).json()["status"] == "running", 4 * TTL + 10,
             every=0.2)
        assert requests.get(server.url + "/health", timeout=5).json() == {"status": "ok", "leader": True,
                                                                          "store": "etcd"}
        assert "Traceback" not in server.stderr()
