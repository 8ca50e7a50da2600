"""Plug-in policies in the scheduler: the same classes as the experiment,
over the control plane's nodes and tasks."""

from __future__ import annotations

import pytest

from actors.domain.affinity import Requirement
from actors.domain.errors import ValidationError
from actors.scheduler import Scheduler, known_policies
from actors.scheduling.plugin_index import PluginIndex, columns
from actors.scheduling.rules import Placement, Unschedulable
from tests.helpers import make_node, make_task


def gpu_node(name, gpus=2, used=(), kinds=(), model="T4", **changes):
    return make_node(name, cpu=32000, memory=65536, gpus=gpus, gpu_used=used, gpu_kinds=kinds,
                     labels={"nvidia.com/gpu.product": model}, **changes)


def test_columns_hold_what_each_node_has_free_and_runs():
    state = columns([gpu_node("a", used=(1000, 250), kinds=((0, 1), (1, 1))), make_node("b")])
    assert state.dev_free[:, :2].tolist() == [[0, 750], [-1, -1]]
    assert state.kinds[0, :2].tolist() == [1, 1] and state.model_names == ["T4"]


def test_a_plug_in_policy_places_a_batch_booking_each_placement():
    index = PluginIndex("bestfit")
    nodes = [gpu_node("a"), gpu_node("b", used=(600, 0))]
    decisions = index.place_all([make_task("t1", gpu=400), make_task("t2", gpu=1000), make_task("t3", gpu=1000),
                                 make_task("t4", gpu=1000)], nodes)
    assert [(d.node_id, d.devices) for d in decisions[:3]] == [("b", (0,)), ("b", (1,)), ("a", (0,))]
    assert isinstance(decisions[3], Placement) and decisions[3].node_id == "a"


def test_the_rules_decide_which_nodes_a_task_may_use_and_say_why_it_waits():
    index = PluginIndex("fgd")
    nodes = [gpu_node("a", model="T4"), gpu_node("b", model="V100", schedulable=False), gpu_node("c", used=(1000,
             1000), model="V100")]
    wants_v100 = ((Requirement("nvidia.com/gpu.product", "In", ("V100",)),),)
    (decision,) = index.place_all([make_task("t", gpu=500, node_affinity=wants_v100)], nodes)
    assert decision == Unschedulable(
        "t", "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) didn't match Pod's node affinity/selector, "
        "1 node(s) were unschedulable.")
    (placed,) = index.place_all([make_task("u", gpu=500, node_selector={"nvidia.com/gpu.product": "T4"})], nodes)
    assert placed.node_id == "a"


def test_random_ties_follow_the_seed_and_each_nodes_name():
    nodes = [gpu_node(f"n{i}", gpus=1) for i in range(6)]
    picks = {seed: PluginIndex("gpu-clustering", seed).place_all([make_task("t", gpu=1000)], nodes)[0].node_id
             for seed in range(8)}
    assert len(set(picks.values())) > 1  # every node ties: the seed decides
    again = PluginIndex("gpu-clustering", 3).place_all([make_task("t", gpu=1000)], list(reversed(nodes)))
    assert again[0].node_id == picks[3]


def test_the_scheduler_runs_every_known_policy_and_refuses_others():
    assert set(known_policies()) >= {"spread", "binpack", "fgd", "bestfit", "gpu-packing", "gpu-clustering",
                                     "dotprod", "random"}
    for name in known_policies():
        decisions = Scheduler(name).schedule([make_task("t", cpu=100, gpu=500)], [gpu_node("a")])
        assert isinstance(decisions[0], Placement), name
        assert decisions[0].devices in ([(0,), (1,)] if name == "random" else [(0,)]), name  # random: any that fits
    with pytest.raises(ValidationError, match="unknown policy 'fastest'; choose one of spread, binpack"):
        Scheduler("fastest")


@pytest.mark.parametrize("policy", ["fgd", "bestfit", "random"])
def test_plug_in_policies_keep_to_taints_and_pod_rules_too(policy):
    from actors.domain.constraints import Constraints, LabelSelector, PodAffinityTerm
    from actors.domain.taints import Taint

    web = Constraints(anti_affinity=(PodAffinityTerm(LabelSelector((("app", "web"),)), "kubernetes.io/hostname"),))
    nodes = [make_node("n1", taints=(Taint("dedicated", "gpu"),)), make_node("n2"), make_node("n3")]
    tasks = [make_task(f"w{i}", cpu=100, labels={"app": "web"}, constraints=web) for i in range(3)]
    decisions = PluginIndex(policy).place_all(tasks, nodes)
    assert sorted(d.node_id for d in decisions[:2]) == ["n2", "n3"]  # one per node, none on the tainted one
    assert isinstance(decisions[2], Unschedulable)
    assert "1 node(s) had untolerated taint {dedicated: gpu}" in decisions[2].message
    assert "2 node(s) didn't match pod anti-affinity rules" in decisions[2].message
