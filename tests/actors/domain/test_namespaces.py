"""A task's or deployment's namespace, read from its id."""

from __future__ import annotations

import pytest

from actors.domain import namespaces


@pytest.mark.parametrize(("namespace", "name", "key"), [
    ("default", "web", "web"),
    ("team", "web", "team/web"),
    ("kube-system", "web-abcde", "kube-system/web-abcde"),
])
def test_an_id_holds_its_namespace_outside_default_only(namespace, name, key):
    assert namespaces.key(namespace, name) == key
    assert namespaces.split(key) == (namespace, name)
    assert (namespaces.namespace_of(key), namespaces.name_of(key)) == (namespace, name)
    assert namespaces.in_namespace(key, namespace)


@pytest.mark.parametrize(("record_id", "namespace", "inside"), [
    ("web", "team", False),
    ("team/web", "default", False),
    ("teams/web", "team", False),
    ("team/web", "teams", False),
    ("team", "team", False),
    ("team/web", "team", True),
])
def test_a_namespace_holds_its_own_ids_and_not_its_neighbours(record_id, namespace, inside):
    assert namespaces.in_namespace(record_id, namespace) is inside
    assert (namespaces.namespace_of(record_id) == namespace) is inside
