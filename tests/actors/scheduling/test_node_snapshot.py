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


def test_changes_patch_the_sorted_list_in_place_and_say_where():
    snapshot = NodeSnapshot()
    snapshot.apply(_view([make_node("a"), make_node("b"), make_node("c")], complete=True))
    before = snapshot.nodes
    assert snapshot.take_changes() is None  # the first look: every row
    a, c = before[0], before[2]
    changed = dataclasses.replace(make_node("b"), schedulable=False)
    snapshot.apply(_view([changed], revision=2))
    after = snapshot.nodes
    assert after is before and [n.id for n in after] == ["a", "b", "c"]
    assert after[1] is changed and after[0] is a and after[2] is c
    assert snapshot.take_changes() == {1} and snapshot.take_changes() == set()
    assert snapshot.by_id["b"] is changed and snapshot.revision == 2


def test_changes_not_delivered_make_a_new_list_and_say_all():
    snapshot = NodeSnapshot()
    snapshot.apply(_view([make_node("a"), make_node("b")], complete=True))
    before = snapshot.nodes
    snapshot.take_changes()
    snapshot.apply(_view([dataclasses.replace(make_node("a"), schedulable=False)], revision=2))
    snapshot.take_changes()
    snapshot.forget_changes()
    assert snapshot.take_changes() is None and snapshot.nodes is not before
    assert [n.schedulable for n in snapshot.nodes] == [False, True]


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
