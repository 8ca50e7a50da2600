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
        assert requests.get(server.url + "/health", timeout=5).json() == {"status": "ok", "leader": True, "store": "memory"}
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


def test_a_public_address_needs_tokens_or_insecure():
    result = run_cli("serve", "--store", "memory", "--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 2
    assert "refusing to listen on 0.0.0.0 without access control" in result.stderr


def test_a_bad_token_file_stops_the_server(tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("secret-but-short admin-ish\n")
    result = run_cli("serve", "--store", "memory", "--token-file", str(tokens))
    assert result.returncode == 2
    assert "line 1: role must be admin or viewer" in result.stderr
    assert "secret-but-short" not in result.stderr


def test_tokens_guard_a_real_server_and_the_cli_sends_them(tmp_path):
    admin, viewer = "a" * 20, "v" * 20
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{admin} admin\n{viewer} viewer\n")
    server = ServerProcess("--token-file", str(tokens), "--host", "0.0.0.0")
    try:
        url = server.url.replace("0.0.0.0", "127.0.0.1")
        assert requests.get(url + "/health", timeout=5).status_code == 200
        assert requests.get(url + "/nodes", timeout=5).status_code == 401
        assert run_cli("cordon", "n1", "--server", url).returncode == 1
        created = run_cli("apply", "-f", "-", "--server", url, "--token", admin, input_text="kind: Node\nid: n1\n")
        assert (created.returncode, created.stdout) == (0, "node/n1 created\n")
        denied = run_cli("cordon", "n1", "--server", url, "--token", viewer)
        assert denied.returncode == 1 and "Forbidden" in denied.stderr
        listed = run_cli("get", "nodes", "--server", url, "--token", viewer)
        assert listed.returncode == 0 and "n1" in listed.stdout
    finally:
        server.stop()
    assert admin not in server.stderr() and viewer not in server.stderr()
