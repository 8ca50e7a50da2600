"""The three patch forms, table-tested against their RFCs' own examples."""

from __future__ import annotations

import pytest

from api.kube.patch import PatchError, json_patch, merge_patch, strategic_merge_patch


@pytest.mark.parametrize(("target", "patch", "result"), [  # RFC 7386, appendix A
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
])
def test_merge_patch(target, patch, result):
    assert merge_patch(target, patch) == result


def test_strategic_merge_patch_merges_keyed_lists_and_deletes_by_directive():
    pod = {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}
    patched = strategic_merge_patch(pod, {"spec": {"containers": [
        {"name": "b", "image": "z"}, {"name": "c", "image": "w"}, {"name": "a", "$patch": "delete"}]}})
    assert patched["spec"]["containers"] == [{"name": "b", "image": "z"}, {"name": "c", "image": "w"}]
    assert pod["spec"]["containers"][1]["image"] == "y", "the target is not changed"
    assert strategic_merge_patch({"args": ["a"]}, {"args": ["b"]}) == {"args": ["b"]}, "unkeyed lists replace"
    with pytest.raises(PatchError, match="merge key 'name'"):
        strategic_merge_patch(pod, {"spec": {"containers": [{"image": "q"}]}})


DOC = {"foo": "bar", "baz": ["qux", "quux"]}


@pytest.mark.parametrize(("ops", "result"), [  # RFC 6902, appendix A
    ([{"op": "add", "path": "/baz", "value": "qux"}], {"foo": "bar", "baz": "qux"}),
    ([{"op": "add", "path": "/baz/1", "value": "x"}], {"foo": "bar", "baz": ["qux", "x", "quux"]}),
    ([{"op": "add", "path": "/baz/-", "value": "x"}], {"foo": "bar", "baz": ["qux", "quux", "x"]}),
    ([{"op": "remove", "path": "/baz/0"}], {"foo": "bar", "baz": ["quux"]}),
    ([{"op": "replace", "path": "/foo", "value": 1}], {"foo": 1, "baz": ["qux", "quux"]}),
    ([{"op": "move", "from": "/foo", "path": "/moved"}], {"moved": "bar", "baz": ["qux", "quux"]}),
    ([{"op": "copy", "from": "/baz/0", "path": "/first"}], {"foo": "bar", "baz": ["qux", "quux"], "first": "qux"}),
    ([{"op": "test", "path": "/foo", "value": "bar"}], DOC),
    ([{"op": "add", "path": "/a~1b", "value": 1}], {**DOC, "a/b": 1}),
])
def test_json_patch(ops, result):
    assert json_patch(DOC, ops) == result
    assert DOC == {"foo": "bar", "baz": ["qux", "quux"]}


@pytest.mark.parametrize(("ops", "message"), [
    ({"op": "add"}, "list of operations"),
    ([{"op": "remove", "path": "/nothing"}], "does not exist"),
    ([{"op": "replace", "path": "/nothing", "value": 1}], "does not exist"),
    ([{"op": "test", "path": "/foo", "value": "other"}], "test failed"),
    ([{"op": "add", "path": "/baz/9", "value": 1}], "out of range"),
    ([{"op": "add", "path": "foo", "value": 1}], "must start with '/'"),
    ([{"op": "add", "path": "/foo"}], "needs a 'value'"),
    ([{"op": "move", "path": "/foo"}], "needs a 'from'"),
    ([{"op": "frobnicate", "path": "/foo"}], "unknown op"),
    ([{"path": "/foo"}], "needs 'op' and 'path'"),
])
def test_json_patch_errors_name_the_operation(ops, message):
    with pytest.raises(PatchError, match=message):
        json_patch(DOC, ops)
