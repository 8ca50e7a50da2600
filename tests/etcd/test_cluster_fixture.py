"""The test cluster itself: it must not fail a test because a port it chose
was taken before etcd could bind it."""

from __future__ import annotations

import socket

import requests

from tests.etcd.cluster import EtcdCluster


def test_a_taken_port_makes_the_cluster_start_again_on_other_ports():
    cluster = EtcdCluster(size=1)
    first = cluster.client_ports[0]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", first))
        taken.listen()
        try:
            cluster.start(timeout=20)
            assert cluster.client_ports[0] != first
            health = requests.get(f"http://127.0.0.1:{cluster.client_ports[0]}/health", timeout=5).json()
            assert health["health"] == "true"
        finally:
            cluster.stop()


def test_a_cluster_that_cannot_start_leaves_no_member_running():
    cluster = EtcdCluster(size=2)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", cluster.client_ports[1]))
        taken.listen()
        try:
            cluster.start(timeout=20, attempts=1)
        except RuntimeError as exc:
            assert "address already in use" in str(exc)
        else:
            cluster.stop()
            raise AssertionError("started on a taken port")
    assert all(process is None for process in cluster.processes)
