"""GPUs and node affinity in the scheduler's rules and its index: which
devices a task takes, why it waits, and the node's per-device use as the
datastore derives it."""

from __future__ import annotations

import pytest

from actors.datastore import Datastore
from actors.domain.affinity import Requirement, check, matches
from actors.domain.lifecycle import binding
from actors.domain.models import TaskStatus
from actors.scheduling.node_index import NodeIndex
from actors.scheduling.rules import Placement, Unschedulable, gpu_devices, place, place_all
from actors.store.ops import Create, Delete, Patch
from tests.helpers import make_node, make_task


def gpu_node(name: str = "g", gpus: int = 4, used: tuple[int, ...] = (), **labels: str):
    return make_node(name, cpu=64000, memory=65536, gpus=gpus, gpu_used=used, labels=labels)


@pytest.mark.parametrize(("gpu", "used", "devices"), [
    (0, (), ()),
    (500, (), (0,)),
    (500, (0, 600, 400, 0), (2,)),  # the device with the least room that still holds it
    (500, (600, 600, 600, 600), None),  # 1600 free, but no device holds 500
    (1000, (600, 0, 0, 1000), (1,)),
    (2000, (600, 0, 0, 1000), (1, 2)),  # the lowest-numbered entirely free
    (3000, (600, 0, 0, 1000), None),
])
def test_a_share_takes_the_tightest_device_and_whole_gpus_the_lowest_free(gpu, used, devices):
    assert gpu_devices(make_task(gpu=gpu), gpu_node(used=used)) == devices


def test_a_gpu_task_waits_saying_which_nodes_lack_gpu_or_affinity():
    nodes = [gpu_node("a", used=(1000,) * 4, model="T4"), gpu_node("b", model="V100"), make_node("c")]
    task = make_task(gpu=1000, node_affinity=((Requirement("model", "In", ("T4",)),),))
    assert place(task, nodes) == Unschedulable(
        "t1", "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector.")
    index = NodeIndex("spread")
    index.sync(nodes)
    assert index.place(task) == place(task, nodes)
    anywhere = place(make_task(gpu=1000), nodes)
    assert isinstance(anywhere, Placement) and (anywhere.node_id, anywhere.devices) == ("b", (0,))


def test_placements_in_one_batch_share_a_device_until_it_is_full():
    nodes = [gpu_node("a", gpus=1)]
    decisions = place_all([make_task(f"t{i}", gpu=400) for i in range(3)], nodes)
    assert [getattr(d, "devices", None) for d in decisions] == [(0,), (0,), None]
    assert decisions[2].message == "0/1 nodes are available: 1 Insufficient nvidia.com/gpu."
    index = NodeIndex("binpack")
    index.sync(nodes)
    assert index.place_all([make_task(f"t{i}", gpu=400) for i in range(3)]) == place_all(
        [make_task(f"t{i}", gpu=400) for i in range(3)], nodes, "binpack")


@pytest.mark.parametrize(("requirement", "labels", "result"), [
    (Requirement("zone", "In", ("a", "b")), {"zone": "b"}, True),
    (Requirement("zone", "In", ("a",)), {}, False),
    (Requirement("zone", "NotIn", ("a",)), {}, True),
    (Requirement("zone", "NotIn", ("a",)), {"zone": "a"}, False),
    (Requirement("gpu", "Exists"), {"gpu": ""}, True),
    (Requirement("gpu", "DoesNotExist"), {"gpu": "x"}, False),
    (Requirement("rank", "Gt", ("3",)), {"rank": "4"}, True),
    (Requirement("rank", "Gt", ("3",)), {"rank": "3"}, False),
    (Requirement("rank", "Lt", ("3",)), {"rank": "two"}, False),
    (Requirement("rank", "Lt", ("3",)), {}, False),
])
def test_each_operator_means_what_kubernetes_means(requirement, labels, result):
    assert requirement.matches(labels) is result


def test_terms_are_ored_and_expressions_anded():
    affinity = ((Requirement("zone", "In", ("a",)), Requirement("disk", "Exists")), (Requirement("zone", "In", ("b",)),))
    assert matches(affinity, {"zone": "a", "disk": "ssd"}) and matches(affinity, {"zone": "b"})
    assert not matches(affinity, {"zone": "a"}) and matches((), {})


@pytest.mark.parametrize(("requirement", "says"), [
    (Requirement("k", "Near", ("x",)), "operator must be one of"),
    (Requirement("k", "In"), "non-empty for In"),
    (Requirement("k", "Exists", ("x",)), "empty for Exists"),
    (Requirement("k", "Gt", ("1", "2")), "exactly one integer"),
    (Requirement("k", "Lt", ("x",)), "must be an integer"),
])
def test_a_malformed_requirement_says_what_is_wrong(requirement, says):
    assert says in check(requirement)


def test_the_datastore_derives_each_devices_use_from_the_active_tasks():
    store = Datastore()
    store.commit([Create(gpu_node("g", gpus=2)), Create(make_task("share", gpu=300)),
                  Create(make_task("whole", gpu=1000))])
    for task_id, devices in (("share", (1,)), ("whole", (0,))):
        task = store.get_task(task_id)
        store.commit([Patch("task", task_id, task.version, binding(task, "g", 1.0, devices))])
    node = store.get_node("g")
    assert (node.gpu_used, node.allocated.gpu, node.gpu_free()) == ((1000, 300), 1300, [0, 700])
    assert node.gpu_kinds == ((0, 1), (1, 1))  # a share, and one whole GPU
    whole = store.get_task("whole")
    store.commit([Patch("task", "whole", whole.version, {"status": TaskStatus.SUCCEEDED})])
    assert store.get_node("g").gpu_used == (0, 300) and store.get_node("g").gpu_kinds == ((0, 1),)
    store.commit([Delete("task", "share")])
    assert store.get_node("g").gpu_used == () and store.get_node("g").gpu_free() == [1000, 1000]
    assert store.get_node("g").gpu_kinds == ()


def test_two_bindings_racing_for_one_device_cannot_both_take_it():
    from actors.domain.errors import Conflict
    from actors.store.ops import RequireNodeReady, gpu_guard

    store = Datastore()
    store.commit([Create(gpu_node("g", gpus=1)), Create(make_task("a", gpu=1000)), Create(make_task("b", gpu=1000))])
    for task_id in ("b", "a"):  # both chose device 0 from the same view of the node
        task = store.get_task(task_id)
        ops = [RequireNodeReady("g"), *gpu_guard(task, "g", (0,)), Patch("task", task_id, task.version,
                                                                         binding(task, "g", 1.0, (0,)))]
        if task_id == "b":
            store.commit(ops)
        else:
            with pytest.raises(Conflict, match="no room for 1 GPU on device 0"):
                store.commit(ops)
    assert store.get_node("g").gpu_used == (1000,) and store.get_task("a").status is TaskStatus.PENDING


def test_an_empty_affinity_term_matches_no_node():
    assert not matches(((),), {"zone": "a"})
    assert matches(((), (Requirement("zone", "In", ("a",)),)), {"zone": "a"})
