"""Two control planes in one process on one etcd prefix, each with its own
API: what one acknowledges the other serves, versions are etcd revisions,
stale writes are refused, one leads."""

from __future__ import annotations

import threading

import falcon.testing
import pytest

from actors.domain.errors import AlreadyExists, StoreError, VersionConflict
from actors.store import codec
from actors.store.etcd_client import b64
from actors.store.etcd import EtcdBackend, EtcdDatastore, parse_store
from actors.store.backends import open_backend
from actors.domain.models import TaskStatus
from actors.store.ops import Create, RequireNodeReady, Update
from actors.system import ControlPlane, Settings, start_control_plane
from api.app import create_app
from tests.helpers import make_node, make_task

TTL = 2.0


def start(store: str) -> ControlPlane:
    return start_control_plane(Settings(start_timer=False, leader_ttl=TTL), open_backend(store))


@pytest.fixture
def planes(etcd_store):
    """Two control planes on one fresh prefix; the first one leads."""
    a = start(etcd_store)
    assert a.elector.wait_elected(10)
    b = start(etcd_store)
    yield a, b
    b.stop()
    a.stop()


def api(cp: ControlPlane) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(cp))


def test_what_one_process_acknowledges_the_other_serves_at_once(planes, etcd_store):
    a, b = planes
    created = api(a).simulate_post("/nodes", json={"id": "n1", "labels": {"zone": "a"}})
    assert created.status_code == 201
    seen = api(b).simulate_get("/nodes/n1")  # no waiting: the read barrier catches up
    assert seen.status_code == 200
    assert seen.json == created.json
    # The version is the etcd revision of the record's last change.
    endpoints, prefix = parse_store(etcd_store)
    backend = EtcdBackend(endpoints, prefix)
    _, kvs = backend.client.range(backend.key("node", "n1"))
    assert created.json["version"] == kvs[0].mod_revision

    assert api(b).simulate_delete("/nodes/n1").status_code == 204
    assert api(a).simulate_get("/nodes/n1").status_code == 404
    assert api(a).simulate_get("/nodes").json == []


def test_a_stale_update_through_the_other_process_is_409(planes):
    a, b = planes
    node = api(a).simulate_post("/nodes", json={"id": "n1"}).json
    changed = api(b).simulate_put("/nodes/n1", json={"schedulable": False, "version": node["version"]})
    assert changed.status_code == 200 and changed.json["version"] > node["version"]
    stale = api(a).simulate_put("/nodes/n1", json={"schedulable": True, "version": node["version"]})
    assert stale.status_code == 409
    assert str(changed.json["version"]) in stale.json["description"]
    assert api(a).simulate_get("/nodes/n1").json["schedulable"] is False


def test_one_id_created_through_both_processes_is_created_once(planes):
    a, b = planes
    assert api(a).simulate_post("/tasks", json={"id": "t1"}).status_code == 201
    taken = api(b).simulate_post("/tasks", json={"id": "t1"})
    assert taken.status_code == 409 and "t1" in taken.json["description"]


def test_a_stale_cache_is_refreshed_and_the_usual_error_comes_back(planes):
    """The datastores themselves, no read barrier: B writes before its watch
    has brought A's record, etcd's compare refuses, and B answers from the
    refreshed record."""
    a, b = planes
    [task] = a.datastore.commit([Create(make_task("t1"))]).get(timeout=5)
    with pytest.raises(AlreadyExists):
        b.datastore.commit([Create(make_task("t1"))]).get(timeout=5)
    assert b.datastore.get_task("t1").get(timeout=5).version == task.version
    a.datastore.commit([Update(make_task("t1", name="new"), task.version)]).get(timeout=5)
    with pytest.raises(VersionConflict):
        b.datastore.commit([Update(make_task("t1", name="other"), task.version)]).get(timeout=5)


def test_two_processes_binding_one_task_at_once_bind_it_once(planes):
    """Every binding is a compare-and-swap on the task's etcd revision."""
    a, b = planes
    a.datastore.commit([Create(make_node("n1")), Create(make_node("n2"))]).get(timeout=5)
    [task] = a.datastore.commit([Create(make_task("t1"))]).get(timeout=5)
    assert b.backend.read_barrier(5) is None
    results: dict[str, object] = {}
    go = threading.Barrier(2)

    def bind(cp: ControlPlane, node: str) -> None:
        go.wait()
        try:
            results[node] = cp.datastore.commit(
                [Update(make_task("t1", node=node, status=task.status.SCHEDULED), task.version)]
            ).get(timeout=5)
        except VersionConflict as exc:
            results[node] = exc

    threads = [threading.Thread(target=bind, args=(cp, n)) for cp, n in ((a, "n1"), (b, "n2"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    won = [n for n, r in results.items() if isinstance(r, list)]
    lost = [n for n, r in results.items() if isinstance(r, VersionConflict)]
    assert len(won) == 1 and len(lost) == 1, results
    a.backend.read_barrier(5)
    b.backend.read_barrier(5)
    assert a.datastore.get_task("t1").get(timeout=5).node == won[0]
    assert b.datastore.get_task("t1").get(timeout=5).node == won[0]


def test_only_the_leader_schedules_and_everyone_sees_it(planes):
    a, b = planes
    assert a.is_leader() and not b.is_leader()
    assert api(a).simulate_get("/health").json == {"status": "ok", "leader": True, "store": "etcd"}
    assert api(b).simulate_get("/health").json == {"status": "ok", "leader": False, "store": "etcd"}
    assert api(b).simulate_post("/nodes", json={"id": "n1"}).status_code == 201
    assert api(b).simulate_post("/tasks", json={"id": "t1"}).status_code == 201
    assert b.controller.reconcile().get(timeout=5).scheduled == 0  # not the leader: does nothing
    assert a.feed.wait_until(lambda: api(a).simulate_get("/tasks/t1").json["status"] == "running", 10)
    assert api(b).simulate_get("/tasks/t1").json["node"] == "n1"


def test_when_the_leader_stops_the_other_takes_over(planes):
    a, b = planes
    a.elector.stop()  # gives the lease back
    assert not a.is_leader()
    assert b.elector.wait_elected(2 * TTL)
    assert api(b).simulate_post("/nodes", json={"id": "n1"}).status_code == 201
    assert api(b).simulate_post("/tasks", json={"id": "t1"}).status_code == 201
    assert b.feed.wait_until(lambda: api(b).simulate_get("/tasks/t1").json["status"] == "running", 10)


def test_a_new_process_loads_everything_with_its_versions(etcd_store):
    a = start(etcd_store)
    assert a.elector.wait_elected(10)
    node = api(a).simulate_post("/nodes", json={"id": "n1"}).json
    task = api(a).simulate_post("/tasks", json={"id": "t1", "resources": {"cpu": 100}}).json
    deployment = api(a).simulate_post("/deployments", json={"id": "web", "replicas": 0}).json
    a.stop()
    b = start(etcd_store)
    try:
        client = api(b)
        assert client.simulate_get("/nodes/n1").json["version"] == node["version"]
        assert client.simulate_get("/deployments/web").json == deployment
        loaded = client.simulate_get("/tasks/t1").json
        assert loaded["version"] >= task["version"] and loaded["resources"] == {"cpu": 100, "memory": 0}
    finally:
        b.stop()


@pytest.mark.parametrize("spec, problem", [
    ("etcd://", "is not HOST:PORT"),
    ("etcd://localhost", "is not HOST:PORT"),
    ("etcd://127.0.0.1:99999", "is not HOST:PORT"),
])
def test_a_bad_etcd_store_is_refused_naming_the_problem(spec, problem):
    with pytest.raises(StoreError, match=problem):
        open_backend(spec)


def test_an_unreachable_etcd_at_start_is_a_store_error():
    from tests.etcd.cluster import free_port

    backend = open_backend(f"etcd://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="not answering"):
        backend.load()


def test_independent_transactions_go_to_etcd_together_and_fail_alone(planes):
    """The controller's bindings are sent many to an etcd transaction; a
    stale one among them fails on its own."""
    a, _ = planes
    a.datastore.commit([Create(make_node("n1"))]).get(timeout=5)
    tasks = [a.datastore.commit([Create(make_task(f"t{i}"))]).get(timeout=5)[0] for i in range(100)]
    stale = tasks[50]
    a.datastore.commit([Update(make_task(stale.id, name="changed"), stale.version)]).get(timeout=5)
    results = a.datastore.commit_each([
        [RequireNodeReady("n1"), Update(make_task(t.id, node="n1", status=TaskStatus.SCHEDULED), t.version)]
        for t in tasks
    ]).get(timeout=10)
    assert isinstance(results[50], VersionConflict)
    bound = [r[0] for i, r in enumerate(results) if i != 50]
    assert all(r.node == "n1" for r in bound)
    assert len({r.version for r in bound}) < 10  # a few etcd transactions, not 99
    assert a.backend.read_barrier(5) is None
    assert {t.id for t in a.datastore.list_tasks(TaskStatus.SCHEDULED).get(timeout=5)} == {r.id for r in bound}


def test_a_deployment_of_hundreds_of_replicas_is_one_transaction_each_way(planes):
    a, b = planes
    client = api(a)
    assert client.simulate_post("/nodes", json={"id": "n1", "capacity": {"cpu": 1000}}).status_code == 201
    assert client.simulate_post("/deployments", json={"id": "web", "replicas": 300}).status_code == 201
    assert a.feed.wait_until(lambda: api(a).simulate_get("/deployments/web").json["ready"] == 300, 30)
    assert api(b).simulate_get("/deployments/web").json["ready"] == 300
    assert api(b).simulate_delete("/deployments/web").status_code == 204
    assert api(a).simulate_get("/tasks").json == []


def test_a_group_refused_by_etcd_is_committed_again_one_by_one(etcd_store):
    """No actor and no watch: the cache does not know of a change made in
    etcd behind its back, so the group's compare fails; each transaction is
    then tried alone, and only the one on the changed key fails."""
    endpoints, prefix = parse_store(etcd_store)
    store = EtcdDatastore(EtcdBackend(endpoints, prefix))
    try:
        store.commit([Create(make_node("n1"))])
        tasks = [store.commit([Create(make_task(f"t{i}"))])[0] for i in range(10)]
        behind = store.backend
        behind.client.txn([], [{"request_put": {"key": b64(behind.key("task", "t5")),
                                                "value": b64(codec.encode(make_task("t5", name="elsewhere")))}}], [])
        results = store.commit_each([
            [RequireNodeReady("n1"), Update(make_task(t.id, node="n1", status=TaskStatus.SCHEDULED), t.version)]
            for t in tasks
        ])
        assert isinstance(results[5], VersionConflict)
        assert all(isinstance(r, list) and r[0].node == "n1" for i, r in enumerate(results) if i != 5)
        assert store.get_task("t5").name == "elsewhere"  # refreshed from etcd
    finally:
        store.backend.close()
