"""Records as Kubernetes objects and tables: pure conversions."""

from __future__ import annotations

import pytest

from api.kube import objects, tables
from tests.helpers import START, make_node, make_task

NOW = START


@pytest.mark.parametrize(("seconds", "shown"), [
    (0, "0s"), (59, "59s"), (119, "119s"), (150, "2m30s"), (600, "10m"), (3 * 3600, "3h"),
    (3 * 3600 + 600, "3h10m"), (30 * 3600, "30h"), (3 * 86400 + 7200, "3d2h"), (20 * 86400, "20d"),
    (800 * 86400, "2y70d"),
])
def test_ages_read_as_kubectl_shows_them(seconds, shown):
    assert tables.age(objects.timestamp(NOW - seconds), now=NOW) == shown


@pytest.mark.parametrize(("millicores", "text"), [(4000, "4"), (500, "500m"), (1500, "1500m"), (0, "0")])
def test_cpu_quantities(millicores, text):
    assert objects.cpu_quantity(millicores) == text


@pytest.mark.parametrize(("mib", "text"), [(8192, "8Gi"), (256, "256Mi"), (1536, "1536Mi"), (0, "0Mi")])
def test_memory_quantities(mib, text):
    assert objects.memory_quantity(mib) == text


def test_uids_are_stable_and_differ_for_a_new_object_of_the_same_name():
    assert objects.uid("pod", "a", 1.0) == objects.uid("pod", "a", 1.0)
    assert objects.uid("pod", "a", 1.0) != objects.uid("pod", "a", 2.0)


def test_a_node_label_wins_over_the_well_known_default():
    node = objects.node(make_node("n1", labels={"kubernetes.io/arch": "arm64"}))
    assert node["metadata"]["labels"]["kubernetes.io/arch"] == "arm64"


def test_a_pending_pod_has_only_pod_scheduled_and_no_ip():
    pod = objects.pod(make_task("t1", message="0/1 nodes available: 1 insufficient cpu"))
    assert [c["type"] for c in pod["status"]["conditions"]] == ["PodScheduled"]
    assert "podIP" not in pod["status"] and "containerStatuses" not in pod["status"]
    assert tables.COLUMNS["pods"][1](pod)[:3] == ["t1", "0/1", "Pending"]


def test_a_deployment_task_is_owned_by_its_replica_set():
    pod = objects.pod(make_task("d-1", owner="d", template_hash="abc"))
    (owner,) = pod["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("ReplicaSet", "d-abc", True)
