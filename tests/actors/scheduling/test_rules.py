"""Table tests for the scheduling filters, scores and placement (pure
functions), and the property test holding the node index to the rule."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.domain.affinity import Requirement
from actors.domain.constraints import Constraints, LabelSelector, PodAffinityTerm, SpreadConstraint
from actors.domain.models import Resources
from actors.domain.taints import Taint, Toleration
from actors.scheduling.node_index import NodeIndex
from actors.scheduling.plugins.node_affinity import node_affinity_matches
from actors.scheduling.plugins.node_state import node_ready, node_schedulable
from actors.scheduling.plugins.resources import resources_fit
from actors.scheduling.plugins import resources
from actors.scheduling.rules import (
    AFFINITY_MISMATCH,
    FILTERS,
    POLICIES,
    INSUFFICIENT_CPU,
    INSUFFICIENT_MEMORY,
    NOT_READY,
    UNSCHEDULABLE,
    Placement,
    Unschedulable,
    explain,
    place,
    place_all as pure_place_all,
    unschedulable_message,
)
from tests.helpers import make_node, make_task

# --- filters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("healthy", "expected"),
    [(True, ()), (False, (NOT_READY,))],
)
def test_node_ready(healthy, expected):
    assert node_ready(make_task(), make_node(healthy=healthy)) == expected


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
        ({"zone": "a"}, {}, (AFFINITY_MISMATCH,)),
        ({"zone": "a"}, {"zone": "b"}, (AFFINITY_MISMATCH,)),
        ({"zone": "a"}, {"Zone": "a"}, (AFFINITY_MISMATCH,)),
        ({"zone": "a", "disk": "ssd"}, {"zone": "a"}, (AFFINITY_MISMATCH,)),
        ({"zone": "a", "disk": "ssd"}, {"zone": "a", "disk": "hdd"}, (AFFINITY_MISMATCH,)),
        ({"zone": ""}, {}, (AFFINITY_MISMATCH,)),  # an empty value still needs the label
        ({"zone": ""}, {"zone": ""}, ()),
    ],
)
def test_node_selector_matches(selector, labels, expected):
    task = make_task(node_selector=selector)
    assert node_affinity_matches(task, make_node(labels=labels)) == expected


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


def test_filters_run_in_kube_schedulers_order():
    assert [f.__name__ for f in FILTERS] == ["node_ready", "node_schedulable", "taints_tolerated",
                                             "node_affinity_matches", "resources_fit", "topology_spread",
                                             "inter_pod_affinity"]


# --- scores ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "capacity", "allocated", "least", "most", "balanced"),
    [
        ((0, 0), (4000, 8192), (0, 0), 100, 0, 100),
        ((4000, 8192), (4000, 8192), (0, 0), 0, 100, 100),
        ((2000, 4096), (4000, 8192), (0, 0), 50, 50, 100),
        ((1000, 0), (4000, 8192), (0, 0), 87, 12, 87),  # cpu 75 and 100 free: (75 + 100) // 2; std 0.125
        ((0, 0), (4000, 8192), (1000, 2048), 75, 25, 100),  # allocated counts
        ((1000, 2048), (4000, 8192), (1000, 2048), 50, 50, 100),  # request plus allocated
        ((0, 4096), (4000, 8192), (4000, 0), 25, 75, 75),
        ((100, 0), (4000, 8192), (0, 0), 98, 1, 98),  # whole numbers: 97.5 truncated, 2.5 // 2
        # a resource without capacity scores 0 and leaves the balance alone
        ((0, 0), (0, 8192), (0, 0), 50, 0, 100),
        ((0, 0), (4000, 0), (0, 0), 50, 0, 100),
        ((0, 0), (0, 0), (0, 0), 0, 0, 100),
        # over capacity: 0 free (least), held to capacity (most), shares held to 1
        ((0, 0), (1000, 1000), (3000, 3000), 0, 100, 100),
        ((0, 0), (1000, 1000), (3000, 0), 50, 50, 50),
    ],
)
def test_fit_and_balanced_scores(request_, capacity, allocated, least, most, balanced):
    node = make_node(cpu=capacity[0], memory=capacity[1], allocated=Resources(*allocated))
    assert resources.fit_score("LeastAllocated", *request_, node) == least
    assert resources.fit_score("MostAllocated", *request_, node) == most
    assert resources.balanced_score(*request_, node) == balanced


@pytest.mark.parametrize("strategy", resources.FIT_STRATEGIES)
@settings(max_examples=200, deadline=None)
@given(request_=st.tuples(st.integers(0, 70_000), st.integers(0, 70_000)),
       capacity=st.tuples(st.integers(0, 64_000), st.integers(0, 64_000)),
       allocated=st.tuples(st.integers(0, 70_000), st.integers(0, 70_000)))
def test_the_vector_scores_are_the_rules_bit_for_bit(strategy, request_, capacity, allocated):
    node = make_node(cpu=capacity[0], memory=capacity[1], allocated=Resources(*allocated))
    columns = [np.array([v]) for v in (allocated[0], allocated[1], capacity[0], capacity[1],
                                       max(capacity[0], 1), max(capacity[1], 1))]
    assert resources.fit_scores(strategy, *request_, *columns)[0] == resources.fit_score(strategy, *request_, node)
    assert resources.balanced_scores(*request_, *columns)[0] == resources.balanced_score(*request_, node)


def test_the_profiles_are_kube_schedulers_default_with_least_or_most_allocated():
    assert POLICIES["spread"].fit == "LeastAllocated" and POLICIES["binpack"].fit == "MostAllocated"
    for profile in POLICIES.values():
        assert dict(profile.weights) == {"TaintToleration": 3, "NodeAffinity": 2, "PodTopologySpread": 2,
                                         "InterPodAffinity": 2, "NodeResourcesFit": 1,
                                         "NodeResourcesBalancedAllocation": 1}


# --- place -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "reasons"),
    [
        # each node breaks several filters; only the first one counts
        (make_node(healthy=False, schedulable=False, cpu=0, labels={}), NOT_READY),
        (make_node(schedulable=False, cpu=0, labels={}), UNSCHEDULABLE),
        (make_node(cpu=0, labels={}), AFFINITY_MISMATCH),
        (make_node(cpu=0, labels={"zone": "a"}), INSUFFICIENT_CPU),
    ],
)
def test_place_reports_the_first_failing_filter_per_node(node, reasons):
    task = make_task(cpu=100, node_selector={"zone": "a"})
    assert place(task, [node]) == Unschedulable("t1", f"0/1 nodes are available: 1 {reasons}.")


def test_place_counts_both_short_resources_of_one_node():
    task = make_task(cpu=5000, memory=9000)
    decision = place(task, [make_node("n1")])
    assert decision == Unschedulable("t1", "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.")


def test_place_summarises_reasons_across_nodes():
    task = make_task(cpu=3000)
    nodes = [
        make_node("n1", cpu=1000),
        make_node("n2", healthy=False),
        make_node("n3", cpu=2000),
    ]
    assert place(task, nodes) == Unschedulable("t1", "0/3 nodes are available: 1 node(s) were not ready, 2 Insufficient cpu.")


def test_place_with_no_nodes():
    assert place(make_task(), []) == Unschedulable("t1", "0/0 nodes are available: no nodes registered.")


def test_place_skips_nodes_that_fail_and_takes_one_that_fits():
    task = make_task(cpu=3000)
    nodes = [make_node("a", healthy=False), make_node("b", cpu=1000), make_node("c")]
    decision = place(task, nodes)
    assert isinstance(decision, Placement)
    assert (decision.task_id, decision.node_id) == ("t1", "c")
    # fit 62 ((25 + 100) // 2) + balanced 62 (std 0.375) + TaintToleration 3 x 100
    assert decision.score == 62 + 62 + 300


@pytest.mark.parametrize(
    ("score", "expected"),
    [("spread", "empty"), ("binpack", "busy")],
)
def test_place_picks_the_highest_score(score, expected):
    nodes = [
        make_node("busy", allocated=Resources(2000, 4096)),
        make_node("empty"),
    ]
    assert place(make_task(cpu=500, memory=512), nodes, score).node_id == expected


@pytest.mark.parametrize("order", [["n1", "n2", "n3"], ["n3", "n2", "n1"], ["n2", "n3", "n1"]])
@pytest.mark.parametrize("score", ["spread", "binpack"])
def test_place_breaks_ties_by_smallest_node_id(order, score):
    nodes = [make_node(i) for i in order]
    decision = place(make_task(cpu=100), nodes, score)
    assert decision.node_id == "n1"


def test_place_tie_break_compares_ids_as_strings():
    nodes = [make_node("n10"), make_node("n9"), make_node("n2")]
    assert place(make_task(), nodes).node_id == "n10"


def test_place_scores_are_whole_numbers_so_near_equal_nodes_tie():
    # 15% and 15% against 10% and 20%: most allocated 15 both, balanced 100 and 95
    nodes = [
        make_node("a", cpu=1000, memory=1000, allocated=Resources(151, 150)),
        make_node("b", cpu=1000, memory=1000, allocated=Resources(150, 151)),
    ]
    assert place(make_task(), nodes, "binpack").node_id == "a"
    assert place(make_task(), list(reversed(nodes)), "binpack").node_id == "a"


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
    decision = place(task, [make_node("n1")], filters=(lambda t, n, c: ("nope",),))
    assert decision == Unschedulable("t1", "0/1 nodes are available: 1 nope.")


# --- unschedulable_message ---------------------------------------------------


@pytest.mark.parametrize(
    ("total", "reasons", "expected"),
    [
        (0, [], "0/0 nodes are available: no nodes registered."),
        (1, [NOT_READY], "0/1 nodes are available: 1 node(s) were not ready."),
        (3, [NOT_READY, INSUFFICIENT_CPU, INSUFFICIENT_CPU],
         "0/3 nodes are available: 1 node(s) were not ready, 2 Insufficient cpu."),
        # sorted as text, count and reason together, as kube-scheduler does
        (5, ["node(s) had untolerated taint {dedicated: gpu}"] * 2 + [INSUFFICIENT_CPU] * 3,
         "0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient cpu."),
        (4, [INSUFFICIENT_CPU, UNSCHEDULABLE, UNSCHEDULABLE, UNSCHEDULABLE],
         "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) were unschedulable."),
        # one node may give two reasons, so counts may add up to more than total
        (1, [INSUFFICIENT_CPU, INSUFFICIENT_MEMORY], "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."),
    ],
)
def test_unschedulable_message(total, reasons, expected):
    assert unschedulable_message(total, reasons) == expected


def test_unschedulable_message_accepts_any_iterable():
    assert unschedulable_message(2, iter([NOT_READY, NOT_READY])) == "0/2 nodes are available: 2 node(s) were not ready."


def test_explain_gives_each_nodes_reasons_or_scores():
    nodes = [make_node("a", healthy=False), make_node("b", cpu=100), make_node("c")]
    verdicts = explain(make_task(cpu=1000), nodes)
    assert [v.reasons for v in verdicts] == [(NOT_READY,), (INSUFFICIENT_CPU,), ()]
    assert verdicts[2].scores == {"NodeResourcesFit": 87, "NodeResourcesBalancedAllocation": 87,
                                  "TaintToleration": 100, "NodeAffinity": 0, "PodTopologySpread": 0,
                                  "InterPodAffinity": 0}
    assert verdicts[2].total == 87 + 87 + 3 * 100


# --- place_all: the rule (pure) and the node index give the same answers ----


def _indexed(tasks, nodes, policy="spread"):
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
    assert decisions[2] == Unschedulable("t3", "0/1 nodes are available: 1 Insufficient cpu.")


def test_place_all_never_overcommits(place_all):
    nodes = [make_node("a", cpu=1000, memory=1000), make_node("b", cpu=1500, memory=1000)]
    tasks = [make_task(f"t{i}", cpu=300, memory=200) for i in range(10)]
    for score in ("spread", "binpack"):
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
    decisions = place_all(tasks, nodes, "spread")
    assert [d.node_id for d in decisions] == ["n1", "n2", "n3", "n1", "n2", "n3"]


def test_place_all_spread_is_the_default(place_all):
    nodes = [make_node("n1"), make_node("n2")]
    tasks = [make_task("t1", cpu=500), make_task("t2", cpu=500)]
    assert [d.node_id for d in place_all(tasks, nodes)] == ["n1", "n2"]


def test_place_all_binpack_fills_one_node_first(place_all):
    nodes = [make_node("n1", cpu=2000), make_node("n2", cpu=2000), make_node("n3", cpu=2000)]
    tasks = [make_task(f"t{i}", cpu=500, memory=512) for i in range(1, 8)]
    decisions = place_all(tasks, nodes, "binpack")
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
    assert place_all([make_task("t")], []) == [Unschedulable("t", "0/0 nodes are available: no nodes registered.")]


def test_a_task_that_fits_nowhere_in_a_large_cluster_hears_about_every_node(place_all):
    nodes = [make_node(f"n{i:04d}", cpu=100) for i in range(500)]
    (decision,) = place_all([make_task("big", cpu=5000)], nodes)
    assert decision.message == "0/500 nodes are available: 500 Insufficient cpu."


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
        "0/5 nodes are available: 1 Insufficient cpu, 1 node(s) were not ready, 1 node(s) were unschedulable, "
        "2 node(s) didn't match Pod's node affinity/selector."
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
        "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable."
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


_APP = [LabelSelector((("app", "a"),)), LabelSelector((("app", "b"),)),
        LabelSelector((), (Requirement("app", "In", ("a", "b")),)), LabelSelector(),
        LabelSelector((), (Requirement("tier", "DoesNotExist"),))]
_KEYS = ["zone", "kubernetes.io/hostname", "disk"]
_POD_LABELS = [{}, {"app": "a"}, {"app": "b"}, {"app": "a", "tier": "web"}]


@st.composite
def _terms(draw, preferred=False):
    return tuple(PodAffinityTerm(draw(st.sampled_from(_APP)), draw(st.sampled_from(_KEYS)),
                                 draw(st.sampled_from([(), (), ("other",), ("default", "other")])),
                                 draw(st.integers(1, 100)) if preferred else 0)
                 for _ in range(draw(st.integers(0, 2))))


@st.composite
def _constraints(draw):
    if draw(st.integers(0, 3)) == 0:
        return Constraints()
    spread = tuple(SpreadConstraint(draw(st.integers(1, 3)), draw(st.sampled_from(_KEYS)),
                                    draw(st.sampled_from(["DoNotSchedule", "ScheduleAnyway"])),
                                    draw(st.sampled_from(_APP)))
                   for _ in range(draw(st.integers(0, 2))))
    preferred_nodes = tuple((draw(st.integers(1, 100)), draw(st.sampled_from(_AFFINITIES[2:]))[0])
                            for _ in range(draw(st.integers(0, 2))))
    return Constraints(preferred_nodes, draw(_terms()), draw(_terms(True)), draw(_terms()), draw(_terms(True)),
                       spread)


@st.composite
def _pod(draw, i):
    namespace = draw(st.sampled_from(["", "", "other/"]))
    return make_task(f"{namespace}p{i:03d}", labels=draw(st.sampled_from(_POD_LABELS)),
                     constraints=draw(_constraints()))


@st.composite
def _clusters(draw):
    count = draw(st.integers(min_value=0, max_value=12))
    nodes = []
    for i in range(count):
        cpu = draw(st.sampled_from([0, 1, 1000, 1500, 3000, 4000, 64000]))
        memory = draw(st.sampled_from([0, 1, 1024, 3000, 8192]))
        gpus = draw(st.sampled_from([0, 0, 1, 2, 4, 8]))
        pods = tuple(p for p in (draw(_pod(i * 10 + j)) for j in range(draw(st.integers(0, 3))))
                     if p.labels or p.constraints.pod_terms)
        nodes.append(make_node(
            f"n{i:02d}", cpu=cpu, memory=memory, gpus=gpus, labels=draw(_labels),
            healthy=draw(st.booleans()) or draw(st.booleans()), schedulable=draw(st.booleans()) or draw(st.booleans()),
            gpu_used=tuple(draw(st.sampled_from([0, 0, 300, 500, 750, 1000])) for _ in range(gpus)),
            taints=draw(st.sampled_from(_TAINTS)), pods=tuple(sorted(pods, key=lambda p: p.id)),
        ))
        if draw(st.booleans()):
            allocated = Resources(draw(st.integers(0, cpu)), draw(st.integers(0, memory)))
            nodes[-1] = dataclasses.replace(nodes[-1], allocated=allocated)
    tasks = [
        make_task(f"{draw(st.sampled_from(['', '', 'other/']))}t{j}", cpu=draw(_resources), memory=draw(_resources),
                  gpu=draw(st.sampled_from([0, 0, 0, 250, 500, 700, 1000, 2000, 4000])),
                  node_selector=draw(st.sampled_from([{}, {}, {"zone": "a"}, {"disk": "ssd"}])),
                  node_affinity=draw(st.sampled_from(_AFFINITIES)),
                  tolerations=draw(st.sampled_from(_TOLERATIONS)),
                  labels=draw(st.sampled_from(_POD_LABELS)), constraints=draw(_constraints()),
                  nominated_node=draw(st.sampled_from([None, None, None, "n00", "n03"])))
        for j in range(draw(st.integers(min_value=0, max_value=25)))
    ]
    return draw(st.permutations(nodes)), tasks


@settings(max_examples=200, deadline=None)
@given(cluster=_clusters(), score=st.sampled_from(["spread", "binpack"]))
def test_the_index_decides_exactly_as_the_rule(cluster, score):
    nodes, tasks = cluster
    assert _indexed(tasks, nodes, score) == pure_place_all(tasks, sorted(nodes, key=lambda n: n.id), score)


@settings(max_examples=100, deadline=None)
@given(cluster=_clusters(), policy=st.sampled_from(["spread", "binpack"]))
def test_the_index_explains_every_node_as_the_rule_does(cluster, policy):
    nodes, tasks = cluster
    ordered = sorted(nodes, key=lambda n: n.id)
    index = NodeIndex(policy)
    index.sync(nodes)
    for task in tasks[:3]:
        explained = index.explain(task, limit=len(nodes) + 1)
        verdicts = explain(task, ordered, policy)
        by_node = {v.node: v for v in explained.candidates + explained.rejections}
        assert set(by_node) == {n.id for n in nodes}
        for v in verdicts:
            mine = by_node[v.node_id]
            assert mine.reasons == v.reasons
            if v.feasible:
                assert (mine.total, dict(mine.scores)) == (v.total, dict(v.scores))
        decision = place(task, ordered, policy)
        assert explained.node == (decision.node_id if isinstance(decision, Placement) else None)
        if explained.candidates:
            assert [c.total for c in explained.candidates] == sorted((c.total for c in explained.candidates),
                                                                     reverse=True)


@settings(max_examples=60, deadline=None)
@given(cluster=_clusters(), data=st.data())
def test_syncing_only_the_rows_said_to_change_decides_as_a_full_sync(cluster, data):
    nodes, tasks = cluster
    nodes = sorted(nodes, key=lambda n: n.id)
    full, told = NodeIndex("spread"), NodeIndex("spread")
    full.sync(list(nodes))
    told.sync(nodes)
    for step in range(3):
        changed = set()  # told is given the same list, patched in place, as the controller's snapshot does
        for i in data.draw(st.lists(st.integers(0, max(len(nodes) - 1, 0)), max_size=4)) if nodes else []:
            nodes[i] = dataclasses.replace(nodes[i], allocated=Resources(data.draw(st.integers(0, 2000)), 0),
                                           healthy=data.draw(st.booleans()) or True,
                                           labels=data.draw(_labels))
            changed.add(i)
        full.sync(list(nodes))
        told.sync(nodes, changed)
        batch = tasks[step * 5:(step + 1) * 5]
        assert told.place_all(batch) == full.place_all(batch)
