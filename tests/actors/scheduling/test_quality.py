"""Table tests for the placement audits and quality measures (pure functions)."""

from __future__ import annotations

import pytest

from actors.domain.models import Resources, TaskStatus
from actors.scheduling.quality import (
    Spread,
    binpack_lower_bound,
    nodes_used,
    overlooked,
    requested,
    spread,
    utilisation,
    violations,
)
from tests.helpers import make_node, make_task

RUNNING = TaskStatus.RUNNING


def node(id="n1", cpu=4000, memory=8192, used=(0, 0), **changes):
    return make_node(id, cpu, memory, allocated=Resources(*used), **changes)


# --- utilisation and spread --------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "used", "expected"),
    [
        ((4000, 8192), (0, 0), (0.0, 0.0)),
        ((4000, 8192), (1000, 8192), (0.25, 1.0)),
        ((0, 8192), (0, 4096), (1.0, 0.5)),  # no cpu at all: nothing fits, counts as full
    ],
)
def test_utilisation_is_the_requested_share_of_capacity(capacity, used, expected):
    assert utilisation(node(cpu=capacity[0], memory=capacity[1], used=used)) == expected


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        ([], Spread(0.0, 0.0)),
        ([node(used=(2000, 4096))], Spread(0.0, 0.0)),
        # mixed sizes: both half full by share, so perfectly even
        ([node("a", 2000, 4096, (1000, 2048)), node("b", 16000, 65536, (8000, 32768))], Spread(0.0, 0.0)),
        ([node("a", used=(4000, 2048)), node("b", used=(1000, 4096))], Spread(0.75, 0.25)),
        # an unhealthy or cordoned node takes no new work: not counted
        ([node("a", used=(4000, 0)), node("b", used=(0, 0), healthy=False),
          node("c", used=(0, 0), schedulable=False)], Spread(0.0, 0.0)),
    ],
)
def test_spread_is_fullest_minus_emptiest_ready_node(nodes, expected):
    assert spread(nodes) == expected


def test_nodes_used_counts_nodes_with_any_request():
    assert nodes_used([node("a"), node("b", used=(1, 0)), node("c", used=(0, 1)), node("d", used=(5, 5))]) == 3


# --- the binpack lower bound -------------------------------------------------


@pytest.mark.parametrize(
    ("capacities", "total", "expected"),
    [
        ([(4000, 8192)] * 3, (0, 0), 0),
        ([(4000, 8192)] * 3, (4000, 8192), 1),  # exactly one node's worth
        ([(4000, 8192)] * 3, (4001, 100), 2),
        ([(4000, 8192)] * 3, (12000, 8192), 3),
        # largest first: one 16-core node covers 10 cores, whatever the small ones
        ([(2000, 4096), (16000, 65536), (4000, 8192)], (10000, 1024), 1),
        # each resource on its own, the larger count wins: cpu needs 1, memory 2
        ([(16000, 4096), (2000, 4096), (2000, 4096)], (3000, 5000), 2),
    ],
)
def test_binpack_lower_bound_takes_largest_nodes_first_per_resource(capacities, total, expected):
    assert binpack_lower_bound([Resources(*c) for c in capacities], Resources(*total)) == expected


def test_binpack_lower_bound_refuses_requests_no_placement_could_hold():
    with pytest.raises(ValueError, match="9000 cpu requested but all nodes together have 8000"):
        binpack_lower_bound([Resources(4000, 8192)] * 2, Resources(9000, 1))


def test_requested_sums_only_active_tasks():
    tasks = [
        make_task("a", 100, 10, status=RUNNING, node="n1"),
        make_task("b", 200, 20, status=TaskStatus.SCHEDULED, node="n1"),
        make_task("c", 400, 40),  # pending
        make_task("d", 800, 80, status=TaskStatus.SUCCEEDED, node="n1"),
    ]
    assert requested(tasks) == Resources(300, 30)


# --- violations ----------------------------------------------------------------


def test_a_right_placement_has_no_violations():
    nodes = [node("n1", used=(1500, 1024), labels={"zone": "a"}), node("n2")]
    tasks = [
        make_task("t1", 500, 512, status=RUNNING, node="n1", node_selector={"zone": "a"}),
        make_task("t2", 1000, 512, status=TaskStatus.SCHEDULED, node="n1"),
        make_task("t3", 9000, 0),  # pending: fits nowhere, breaks nothing
        make_task("t4", 4000, 0, status=TaskStatus.SUCCEEDED, node="n2"),  # ended: holds nothing
    ]
    assert violations(nodes, tasks) == []


@pytest.mark.parametrize(
    ("nodes", "tasks", "expected"),
    [
        (
            [node("n1", labels={"zone": "b"}, used=(100, 0))],
            [make_task("t1", 100, status=RUNNING, node="n1", node_selector={"zone": "a", "disk": "ssd"})],
            ["task t1: node n1 does not match its selector on disk, zone"],
        ),
        (
            [node("n1", cpu=1000, used=(1500, 0))],
            [make_task("t1", 1000, status=RUNNING, node="n1"), make_task("t2", 500, status=RUNNING, node="n1")],
            ["node n1: tasks request 1500 cpu, 0 memory over a capacity of 1000, 8192"],
        ),
        (
            [node("n1", memory=100, used=(0, 101))],
            [make_task("t1", 0, 101, status=RUNNING, node="n1")],
            ["node n1: tasks request 0 cpu, 101 memory over a capacity of 4000, 100"],
        ),
        (
            [node("n1", used=(0, 0))],
            [make_task("t1", 100, status=RUNNING, node="gone")],
            ["task t1: running on missing node gone"],
        ),
        (
            [node("n1", used=(0, 0))],
            [make_task("t1", 100, status=TaskStatus.SCHEDULED, node=None)],
            ["task t1: scheduled on missing node None"],
        ),
        (
            [node("n1", used=(0, 0))],
            [make_task("t1", status=TaskStatus.PENDING, node="n1")],
            ["task t1: pending but bound to node n1"],
        ),
        (
            [node("n1", used=(300, 0))],  # the datastore's allocation disagrees with the tasks
            [make_task("t1", 100, status=RUNNING, node="n1")],
            ["node n1: allocated Resources(cpu=300, memory=0, gpu=0) but its tasks request Resources(cpu=100, memory=0, gpu=0)"],
        ),
    ],
)
def test_violations_name_each_broken_rule(nodes, tasks, expected):
    assert violations(nodes, tasks) == expected


# --- overlooked ------------------------------------------------------------------


def test_overlooked_lists_pending_tasks_that_fit_a_ready_node():
    nodes = [
        node("full", used=(4000, 8192), labels={"zone": "a"}),
        node("room", used=(3000, 0), labels={"zone": "b"}),
        node("down", healthy=False, labels={"zone": "c"}),
    ]
    pending = [
        make_task("fits", 1000),
        make_task("fits-too", 1000),  # same request: answered from the first verdict
        make_task("too-big", 1001),
        make_task("wrong-zone", 10, node_selector={"zone": "a"}),
        make_task("only-down-node", 10, node_selector={"zone": "c"}),
        make_task("right-zone", 10, node_selector={"zone": "b"}),
        make_task("running", 10, status=RUNNING, node="room"),  # not pending: ignored
    ]
    assert overlooked(nodes, pending) == ["fits", "fits-too", "right-zone"]
