"""Preemption and NoExecute eviction through the real actors (FakeClock:
no sleeps)."""

from __future__ import annotations

from actors.domain.models import NodeChanges, NodeSpec, Resources, TaskSpec, TaskStatus
from actors.domain.taints import Taint, Toleration
from tests.helpers import settle


def register(cp, node_id, cpu=1000, memory=1024, **labels):
    return cp.node_manager.register(NodeSpec(node_id, capacity=Resources(cpu, memory), labels=labels)).get(timeout=5)


def submit(cp, task_id, cpu=0, memory=0, **fields):
    return cp.task_manager.create(TaskSpec(id=task_id, resources=Resources(cpu, memory), **fields)).get(timeout=5)


def task(cp, task_id):
    return cp.task_manager.get(task_id).get(timeout=5)


def events(cp, object_id):
    return [(e.reason, e.message) for e in cp.events.list(object=object_id).get(timeout=5)]


def test_a_high_priority_task_preempts_the_lowest_and_the_victim_waits_for_room(control_plane):
    register(control_plane, "n1")
    submit(control_plane, "low", cpu=600, priority=1)
    submit(control_plane, "lower", cpu=300, priority=0)
    settle(control_plane)
    submit(control_plane, "urgent", cpu=500, priority=100)
    settle(control_plane)
    urgent = task(control_plane, "urgent")
    assert (urgent.status, urgent.node, urgent.nominated_node) == (TaskStatus.RUNNING, "n1", None)
    # freeing 300 (lower) is not enough; 600 (low) is, and then lower is reprieved
    low, lower = task(control_plane, "low"), task(control_plane, "lower")
    assert low.status is TaskStatus.PENDING and low.message.startswith("0/1 nodes are available")
    assert lower.status is TaskStatus.RUNNING
    assert ("Preempted", "preempted by urgent (priority 100) on node n1") in events(control_plane, "low")


def test_equal_or_higher_priority_is_never_preempted_nor_by_a_never_policy(control_plane):
    register(control_plane, "n1")
    submit(control_plane, "a", cpu=800, priority=5)
    settle(control_plane)
    submit(control_plane, "b", cpu=800, priority=5)
    submit(control_plane, "polite", cpu=800, priority=9, preemption_policy="Never")
    settle(control_plane)
    assert task(control_plane, "a").status is TaskStatus.RUNNING
    assert task(control_plane, "b").status is TaskStatus.PENDING
    polite = task(control_plane, "polite")
    assert polite.status is TaskStatus.PENDING and polite.nominated_node is None


def test_higher_priority_is_placed_first_within_a_batch(control_plane):
    submit(control_plane, "first", cpu=800)
    submit(control_plane, "important", cpu=800, priority=10)
    register(control_plane, "n1")
    settle(control_plane)
    assert task(control_plane, "important").status is TaskStatus.RUNNING
    assert task(control_plane, "first").status is TaskStatus.PENDING


def test_a_kubernetes_pod_preempted_ends_failed_with_the_reason(control_plane):
    register(control_plane, "n1")
    submit(control_plane, "pod", cpu=800, manifest={"metadata": {"name": "pod"}, "spec": {}})
    settle(control_plane)
    submit(control_plane, "urgent", cpu=800, priority=1)
    settle(control_plane)
    pod = task(control_plane, "pod")
    assert (pod.status, pod.message) == (TaskStatus.FAILED, "preempted by urgent (priority 1) on node n1")
    assert task(control_plane, "urgent").node == "n1"
    assert ("Preempted", pod.message) in events(control_plane, "pod")


def test_a_no_execute_taint_evicts_the_tasks_that_do_not_tolerate_it(control_plane):
    register(control_plane, "n1")
    register(control_plane, "n2")
    control_plane.node_manager.update("n2", NodeChanges(schedulable=False)).get(timeout=5)  # both go to n1
    submit(control_plane, "plain", cpu=100)
    submit(control_plane, "tolerant", cpu=100, tolerations=(Toleration("maintenance", "Exists"),))
    settle(control_plane)
    assert task(control_plane, "plain").node == "n1" and task(control_plane, "tolerant").node == "n1"
    control_plane.node_manager.update("n2", NodeChanges(schedulable=True)).get(timeout=5)
    control_plane.node_manager.update("n1", NodeChanges(taints=(Taint("maintenance", "", "NoExecute"),))).get(timeout=5)
    settle(control_plane)
    plain = task(control_plane, "plain")
    assert (plain.node, plain.status, plain.attempts) == ("n2", TaskStatus.RUNNING, 2)
    assert ("TaintManagerEviction", "evicted from node n1: taint {maintenance: } (NoExecute) is not tolerated") \
        in events(control_plane, "plain")
    assert task(control_plane, "tolerant").node == "n1"


def test_toleration_seconds_let_a_task_stay_that_long_then_it_leaves(control_plane, clock):
    register(control_plane, "n1")
    submit(control_plane, "t", cpu=100, tolerations=(Toleration("maintenance", "Exists", "", "NoExecute", 30.0),))
    settle(control_plane)
    control_plane.node_manager.update("n1", NodeChanges(taints=(Taint("maintenance", "", "NoExecute"),))).get(timeout=5)
    settle(control_plane)
    clock.advance(29)
    settle(control_plane)
    assert task(control_plane, "t").status is TaskStatus.RUNNING
    clock.advance(1)
    settle(control_plane)
    evicted = task(control_plane, "t")
    # back to pending, and it still tolerates the taint for 30 s, so it may land there again
    assert evicted.attempts == 2
    assert ("TaintManagerEviction", "evicted from node n1: taint {maintenance: } (NoExecute) was tolerated for 30 s") \
        in events(control_plane, "t")


def test_a_taint_removed_in_time_leaves_the_task_alone(control_plane, clock):
    register(control_plane, "n1")
    submit(control_plane, "t", cpu=100, tolerations=(Toleration("m", "Exists", "", "NoExecute", 30.0),))
    settle(control_plane)
    control_plane.node_manager.update("n1", NodeChanges(taints=(Taint("m", "", "NoExecute"),))).get(timeout=5)
    settle(control_plane)
    clock.advance(20)
    control_plane.node_manager.update("n1", NodeChanges(taints=())).get(timeout=5)
    settle(control_plane)
    clock.advance(20)
    settle(control_plane)
    t = task(control_plane, "t")
    assert (t.status, t.attempts) == (TaskStatus.RUNNING, 1)
