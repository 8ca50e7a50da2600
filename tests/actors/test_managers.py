from __future__ import annotations

import concurrent.futures
import dataclasses

import pytest

from actors.domain.errors import AlreadyExists, Conflict, NotFound, VersionConflict
from actors.domain.models import NodeChanges, NodeSpec, Resources, TaskSpec, TaskStatus
from tests.helpers import settle


def test_register_stamps_times_and_defaults(control_plane, clock):
    node = control_plane.node_manager.register(NodeSpec("n1")).get(timeout=5)
    assert (node.created_at, node.last_heartbeat) == (clock.now, clock.now)
    assert node.capacity == Resources(4000, 8192) and node.healthy and node.schedulable and node.simulated
    with pytest.raises(AlreadyExists):
        control_plane.node_manager.register(NodeSpec("n1")).get(timeout=5)


def test_update_changes_only_what_is_given(control_plane):
    control_plane.node_manager.register(NodeSpec("n1", labels={"zone": "a"})).get(timeout=5)
    node = control_plane.node_manager.update("n1", NodeChanges(schedulable=False)).get(timeout=5)
    assert (node.schedulable, node.healthy, dict(node.labels)) == (False, True, {"zone": "a"})
    node = control_plane.node_manager.update("n1", NodeChanges(labels={})).get(timeout=5)
    assert dict(node.labels) == {}


def test_an_update_with_a_stale_version_is_refused(control_plane):
    node = control_plane.node_manager.register(NodeSpec("n1")).get(timeout=5)
    control_plane.node_manager.update("n1", NodeChanges(schedulable=False), node.version).get(timeout=5)
    with pytest.raises(VersionConflict):
        control_plane.node_manager.update("n1", NodeChanges(healthy=False), node.version).get(timeout=5)
    with pytest.raises(VersionConflict):
        control_plane.node_manager.delete("n1", node.version).get(timeout=5)


def test_missing_nodes_and_tasks_are_not_found(control_plane):
    for call in (
        control_plane.node_manager.get("x"),
        control_plane.node_manager.heartbeat("x"),
        control_plane.node_manager.delete("x"),
        control_plane.task_manager.get("x"),
        control_plane.task_manager.delete("x"),
        control_plane.task_manager.update_status("x", TaskStatus.FAILED),
    ):
        with pytest.raises(NotFound):
            call.get(timeout=5)


def test_tasks_get_unique_ids_and_default_names(control_plane):
    made = [control_plane.task_manager.create(TaskSpec()).get(timeout=5) for _ in range(50)]
    assert len({t.id for t in made}) == 50
    assert all(t.name == t.id and t.id.startswith("task-") for t in made)
    named = control_plane.task_manager.create(TaskSpec(id="x", name="my job")).get(timeout=5)
    assert (named.id, named.name, named.status) == ("x", "my job", TaskStatus.PENDING)


def test_racing_creates_of_one_id_give_exactly_one_task(control_plane):
    def create(_):
        try:
            control_plane.task_manager.create(TaskSpec(id="same")).get(timeout=5)
            return "created"
        except AlreadyExists:
            return "exists"

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(create, range(20)))
    assert outcomes.count("created") == 1
    assert [t.id for t in control_plane.task_manager.list().get(timeout=5)] == ["same"]


def test_an_agent_reports_progress_on_a_real_node(control_plane, clock):
    control_plane.node_manager.register(NodeSpec("real", simulated=False)).get(timeout=5)
    control_plane.task_manager.create(TaskSpec(id="t1", resources=Resources(100, 100))).get(timeout=5)
    settle(control_plane)
    tm = control_plane.task_manager
    assert tm.get("t1").get(timeout=5).status is TaskStatus.SCHEDULED
    with pytest.raises(Conflict, match="scheduled to succeeded"):
        tm.update_status("t1", TaskStatus.SUCCEEDED).get(timeout=5)
    clock.advance(1)
    running = tm.update_status("t1", TaskStatus.RUNNING).get(timeout=5)
    assert running.started_at == clock.now
    clock.advance(1)
    done = tm.update_status("t1", TaskStatus.SUCCEEDED).get(timeout=5)
    assert (done.status, done.finished_at) == (TaskStatus.SUCCEEDED, clock.now)
    assert control_plane.node_manager.get("real").get(timeout=5).allocated == Resources(0, 0)


def test_deleting_a_task_frees_its_node(control_plane):
    control_plane.node_manager.register(NodeSpec("n1")).get(timeout=5)
    control_plane.task_manager.create(TaskSpec(id="t1", resources=Resources(4000, 1))).get(timeout=5)
    control_plane.task_manager.create(TaskSpec(id="t2", resources=Resources(4000, 1))).get(timeout=5)
    settle(control_plane)
    assert control_plane.task_manager.get("t2").get(timeout=5).status is TaskStatus.PENDING
    control_plane.task_manager.delete("t1").get(timeout=5)
    settle(control_plane)
    assert control_plane.task_manager.get("t2").get(timeout=5).status is TaskStatus.RUNNING


def test_an_agent_reporting_a_deployment_task_running_asks_for_a_reconcile(clock):
    from actors.datastore import DatastoreActor
    from actors.store.ops import Create
    from actors.task_manager import TaskManager
    from tests.helpers import make_task

    datastore = DatastoreActor.start().proxy()
    for task in (make_task("solo"), make_task("web-a", owner="web")):
        datastore.commit([Create(dataclasses.replace(task, status=TaskStatus.SCHEDULED, node="real"))]).get(timeout=5)
    calls = []
    manager = TaskManager(datastore, clock, on_change=lambda *args, **kwargs: calls.append(kwargs))
    manager.update_status("solo", TaskStatus.RUNNING)
    assert calls == []
    manager.update_status("web-a", TaskStatus.RUNNING)
    assert calls == [{"capacity_changed": False}]
