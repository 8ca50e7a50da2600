"""Table tests per plug-in, their expected outcomes following Kubernetes'
documented behaviour (the scheduler framework's plug-in tests and the
"Assigning Pods to Nodes", "Taints and Tolerations" and "Pod Topology Spread
Constraints" pages). Each case runs through the rule (``rules.place``/``explain``)
and the node index: they must agree."""

from __future__ import annotations

import pytest

from actors.domain.affinity import Requirement
from actors.domain.constraints import Constraints, LabelSelector, PodAffinityTerm, SpreadConstraint
from actors.domain.taints import Taint, Toleration
from actors.scheduling.node_index import NodeIndex
from actors.scheduling.plugins import profile
from actors.scheduling.rules import Placement, Unschedulable, explain, place
from tests.helpers import make_node, make_task

APP_WEB = LabelSelector((("app", "web"),))
APP_DB = LabelSelector((("app", "db"),))
HOST = "kubernetes.io/hostname"


def both(task, nodes, policy="spread"):
    """The rule's decision, checked to be the node index's too."""
    rule = place(task, nodes, policy)
    index = NodeIndex(policy)
    index.sync(nodes)
    assert index.place(task) == rule
    return rule


def scores(task, nodes, plugin, policy="spread"):
    return {v.node_id: v.scores.get(plugin) for v in explain(task, nodes, policy) if v.feasible}


def pod(task_id, **labels):
    return make_task(task_id, labels=labels)


def zone_nodes(*layout):
    """Nodes named n1.. in the given zones, each running the given pods."""
    return [make_node(f"n{i}", labels={"zone": zone}, pods=tuple(pods)) for i, (zone, pods) in enumerate(layout, 1)]


# --- TaintToleration ------------------------------------------------------------


@pytest.mark.parametrize(("taints", "tolerations", "placed"), [
    ((Taint("dedicated", "gpu"),), (), False),
    ((Taint("dedicated", "gpu"),), (Toleration("dedicated", "Equal", "gpu"),), True),
    ((Taint("dedicated", "gpu"),), (Toleration("dedicated", "Equal", "cpu"),), False),
    ((Taint("dedicated", "gpu"),), (Toleration("dedicated", "Exists"),), True),
    ((Taint("dedicated", "gpu"),), (Toleration(operator="Exists"),), True),  # empty key, Exists: every taint
    ((Taint("dedicated", "gpu"),), (Toleration("dedicated", "Equal", "gpu", "NoExecute"),), False),  # effect differs
    ((Taint("dedicated", "gpu", "NoExecute"),), (), False),
    ((Taint("spot", "", "PreferNoSchedule"),), (), True),  # only avoided
    ((Taint("a", "1"), Taint("b", "2")), (Toleration("a", "Equal", "1"),), False),  # every one must be tolerated
])
def test_taints_keep_off_the_tasks_that_do_not_tolerate_them(taints, tolerations, placed):
    decision = both(make_task(tolerations=tolerations), [make_node("n1", taints=taints)])
    assert isinstance(decision, Placement) is placed


def test_prefer_no_schedule_taints_lower_the_score_in_reverse_proportion():
    prefer = Taint("spot", "", "PreferNoSchedule")
    nodes = [make_node("a"), make_node("b", taints=(prefer,)),
             make_node("c", taints=(prefer, Taint("old", "", "PreferNoSchedule")))]
    assert scores(make_task(), nodes, "TaintToleration") == {"a": 100, "b": 50, "c": 0}
    tolerant = make_task(tolerations=(Toleration("spot", "Exists"),))
    assert scores(tolerant, nodes, "TaintToleration") == {"a": 100, "b": 100, "c": 0}
    assert both(make_task(), list(reversed(nodes))).node_id == "a"


# --- NodeAffinity (preferred) ---------------------------------------------------------


def test_preferred_node_affinity_adds_the_weights_of_the_terms_a_node_matches():
    task = make_task(constraints=Constraints(preferred_node_affinity=(
        (80, (Requirement("zone", "In", ("a",)),)),
        (20, (Requirement("disk", "Exists"),)),
    )))
    nodes = [make_node("n1", labels={"zone": "a"}), make_node("n2", labels={"zone": "a", "disk": "ssd"}),
             make_node("n3", labels={"disk": "ssd"}), make_node("n4")]
    assert scores(task, nodes, "NodeAffinity") == {"n1": 80, "n2": 100, "n3": 20, "n4": 0}
    assert both(task, nodes).node_id == "n2"


def test_preferred_node_affinity_does_not_filter():
    task = make_task(constraints=Constraints(preferred_node_affinity=((100, (Requirement("zone", "In", ("x",)),)),)))
    assert both(task, [make_node("n1", labels={"zone": "a"})]).node_id == "n1"


# --- InterPodAffinity -------------------------------------------------------------------


def test_required_affinity_needs_a_selected_task_in_the_nodes_domain():
    task = make_task(constraints=Constraints(affinity=(PodAffinityTerm(APP_DB, "zone"),)))
    nodes = zone_nodes(("a", [pod("db-1", app="db")]), ("a", []), ("b", []))
    nodes.append(make_node("n4"))  # no zone label at all
    assert [v.node_id for v in explain(task, nodes) if v.feasible] == ["n1", "n2"]
    decision = both(task, [nodes[2], nodes[3]])
    assert decision == Unschedulable("t1", "0/2 nodes are available: 2 node(s) didn't match pod affinity rules.")


def test_the_first_of_a_group_with_affinity_to_itself_may_go_anywhere_with_the_key():
    term = PodAffinityTerm(APP_WEB, "zone")
    task = make_task(labels={"app": "web"}, constraints=Constraints(affinity=(term,)))
    nodes = zone_nodes(("a", []), ("b", []))
    assert both(task, nodes).node_id == "n1"
    unlabelled = make_task(constraints=Constraints(affinity=(term,)))  # does not match itself: must wait
    assert isinstance(both(unlabelled, nodes), Unschedulable)


def test_required_anti_affinity_keeps_replicas_one_per_node():
    term = PodAffinityTerm(APP_WEB, HOST)
    web = Constraints(anti_affinity=(term,))
    nodes = [make_node("n1", pods=(make_task("web-1", labels={"app": "web"}, constraints=web),)), make_node("n2")]
    assert both(make_task("web-2", labels={"app": "web"}, constraints=web), nodes).node_id == "n2"
    full = [make_node("n1", pods=nodes[0].pods)]
    assert both(make_task("web-2", labels={"app": "web"}, constraints=web), full) == Unschedulable(
        "web-2", "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.")


def test_running_tasks_anti_affinity_keeps_newcomers_out_of_their_domain():
    loner = make_task("loner", labels={"app": "db"},
                      constraints=Constraints(anti_affinity=(PodAffinityTerm(APP_WEB, "zone"),)))
    nodes = zone_nodes(("a", [loner]), ("a", []), ("b", []))
    decision = both(make_task("web", labels={"app": "web"}, cpu=10), nodes[:2])
    assert decision == Unschedulable(
        "web", "0/2 nodes are available: 2 node(s) didn't satisfy existing pods anti-affinity rules.")
    assert both(make_task("web", labels={"app": "web"}), nodes).node_id == "n3"
    assert both(make_task("other", labels={"app": "cache"}), nodes[:2]).node_id == "n1"  # not selected


def test_terms_see_their_own_namespace_unless_they_name_others():
    nodes = [make_node("n1", pods=(make_task("prod/db", labels={"app": "db"}),)), make_node("n2")]
    own = make_task("db-client", constraints=Constraints(affinity=(PodAffinityTerm(APP_DB, HOST),)))
    assert isinstance(both(own, nodes), Unschedulable)  # db runs in prod, the client in default
    named = make_task("db-client", constraints=Constraints(affinity=(PodAffinityTerm(APP_DB, HOST, ("prod",)),)))
    assert both(named, nodes).node_id == "n1"


def test_preferred_affinity_and_anti_affinity_score_min_to_max():
    task = make_task(constraints=Constraints(
        preferred_affinity=(PodAffinityTerm(APP_DB, "zone", (), 10),),
        preferred_anti_affinity=(PodAffinityTerm(APP_WEB, "zone", (), 5),)))
    nodes = zone_nodes(("a", [pod("db-1", app="db"), pod("db-2", app="db")]),  # +20
                       ("b", [pod("db-3", app="db"), pod("web-1", app="web")]),  # +10 - 5
                       ("c", [pod("web-2", app="web")]))  # -5
    assert scores(task, nodes, "InterPodAffinity") == {"n1": 100, "n2": 40, "n3": 0}
    assert both(task, nodes).node_id == "n1"


def test_running_tasks_preferred_terms_draw_or_push_newcomers_too():
    magnet = make_task("magnet", labels={"app": "m"},
                       constraints=Constraints(preferred_affinity=(PodAffinityTerm(APP_WEB, "zone", (), 50),)))
    nodes = zone_nodes(("a", []), ("b", [magnet]))
    assert scores(make_task("web", labels={"app": "web"}), nodes, "InterPodAffinity") == {"n1": 0, "n2": 100}
    assert both(make_task("web", labels={"app": "web"}), nodes).node_id == "n2"


# --- PodTopologySpread --------------------------------------------------------------------


def spread(max_skew=1, key="zone", when="DoNotSchedule"):
    return Constraints(topology_spread=(SpreadConstraint(max_skew, key, when, APP_WEB),))


def test_spread_places_where_the_skew_stays_within_max_skew():
    # the documentation's example: zone a has 2 matching pods, zone b 1; maxSkew 1 -> zone b
    nodes = zone_nodes(("a", [pod("w1", app="web")]), ("a", [pod("w2", app="web")]), ("b", [pod("w3", app="web")]),
                       ("b", []))
    task = make_task("w4", labels={"app": "web"}, constraints=spread())
    assert [v.node_id for v in explain(task, nodes) if v.feasible] == ["n3", "n4"]
    assert both(task, nodes).node_id == "n3"
    assert both(make_task("w4", labels={"app": "web"}, constraints=spread(max_skew=2)), nodes).node_id in {"n1", "n2"}


def test_spread_rejects_nodes_without_the_key_and_counts_only_eligible_domains():
    nodes = zone_nodes(("a", [pod("w1", app="web")]), ("b", []))
    nodes.append(make_node("n3"))
    task = make_task("w2", labels={"app": "web"}, constraints=spread(), node_selector={"zone": "a"})
    # zone b does not match the selector, so it is no domain: a alone, skew 0
    assert both(task, nodes).node_id == "n1"
    bare = make_task("w2", labels={"app": "web"}, constraints=spread())
    verdicts = {v.node_id: v.reasons for v in explain(bare, nodes)}
    assert verdicts == {"n1": ("node(s) didn't match pod topology spread constraints",), "n2": (),
                        "n3": ("node(s) didn't match pod topology spread constraints (missing required label)",)}


def test_spread_schedule_anyway_scores_the_emptier_domain_higher():
    nodes = zone_nodes(("a", [pod("w1", app="web"), pod("w2", app="web")]), ("b", [pod("w3", app="web")]), ("c", []))
    task = make_task("w4", labels={"app": "web"}, constraints=spread(when="ScheduleAnyway"))
    found = scores(task, nodes, "PodTopologySpread")
    assert found["n3"] == 100 and found["n1"] < found["n2"] < found["n3"]
    assert both(task, nodes).node_id == "n3"


def test_spread_by_hostname_counts_each_node_alone():
    nodes = [make_node("n1", pods=(pod("w1", app="web"),)), make_node("n2")]
    task = make_task("w2", labels={"app": "web"}, constraints=spread(key=HOST))
    assert both(task, nodes).node_id == "n2"


# --- the score weights ---------------------------------------------------------------------


def test_a_weight_of_zero_turns_a_score_off():
    task = make_task(cpu=500, constraints=Constraints(
        preferred_node_affinity=((100, (Requirement("zone", "In", ("a",)),)),)))
    nodes = [make_node("n1", cpu=1000, labels={"zone": "a"}), make_node("n2", cpu=64000)]
    assert both(task, nodes).node_id == "n1"
    assert both(task, nodes, profile("spread", {"NodeAffinity": 0})).node_id == "n2"
