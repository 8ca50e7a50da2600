"""The ``orchestrator serve`` process: starts, answers, stops on signals."""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest
import requests

from tests.e2e.processes import ServerProcess, run_cli
from tests.e2e.watch import Watch


STOP_SECONDS = 1.0
"""The README's bound for a stop on SIGINT or SIGTERM, open keep-alive
connections and watches included. Measured here: about 0.1 s to exit (the
server's poll loop wakes every 0.2 s), the watch ending within 2 ms of the
signal; the bound leaves ten times that for a loaded 2-core machine, and is
far below the 5 s keep-alive period a watch would otherwise wait out."""


@pytest.mark.parametrize("store", ["memory", "sqlite"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_within_a_second_on_signal_ending_open_watches_at_once(signum, store, tmp_path):
    server = ServerProcess("--store", "memory" if store == "memory" else f"sqlite:{tmp_path / 'state.db'}")
    try:
        assert requests.get(server.url + "/health", timeout=5).json() == {"status": "ok", "leader": True, "store": store}
        assert requests.post(server.url + "/nodes", json={"id": "n1"}, timeout=5).status_code == 201
        # An idle keep-alive connection and an open watch must not hold the process open.
        session = requests.Session()
        session.get(server.url + "/nodes", timeout=5)
        watch = Watch(server.url)
        assert watch.opened.wait(timeout=10), watch.lines
        signalled = time.monotonic()
        server.process.send_signal(signum)
        assert server.process.wait(timeout=10) == 0
        stopped = time.monotonic() - signalled
        assert watch.ended.wait(timeout=10)
        watch.join()
        ended = watch.ended_at - signalled
        assert stopped < STOP_SECONDS, f"exited {stopped:.3f} s after {signum.name}"
        assert ended < STOP_SECONDS, f"the watch ended {ended:.3f} s after {signum.name}"
        assert ": keep-alive" not in watch.lines  # ended by the stop, not by a keep-alive write
        session.close()
    finally:
        server.kill()
    assert "Traceback" not in server.stderr()


def test_max_watches_defaults_to_half_of_threads():
    server = ServerProcess("--threads", "4")
    watches = []
    try:
        for _ in range(2):
            watches.append(Watch(server.url))
            assert watches[-1].opened.wait(timeout=10), watches[-1].lines
        third = requests.get(server.url + "/events", params={"watch": "true"}, timeout=10)
        assert third.status_code == 503 and third.headers["Retry-After"] == "5"
        assert "2 watches are open" in third.json()["description"]
        assert requests.get(server.url + "/nodes", timeout=5).status_code == 200  # the other threads still serve
    finally:
        assert server.stop() == 0
    for watch in watches:
        assert watch.ended.wait(timeout=10)


@pytest.mark.parametrize("fsync", ["normal", "full"])
def test_fsync_reaches_the_sqlite_file_through_serve(fsync, tmp_path):
    """The server logs SQLite's own ``PRAGMA synchronous`` as read back at
    start: the flag reached the file's connection, not just the settings."""
    path = tmp_path / "state.db"
    server = ServerProcess("--store", f"sqlite:{path}", "--fsync", fsync)
    try:
        assert requests.post(server.url + "/tasks", json={"id": "t1"}, timeout=5).status_code == 201
        server.process.send_signal(signal.SIGKILL)
        assert server.process.wait(timeout=10) == -signal.SIGKILL
    finally:
        server.kill()
    assert f"(revision 0, synchronous {fsync.upper()})" in server.stderr()
    db = sqlite3.connect(path)
    try:
        assert [row[0] for row in db.execute("SELECT id FROM tasks")] == ["t1"]  # acknowledged, so on disk
    finally:
        db.close()


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
