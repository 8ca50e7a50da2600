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
