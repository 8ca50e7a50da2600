from __future__ import annotations

import dataclasses

import pytest

from actors.controller import Controller
from actors.datastore import DatastoreActor
from actors.domain.models import NodeChanges, NodeSpec, Resources, TaskSpec, TaskStatus
from actors.scheduler import SchedulerActor
from actors.store.ops import Create, Update
from tests.helpers import make_node, make_task, settle, statuses


def register(cp, node_id, cpu=4000, memory=8192, simulated=True, **labels):
    return cp.node_manager.register(
        NodeSpec(node_id, capacity=Resources(cpu, memory), labels=labels, simulated=simulated)
    ).get(timeout=5)


def submit(cp, task_id, cpu=0, memory=0, **fields):
    return cp.task_manager.create(TaskSpec(id=task_id, resources=Resources(cpu, memory), **fields)).get(timeout=5)


def task(cp, task_id):
    return cp.task_manager.get(task_id).get(timeout=5)


def test_pending_tasks_are_placed_oldest_first_until_full(control_plane):
    register(control_plane, "n1", cpu=1000)
    for i in range(3):
        submit(control_plane, f"t{i}", cpu=400)
    settle(control_plane)
    assert statuses(control_plane) == {"t0": "running", "t1": "running", "t2": "pending"}
    assert task(control_plane, "t2").message == "0/1 nodes are available: 1 Insufficient cpu."
    assert control_plane.node_manager.get("n1").get(timeout=5).allocated.cpu == 800


def test_a_task_that_fits_nowhere_gets_the_reasons(control_plane):
    register(control_plane, "a", cpu=100)
    register(control_plane, "b", cpu=100)
    register(control_plane, "c")
    control_plane.node_manager.update("c", NodeChanges(healthy=False)).get(timeout=5)
    submit(control_plane, "big", cpu=1000)
    settle(control_plane)
    big = task(control_plane, "big")
    assert big.status is TaskStatus.PENDING
    assert big.message == "0/3 nodes are available: 1 node(s) were not ready, 2 Insufficient cpu."


def test_a_reconcile_with_nothing_to_do_writes_nothing(control_plane):
    register(control_plane, "n1", cpu=100)
    submit(control_plane, "big", cpu=1000)
    settle(control_plane)
    revision = control_plane.datastore.revision.get(timeout=5)
    result = control_plane.controller.reconcile().get(timeout=5)
    assert result.unschedulable == 0 and not result.changed  # parked: not even looked at
    control_plane.controller.unpark().get(timeout=5)
    result = control_plane.controller.reconcile().get(timeout=5)
    assert result.unschedulable == 1 and not result.changed  # looked at, same reasons
    assert control_plane.datastore.revision.get(timeout=5) == revision


def test_a_silent_real_node_turns_unhealthy_and_its_tasks_move(control_plane, clock):
    register(control_plane, "real", simulated=False)
    submit(control_plane, "t1", cpu=100)
    settle(control_plane)
    assert task(control_plane, "t1").node == "real"
    register(control_plane, "sim")
    clock.advance(41)
    settle(control_plane)
    assert control_plane.node_manager.get("real").get(timeout=5).healthy is False
    moved = task(control_plane, "t1")
    assert (moved.node, moved.status, moved.attempts) == ("sim", TaskStatus.RUNNING, 2)


def test_heartbeats_keep_a_real_node_healthy_and_revive_it(control_plane, clock):
    register(control_plane, "real", simulated=False)
    clock.advance(30)
    control_plane.node_manager.heartbeat("real").get(timeout=5)
    clock.advance(30)
    settle(control_plane)
    assert control_plane.node_manager.get("real").get(timeout=5).healthy is True
    clock.advance(41)
    settle(control_plane)
    assert control_plane.node_manager.get("real").get(timeout=5).healthy is False
    assert control_plane.node_manager.heartbeat("real").get(timeout=5).healthy is True


def test_a_restart_gives_real_nodes_one_node_timeout_of_grace(clock, tmp_path):
    """A node last heard from long before the server started again is not
    marked unhealthy until one full --node-timeout after the start: it needs
    that long to find the new process."""
    from actors.store.backends import open_backend
    from actors.system import Settings, start_control_plane

    store = f"sqlite:{tmp_path / 'state.db'}"
    settings = Settings(clock=clock, start_timer=False, node_timeout=40.0)
    before = start_control_plane(settings, open_backend(store))
    try:
        register(before, "real", simulated=False)
        submit(before, "t1", cpu=100)
        settle(before)
        assert task(before, "t1").node == "real"
    finally:
        before.stop()
    clock.advance(300)  # down for far longer than node_timeout
    after = start_control_plane(settings, open_backend(store))
    try:
        clock.advance(39.5)  # less than node_timeout since the start: still in grace
        settle(after)
        assert after.node_manager.get("real").get(timeout=5).healthy is True
        assert task(after, "t1").node == "real"
        clock.advance(1)  # past node_timeout since the start (and a second since the last look)
        settle(after)
        assert after.node_manager.get("real").get(timeout=5).healthy is False
        assert (task(after, "t1").status, task(after, "t1").node) == (TaskStatus.PENDING, None)  # nowhere else to go
    finally:
        after.stop()


def test_silent_nodes_are_looked_for_at_most_once_a_second(control_plane, clock):
    register(control_plane, "real", simulated=False)
    clock.advance(39.5)  # not yet silent for node_timeout (40 s)
    assert control_plane.controller.reconcile().get(timeout=5).expired_nodes == 0
    clock.advance(0.5)  # now it is, but the last look was half a second ago
    assert control_plane.controller.reconcile().get(timeout=5).expired_nodes == 0
    clock.advance(0.5)
    assert control_plane.controller.reconcile().get(timeout=5).expired_nodes == 1


def test_simulated_nodes_never_time_out(control_plane, clock):
    register(control_plane, "sim")
    clock.advance(10_000)
    settle(control_plane)
    assert control_plane.node_manager.get("sim").get(timeout=5).healthy is True


def test_a_failed_node_sheds_its_tasks_and_takes_work_again_when_healed(control_plane):
    register(control_plane, "a")
    submit(control_plane, "t1", cpu=3000)
    settle(control_plane)
    assert task(control_plane, "t1").node == "a"
    control_plane.node_manager.update("a", NodeChanges(healthy=False)).get(timeout=5)
    settle(control_plane)
    stranded = task(control_plane, "t1")
    assert stranded.status is TaskStatus.PENDING and stranded.node is None
    assert "0/1 nodes are available: 1 node(s) were not ready." == stranded.message
    control_plane.node_manager.update("a", NodeChanges(healthy=True)).get(timeout=5)
    settle(control_plane)
    assert (task(control_plane, "t1").node, task(control_plane, "t1").attempts) == ("a", 2)


def test_deleting_a_node_requeues_its_tasks_at_once(control_plane):
    register(control_plane, "a")
    submit(control_plane, "t1")
    settle(control_plane)
    control_plane.node_manager.delete("a").get(timeout=5)
    orphan = task(control_plane, "t1")
    assert (orphan.status, orphan.node) == (TaskStatus.PENDING, None)
    # The reason stays until a reconcile (which may already have run) says why it waits.
    assert orphan.message in ("node 'a' was deleted; rescheduling", "0/0 nodes are available: no nodes registered.")
    register(control_plane, "b")
    settle(control_plane)
    assert task(control_plane, "t1").node == "b"


def test_a_cordoned_node_keeps_its_tasks_but_gets_no_new_ones(control_plane):
    register(control_plane, "a")
    submit(control_plane, "t1")
    settle(control_plane)
    control_plane.node_manager.update("a", NodeChanges(schedulable=False)).get(timeout=5)
    submit(control_plane, "t2")
    settle(control_plane)
    assert statuses(control_plane) == {"t1": "running", "t2": "pending"}
    assert task(control_plane, "t2").message == "0/1 nodes are available: 1 node(s) were unschedulable."


def test_node_selectors_restrict_placement(control_plane):
    register(control_plane, "a", zone="a")
    register(control_plane, "b", zone="b")
    submit(control_plane, "t1", node_selector={"zone": "b"})
    submit(control_plane, "t2", node_selector={"zone": "c"})
    settle(control_plane)
    assert task(control_plane, "t1").node == "b"
    assert task(control_plane, "t2").message == "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("spread", ["a", "b", "a", "b"]), ("binpack", ["a", "a", "a", "a"])],
)
def test_policies_place_as_documented(policy, expected, clock):
    from actors.system import Settings, start_control_plane

    cp = start_control_plane(Settings(clock=clock, start_timer=False, policy=policy))
    try:
        register(cp, "a")
        register(cp, "b")
        for i in range(4):
            submit(cp, f"t{i}", cpu=500, memory=512)
            settle(cp)
        assert [task(cp, f"t{i}").node for i in range(4)] == expected
    finally:
        cp.stop()


def test_a_lost_race_for_a_node_is_retried_not_lost(clock):
    """The node is cordoned between the snapshot and the binding: the guard
    refuses the binding and the task stays pending for the next reconcile."""
    datastore = DatastoreActor.start().proxy()
    scheduler = SchedulerActor.start().proxy()
    (node,) = datastore.commit([Create(make_node("a"))]).get(timeout=5)
    datastore.commit([Create(make_task("t1"))]).get(timeout=5)

    class RacingScheduler:
        def schedule(self, tasks, nodes, changed=None):
            decisions = scheduler.schedule(tasks, nodes, changed)
            datastore.commit([Update(dataclasses.replace(node, schedulable=False), node.version)]).get(timeout=5)
            return decisions

    controller = Controller(datastore, RacingScheduler(), clock)
    result = controller.reconcile()
    assert (result.scheduled, result.conflicts, result.more) == (0, 1, True)
    assert datastore.get_task("t1").get(timeout=5).status is TaskStatus.PENDING


def test_a_backlog_that_does_not_fit_does_not_hold_up_tasks_that_do(clock):
    """A plain Controller (no actor reconciling on its own between the
    test's calls): the one reconcile after ``small`` arrives places it and
    does not look at the parked backlog again."""
    datastore = DatastoreActor.start().proxy()
    scheduler = SchedulerActor.start().proxy()
    datastore.commit([Create(make_node("n1", cpu=1000))]).get(timeout=5)
    datastore.commit([Create(make_task(f"big{i}", cpu=5000)) for i in range(5)]).get(timeout=5)
    controller = Controller(datastore, scheduler, clock)
    first = controller.reconcile()
    assert (first.scheduled, first.unschedulable) == (0, 5)
    datastore.commit([Create(make_task("small", cpu=100))]).get(timeout=5)
    result = controller.reconcile()
    assert (result.scheduled, result.unschedulable) == (1, 0)
    assert datastore.get_task("small").get(timeout=5).node == "n1"
    assert all(datastore.get_task(f"big{i}").get(timeout=5).status is TaskStatus.PENDING for i in range(5))


def test_parked_tasks_are_looked_at_again_when_room_may_have_appeared(control_plane):
    register(control_plane, "n1", cpu=1000)
    submit(control_plane, "big", cpu=2000)
    settle(control_plane)
    assert control_plane.controller.reconcile().get(timeout=5).unschedulable == 0  # parked
    register(control_plane, "n2", cpu=4000)
    settle(control_plane)
    assert task(control_plane, "big").node == "n2"


def test_parked_tasks_are_retried_after_a_while_anyway(control_plane, clock):
    register(control_plane, "n1", cpu=1000)
    submit(control_plane, "big", cpu=2000)
    settle(control_plane)
    clock.advance(61)
    assert control_plane.controller.reconcile().get(timeout=5).unschedulable == 1


def test_batches_walk_the_whole_backlog(clock):
    from actors.system import Settings, start_control_plane

    cp = start_control_plane(Settings(clock=clock, start_timer=False))
    try:
        cp.controller.batch_size = 3  # a field, set through the proxy
        register(cp, "n1", cpu=1000)
        for i in range(7):
            submit(cp, f"big{i}", cpu=5000)
        submit(cp, "small", cpu=10)
        settle(cp)
        assert task(cp, "small").node == "n1"
        assert all(task(cp, f"big{i}").message.startswith("0/1 nodes") for i in range(7))
    finally:
        cp.stop()


@pytest.fixture
def gated(clock):
    """A control plane whose reconciles wait for the test, as a replay's do:
    ``wanted`` counts the requests that got through to the gate."""
    from actors.system import Settings, start_control_plane

    wanted = []
    cp = start_control_plane(Settings(clock=clock, start_timer=False, reconcile_gate=lambda: wanted.append(1)))
    cp.wanted = wanted
    yield cp
    cp.stop()


def _run(cp):
    cp.controller.run_requested_reconcile().get(timeout=5)
    cp.kubelet.tracked.get(timeout=5)
    cp.wanted.clear()


def test_a_controller_that_left_nothing_pending_asks_for_no_reconcile_when_tasks_only_free_room(gated):
    register(gated, "n1", cpu=1000)
    submit(gated, "t1", cpu=400)
    _run(gated)
    assert gated.controller.quiet.get(timeout=5) is True
    gated.controller.request_reconcile(freed_only=True).get(timeout=5)
    assert gated.wanted == []
    gated.controller.request_reconcile().get(timeout=5)  # anything else still asks
    assert gated.wanted == [1]


@pytest.mark.parametrize("left", ["a task that does not fit", "a real node", "a task for another scheduler"])
def test_a_controller_that_left_something_behind_reconciles_when_room_is_freed(gated, left):
    register(gated, "n1", cpu=1000)
    if left == "a task that does not fit":
        submit(gated, "big", cpu=4000)
    elif left == "a real node":
        register(gated, "real", simulated=False)
    else:
        submit(gated, "theirs", cpu=100, scheduler="other")
    submit(gated, "t1", cpu=400)
    _run(gated)
    assert task(gated, "t1").status.active  # placed (on the real node, maybe)
    assert gated.controller.quiet.get(timeout=5) is False
    gated.controller.request_reconcile(freed_only=True).get(timeout=5)
    assert gated.wanted == [1]
