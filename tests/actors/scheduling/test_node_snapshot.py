"""The controller's node snapshot, fed by views of what changed."""

from __future__ import annotations

import dataclasses

from actors.domain.views import ClusterView
from actors.scheduling.node_snapshot import NodeSnapshot
from tests.helpers import make_node


def _view(nodes, removed=(), complete=False, revision=1):
    return ClusterView(nodes=list(nodes), pending=[], stranded=[], removed=list(removed), complete=complete, revision=revision)


def test_a_complete_view_replaces_everything():
    snapshot = NodeSnapshot()
    assert snapshot.revision is None
    snapshot.apply(_view([make_node("b"), make_node("a")], complete=True, revision=3))
    assert [n.id for n in snapshot.nodes] == ["a", "b"]
    assert snapshot.revision == 3
    snapshot.apply(_view([make_node("c")], complete=True, revision=4))
    assert [n.id for n in snapshot.nodes] == ["c"]


def test_changes_patch_the_sorted_list_into_a_new_one():
    snapshot = NodeSnapshot()
    snapshot.apply(_view([make_node("a"), make_node("b"), make_node("c")], complete=True))
    before = snapshot.nodes
    changed = dataclasses.replace(make_node("b"), schedulable=False)
    snapshot.apply(_view([changed], revision=2))
    after = snapshot.nodes
    assert after is not before and [n.id for n in before] == ["a", "b", "c"] and before[1].schedulable
    assert after[1] is changed and after[0] is before[0] and after[2] is before[2]
    assert snapshot.by_id["b"] is changed and snapshot.revision == 2


def test_an_unchanged_view_keeps_the_same_list():
    snapshot = NodeSnapshot()
    snapshot.apply(_view([make_node("a")], complete=True))
    before = snapshot.nodes
    snapshot.apply(_view([], revision=9))
    assert snapshot.nodes is before and snapshot.revision == 9


def test_added_and_removed_nodes_reorder_the_list():
    snapshot = NodeSnapshot()
    snapshot.apply(_view([make_node("a"), make_node("c")], complete=True))
    snapshot.apply(_view([make_node("b")], removed=["a", "never-seen"]))
    assert [n.id for n in snapshot.nodes] == ["b", "c"]
    assert set(snapshot.by_id) == {"b", "c"}
