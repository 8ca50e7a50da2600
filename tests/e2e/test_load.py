"""``scripts/load.py`` against a real ``orchestrator serve`` process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
import requests

from tests.e2e.processes import ROOT, ServerProcess

SCRIPT = os.path.join(ROOT, "scripts", "load.py")


def load(*args: str, env: dict[str, str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def server():
    server = ServerProcess("--log-level", "warning")
    yield server
    server.stop()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_a_short_run_with_a_failed_node_settles_every_task(server):
    # Tasks last 0.5-1 s, so when the node fails (before task 100) the
    # tasks of the last half second still run, a fifth of them on it.
    result = load("--server", server.url, "--nodes", "5", "--tasks", "200", "--clients", "4",
                  "--duration-range", "0.5,1", "--fail-nodes", "1", "--poll-interval", "0.1",
                  "--prefix", "short", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    tasks = report["tasks"]
    assert (tasks["submitted"], tasks["acknowledged"], tasks["settled"], tasks["lost"]) == (200, 200, 200, 0)
    assert tasks["by_status"] == {"succeeded": 200}
    assert tasks["rescheduled"] > 0, "no task of the failed node was placed again"
    assert report["ok"] and report["errors"] == {}
    assert report["requests"]["POST /tasks"] == {"201": 200}
    assert report["requests"]["PUT /nodes/{id}"] == {"200": 1}
    for key in ("create", "to_scheduled", "to_running", "to_done"):
        figures = report["latency_ms"][key]
        assert figures["count"] == 200 and figures["p50"] <= figures["p95"] <= figures["p99"] <= figures["max"]
    assert report["latency_ms"]["to_done"]["p50"] >= 500  # includes the task's duration
    assert report["throughput"]["creates_per_s"] > 0
    # The node the report names is the one that failed on the server.
    unhealthy = requests.get(server.url + "/nodes?healthy=false", timeout=5).json()
    assert [n["id"] for n in unhealthy] == report["failed_nodes"]
    assert report["failed_nodes"][0].startswith("short-n")
    assert "Traceback" not in result.stderr


def test_a_run_with_gpus_settles_every_task_and_some_ask_for_gpu(server):
    result = load("--server", server.url, "--nodes", "3", "--tasks", "60", "--clients", "4", "--gpus-per-node", "2",
                  "--gpu-tasks", "0.5", "--duration-range", "0.05,0.2", "--poll-interval", "0.1", "--prefix", "gpu",
                  "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["tasks"]["by_status"] == {"succeeded": 60}
    nodes = requests.get(server.url + "/nodes", timeout=5).json()
    assert all(n["capacity"]["gpu"] == 2 for n in nodes if n["id"].startswith("gpu-"))
    asked = [t for t in requests.get(server.url + "/tasks", timeout=5).json()
             if t["id"].startswith("gpu-") and "gpu" in t["resources"]]
    assert 15 <= len(asked) <= 45 and all(t["gpu_devices"] for t in asked)


def test_tasks_that_do_not_settle_in_time_are_lost_and_fail_the_run(server):
    result = load("--server", server.url, "--nodes", "1", "--tasks", "5", "--duration-range", "60,60",
                  "--timeout", "0.3", "--poll-interval", "0.1", "--prefix", "slow")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "5 submitted, 5 acknowledged, 0 settled (5 running), 5 lost" in result.stdout
    assert "FAILED: 5 tasks had not settled after 0.3 s" in result.stdout


def test_a_taken_prefix_stops_the_run(server):
    args = ("--server", server.url, "--nodes", "1", "--tasks", "1", "--duration-range", "0,0", "--prefix", "twice")
    assert load(*args).returncode == 0
    again = load(*args)
    assert again.returncode == 2
    assert "registered 0 of 1 nodes; the others got 1 x 409 (the prefix is taken" in again.stderr


def test_no_server_exits_2_with_a_message():
    result = load("--server", closed_port_url(), "--tasks", "1")
    assert result.returncode == 2
    assert "does not answer GET /health with 200 (no answer)" in result.stderr


def test_server_url_comes_from_the_environment():
    url = closed_port_url()
    result = load("--tasks", "1", env={"ORCHESTRATOR_URL": url})
    assert result.returncode == 2 and url in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nodes", "2", "--fail-nodes", "2"], "--fail-nodes must be at least 0 and less than --nodes"),
        (["--duration-range", "3,1"], "argument --duration-range"),
        (["--prefix", "Upper"], "--prefix: 'Upper-n9' is not a valid id"),
        (["--gpu-tasks", "0.5"], "--gpu-tasks needs --gpus-per-node"),
        (["--gpus-per-node", "65"], "--gpus-per-node must be from 0 to 64"),
    ],
)
def test_bad_arguments_exit_2(args, message):
    result = load("--server", closed_port_url(), *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_plot_without_matplotlib_says_how_to_install_it_before_running(tmp_path):
    fake = tmp_path / "matplotlib"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ModuleNotFoundError('No module named matplotlib', name='matplotlib')\n")
    result = load("--server", closed_port_url(), "--plot", str(tmp_path / "out.png"), env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 2
    assert "--plot needs matplotlib" in result.stderr and ".[plot]" in result.stderr
    assert "does not answer" not in result.stderr  # it did not start the run
