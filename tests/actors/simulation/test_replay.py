"""Replays on the virtual clock through the real actors: exact times, the
same log every time, the openb rules."""

from __future__ import annotations

import orjson
import pytest

from actors.domain.models import NodeSpec, Resources, TaskSpec
from actors.simulation import openb
from actors.simulation.replay import BASE, ReplayError, percentiles, replay
from actors.simulation.workload import Arrival, Deploy, NodeEvent, Scale, Workload, from_openb, synthetic
from actors.domain.models import DeploymentSpec, TaskTemplate


def log_of(workload, **kwargs):
    lines = []
    report = replay(workload, write=lines.append, **kwargs)
    events = [orjson.loads(line) for line in lines]
    return report, events


def times(events, object_id):
    return [(e["reason"], e["time"] - BASE) for e in events if e["object"] == object_id]


def test_a_task_is_placed_when_it_arrives_and_ends_exactly_its_duration_later():
    workload = Workload("clock", [NodeSpec("n1", Resources(4000, 8192))],
                        [(10.0, Arrival(TaskSpec(id="t1", resources=Resources(500, 512), duration=30.0)))])
    report, events = log_of(workload)
    assert times(events, "t1") == [("Created", 10.0), ("Scheduled", 10.0), ("Started", 10.0), ("Succeeded", 40.0)]
    assert report.virtual_seconds == 40.0 and report.makespan_seconds == 40.0
    assert report.tasks == {"total": 1, "placed": 1, "never_placed": 0, "withdrawn": 0}
    assert report.wait_seconds == {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}


def test_a_silent_real_node_is_unhealthy_exactly_node_timeout_after_its_last_heartbeat():
    workload = Workload(
        "heartbeats", [NodeSpec("real", Resources(4000, 8192), simulated=False)],
        [(5.0, Arrival(TaskSpec(id="t1", resources=Resources(500, 512)))),
         (6.0, NodeEvent("sim", "add", NodeSpec("sim", Resources(4000, 8192)))),
         (25.0, NodeEvent("real", "fail"))],
        heartbeat_every=10.0)
    report, events = log_of(workload, node_timeout=40.0)
    assert ("Unhealthy", 60.0) in times(events, "real")  # last heartbeat at 20
    assert times(events, "t1")[-3:] == [("Rescheduled", 60.0), ("Scheduled", 60.0), ("Started", 60.0)]
    assert report.rescheduled == 1 and report.virtual_seconds == 60.0


def test_an_arrival_the_datastore_refuses_stops_the_replay_naming_it():
    spec = TaskSpec(id="t1", resources=Resources(500, 512), duration=1.0)
    workload = Workload("twice", [NodeSpec("n1", Resources(4000, 8192))],
                        [(1.0, Arrival(spec)), (3.0, Arrival(TaskSpec(id="t2"))), (3.0, Arrival(spec))])
    with pytest.raises(ReplayError, match=r"^at 3 s, the arrival of task 't1' was refused: task 't1' already exists$"):
        replay(workload)


def test_events_due_at_one_moment_are_all_applied_before_the_scheduler_runs():
    # the big task arrives at the same moment as the small ones, after them:
    # placed at once, the small ones would fill the node first
    small = [(0.0, Arrival(TaskSpec(id=f"s{i}", resources=Resources(1000, 0), priority=0))) for i in range(4)]
    workload = Workload("moment", [NodeSpec("n1", Resources(4000, 8192))],
                        small + [(0.0, Arrival(TaskSpec(id="big", resources=Resources(4000, 0), priority=5)))])
    _, events = log_of(workload)
    assert ("Scheduled", 0.0) in times(events, "big")
    assert all(("Scheduled", 0.0) not in times(events, f"s{i}") for i in range(4))


def test_the_same_replay_gives_the_same_log_and_another_seed_another():
    first = replay(synthetic(300, 4, seed=1))
    again = replay(synthetic(300, 4, seed=1))
    other = replay(synthetic(300, 4, seed=2))
    assert first.events_sha256 == again.events_sha256
    wall = {"wall_seconds": 0, "time_spent": {}, "virtual_seconds_per_wall_second": 0}
    assert first.as_json() | wall == again.as_json() | wall
    assert other.events_sha256 != first.events_sha256


def test_deployments_scale_over_time_with_replicas_named_alike_every_run():
    template = TaskTemplate(resources=Resources(100, 128))
    workload = Workload("deploy", [NodeSpec("n1", Resources(4000, 8192))],
                        [(0.0, Deploy(DeploymentSpec("web", 2, template))), (100.0, Scale("web", 3)),
                         (200.0, Scale("web", 1))])
    report, events = log_of(workload)
    created = [e["object"] for e in events if e["reason"] == "Created" and e["kind"] == "task"]
    assert created == ["web-r000001", "web-r000002", "web-r000003"]
    deleted = [(e["object"], e["time"] - BASE) for e in events if e["reason"] == "Deleted"]
    assert deleted == [("web-r000003", 200.0), ("web-r000002", 200.0)]
    assert report.tasks["total"] == 3


def test_samples_follow_the_requested_share_and_the_queue():
    workload = Workload("samples", [NodeSpec("n1", Resources(1000, 1000))],
                        [(0.0, Arrival(TaskSpec(id="a", resources=Resources(1000, 500), duration=50.0))),
                         (0.0, Arrival(TaskSpec(id="b", resources=Resources(1000, 500), duration=50.0))),
                         (100.0, Arrival(TaskSpec(id="c", resources=Resources(10, 10), duration=1.0)))])
    report = replay(workload, samples=10)
    first = report.samples[0]
    assert (first.at, first.cpu, first.memory, first.pending) == (0.0, 1.0, 0.5, 1)  # b waits for a
    at_60 = next(s for s in report.samples if s.at == 60.0)
    assert (at_60.cpu, at_60.pending) == (1.0, 0)  # b runs from 50 to 100
    assert report.wait_seconds["max"] == 50.0


def test_percentiles_take_the_nearest_rank():
    assert percentiles(list(range(1, 101))) == {"p50": 50.0, "p95": 95.0, "p99": 99.0, "max": 100.0}
    assert percentiles([]) == {"p50": None, "p95": None, "p99": None, "max": None}


OPENB_NODES = "sn,cpu_milli,memory_mib,gpu,model\nn1,8000,16384,2,T4\nn2,8000,16384,0,\n"
OPENB_PODS = (
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n"
    "ran,1000,1024,1,500,T4,LS,Succeeded,10,110,40\n"  # waited 30 s in production, ran 70 s
    "never,1000,1024,0,0,,BE,Pending,20,50,\n"  # never placed there: leaves at 50
    "blocked,64000,1024,0,0,,BE,Pending,20,90,\n"  # fits nowhere here either: withdrawn at 90
    "failed,500,512,0,0,,LS,Failed,30,40,31\n"
    "forever,500,512,0,0,,LS,Running,5,,6\n"  # still running when the trace ends
)


@pytest.fixture
def trace(tmp_path):
    (tmp_path / "nodes.csv").write_text(OPENB_NODES)
    (tmp_path / "pods.csv").write_text(OPENB_PODS)
    return from_openb(openb.read_nodes(tmp_path / "nodes.csv"), openb.read_pods(tmp_path / "pods.csv"))


def test_openb_tasks_arrive_run_their_production_time_and_leave_as_the_trace_says(trace):
    report, events = log_of(trace)
    assert times(trace_events := events, "ran") == [("Created", 10.0), ("Scheduled", 10.0), ("Started", 10.0),
                                                     ("Succeeded", 80.0)]
    assert times(trace_events, "never")[-1] == ("Deleted", 50.0)  # placed here, then deleted at its time
    assert times(trace_events, "blocked")[-1] == ("Deleted", 90.0)
    assert times(trace_events, "failed")[-1] == ("Failed", 39.0)  # its 9 s of production, from 30
    assert times(trace_events, "forever")[-1] == ("Started", 5.0)
    assert report.tasks == {"total": 5, "placed": 4, "never_placed": 0, "withdrawn": 1}
    assert report.production_wait_seconds == {"p50": 1.0, "p95": 30.0, "p99": 30.0, "max": 30.0}
    assert report.makespan_seconds == 90.0
    ran = next(e for e in events if e["object"] == "ran" and e["reason"] == "Scheduled")
    assert "n1" in ran["message"]  # its GPU model is only there


def test_a_replay_keeps_no_placement_explanations(monkeypatch):
    # explaining a placement costs ten placements, and nobody asks a replay's
    from actors.simulation import replay as replay_module

    planes, start = [], replay_module.start_control_plane
    monkeypatch.setattr(replay_module, "start_control_plane", lambda settings: planes.append(start(settings)) or planes[-1])
    kept = []
    workload = Workload("explain", [NodeSpec("n1", Resources(4000, 8192))],
                        [(1.0, Arrival(TaskSpec(id="t1", resources=Resources(500, 512))))])
    replay(workload, progress=lambda at, span: kept.append(planes[0].scheduler.recorded("t1").get(timeout=5)))
    assert kept and kept[-1] is None
