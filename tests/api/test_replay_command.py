"""``orchestrator simulate replay`` from the command line, and our workload
format (YAML and JSON lines)."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from api.cli import main
from api.workload_file import WorkloadError, read
from tests.actors.simulation.trace_files import small_cluster

EXAMPLE = Path(__file__).resolve().parents[2] / "scripts" / "example-workload.yaml"


def replay(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["simulate", "replay", *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_example_workload_replays_and_writes_json_plot_and_events(tmp_path):
    code, out, err = replay("--workload", str(EXAMPLE), "--policy", "spread", "--policy", "binpack",
                            "--json", str(tmp_path / "r.json"), "--plot", str(tmp_path / "r.png"),
                            "--events", str(tmp_path / "events.jsonl"))
    assert code == 0, err
    assert out.startswith("example-workload: 4 nodes, 33 task arrivals over 30.0 min")
    document = json.loads((tmp_path / "r.json").read_text())
    runs = document["runs"]
    assert [r["policy"] for r in runs] == ["spread", "binpack"]
    for run in runs:
        assert set(run) >= {"policy", "seed", "tasks", "wait_seconds", "virtual_seconds", "wall_seconds",
                            "events_sha256", "makespan_seconds", "rescheduled", "samples", "time_spent"}
        assert run["tasks"] == {"total": 37, "placed": 36, "never_placed": 0, "withdrawn": 1}
        log = (tmp_path / f"events.{run['policy']}.jsonl").read_bytes()
        assert hashlib.sha256(log).hexdigest() == run["events_sha256"]
        first = json.loads(log.splitlines()[0])
        assert set(first) == {"seq", "time", "kind", "object", "reason", "message"}  # as GET /events shows it
    assert runs[0]["rescheduled"] >= 5  # edge fell silent, b1 failed
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_replay_twice_is_the_same_byte_for_byte(tmp_path):
    for name in ("a", "b"):
        assert replay("--workload", str(EXAMPLE), "--events", str(tmp_path / f"{name}.jsonl"))[0] == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_openb_files_replay_with_the_production_wait_beside(tmp_path):
    nodes, pods = small_cluster(tmp_path)
    code, out, err = replay("--nodes", str(nodes), "--workload", str(pods), "--policy", "fgd")
    assert code == 0, err
    assert "production wait p50/p95/p99/max (s), from the trace:" in out
    assert out.splitlines()[2].split()[0] == "fgd"


def test_a_synthetic_workload_follows_its_seed(tmp_path):
    hashes = []
    for seed in ("1", "1", "2"):
        code, out, err = replay("--synthetic", "--tasks", "200", "--node-count", "3", "--seed", seed,
                                "--json", str(tmp_path / "r.json"))
        assert code == 0, err
        hashes.append(json.loads((tmp_path / "r.json").read_text())["runs"][0]["events_sha256"])
    assert hashes[0] == hashes[1] != hashes[2]


def test_json_lines_say_the_same_as_yaml(tmp_path):
    (tmp_path / "w.jsonl").write_text("\n".join([
        '{"type": "settings", "heartbeat_every": 5}',
        '{"type": "node", "id": "n1", "capacity": {"cpu": 2000}}',
        '{"type": "task", "at": 1, "id": "t", "count": 2, "resources": {"cpu": 1000}, "duration": 3}',
        '{"type": "node_event", "at": 2, "node": "n1", "action": "cordon"}',
    ]) + "\n")
    (tmp_path / "w.yaml").write_text(
        "heartbeat_every: 5\nnodes: [{id: n1, capacity: {cpu: 2000}}]\n"
        "tasks: [{at: 1, id: t, count: 2, resources: {cpu: 1000}, duration: 3}]\n"
        "node_events: [{at: 2, node: n1, action: cordon}]\n")
    assert read(tmp_path / "w.jsonl").events == read(tmp_path / "w.yaml").events
    assert read(tmp_path / "w.jsonl").heartbeat_every == 5.0


@pytest.mark.parametrize(("text", "says"), [
    ("tasks: [{id: t, resources: {cpu: 1}}]", "tasks[0].at: is required"),
    ("tasks: [{at: -1}]", "tasks[0].at: must be a number of seconds"),
    ("tasks: [{at: 1, resources: {cpu: lots}}]", "tasks[0].resources.cpu"),
    ("tasks: [{at: 1, count: 0}]", "tasks[0].count: must be a whole number"),
    ("tasks: [{at: 1, colour: red}]", "tasks[0].colour: unknown field"),
    ("nodes: [{id: n1}, {id: n1}]", "nodes[1].id: node 'n1' is given twice"),
    ("tasks: [{at: 1, id: t}, {at: 2, id: t}]", "tasks[1].id: task 't' is given twice"),
    ("tasks: [{at: 1, id: t, count: 2}, {at: 2, id: t-2}]", "tasks[1].id: task 't-2' is given twice"),
    ("deployments: [{id: web, template: {}}, {id: web, template: {}}]",
     "deployments[1].id: deployment 'web' is given twice"),
    ("nodes: [{capacity: {cpu: 1}}]", "nodes[0].id"),
    ("node_events: [{at: 1, node: n1, action: explode}]", "node_events[0].action: must be one of"),
    ("deployments: [{id: web, scale: [{at: 5, replicas: -1}]}]", "deployments[0].scale[0].replicas"),
    ("jobs: []", "unknown section 'jobs'"),
    ("[1, 2]", "must be a mapping"),
    ("tasks: {", "not YAML"),
])
def test_a_bad_workload_file_names_the_field(tmp_path, text, says):
    path = tmp_path / "w.yaml"
    path.write_text(text)
    with pytest.raises(WorkloadError, match=rf"w.yaml: .*{__import__('re').escape(says)}"):
        read(path)


@pytest.mark.parametrize(("args", "says"), [
    (["--policy", "fastest", "--synthetic"], "error: no policy 'fastest'"),
    ([], "give --workload FILE"),
    (["--synthetic", "--workload", "x.yaml"], "--synthetic makes its own nodes and tasks"),
    (["--workload", "pods.csv"], "the openb format needs --nodes"),
    (["--workload", "missing.yaml"], "missing.yaml: cannot be read"),
])
def test_what_cannot_run_is_an_error_naming_it(args, says):
    code, out, err = replay(*args)
    assert code == 2 and says in err and out == ""


def test_a_workload_event_the_control_plane_refuses_ends_the_replay_with_an_error_naming_it(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("nodes: [{id: n1, capacity: {cpu: 4000, memory: 8192}}]\n"
                    "node_events: [{at: 5, node: nope, action: cordon}]\n")
    code, out, err = replay("--workload", str(path))
    assert code == 1 and out == ""
    assert err.strip() == "error: at 5 s, the node event 'cordon' of node 'nope' was refused: node 'nope' not found"


def test_the_progress_bar_shows_virtual_time_against_the_span():
    from api.replay_command import _ProgressBar

    err = io.StringIO()
    bar = _ProgressBar(err, "spread")
    bar.update(43_200.0, 86_400.0)
    bar.update(50_000.0, 86_400.0)  # within 0.2 s of the last: not drawn again
    assert err.getvalue() == "\rspread: [###############               ]  50% virtual 12.0 h of 1.0 d"
    bar.close()
    assert err.getvalue().endswith("\r")
