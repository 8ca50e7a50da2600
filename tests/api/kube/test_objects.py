"""Records as Kubernetes objects and tables: pure conversions."""

from __future__ import annotations

import pytest

from api.kube import objects, tables
from actors.domain.models import TaskStatus
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
    pod = objects.pod(make_task("t1", message="0/1 nodes are available: 1 Insufficient cpu."))
    assert [c["type"] for c in pod["status"]["conditions"]] == ["PodScheduled"]
    assert "podIP" not in pod["status"] and "containerStatuses" not in pod["status"]
    assert tables.COLUMNS["pods"][1](pod)[:3] == ["t1", "0/1", "Pending"]


def test_a_deployment_task_is_owned_by_its_replica_set():
    pod = objects.pod(make_task("d-1", owner="d", template_hash="abc"))
    (owner,) = pod["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("ReplicaSet", "d-abc", True)


@pytest.mark.parametrize("status", list(TaskStatus))
@pytest.mark.parametrize("manifest", [None, {"metadata": {"labels": {"app": "a"}},
                                             "spec": {"containers": [{"name": "a"}, {"name": "b"}]}}])
def test_the_quick_table_row_of_a_task_is_the_row_of_its_pod(status, manifest):
    placed = status is not TaskStatus.PENDING
    task = make_task("t1", status=status, node="n1" if placed else None, attempts=2 if placed else 0,
                     created_at=NOW, scheduled_at=NOW if placed else None,
                     started_at=NOW if status is not TaskStatus.SCHEDULED and placed else None,
                     manifest=manifest, owner="d", template_hash="h")
    pod = objects.pod(task)
    cells, metadata = tables.pod_row(task, now=NOW)
    slow = tables.COLUMNS["pods"][1](pod)
    assert cells[:4] + cells[5:] == slow[:4] + slow[5:]
    assert metadata == pod["metadata"]
