"""The ``orchestrator serve`` process: starts, answers, stops on signals."""

from __future__ import annotations

import signal

import pytest
import requests

from tests.e2e.processes import ServerProcess, run_cli


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_answers_and_stops_cleanly_on_signal(signum):
    server = ServerProcess()
    try:
        assert requests.get(server.url + "/health", timeout=5).json() == {"status": "ok"}
        assert requests.post(server.url + "/nodes", json={"id": "n1"}, timeout=5).status_code == 201
        # An idle keep-alive connection must not hold the process open.
        session = requests.Session()
        session.get(server.url + "/nodes", timeout=5)
        assert server.stop(signum, timeout=5) == 0
        session.close()
    finally:
        server.kill()
    assert "Traceback" not in server.stderr()


def test_serve_refuses_a_taken_port():
    server = ServerProcess()
    try:
        port = server.url.rsplit(":", 1)[1]
        second = run_cli("serve", "--store", "memory", "--port", port)
        assert second.returncode != 0
        assert "cannot serve" in second.stderr
    finally:
        server.stop()


def test_serve_refuses_an_unknown_store():
    result = run_cli("serve", "--store", "postgres://x")
    assert result.returncode == 2
    assert "unknown store 'postgres://x'" in result.stderr
