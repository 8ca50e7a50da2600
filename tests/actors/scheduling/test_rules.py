"""Table tests for the scheduling filters, scores and placement (pure functions)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.domain.models import Resources
from actors.scheduling.rules import (
    FILTERS,
    INSUFFICIENT_CPU,
    INSUFFICIENT_MEMORY,
    POLICIES,
    SELECTOR_MISMATCH,
    UNHEALTHY,
    UNSCHEDULABLE,
    Placement,
    Unschedulable,
    binpack_score,
    node_healthy,
    node_schedulable,
    node_affinity_matches,
    node_selector_matches,
    place,
    place_all as pure_place_all,
    resources_fit,
    spread_score,
    taints_tolerated,
    unschedulable_message,
)
from actors.domain.affinity import Requirement
from actors.domain.taints import Taint, Toleration
from actors.scheduling.node_index import NodeIndex
from tests.helpers import make_node, make_task

# --- filters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("healthy", "expected"),
    [(True, ()), (False, (UNHEALTHY,))],
)
def test_node_healthy(healthy, expected):
    assert node_healthy(make_task(), make_node(healthy=healthy)) == expected


@pytest.mark.parametrize(
    ("schedulable", "expected"),
    [(True, ()), (False, (UNSCHEDULABLE,))],
)
def test_node_schedulable(schedulable, expected):
    assert node_schedulable(make_task(), make_node(schedulable=schedulable)) == expected


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ({}, {}, ()),
        ({}, {"zone": "a"}, ()),
        ({"zone": "a"}, {"zone": "a"}, ()),
        ({"zone": "a"}, {"zone": "a", "disk": "ssd"}, ()),
        ({"zone": "a", "disk": "ssd"}, {"zone": "a", "disk": "ssd"}, ()),
        ({"zone": "a"}, {}, (SELECTOR_MISMATCH,)),
        ({"zone": "a"}, {"zone": "b"}, (SELECTOR_MISMATCH,)),
        ({"zone": "a"}, {"Zone": "a"}, (SELECTOR_MISMATCH,)),
        ({"zone": "a", "disk": "ssd"}, {"zone": "a"}, (SELECTOR_MISMATCH,)),
        ({"zone": "a", "disk": "ssd"}, {"zone": "a", "disk": "hdd"}, (SELECTOR_MISMATCH,)),
        ({"zone": ""}, {}, (SELECTOR_MISMATCH,)),  # an empty value still needs the label
        ({"zone": ""}, {"zone": ""}, ()),
    ],
)
def test_node_selector_matches(selector, labels, expected):
    task = make_task(node_selector=selector)
    assert node_selector_matches(task, make_node(labels=labels)) == expected


@pytest.mark.parametrize(
    ("request_", "capacity", "allocated", "expected"),
    [
        ((0, 0), (4000, 8192), (0, 0), ()),
        ((4000, 8192), (4000, 8192), (0, 0), ()),  # exactly full fits
        ((1000, 1000), (4000, 8192), (3000, 7192), ()),
        ((4001, 0), (4000, 8192), (0, 0), (INSUFFICIENT_CPU,)),
        ((0, 8193), (4000, 8192), (0, 0), (INSUFFICIENT_MEMORY,)),
        ((4001, 8193), (4000, 8192), (0, 0), (INSUFFICIENT_CPU, INSUFFICIENT_MEMORY)),
        ((1001, 100), (4000, 8192), (3000, 0), (INSUFFICIENT_CPU,)),  # allocated counts
        ((100, 1000), (4000, 8192), (0, 7500), (INSUFFICIENT_MEMORY,)),
        ((1, 1), (4000, 8192), (4000, 8192), (INSUFFICIENT_CPU, INSUFFICIENT_MEMORY)),
        ((0, 0), (0, 0), (0, 0), ()),  # a zero request fits a zero node
        ((1, 0), (0, 0), (0, 0), (INSUFFICIENT_CPU,)),
        ((0, 0), (1000, 1000), (2000, 0), (INSUFFICIENT_CPU,)),  # overcommitted node
    ],
)
def test_resources_fit(request_, capacity, allocated, expected):
    task = make_task(cpu=request_[0], memory=request_[1])
    node = make_node(cpu=capacity[0], memory=capacity[1], allocated=Resources(*allocated))
    assert resources_fit(task, node) == expected


def test_filters_run_in_the_documented_order():
    assert FILTERS == (node_healthy, node_schedulable, taints_tolerated, node_selector_matches, node_affinity_matches,
                       resources_fit)


# --- scores ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "capacity", "allocated", "spread", "binpack"),
    [
        ((0, 0), (4000, 8192), (0, 0), 100.0, 0.0),
        ((4000, 8192), (4000, 8192), (0, 0), 0.0, 100.0),
        ((2000, 4096), (4000, 8192), (0, 0), 50.0, 50.0),
        ((1000, 0), (4000, 8192), (0, 0), 87.5, 12.5),  # cpu 25% used, memory 0%
        ((0, 0), (4000, 8192), (1000, 2048), 75.0, 25.0),  # allocated counts
        ((1000, 2048), (4000, 8192), (1000, 2048), 50.0, 50.0),  # request plus allocated
        ((0, 4096), (4000, 8192), (4000, 0), 25.0, 75.0),
        # zero capacity counts as fully used, never a division by zero
        ((0, 0), (0, 8192), (0, 0), 50.0, 50.0),
        ((0, 0), (4000, 0), (0, 0), 50.0, 50.0),
        ((0, 0), (0, 0), (0, 0), 0.0, 100.0),
        # over capacity is capped at fully used
        ((0, 0), (1000, 1000), (3000, 3000), 0.0, 100.0),
        ((0, 0), (1000, 1000), (3000, 0), 50.0, 50.0),
    ],
)
def test_spread_and_binpack_scores(request_, capacity, allocated, spread, binpack):
    task = make_task(cpu=request_[0], memory=request_[1])
    node = make_node(cpu=capacity[0], memory=capacity[1], allocated=Resources(*allocated))
    assert spread_score(task, node) == pytest.approx(spread)
    assert binpack_score(task, node) == pytest.approx(binpack)
    assert 0.0 <= spread_score(task, node) <= 100.0
    assert 0.0 <= binpack_score(task, node) <= 100.0


@pytest.mark.parametrize(("name", "score"), [("spread", spread_score), ("binpack", binpack_score)])
def test_policies_name_the_scores(name, score):
    assert POLICIES[name] is score


# --- place -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "reasons"),
    [
        # each node breaks several filters; only the first one counts
        (make_node(healthy=False, schedulable=False, cpu=0, labels={}), UNHEALTHY),
        (make_node(schedulable=False, cpu=0, labels={}), UNSCHEDULABLE),
        (make_node(cpu=0, labels={}), SELECTOR_MISMATCH),
        (make_node(cpu=0, labels={"zone": "a"}), INSUFFICIENT_CPU),
    ],
)
def test_place_reports_the_first_failing_filter_per_node(node, reasons):
    task = make_task(cpu=100, node_selector={"zone": "a"})
    assert place(task, [node]) == Unschedulable("t1", f"0/1 nodes available: 1 {reasons}")


def test_place_counts_both_short_resources_of_one_node():
    task = make_task(cpu=5000, memory=9000)
    decision = place(task, [make_node("n1")])
    assert decision == Unschedulable("t1", "0/1 nodes available: 1 insufficient cpu, 1 insufficient memory")


def test_place_summarises_reasons_across_nodes():
    task = make_task(cpu=3000)
    nodes = [
        make_node("n1", cpu=1000),
        make_node("n2", healthy=False),
        make_node("n3", cpu=2000),
    ]
    assert place(task, nodes) == Unschedulable("t1", "0/3 nodes available: 2 insufficient cpu, 1 unhealthy")


def test_place_with_no_nodes():
    assert place(make_task(), []) == Unschedulable("t1", "0/0 nodes available: no nodes registered")


def test_place_skips_nodes_that_fail_and_takes_one_that_fits():
    task = make_task(cpu=3000)
    nodes = [make_node("a", healthy=False), make_node("b", cpu=1000), make_node("c")]
    decision = place(task, nodes)
    assert isinstance(decision, Placement)
    assert (decision.task_id, decision.node_id) == ("t1", "c")
    assert decision.score == pytest.approx(spread_score(task, nodes[2]))


@pytest.mark.parametrize(
    ("score", "expected"),
    [(spread_score, "empty"), (binpack_score, "busy")],
)
def test_place_picks_the_highest_score(score, expected):
    nodes = [
        make_node("busy", allocated=Resources(2000, 4096)),
        make_node("empty"),
    ]
    assert place(make_task(cpu=500, memory=512), nodes, score).node_id == expected


@pytest.mark.parametrize("order", [["n1", "n2", "n3"], ["n3", "n2", "n1"], ["n2", "n3", "n1"]])
@pytest.mark.parametrize("score", [spread_score, binpack_score])
def test_place_breaks_ties_by_smallest_node_id(order, score):
    nodes = [make_node(i) for i in order]
    decision = place(make_task(cpu=100), nodes, score)
    assert decision.node_id == "n1"


def test_place_tie_break_compares_ids_as_strings():
    nodes = [make_node("n10"), make_node("n9"), make_node("n2")]
    assert place(make_task(), nodes).node_id == "n10"


def test_place_tie_break_holds_for_scores_equal_only_up_to_float_rounding():
    # Regression: raw float scores made b (15.000000000000002) beat a (15.0)
    nodes = [
        make_node("a", cpu=1000, memory=1000, allocated=Resources(150, 150)),
        make_node("b", cpu=1000, memory=1000, allocated=Resources(100, 200)),
    ]
    assert place(make_task(), nodes, binpack_score).node_id == "a"


def test_place_ignores_a_tie_with_a_rejected_node():
    nodes = [make_node("a", healthy=False), make_node("b")]
    assert place(make_task(), nodes).node_id == "b"


def test_place_is_deterministic():
    task = make_task(cpu=700, memory=300)
    nodes = [make_node(f"n{i}", allocated=Resources(100 * (i % 3), 200 * (i % 2))) for i in range(10)]
    first = place(task, nodes)
    assert all(place(task, nodes) == first for _ in range(5))
    assert place(task, list(reversed(nodes))) == first


def test_place_uses_custom_filters():
    task = make_task()
    nodes = [make_node("n1", healthy=False)]
    assert place(task, nodes, filters=()).node_id == "n1"
    decision = place(task, [make_node("n1")], filters=(lambda t, n: ("nope",),))
    assert decision == Unschedulable("t1", "0/1 nodes available: 1 nope")


# --- unschedulable_message ---------------------------------------------------


@pytest.mark.parametrize(
    ("total", "reasons", "expected"),
    [
        (0, [], "0/0 nodes available: no nodes registered"),
        (1, ["unhealthy"], "0/1 nodes available: 1 unhealthy"),
        (
            3,
            ["unhealthy", "insufficient cpu", "insufficient cpu"],
            "0/3 nodes available: 2 insufficient cpu, 1 unhealthy",
        ),
        # equal counts go by name
        (
            3,
            ["unschedulable", "unhealthy", "insufficient memory"],
            "0/3 nodes available: 1 insufficient memory, 1 unhealthy, 1 unschedulable",
        ),
        # most frequent first, even when alphabetically later
        (
            4,
            ["insufficient cpu", "unschedulable", "unschedulable", "unschedulable"],
            "0/4 nodes available: 3 unschedulable, 1 insufficient cpu",
        ),
        # one node may give two reasons, so counts may add up to more than total
        (
            1,
            ["insufficient cpu", "insufficient memory"],
            "0/1 nodes available: 1 insufficient cpu, 1 insufficient memory",
        ),
    ],
)
def test_unschedulable_message(total, reasons, expected):
    assert unschedulable_message(total, reasons) == expected


def test_unschedulable_message_accepts_any_iterable():
    assert unschedulable_message(2, iter(["unhealthy", "unhealthy"])) == "0/2 nodes available: 2 unhealthy"


# --- place_all: the rule (pure) and the node index give the same answers ----


def _indexed(tasks, nodes, score=spread_score):
    policy = {spread_score: "spread", binpack_score: "binpack"}[score]
    index = NodeIndex(policy)
    index.sync(nodes)
    return index.place_all(tasks)


@pytest.fixture(params=["rule", "index"])
def place_all(request):
    return {"rule": pure_place_all, "index": _indexed}[request.param]


def test_place_all_later_tasks_see_what_earlier_ones_took(place_all):
    nodes = [make_node("n1", cpu=1000, memory=1000)]
    tasks = [make_task(f"t{i}", cpu=400, memory=100) for i in range(1, 4)]
    decisions = place_all(tasks, nodes)
    assert [type(d) for d in decisions] == [Placement, Placement, Unschedulable]
    assert decisions[2] == Unschedulable("t3", "0/1 nodes available: 1 insufficient cpu")


def test_place_all_never_overcommits(place_all):
    nodes = [make_node("a", cpu=1000, memory=1000), make_node("b", cpu=1500, memory=1000)]
    tasks = [make_task(f"t{i}", cpu=300, memory=200) for i in range(10)]
    for score in (spread_score, binpack_score):
        used: dict[str, Resources] = {}
        for d in place_all(tasks, nodes, score):
            if isinstance(d, Placement):
                used[d.node_id] = used.get(d.node_id, Resources()) + Resources(300, 200)
        assert used["a"].cpu <= 1000 and used["a"].memory <= 1000
        assert used["b"].cpu <= 1500 and used["b"].memory <= 1000
        assert sum(r.cpu for r in used.values()) == 300 * 8  # 3 on a (cpu), 5 on b (memory)


def test_place_all_does_not_change_the_given_nodes(place_all):
    nodes = [make_node("n1")]
    place_all([make_task(cpu=1000)], nodes)
    assert nodes[0].allocated == Resources()


def test_place_all_spread_spreads_across_nodes(place_all):
    nodes = [make_node("n1"), make_node("n2"), make_node("n3")]
    tasks = [make_task(f"t{i}", cpu=500, memory=512) for i in range(1, 7)]
    decisions = place_all(tasks, nodes, spread_score)
    assert [d.node_id for d in decisions] == ["n1", "n2", "n3", "n1", "n2", "n3"]


def test_place_all_spread_is_the_default(place_all):
    nodes = [make_node("n1"), make_node("n2")]
    tasks = [make_task("t1", cpu=500), make_task("t2", cpu=500)]
    assert [d.node_id for d in place_all(tasks, nodes)] == ["n1", "n2"]


def test_place_all_binpack_fills_one_node_first(place_all):
    nodes = [make_node("n1", cpu=2000), make_node("n2", cpu=2000), make_node("n3", cpu=2000)]
    tasks = [make_task(f"t{i}", cpu=500, memory=512) for i in range(1, 8)]
    decisions = place_all(tasks, nodes, binpack_score)
    assert [d.node_id for d in decisions] == ["n1"] * 4 + ["n2"] * 3


def test_place_all_keeps_task_order_and_ids(place_all):
    nodes = [make_node("n1", cpu=1000)]
    tasks = [make_task("big", cpu=5000), make_task("small", cpu=100)]
    decisions = place_all(tasks, nodes)
    assert [d.task_id for d in decisions] == ["big", "small"]
    assert isinstance(decisions[0], Unschedulable)
    assert decisions[1].node_id == "n1"


def test_place_all_with_no_tasks(place_all):
    assert place_all([], [make_node()]) == []


def test_place_all_with_no_nodes(place_all):
    assert place_all([make_task("t")], []) == [Unschedulable("t", "0/0 nodes available: no nodes registered")]


def test_a_task_that_fits_nowhere_in_a_large_cluster_hears_about_every_node(place_all):
    nodes = [make_node(f"n{i:04d}", cpu=100) for i in range(500)]
    (decision,) = place_all([make_task("big", cpu=5000)], nodes)
    assert decision.message == "0/500 nodes available: 500 insufficient cpu"


def test_every_node_is_scored_however_large_the_cluster(place_all):
    nodes = [make_node(f"n{i:04d}", cpu=4000) for i in range(5000)]
    nodes[4321] = make_node("n4321", cpu=64000)  # the emptiest by far, near the end
    (decision,) = place_all([make_task("t", cpu=100)], nodes)
    assert decision.node_id == "n4321"


def test_reasons_count_each_node_under_its_first_failing_filter(place_all):
    nodes = [
        make_node("a", healthy=False, schedulable=False, cpu=1),
        make_node("b", schedulable=False),
        make_node("c", labels={"zone": "b"}),
        make_node("d", cpu=100, memory=100),
        make_node("e", labels={"zone": "a"}, cpu=100),
    ]
    (decision,) = place_all([make_task("t", cpu=500, memory=512, node_selector={"zone": "a"})], nodes)
    assert decision.message == (
        "0/5 nodes available: 2 didn't match node selector, 1 insufficient cpu, 1 unhealthy, 1 unschedulable"
    )


# --- the node index ----------------------------------------------------------


def test_the_index_books_placements_until_the_next_sync_says_what_was_committed():
    index = NodeIndex("spread")
    nodes = [make_node("n1", cpu=1000), make_node("n2", cpu=1000)]
    index.sync(nodes)
    assert index.place(make_task("t1", cpu=600)).node_id == "n1"
    assert index.place(make_task("t2", cpu=600)).node_id == "n2"  # t1 is booked on n1
    assert isinstance(index.place(make_task("t3", cpu=600)), Unschedulable)
    index.sync(nodes)  # the same list: neither binding was committed
    assert index.place(make_task("t4", cpu=600)).node_id == "n1"
    index.sync(list(nodes))  # the same records in a new list: likewise
    assert index.place(make_task("t4b", cpu=600)).node_id == "n1"
    index.sync([dataclasses.replace(nodes[0], allocated=Resources(600, 0)), nodes[1]])  # t1 was
    assert index.place(make_task("t5", cpu=600)).node_id == "n2"
    assert isinstance(index.place(make_task("t6", cpu=600)), Unschedulable)


def test_the_index_sees_label_readiness_and_membership_changes():
    index = NodeIndex("spread")
    index.sync([make_node("a", labels={"zone": "x"}), make_node("b")])
    assert index.place(make_task("t1", node_selector={"zone": "x"})).node_id == "a"
    index.sync([make_node("a"), make_node("b", labels={"zone": "x"})])
    assert index.place(make_task("t2", node_selector={"zone": "x"})).node_id == "b"
    index.sync([make_node("a"), make_node("b", labels={"zone": "x"}, schedulable=False)])
    assert index.place(make_task("t3", node_selector={"zone": "x"})).message == (
        "0/2 nodes available: 1 didn't match node selector, 1 unschedulable"
    )
    index.sync([make_node("c", labels={"zone": "x"}), make_node("a")])  # unsorted, new member
    assert index.place(make_task("t4", node_selector={"zone": "x"})).node_id == "c"


def test_the_index_knows_only_the_policies_it_can_vectorise():
    with pytest.raises(ValueError):
        NodeIndex("random")


_resources = st.sampled_from([0, 1, 7, 100, 250, 333, 500, 1000, 1024, 4000])
_TAINTS = [(), (), (), (Taint("dedicated", "gpu"),), (Taint("dedicated", "batch", "NoExecute"),),
           (Taint("spot", "", "PreferNoSchedule"),), (Taint("a", "1"), Taint("b", "2"))]
_TOLERATIONS = [(), (), (Toleration("dedicated", "Equal", "gpu"),), (Toleration("dedicated", "Exists"),),
                (Toleration(operator="Exists"),), (Toleration("a", "Equal", "1", "NoSchedule"),)]
_AFFINITIES = [(), (), ((Requirement("zone", "In", ("a",)),), (Requirement("disk", "Exists"),)),
               ((Requirement("zone", "NotIn", ("a",)), Requirement("disk", "DoesNotExist")),)]
_labels = st.sampled_from([{}, {"zone": "a"}, {"zone": "b"}, {"zone": "a", "disk": "ssd"}])


@st.composite
def _clusters(draw):
    count = draw(st.integers(min_value=0, max_value=12))
    nodes = []
    for i in range(count):
        cpu = draw(st.sampled_from([0, 1, 1000, 1500, 3000, 4000, 64000]))
        memory = draw(st.sampled_from([0, 1, 1024, 3000, 8192]))
        gpus = draw(st.sampled_from([0, 0, 1, 2, 4, 8]))
        nodes.append(make_node(
            f"n{i:02d}", cpu=cpu, memory=memory, gpus=gpus, labels=draw(_labels),
            healthy=draw(st.booleans()) or draw(st.booleans()), schedulable=draw(st.booleans()) or draw(st.booleans()),
            gpu_used=tuple(draw(st.sampled_from([0, 0, 300, 500, 750, 1000])) for _ in range(gpus)),
            taints=draw(st.sampled_from(_TAINTS)),
        ))
        if draw(st.booleans()):
            allocated = Resources(draw(st.integers(0, cpu)), draw(st.integers(0, memory)))
            nodes[-1] = dataclasses.replace(nodes[-1], allocated=allocated)
    tasks = [
        make_task(f"t{j}", cpu=draw(_resources), memory=draw(_resources),
                  gpu=draw(st.sampled_from([0, 0, 0, 250, 500, 700, 1000, 2000, 4000])),
                  node_selector=draw(st.sampled_from([{}, {}, {"zone": "a"}, {"disk": "ssd"}])),
                  node_affinity=draw(st.sampled_from(_AFFINITIES)),
                  tolerations=draw(st.sampled_from(_TOLERATIONS)))
        for j in range(draw(st.integers(min_value=0, max_value=25)))
    ]
    return draw(st.permutations(nodes)), tasks


@settings(max_examples=300, deadline=None)
@given(cluster=_clusters(), score=st.sampled_from([spread_score, binpack_score]))
def test_the_index_decides_exactly_as_the_rule(cluster, score):
    nodes, tasks = cluster
    assert _indexed(tasks, nodes, score) == pure_place_all(tasks, sorted(nodes, key=lambda n: n.id), score)
