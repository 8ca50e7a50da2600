"""Preemption's choice of node and victims, as kube-scheduler's
DefaultPreemption makes it (pure)."""

from __future__ import annotations

from dataclasses import replace

from actors.domain.models import Resources, TaskStatus
from actors.domain.taints import Taint
from actors.scheduling.preemption import Preemption, find, find_all
from tests.helpers import make_node, make_task


def bound(task_id, node, cpu, priority=0, started=0.0, **changes):
    return make_task(task_id, cpu=cpu, node=node, status=TaskStatus.RUNNING, priority=priority,
                     started_at=started, **changes)


def cluster(*layout):
    """Nodes of 1000m each running the given tasks (allocated filled in)."""
    nodes, running = [], {}
    for i, tasks in enumerate(layout, 1):
        node_id = f"n{i}"
        tasks = [bound(t[0], node_id, *t[1:]) for t in tasks]
        nodes.append(make_node(node_id, cpu=1000, allocated=Resources(sum(t.resources.cpu for t in tasks), 0)))
        running[node_id] = tasks
    return nodes, running


def victims(plan):
    return None if plan is None else (plan.node_id, [v.id for v in plan.victims])


def test_the_fewest_lowest_victims_that_make_room_and_the_rest_reprieved():
    nodes, running = cluster([("a", 400, 1), ("b", 300, 0), ("c", 300, 2)])
    # c (priority 2) is reprieved first; then a and b do not fit beside it
    assert victims(find(make_task("p", cpu=500, priority=10), nodes, running)) == ("n1", ["a", "b"])
    assert victims(find(make_task("p", cpu=300, priority=10), nodes, running)) == ("n1", ["b"])


def test_only_lower_priority_tasks_are_victims():
    nodes, running = cluster([("a", 900, 10)])
    assert find(make_task("p", cpu=500, priority=10), nodes, running) is None
    assert victims(find(make_task("p", cpu=500, priority=11), nodes, running)) == ("n1", ["a"])


def test_a_never_policy_preempts_nobody():
    nodes, running = cluster([("a", 900, 0)])
    assert find(make_task("p", cpu=500, priority=5, preemption_policy="Never"), nodes, running) is None


def test_the_node_with_the_lowest_highest_victim_priority_wins():
    nodes, running = cluster([("a", 900, 5)], [("b", 900, 3)])
    assert victims(find(make_task("p", cpu=500, priority=9), nodes, running)) == ("n2", ["b"])


def test_then_the_lowest_sum_which_favours_fewer_victims():
    nodes, running = cluster([("a", 450, 1), ("b", 450, 1)], [("c", 900, 1)])
    assert victims(find(make_task("p", cpu=900, priority=9), nodes, running)) == ("n2", ["c"])


def test_then_the_latest_started_highest_priority_victim():
    nodes, running = cluster([("old", 900, 1, 10.0)], [("new", 900, 1, 99.0)])
    assert victims(find(make_task("p", cpu=500, priority=9), nodes, running)) == ("n2", ["new"])


def test_a_node_the_other_filters_reject_is_no_candidate():
    nodes, running = cluster([("a", 900, 0)])
    tainted = [replace(nodes[0], taints=(Taint("dedicated", "x"),))]
    assert find(make_task("p", cpu=500, priority=9), tainted, running) is None
    unhealthy = [replace(nodes[0], healthy=False)]
    assert find(make_task("p", cpu=500, priority=9), unhealthy, running) is None


def test_several_preemptors_do_not_share_victims():
    nodes, running = cluster([("a", 500, 0), ("b", 500, 0)])
    plans = find_all([make_task("p1", cpu=500, priority=5), make_task("p2", cpu=600, priority=9)], nodes, running)
    assert [victims(p) for p in plans] == [("n1", ["a", "b"])]  # p2 takes both; nothing is left for p1
    nodes, running = cluster([("a", 500, 0), ("b", 500, 0)], [("c", 500, 0), ("d", 500, 0)])
    plans = find_all([make_task("p1", cpu=500, priority=9), make_task("p2", cpu=500, priority=9)], nodes, running)
    # a is reprieved for p1 (it fits beside it); p2 then needs a gone too
    assert [victims(p) for p in plans] == [("n1", ["b"]), ("n1", ["a"])]
    assert all(isinstance(p, Preemption) for p in plans)


def test_gpu_victims_free_their_devices():
    node = make_node("g", cpu=8000, gpus=1, gpu_used=(1000,), allocated=Resources(100, 0, 1000))
    hog = make_task("hog", cpu=100, gpu=1000, node="g", status=TaskStatus.RUNNING, gpu_devices=(0,))
    plan = find(make_task("p", gpu=500, priority=1), [node], {"g": [hog]})
    assert victims(plan) == ("g", ["hog"])
