"""The ``orchestrator serve`` process: starts, answers, stops on signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import requests


def start_server(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    line = process.stdout.readline()  # "orchestrator serving on http://127.0.0.1:PORT"
    assert "serving on" in line, process.stderr.read()
    return process, line.rsplit(" ", 1)[1].strip()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_answers_and_stops_cleanly_on_signal(signum):
    process, url = start_server()
    try:
        assert requests.get(url + "/health", timeout=5).json() == {"status": "ok"}
        assert requests.post(url + "/nodes", json={"id": "n1"}, timeout=5).status_code == 201
        # An idle keep-alive connection must not hold the process open.
        session = requests.Session()
        session.get(url + "/nodes", timeout=5)
        started = time.monotonic()
        process.send_signal(signum)
        assert process.wait(timeout=5) == 0
        print(f"stopped in {time.monotonic() - started:.2f} s")
        session.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in process.stderr.read()


def test_serve_refuses_a_taken_port():
    process, url = start_server()
    try:
        port = url.rsplit(":", 1)[1]
        second = subprocess.run(
            [sys.executable, "-m", "api.cli", "serve", "--port", port],
            capture_output=True, text=True, timeout=20,
        )
        assert second.returncode != 0
        assert "cannot serve" in second.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=5)
