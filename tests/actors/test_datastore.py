from __future__ import annotations

import dataclasses

import pytest

from actors.datastore import Datastore
from actors.feed import ChangeFeed
from actors.domain.errors import AlreadyExists, Conflict, NotFound, VersionConflict
from actors.domain.models import Resources, TaskStatus
from actors.store.ops import (
    Create,
    Delete,
    DeleteNamespaced,
    DeleteOwnedTasks,
    Patch,
    RequireNodeReady,
    RequireVersion,
    Update,
)
from tests.helpers import make_deployment, make_node, make_task


@pytest.fixture
def store() -> Datastore:
    return Datastore()


def test_create_stamps_a_growing_version(store):
    (n1,) = store.commit([Create(make_node("n1"))])
    (n2,) = store.commit([Create(make_node("n2"))])
    assert 0 < n1.version < n2.version
    assert store.get_node("n1") == n1


def test_create_of_a_taken_id_fails_and_changes_nothing(store):
    store.commit([Create(make_node("n1"))])
    before = store.revision
    with pytest.raises(AlreadyExists):
        store.commit([Create(make_node("n1", cpu=1))])
    assert store.revision == before
    assert store.get_node("n1").capacity.cpu == 4000


def test_update_with_a_stale_version_conflicts(store):
    (node,) = store.commit([Create(make_node("n1"))])
    store.commit([Update(dataclasses.replace(node, healthy=False), node.version)])
    with pytest.raises(VersionConflict) as info:
        store.commit([Update(dataclasses.replace(node, schedulable=False), node.version)])
    assert info.value.expected == node.version
    assert store.get_node("n1").schedulable is True


def test_a_transaction_applies_all_or_nothing(store):
    store.commit([Create(make_node("n1"))])
    with pytest.raises(AlreadyExists):
        store.commit([Create(make_task("t1")), Create(make_node("n1"))])
    with pytest.raises(NotFound):
        store.get_task("t1")


def test_delete_and_missing_records(store):
    (task,) = store.commit([Create(make_task("t1"))])
    with pytest.raises(VersionConflict):
        store.commit([Delete("task", "t1", task.version + 1)])
    store.commit([Delete("task", "t1", task.version)])
    with pytest.raises(NotFound):
        store.get_task("t1")
    with pytest.raises(NotFound):
        store.commit([Delete("task", "t1")])


def test_require_node_ready_guards_a_binding(store):
    (node,) = store.commit([Create(make_node("n1"))])
    (task,) = store.commit([Create(make_task("t1"))])
    store.commit([Update(dataclasses.replace(node, schedulable=False), node.version)])
    bound = dataclasses.replace(task, status=TaskStatus.SCHEDULED, node="n1")
    with pytest.raises(Conflict):
        store.commit([RequireNodeReady("n1"), Update(bound, task.version)])
    with pytest.raises(NotFound):
        store.commit([RequireNodeReady("gone"), Update(bound, task.version)])
    assert store.get_task("t1").status is TaskStatus.PENDING


def test_allocation_follows_active_tasks(store):
    store.commit([Create(make_node("n1"))])
    (a,) = store.commit([Create(make_task("a", cpu=500, memory=100))])
    (b,) = store.commit([Create(make_task("b", cpu=250, memory=50))])
    a = store.commit([Update(dataclasses.replace(a, status=TaskStatus.SCHEDULED, node="n1"), a.version)])[0]
    b = store.commit([Update(dataclasses.replace(b, status=TaskStatus.RUNNING, node="n1"), b.version)])[0]
    assert store.get_node("n1").allocated == Resources(750, 150)
    store.commit([Update(dataclasses.replace(a, status=TaskStatus.SUCCEEDED), a.version)])
    assert store.get_node("n1").allocated == Resources(250, 50)
    store.commit([Delete("task", "b")])
    assert store.get_node("n1").allocated == Resources(0, 0)


def test_lists_filter_and_keep_order(store):
    store.commit([Create(make_node("b")), Create(make_node("a", healthy=False))])
    for task_id in ("t3", "t1", "t2"):
        store.commit([Create(make_task(task_id))])
    t1 = store.get_task("t1")
    store.commit([Update(dataclasses.replace(t1, status=TaskStatus.SCHEDULED, node="b"), t1.version)])
    assert [n.id for n in store.list_nodes()] == ["a", "b"]
    assert [n.id for n in store.list_nodes(healthy=True)] == ["b"]
    assert [t.id for t in store.list_tasks()] == ["t3", "t1", "t2"]
    assert [t.id for t in store.list_tasks(TaskStatus.PENDING)] == ["t3", "t2"]
    assert [t.id for t in store.list_tasks(node="b")] == ["t1"]
    assert store.list_tasks(TaskStatus.RUNNING, node="b") == []


def test_cluster_view_finds_tasks_stranded_on_failed_or_missing_nodes(store):
    store.commit([Create(make_node("ok")), Create(make_node("sick", healthy=False))])
    for task_id, node in (("t1", "ok"), ("t2", "sick"), ("t3", "gone")):
        (task,) = store.commit([Create(make_task(task_id))])
        store.commit([Update(dataclasses.replace(task, status=TaskStatus.RUNNING, node=node), task.version)])
    store.commit([Create(make_task("t4"))])
    view = store.cluster_view()
    assert [t.id for t in view.stranded] == ["t2", "t3"]
    assert [t.id for t in view.pending] == ["t4"]
    assert [n.id for n in view.nodes] == ["ok", "sick"]


@pytest.mark.parametrize("seed", range(4))
def test_stranded_tasks_follow_nodes_deleted_and_made_again_as_a_fresh_look_finds_them(seed):
    # the datastore keeps the deleted nodes that hold tasks as things change:
    # it must agree with a look at every task
    import random

    rng = random.Random(seed)
    store = Datastore()
    for step in range(150):
        node_id, task_id = rng.choice("abcd"), f"t{rng.randrange(12)}"
        nodes, task = {n.id for n in store.list_nodes()}, store._tasks.get(task_id)
        roll = rng.random()
        if roll < 0.2:
            if node_id in nodes:
                store.commit([Delete("node", node_id)])
            else:
                store.commit([Create(make_node(node_id, healthy=rng.random() < 0.8))])
        elif task is None:
            store.commit([Create(make_task(task_id))])
        elif task.status is TaskStatus.PENDING:
            store.commit([Update(dataclasses.replace(task, status=TaskStatus.RUNNING, node=node_id), task.version)])
        elif roll < 0.6:
            store.commit([Update(dataclasses.replace(task, status=TaskStatus.SUCCEEDED), task.version)])
        else:
            store.commit([Delete("task", task_id)])
        nodes = {n.id: n for n in store.list_nodes()}
        expected = sorted(t.id for t in store.list_tasks()
                          if t.status.active and (t.node not in nodes or not nodes[t.node].healthy))
        assert sorted(t.id for t in store.cluster_view().stranded) == expected, step


def test_cluster_view_since_a_revision_has_only_the_nodes_that_changed(store):
    store.commit([Create(make_node("a")), Create(make_node("b")), Create(make_node("c"))])
    first = store.cluster_view()
    assert first.complete and [n.id for n in first.nodes] == ["a", "b", "c"]
    assert store.cluster_view(nodes_since=first.revision).nodes == []  # nothing since
    (task,) = store.commit([Create(make_task("t1", cpu=500))])
    (task,) = store.commit([Update(dataclasses.replace(task, status=TaskStatus.SCHEDULED, node="b"), task.version)])
    store.commit([Update(dataclasses.replace(store.get_node("c"), schedulable=False), None)])
    store.commit([Delete("node", "a")])
    view = store.cluster_view(nodes_since=first.revision)
    assert not view.complete
    assert sorted((n.id, n.allocated.cpu, n.schedulable) for n in view.nodes) == [("b", 500, True), ("c", 0, False)]
    assert view.removed == ["a"]
    assert view.revision == store.revision
    store.commit([Delete("task", "t1")])  # b's allocation goes back to nothing
    later = store.cluster_view(nodes_since=view.revision)
    assert [(n.id, n.allocated.cpu) for n in later.nodes] == [("b", 0)]
    assert later.removed == []


def test_commit_each_announces_once_for_the_whole_batch(store):
    told = []
    store.set_on_commit(told.append)
    store.commit_each([[Create(make_task("t1"))], [Create(make_task("t1"))], [Create(make_task("t2"))]])
    assert [[after.id for _, after in changes] for changes in told] == [["t1", "t2"]]
    assert store.feed.revision == store.revision


def test_patch_changes_some_fields_under_a_version_check(store):
    (task,) = store.commit([Create(make_task("t1", cpu=100))])
    (patched,) = store.commit([Patch("task", "t1", task.version, {"status": TaskStatus.SCHEDULED, "node": "n1"})])
    assert (patched.status, patched.node, patched.resources.cpu) == (TaskStatus.SCHEDULED, "n1", 100)
    assert patched.version > task.version and store.get_task("t1") == patched
    assert [t.id for t in store.list_tasks(node="n1")] == ["t1"]  # indexes follow
    before = store.revision
    with pytest.raises(VersionConflict):
        store.commit([Patch("task", "t1", task.version, {"message": "stale"})])
    with pytest.raises(NotFound):
        store.commit([Patch("task", "nope", 1, {"message": "x"})])
    with pytest.raises(ValueError):
        store.commit([Patch("task", "t1", patched.version, {"message": "a"}), Delete("task", "t1")])
    assert store.revision == before and store.get_task("t1") == patched


def test_allocation_follows_an_active_task_through_every_kind_of_change(store):
    store.commit([Create(make_node("a")), Create(make_node("b"))])
    (task,) = store.commit([Create(make_task("t1", cpu=300, memory=10))])

    def allocated():
        return {n.id: (n.allocated.cpu, n.allocated.memory) for n in store.list_nodes()}

    (task,) = store.commit([Patch("task", "t1", task.version, {"status": TaskStatus.SCHEDULED, "node": "a"})])
    assert allocated() == {"a": (300, 10), "b": (0, 0)}
    (task,) = store.commit([Patch("task", "t1", task.version, {"status": TaskStatus.RUNNING})])  # started
    assert allocated() == {"a": (300, 10), "b": (0, 0)}
    (task,) = store.commit([Patch("task", "t1", task.version, {"resources": Resources(500, 20)})])
    assert allocated() == {"a": (500, 20), "b": (0, 0)}
    (task,) = store.commit([Patch("task", "t1", task.version, {"node": "b"})])
    assert allocated() == {"a": (0, 0), "b": (500, 20)}
    assert [t.id for t in store.list_tasks(node="b")] == ["t1"] and store.list_tasks(node="a") == []
    store.commit([Patch("task", "t1", task.version, {"status": TaskStatus.SUCCEEDED})])
    assert allocated() == {"a": (0, 0), "b": (0, 0)}
    assert store.counts()["tasks"]["succeeded"] == 1 and store.counts()["tasks"]["running"] == 0


def test_commit_each_reports_each_transaction(store):
    results = store.commit_each([[Create(make_task("t1"))], [Create(make_task("t1"))], [Create(make_task("t2"))]])
    assert [type(r).__name__ for r in results] == ["list", "AlreadyExists", "list"]


def test_change_feed_wakes_waiters_on_commit(store):
    feed: ChangeFeed = store.feed
    seen = feed.revision
    assert feed.wait_for_change(seen, timeout=0) == seen
    store.commit([Create(make_task("t1"))])
    assert feed.wait_for_change(seen, timeout=1) == seen + 1
    assert feed.wait_until(lambda: store.get_task("t1").id == "t1", timeout=1)


# -- deployments -------------------------------------------------------------------------


def test_deployments_are_a_kind_of_their_own(store):
    (web,) = store.commit([Create(make_deployment("web"))])
    store.commit([Create(make_deployment("api"))])
    assert web.version > 0 and store.get_deployment("web") == web
    assert [d.id for d in store.list_deployments()] == ["api", "web"]
    with pytest.raises(AlreadyExists, match="deployment 'web'"):
        store.commit([Create(make_deployment("web"))])
    store.commit([Create(make_task("web"))])  # same id, other kind: no clash
    store.commit([Delete("deployment", "web", web.version)])
    with pytest.raises(NotFound, match="deployment 'web' not found"):
        store.get_deployment("web")


def test_ready_counts_the_running_tasks_a_deployment_owns(store):
    store.commit([Create(make_deployment("web"))])
    store.commit([Create(make_task("web-a", owner="web", status=TaskStatus.RUNNING, node="n1"))])
    store.commit([Create(make_task("web-b", owner="web", status=TaskStatus.PENDING))])
    store.commit([Create(make_task("other", status=TaskStatus.RUNNING, node="n1"))])
    assert store.get_deployment("web").ready == 1
    task = store.get_task("web-b")
    (updated,) = store.commit([Update(dataclasses.replace(task, status=TaskStatus.RUNNING, node="n1"), task.version)])
    assert store.list_deployments()[0].ready == 2
    store.commit([Update(dataclasses.replace(updated, status=TaskStatus.FAILED), updated.version)])
    store.commit([Delete("task", "web-a")])
    assert store.get_deployment("web").ready == 0


def test_require_version_guards_a_transaction(store):
    (web,) = store.commit([Create(make_deployment("web"))])
    store.commit([RequireVersion("deployment", "web", web.version), Create(make_task("web-a", owner="web"))])
    store.commit([Update(dataclasses.replace(web, replicas=1), web.version)])
    with pytest.raises(VersionConflict):
        store.commit([RequireVersion("deployment", "web", web.version), Create(make_task("web-b", owner="web"))])
    with pytest.raises(NotFound):
        store.commit([RequireVersion("deployment", "ghost", 1), Create(make_task("ghost-a", owner="ghost"))])
    assert [t.id for t in store.list_tasks()] == ["web-a"]


def test_delete_owned_tasks_takes_exactly_the_tasks_owned_at_commit(store):
    (web,) = store.commit([Create(make_deployment("web"))])
    store.commit([Create(make_deployment("api"))])
    for task in (make_task("web-a", owner="web"), make_task("api-a", owner="api"), make_task("solo")):
        store.commit([Create(task)])
    store.commit([Create(make_task("web-b", owner="web", status=TaskStatus.RUNNING, node="n1"))])
    store.commit([Delete("deployment", "web", web.version), DeleteOwnedTasks("web")])
    assert [t.id for t in store.list_tasks()] == ["api-a", "solo"]
    assert store.get_deployment("api").id == "api"
    store.commit([DeleteOwnedTasks("nobody")])  # owns nothing: a no-op


def test_a_namespace_goes_with_its_tasks_and_deployments_and_no_one_elses(store):
    store.commit([Create(make_node("n1")), Create(make_deployment("team/web")), Create(make_deployment("web"))])
    for task in (make_task("team/web-a", owner="team/web"), make_task("team/solo", cpu=500,
                 status=TaskStatus.RUNNING, node="n1"), make_task("teams/solo"), make_task("solo"), make_task("web-a", owner="web")):
        store.commit([Create(task)])
    assert [t.id for t in store.list_tasks(namespace="team")] == ["team/web-a", "team/solo"]
    assert [t.id for t in store.list_tasks(namespace="default")] == ["solo", "web-a"]
    assert store.page_tasks(limit=1, namespace="team") == ([store.get_task("team/web-a")], True)
    assert store.page_tasks(limit=1, after="team/web-a", namespace="team") == ([store.get_task("team/solo")], False)
    assert store.get_node("n1").allocated.cpu == 500
    store.commit([DeleteNamespaced("team")])
    assert [t.id for t in store.list_tasks()] == ["teams/solo", "solo", "web-a"]
    assert [d.id for d in store.list_deployments()] == ["web"]
    assert store.get_node("n1").allocated.cpu == 0  # its task freed the node
    store.commit([DeleteNamespaced("nobody")])  # holds nothing: a no-op


def test_the_deployment_view_returns_what_changed_since(store):
    store.commit([Create(make_deployment("api")), Create(make_deployment("web"))])
    store.commit([Create(make_task("web-a", owner="web")), Create(make_task("solo"))])
    store.commit([Create(make_task("web-b", owner="web"))])
    everything = store.deployment_view()
    assert [(d.id, [t.id for t in tasks]) for d, tasks in everything.deployments] == [
        ("api", []), ("web", ["web-a", "web-b"]),
    ]
    assert everything.revision == store.revision
    assert store.deployment_view(since=everything.revision).deployments == []
    store.commit([Create(make_task("solo2"))])
    assert store.deployment_view(since=everything.revision).deployments == []
    store.commit([Delete("task", "web-a")])
    assert [d.id for d, _ in store.deployment_view(since=everything.revision).deployments] == ["web"]
    api = store.get_deployment("api")
    mark = store.revision
    store.commit([Update(dataclasses.replace(api, replicas=5), api.version)])
    assert [d.id for d, _ in store.deployment_view(since=mark).deployments] == ["api"]


def test_a_node_shows_its_active_labelled_tasks_in_id_order(store):
    from actors.domain.constraints import Constraints, LabelSelector, PodAffinityTerm

    terms = Constraints(anti_affinity=(PodAffinityTerm(LabelSelector((("app", "x"),)), "zone"),))
    store.commit([Create(make_node("n1"))])
    store.commit([Create(make_task("b", labels={"app": "x"})), Create(make_task("a", constraints=terms)),
                  Create(make_task("plain"))])
    for task_id in ("b", "a", "plain"):
        task = store.get_task(task_id)
        store.commit([Update(dataclasses.replace(task, status=TaskStatus.RUNNING, node="n1"), task.version)])
    assert [t.id for t in store.get_node("n1").pods] == ["a", "b"]  # "plain" has neither labels nor terms
    relabelled = dataclasses.replace(store.get_task("b"), labels={"app": "y"})
    store.commit([Update(relabelled, store.get_task("b").version)])
    assert store.get_node("n1").pods[1].labels == {"app": "y"}
    store.commit([Delete("task", "a")])
    assert [t.id for t in store.get_node("n1").pods] == ["b"]
    done = dataclasses.replace(store.get_task("b"), status=TaskStatus.SUCCEEDED)
    store.commit([Update(done, store.get_task("b").version)])
    assert store.get_node("n1").pods == ()


def test_active_tasks_by_node_and_below_a_priority(store):
    store.commit([Create(make_node("n1")), Create(make_node("n2"))])
    for task_id, node, priority in (("a", "n1", 5), ("b", "n1", 0), ("c", "n2", 9), ("d", None, 0)):
        store.commit([Create(make_task(task_id, node=node, priority=priority,
                                       status=TaskStatus.RUNNING if node else TaskStatus.PENDING))])
    assert {n: [t.id for t in ts] for n, ts in store.active_tasks().items()} == {"n1": ["a", "b"], "n2": ["c"]}
    assert {n: [t.id for t in ts] for n, ts in store.active_tasks(below_priority=6).items()} == {"n1": ["a", "b"]}
    assert store.active_tasks(below_priority=0) == {}
    assert list(store.active_tasks(["n2"])) == ["n2"]
