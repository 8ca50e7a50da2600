from __future__ import annotations

import dataclasses

from actors.datastore import DatastoreActor
from actors.kubelet import Kubelet
from actors.domain.lifecycle import requeued
from actors.domain.models import TaskStatus
from actors.store.ops import Create, Update
from tests.helpers import make_node, make_task


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append(args + tuple(sorted(kwargs.items())))


def setup(clock, *tasks):
    datastore = DatastoreActor.start().proxy()
    datastore.commit([Create(make_node("n1"))]).get(timeout=5)
    for t in tasks:
        datastore.commit([Create(dataclasses.replace(t, status=TaskStatus.SCHEDULED, node="n1"))]).get(timeout=5)
    changes, wakes = Recorder(), Recorder()
    return datastore, Kubelet(datastore, clock, changes, wakes), changes, wakes


def test_bound_tasks_start_at_once_and_end_after_their_duration(clock):
    datastore, kubelet, changes, wakes = setup(clock, make_task("t1", duration=5.0), make_task("t2", duration=2.0))
    assert kubelet.start_tasks(["t1", "t2"]) == 2
    t1 = datastore.get_task("t1").get(timeout=5)
    assert (t1.status, t1.started_at) == (TaskStatus.RUNNING, clock.now)
    assert wakes.calls == [(clock.now + 2.0,)]
    clock.advance(2.0)
    assert kubelet.tick() == 1
    assert datastore.get_task("t2").get(timeout=5).status is TaskStatus.SUCCEEDED
    assert changes.calls == [(("freed_only", True),)]  # only room freed: a quiet controller need not look
    assert wakes.calls[-1] == (clock.now + 3.0,)
    clock.advance(3.0)
    assert kubelet.tick() == 1
    assert datastore.get_task("t1").get(timeout=5).finished_at == t1.started_at + 5.0


def test_a_task_ends_in_its_outcome(clock):
    datastore, kubelet, _, _ = setup(clock, make_task("t1", duration=1.0, outcome=TaskStatus.FAILED))
    kubelet.start_tasks(["t1"])
    clock.advance(1.0)
    kubelet.tick()
    assert datastore.get_task("t1").get(timeout=5).status is TaskStatus.FAILED


def test_a_task_without_duration_runs_until_stopped(clock):
    datastore, kubelet, _, wakes = setup(clock, make_task("t1"))
    kubelet.start_tasks(["t1"])
    clock.advance(1e6)
    assert kubelet.tick() == 0
    assert datastore.get_task("t1").get(timeout=5).status is TaskStatus.RUNNING
    assert wakes.calls == []


def test_a_task_moved_meanwhile_is_left_alone(clock):
    datastore, kubelet, changes, _ = setup(clock, make_task("t1", duration=1.0))
    kubelet.start_tasks(["t1"])
    running = datastore.get_task("t1").get(timeout=5)
    datastore.commit([Update(requeued(running, "node failed"), running.version)]).get(timeout=5)
    clock.advance(1.0)
    assert kubelet.tick() == 0
    assert datastore.get_task("t1").get(timeout=5).status is TaskStatus.PENDING
    assert changes.calls == []


def test_resync_picks_up_running_and_scheduled_tasks(clock):
    datastore, kubelet, _, _ = setup(clock, make_task("t1", duration=10.0))
    kubelet.start_tasks(["t1"])
    clock.advance(4.0)
    datastore.commit([Create(dataclasses.replace(make_task("t2", duration=1.0), status=TaskStatus.SCHEDULED, node="n1"))]).get(timeout=5)
    fresh = Kubelet(datastore, clock)
    assert fresh.resync() == 1
    assert fresh.tracked == 2
    clock.advance(6.0)
    assert fresh.tick() == 2
    assert {t.status for t in datastore.list_tasks().get(timeout=5)} == {TaskStatus.SUCCEEDED}


def test_tasks_on_real_nodes_are_not_run(clock):
    datastore, kubelet, _, _ = setup(clock)
    datastore.commit([Create(make_node("real", simulated=False))]).get(timeout=5)
    datastore.commit([Create(dataclasses.replace(make_task("t1"), status=TaskStatus.SCHEDULED, node="real"))]).get(timeout=5)
    assert kubelet.resync() == 0
    assert datastore.get_task("t1").get(timeout=5).status is TaskStatus.SCHEDULED


def test_a_deployment_task_that_starts_asks_for_a_reconcile(clock):
    """A rolling update waits for new tasks to run; other starts stay quiet."""
    datastore, kubelet, _, _ = setup(clock, make_task("solo"), make_task("web-a", owner="web"))
    calls = []
    kubelet.set_hooks(lambda *args, **kwargs: calls.append(kwargs), lambda when: None)
    kubelet.start_tasks(["solo"])
    assert calls == []
    kubelet.start_tasks(["web-a"])
    assert calls == [{"capacity_changed": False}]


def test_a_deployment_task_that_ends_is_more_than_room_freed(clock):
    """Its deployment replaces it: the controller must look, quiet or not."""
    datastore, kubelet, changes, _ = setup(clock, make_task("web-a", owner="web", duration=1.0),
                                           make_task("solo", duration=1.0))
    kubelet.start_tasks(["web-a", "solo"])
    changes.calls.clear()
    clock.advance(1.0)
    assert kubelet.tick() == 2
    assert changes.calls == [(("freed_only", False),)]
