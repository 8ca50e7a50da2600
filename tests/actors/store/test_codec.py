import dataclasses
import json

import pytest

from actors.store import codec
from actors.domain.models import Deployment, Node, Resources, Task, TaskStatus
from actors.domain.affinity import Requirement
from actors.domain.constraints import Constraints, LabelSelector, PodAffinityTerm, SpreadConstraint
from actors.domain.taints import Taint, Toleration
from tests.helpers import make_deployment, make_node, make_task, make_template

CONSTRAINTS = Constraints(
    preferred_node_affinity=((10, (Requirement("zone", "In", ("a",)),)),),
    affinity=(PodAffinityTerm(LabelSelector((("app", "db"),)), "zone"),),
    preferred_affinity=(PodAffinityTerm(LabelSelector((), (Requirement("tier", "Exists"),)), "zone", ("other",), 5),),
    anti_affinity=(PodAffinityTerm(LabelSelector((("app", "web"),)), "kubernetes.io/hostname"),),
    preferred_anti_affinity=(PodAffinityTerm(LabelSelector(), "zone", (), 100),),
    topology_spread=(SpreadConstraint(2, "zone", "ScheduleAnyway", LabelSelector((("app", "web"),))),),
)
TOLERATIONS = (Toleration("dedicated", "Equal", "gpu", "NoExecute", 30.0), Toleration(operator="Exists"))
AFFINITY = ((Requirement("zone", "In", ("a", "b")), Requirement("gpu", "Exists")), (Requirement("rank", "Gt", ("3",)),))

DECODERS = {Node: codec.decode_node, Task: codec.decode_task, Deployment: codec.decode_deployment}


@pytest.mark.parametrize(
    "record",
    [
        make_node("n1", labels={"zone": "a", "example.com/disk": "ssd"}, healthy=False, simulated=False,
                  created_at=1.5, last_heartbeat=2.25, version=7),
        make_task("t1", cpu=250, memory=64, node="n1", status=TaskStatus.RUNNING, node_selector={"zone": "a"},
                  duration=3.5, outcome=TaskStatus.FAILED, attempts=2, message="why", created_at=1.0,
                  scheduled_at=2.0, started_at=3.0, finished_at=None, version=9),
        make_task("t2"),
        make_task("gpu", resources=Resources(1000, 64, 500), node="n1", status=TaskStatus.RUNNING, gpu_devices=(3,),
                  node_affinity=AFFINITY),
        make_node("g", capacity=Resources(8000, 1024, 8000), labels={"nvidia.com/gpu.product": "T4"}),
        make_task("web-x7k2q", owner="web", template_hash="0123456789"),
        make_task("api", manifest={"metadata": {"name": "api", "labels": {"app": "api"}},
                                   "spec": {"containers": [{"name": "main", "image": "nginx"}]}}),
        make_deployment("web", replicas=5, created_at=1.5, version=3,
                        template=make_template(cpu=100, memory=64, node_selector={"zone": "a"}, duration=2.5,
                                               outcome=TaskStatus.FAILED)),
        make_deployment("empty", replicas=0),
        make_task("constrained", labels={"app": "web"}, constraints=CONSTRAINTS, priority=1000,
                  preemption_policy="Never", nominated_node="n2"),
        make_deployment("constrained", template=make_template(labels={"app": "web"}, constraints=CONSTRAINTS,
                                                              priority=-5, preemption_policy="Never")),
        make_deployment("gpu", template=make_template(cpu=100, gpu=2000, node_affinity=AFFINITY,
                                                      tolerations=TOLERATIONS)),
        make_node("tainted", taints=(Taint("spot", "", "PreferNoSchedule"), Taint("a", "b"))),
        make_deployment("kube", manifest={"metadata": {"name": "kube"}, "spec": {"replicas": 2}},
                        template=make_template(cpu=100, manifest={"metadata": {"labels": {"app": "kube"}},
                                                                  "spec": {"containers": [{"name": "c"}]}})),
    ],
)
def test_records_round_trip(record):
    assert DECODERS[type(record)](codec.encode(record)) == record


@pytest.mark.parametrize(
    ("cls", "record", "derived"),
    [(Node, make_node(annotations={"a": "b"}, taints=(Taint("dedicated", "gpu", "NoExecute"),)),
      {"allocated", "gpu_used", "gpu_kinds", "pods"}),
     (Task, make_task(manifest={"spec": {}}, scheduler="mine", gpu_devices=(1,), node_affinity=AFFINITY,
                      tolerations=TOLERATIONS, labels={"a": "b"}, constraints=CONSTRAINTS, priority=3,
                      preemption_policy="Never", nominated_node="n1"), set()),
     (Deployment, make_deployment(manifest={"spec": {}}), {"ready"})],
)
def test_every_field_is_stored_but_the_derived_ones(cls, record, derived):
    stored = set(json.loads(codec.encode(record)))
    assert stored == {f.name for f in dataclasses.fields(cls)} - derived


def test_a_task_stored_before_deployments_existed_still_loads():
    old = json.loads(codec.encode(make_task("t1")))
    del old["owner"], old["template_hash"]
    task = codec.decode_task(json.dumps(old))
    assert (task.owner, task.template_hash) == (None, None)


def test_a_task_without_a_manifest_stores_none():
    assert "manifest" not in json.loads(codec.encode(make_task("t1")))
    assert codec.decode_task(codec.encode(make_task("t1"))).manifest is None


def test_a_template_without_a_manifest_hashes_as_before_manifests_existed():
    from actors.domain.rollout import template_hash

    assert template_hash(make_template(cpu=100)) == "9bed75fcdb"  # what it was before manifests existed
    assert template_hash(make_template(cpu=100)) != template_hash(make_template(cpu=100, manifest={"spec": {}}))


def test_readiness_is_not_stored():
    assert codec.decode_deployment(codec.encode(make_deployment(ready=2))).ready == 0


def test_allocation_is_not_stored():
    node = make_node(allocated=Resources(100, 100))
    assert codec.decode_node(codec.encode(node)).allocated == Resources(0, 0)


def test_objects_round_trip():
    from actors.domain.models import Object

    kept = Object("configmaps/default/app", {"metadata": {"labels": {"a": "b"}}, "data": {"k": "v"}}, 1.5, 4)
    assert codec.decode_object(codec.encode(kept)) == kept
