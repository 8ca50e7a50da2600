"""Bad input over HTTP: every error is JSON ``{"title", "description"}``
naming the field or id, nothing is stored, the server keeps answering, and
no input yields a 500."""

from __future__ import annotations

import pytest

from api.body import MAX_BODY_BYTES
from tests.api.conftest import (
    assert_error,
    get_task,
    post_node,
    post_task,
    send_raw,
    snapshot,
)

WRITES = [
    ("POST", "/nodes"), ("POST", "/tasks"), ("PUT", "/nodes/n1"), ("PUT", "/tasks/t1"),
    ("POST", "/deployments"), ("PUT", "/deployments/web"),
]


SAMPLE_ON_OTHER_STORES = 16
"""Every case runs on memory, every 16th on SQLite and on etcd (all of them
with ORCHESTRATOR_TEST_ALL_STORES=1; see tests/api/conftest.py): hostile
input is refused by the API layer before any store is asked, and the
sample checks that holds on each store."""


@pytest.fixture
def seeded(client, settled) -> None:
    """Something stored to compare: node n1 with task t1 running on it, and
    deployment web with its one replica."""
    post_node(client, "n1", labels={"zone": "a"})
    post_task(client, id="t1", resources={"cpu": 100})
    assert client.simulate_post("/deployments", json={"id": "web", "replicas": 1}).status_code == 201
    settled()


@pytest.fixture
def rejected(client, seeded):
    """``rejected(send, status, *mentions)``: ``send()`` answers a JSON error
    with ``status`` naming every mention, leaves the store as it was, and
    the server still answers /health."""

    def check(send, status: int, *mentions: str) -> dict:
        before = snapshot(client)
        error = assert_error(send(), status, *mentions)
        assert snapshot(client) == before
        health = client.simulate_get("/health")
        assert (health.status_code, health.json["status"]) == (200, "ok")
        return error

    return check


# -- bodies that are not a JSON object: 400 ------------------------------------------------


NOT_AN_OBJECT = [
    pytest.param(b"{", "not valid JSON", id="truncated"),
    pytest.param(b"{'id': 'n2'}", "not valid JSON", id="single-quotes"),
    pytest.param(b'{"id": "n2",}', "not valid JSON", id="trailing-comma"),
    pytest.param(b'{"id": "n2"} {}', "not valid JSON", id="two-documents"),
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b"  \n\t ", "empty", id="whitespace"),
    pytest.param(b"[]", "array", id="array"),
    pytest.param(b'[{"id": "n2"}]', "array", id="array-of-object"),
    pytest.param(b"42", "number", id="number"),
    pytest.param(b"-1.5e3", "number", id="float"),
    pytest.param(b'"n2"', "string", id="string"),
    pytest.param(b"null", "null", id="null"),
    pytest.param(b"true", "boolean", id="boolean"),
    pytest.param(b'{"id": NaN}', "NaN", id="nan"),
    pytest.param(b'{"id": "n2", "capacity": {"cpu": Infinity}}', "Infinity", id="infinity"),
    pytest.param(b'{"id": "n2", "capacity": {"cpu": -Infinity}}', "Infinity", id="minus-infinity"),
    pytest.param(b'{"id": "n2", "id": "n3"}', "duplicate key 'id'", id="duplicate-key"),
    pytest.param(b'{"capacity": {"cpu": 1, "cpu": 2}}', "duplicate key 'cpu'", id="duplicate-nested-key"),
    pytest.param(b"[" * 10_000 + b"]" * 10_000, "deep", id="arrays-10000-deep"),
    pytest.param(b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "deep", id="objects-10000-deep"),
    pytest.param(b'{"labels": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", "deep", id="deep-field"),
    pytest.param(b'{"id": "\xff\xfe"}', "UTF-8", id="not-utf8"),
    pytest.param(b'{"id": "n2"' + b"\x00", "not valid JSON", id="nul-byte"),
    pytest.param(b'{"duration": 1' + b"0" * 5000 + b"}", "not valid JSON", id="integer-5000-digits"),
]


def _is_a_batch(method: str, path: str, body: bytes) -> bool:
    """POST /tasks takes an array of task objects too (a batch)."""
    return (method, path) == ("POST", "/tasks") and body == b'[{"id": "n2"}]'


@pytest.mark.parametrize(
    ("method", "path", "body", "mention"),
    [
        pytest.param(method, path, *param.values, id=f"{param.id}-{method}-{path}")
        for param in NOT_AN_OBJECT
        for method, path in WRITES
        if not _is_a_batch(method, path, param.values[0])
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(client, rejected, method, path, body, mention):
    rejected(lambda: send_raw(client, method, path, body), 400, mention)


@pytest.mark.parametrize("path", ["/nodes/n1", "/tasks/t1", "/deployments/web"])
@pytest.mark.parametrize("body", [b"[]", b"{", b"null", b'{"version": NaN}'])
def test_a_delete_body_must_be_a_json_object_too(client, rejected, path, body):
    rejected(lambda: send_raw(client, "DELETE", path, body), 400)


@pytest.mark.parametrize("method,path", WRITES)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_a_body_that_is_not_json_is_415_naming_the_type(client, rejected, method, path, content_type):
    media_type = content_type.split(";")[0]

    rejected(lambda: send_raw(client, method, path, b'{"id": "n2"}', content_type), 415, media_type)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/merge-patch+json", None])
def test_json_content_types_and_none_are_accepted(client, content_type):
    resp = send_raw(client, "POST", "/nodes", b'{"id": "n2"}', content_type)

    assert resp.status_code == 201, resp.text


# -- size: 413 over 1 MiB --------------------------------------------------------------------


def _padded(size: int) -> bytes:
    """A JSON object of exactly ``size`` bytes (a bad task name keeps it out of the store)."""
    head, tail = b'{"name": "', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


@pytest.mark.parametrize(
    "method,path", WRITES + [("DELETE", "/tasks/t1"), ("DELETE", "/nodes/n1"), ("DELETE", "/deployments/web")]
)
def test_a_body_over_one_mib_is_413(client, rejected, method, path):
    rejected(lambda: send_raw(client, method, path, _padded(MAX_BODY_BYTES + 1)), 413, str(MAX_BODY_BYTES))


def test_a_body_of_exactly_one_mib_is_read(client, rejected):
    error = rejected(lambda: send_raw(client, "POST", "/tasks", _padded(MAX_BODY_BYTES)), 422, "name")

    assert error["title"] != "Body too large"


def test_a_huge_body_of_garbage_is_413_not_400(client, rejected):
    rejected(lambda: send_raw(client, "POST", "/nodes", b"\x00" * (5 * MAX_BODY_BYTES)), 413)


# -- JSON that breaks a rule: 422 naming the field -----------------------------------------------


RULE_BREAKERS = [
    # unknown fields
    ("POST", "/nodes", {"id": "n2", "color": "red"}, "color"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": 1, "tpu": 1}}, "capacity.tpu"),
    # GPUs: whole devices on a node; a share of one device, or whole devices, for a task
    ("POST", "/nodes", {"id": "n2", "capacity": {"gpu": 0.5}}, "capacity.gpu"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"gpu": 65}}, "capacity.gpu"),
    ("POST", "/tasks", {"resources": {"gpu": 1.5}}, "resources.gpu"),
    ("POST", "/tasks", {"resources": {"gpu": "1500m"}}, "resources.gpu"),
    ("POST", "/tasks", {"resources": {"gpu": -1}}, "resources.gpu"),
    ("POST", "/tasks", {"resources": {"gpu": [1]}}, "resources.gpu"),
    ("POST", "/tasks", {"node_affinity": {"key": "zone"}}, "node_affinity"),
    ("POST", "/tasks", {"node_affinity": [[]]}, "node_affinity[0]"),
    ("POST", "/tasks", {"node_affinity": [[{"key": "zone", "operator": "Near", "values": ["a"]}]]},
     "node_affinity[0][0].operator"),
    ("POST", "/tasks", {"node_affinity": [[{"key": "zone", "operator": "In"}]]}, "node_affinity[0][0].values"),
    ("POST", "/tasks", {"node_affinity": [[{"key": "bad key!", "operator": "Exists"}]]}, "node_affinity[0][0].key"),
    ("POST", "/tasks", {"node_affinity": [[{"key": "rank", "operator": "Gt", "values": ["x"]}]]},
     "node_affinity[0][0].values"),
    ("POST", "/nodes", {"id": "n2", "healthy": False}, "healthy"),
    ("POST", "/tasks", {"importance": 1}, "importance"),
    ("POST", "/tasks", {"resources": {"disk": 1}}, "resources.disk"),
    ("POST", "/tasks", {"status": "running"}, "status"),
    ("POST", "/tasks", {"node": "n1"}, "node"),
    ("PUT", "/nodes/n1", {"capacity": {"cpu": 1}}, "capacity"),
    ("PUT", "/nodes/n1", {"id": "n9"}, "id"),
    ("PUT", "/tasks/t1", {"status": "failed", "node": "n2"}, "node"),
    ("DELETE", "/nodes/n1", {"force": True}, "force"),
    ("DELETE", "/tasks/t1", {"force": True}, "force"),
    # required fields
    ("POST", "/nodes", {}, "id"),
    ("POST", "/nodes", {"capacity": {"cpu": 1}}, "id"),
    ("PUT", "/tasks/t1", {}, "status"),
    # wrong types
    ("POST", "/nodes", {"id": "n2", "capacity": "big"}, "capacity"),
    ("POST", "/nodes", {"id": "n2", "capacity": [1000, 1024]}, "capacity"),
    ("POST", "/nodes", {"id": "n2", "capacity": None}, "capacity"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": 1.5}}, "capacity.cpu"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": True}}, "capacity.cpu"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": None}}, "capacity.cpu"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"memory": [512]}}, "capacity.memory"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"memory": "lots"}}, "capacity.memory"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"memory": "512MB"}}, "capacity.memory"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": "1e3"}}, "capacity.cpu"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": ""}}, "capacity.cpu"),
    ("POST", "/nodes", {"id": "n2", "labels": ["zone"]}, "labels"),
    ("POST", "/nodes", {"id": "n2", "labels": {"zone": 1}}, "labels.zone"),
    ("POST", "/nodes", {"id": "n2", "labels": {"zone": None}}, "labels.zone"),
    ("POST", "/nodes", {"id": "n2", "labels": {"": "a"}}, "labels"),
    ("POST", "/nodes", {"id": "n2", "labels": {"bad key": "a"}}, "labels.bad key"),
    ("POST", "/nodes", {"id": "n2", "labels": {"zone": "not ok"}}, "labels.zone"),
    ("POST", "/nodes", {"id": "n2", "labels": {"/a": "x"}}, "labels./a"),
    ("POST", "/nodes", {"id": "n2", "labels": {"a/": "x"}}, "labels.a/"),
    ("POST", "/nodes", {"id": "n2", "labels": {"Example.com/zone": "x"}}, "labels.Example.com/zone"),
    ("POST", "/nodes", {"id": "n2", "labels": {"k": "v" * 64}}, "labels.k"),
    ("POST", "/nodes", {"id": "n2", "labels": {f"k{i}": "v" for i in range(65)}}, "labels"),
    ("POST", "/nodes", {"id": "n2", "simulated": "yes"}, "simulated"),
    ("POST", "/nodes", {"id": "n2", "simulated": 1}, "simulated"),
    ("PUT", "/nodes/n1", {"healthy": "true"}, "healthy"),
    ("PUT", "/nodes/n1", {"healthy": None}, "healthy"),
    ("PUT", "/nodes/n1", {"schedulable": 0}, "schedulable"),
    ("PUT", "/nodes/n1", {"labels": "zone=a"}, "labels"),
    ("POST", "/tasks", {"name": 5}, "name"),
    ("POST", "/tasks", {"name": ""}, "name"),
    ("POST", "/tasks", {"name": "x" * 254}, "name"),
    ("POST", "/tasks", {"name": "a\x00b"}, "name"),
    ("POST", "/tasks", {"resources": [1, 2]}, "resources"),
    ("POST", "/tasks", {"resources": {"cpu": "one"}}, "resources.cpu"),
    ("POST", "/tasks", {"node_selector": "zone=a"}, "node_selector"),
    ("POST", "/tasks", {"node_selector": {"zone": ["a"]}}, "node_selector.zone"),
    ("POST", "/tasks", {"duration": "10"}, "duration"),
    ("POST", "/tasks", {"duration": True}, "duration"),
    ("POST", "/tasks", {"duration": [1]}, "duration"),
    ("POST", "/tasks", {"outcome": "running"}, "outcome"),
    ("POST", "/tasks", {"outcome": ["failed"]}, "outcome"),
    ("PUT", "/tasks/t1", {"status": 3}, "status"),
    ("PUT", "/tasks/t1", {"status": "bogus"}, "status"),
    ("PUT", "/tasks/t1", {"status": "RUNNING"}, "status"),
    ("PUT", "/tasks/t1", {"status": None}, "status"),
    ("PUT", "/tasks/t1", {"status": ["failed"]}, "status"),
    ("PUT", "/tasks/t1", {"status": "failed", "version": "abc"}, "version"),
    ("PUT", "/tasks/t1", {"status": "failed", "version": True}, "version"),
    ("PUT", "/tasks/t1", {"status": "failed", "version": 1.0}, "version"),
    ("PUT", "/nodes/n1", {"healthy": True, "version": [1]}, "version"),
    ("DELETE", "/tasks/t1", {"version": "x"}, "version"),
    # deployments: the template follows the task rules, under "template."
    ("POST", "/deployments", {"id": "api", "color": "red"}, "color"),
    ("POST", "/deployments", {"id": "api", "selector": {}, "strategy": {}}, "selector"),
    ("POST", "/deployments", {"id": "api", "template": {"name": "x"}}, "template.name"),
    ("POST", "/deployments", {"id": "api", "template": {"id": "x"}}, "template.id"),
    ("POST", "/deployments", {"id": "api", "template": {"resources": {"tpu": 1}}}, "template.resources.tpu"),
    ("POST", "/deployments", {"id": "api", "template": {"resources": {"gpu": 2.5}}}, "template.resources.gpu"),
    ("POST", "/deployments", {}, "id"),
    ("POST", "/deployments", {"replicas": 2}, "id"),
    ("POST", "/deployments", {"id": "a" * 58}, "id"),
    ("POST", "/deployments", {"id": "api", "replicas": -1}, "replicas"),
    ("POST", "/deployments", {"id": "api", "replicas": 10_001}, "replicas"),
    ("POST", "/deployments", {"id": "api", "replicas": 10**400}, "replicas"),
    ("POST", "/deployments", {"id": "api", "replicas": 1.5}, "replicas"),
    ("POST", "/deployments", {"id": "api", "replicas": 2.0}, "replicas"),
    ("POST", "/deployments", {"id": "api", "replicas": "3"}, "replicas"),
    ("POST", "/deployments", {"id": "api", "replicas": True}, "replicas"),
    ("POST", "/deployments", {"id": "api", "replicas": None}, "replicas"),
    ("POST", "/deployments", {"id": "api", "template": "big"}, "template"),
    ("POST", "/deployments", {"id": "api", "template": None}, "template"),
    ("POST", "/deployments", {"id": "api", "template": [1]}, "template"),
    ("POST", "/deployments", {"id": "api", "template": {"resources": {"cpu": "one"}}}, "template.resources.cpu"),
    ("POST", "/deployments", {"id": "api", "template": {"resources": {"memory": -1}}}, "template.resources.memory"),
    ("POST", "/deployments", {"id": "api", "template": {"node_selector": {"zone": 1}}}, "template.node_selector.zone"),
    ("POST", "/deployments", {"id": "api", "template": {"duration": -1}}, "template.duration"),
    ("POST", "/deployments", {"id": "api", "template": {"duration": "10"}}, "template.duration"),
    ("POST", "/deployments", {"id": "api", "template": {"outcome": "running"}}, "template.outcome"),
    ("PUT", "/deployments/web", {"id": "web2"}, "id"),
    ("PUT", "/deployments/web", {"replicas": -1}, "replicas"),
    ("PUT", "/deployments/web", {"replicas": "2"}, "replicas"),
    ("PUT", "/deployments/web", {"template": {"cpu": 1}}, "template.cpu"),
    ("PUT", "/deployments/web", {"template": None}, "template"),
    ("PUT", "/deployments/web", {"replicas": 2, "version": "x"}, "version"),
    ("DELETE", "/deployments/web", {"force": True}, "force"),
    ("DELETE", "/deployments/web", {"version": -1}, "version"),
    # negative and huge numbers
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": -1}}, "capacity.cpu"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"memory": -1}}, "capacity.memory"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": "-1"}}, "capacity.cpu"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": 10**9 + 1}}, "capacity.cpu"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": 10**400}}, "capacity.cpu"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"memory": 2**40 + 1}}, "capacity.memory"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"memory": "2Ei"}}, "capacity.memory"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": "1" * 65}}, "capacity.cpu"),
    ("POST", "/nodes", {"id": "n2", "capacity": {"cpu": 1e300}}, "capacity.cpu"),
    ("POST", "/tasks", {"resources": {"cpu": -500}}, "resources.cpu"),
    ("POST", "/tasks", {"resources": {"memory": 10**30}}, "resources.memory"),
    ("POST", "/tasks", {"duration": -1}, "duration"),
    ("POST", "/tasks", {"duration": -0.001}, "duration"),
    ("POST", "/tasks", {"duration": 1e12}, "duration"),
    ("POST", "/tasks", {"duration": 1e300}, "duration"),
    ("PUT", "/tasks/t1", {"status": "failed", "version": -1}, "version"),
    ("PUT", "/tasks/t1", {"status": "failed", "version": 2**64}, "version"),
    ("DELETE", "/nodes/n1", {"version": -5}, "version"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), RULE_BREAKERS)
def test_json_that_breaks_a_rule_is_422_naming_the_field(client, rejected, method, path, body, field):
    error = rejected(lambda: client.simulate_request(method, path, json=body), 422, field)

    assert error["description"].startswith(field)


def test_a_float_literal_too_big_for_a_float_is_422(client, rejected):
    # 1e999 parses as infinity: not a number of seconds, and not NaN/Infinity syntax
    rejected(lambda: send_raw(client, "POST", "/tasks", b'{"duration": 1e999}'), 422, "duration")


def test_a_400_digit_integer_duration_is_422(client, rejected):
    # an int too big for a float must not reach math.isfinite (OverflowError -> 500)
    rejected(lambda: send_raw(client, "POST", "/tasks", b'{"duration": 1' + b"0" * 400 + b"}"), 422, "duration")


@pytest.mark.parametrize("version", ["\u00b2", "\u00b9\u00b2"])
def test_a_version_of_digit_like_characters_is_422(client, rejected, version):
    # "²" is a digit to str.isdigit() but not to int(): must be a 422, not a 500
    body = {"status": "failed", "version": version}

    rejected(lambda: client.simulate_put("/tasks/t1", json=body), 422, "version")


@pytest.mark.parametrize("if_match", ["abc", '"1", "2"', "-1", '"\u00b2"'])
def test_a_bad_if_match_is_422_naming_it(client, rejected, if_match):
    # '"\u00b2"' ("²", a latin-1 header value): a digit to str.isdigit() but not to int()
    rejected(
        lambda: client.simulate_put("/tasks/t1", json={"status": "failed"}, headers={"If-Match": if_match}),
        422,
        "If-Match",
    )


# -- ids ------------------------------------------------------------------------------------------


BAD_IDS = [
    pytest.param("", id="empty"),
    pytest.param("a" * 64, id="64-chars"),
    pytest.param("a" * 10_000, id="10000-chars"),
    pytest.param("../x", id="dot-dot-slash"),
    pytest.param("a/b", id="slash"),
    pytest.param("A", id="uppercase"),
    pytest.param("nodeA", id="mixed-case"),
    pytest.param("-a", id="leading-dash"),
    pytest.param("a-", id="trailing-dash"),
    pytest.param(".a", id="leading-dot"),
    pytest.param("a_b", id="underscore"),
    pytest.param("a b", id="space"),
    pytest.param("a\n", id="trailing-newline"),
    pytest.param("a\x00b", id="nul"),
    pytest.param("n\u043ede", id="cyrillic-o"),
    pytest.param("\uff4e1", id="fullwidth-n"),
    pytest.param("\u0661", id="arabic-digit"),
    pytest.param("caf\u00e9", id="accent"),
    pytest.param(5, id="number"),
    pytest.param(True, id="boolean"),
    pytest.param(["n2"], id="array"),
    pytest.param({"id": "n2"}, id="object"),
]


@pytest.mark.parametrize("path", ["/nodes", "/tasks", "/deployments"])
@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_a_bad_id_is_422_naming_the_field(client, rejected, path, bad_id):
    error = rejected(lambda: client.simulate_post(path, json={"id": bad_id}), 422, "id")

    assert len(error["description"]) < 500  # a huge id is shortened, not echoed whole


def test_a_null_node_id_is_422(client, rejected):
    rejected(lambda: client.simulate_post("/nodes", json={"id": None}), 422, "id")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(rb'{"id": "\ud800"}', id="node-id"),
        pytest.param(rb'{"id": "n2", "labels": {"\udfff": "a"}}', id="label-key"),
        pytest.param(rb'{"id": "n2", "labels": {"a": ["\ud800"]}}', id="in-a-list"),
    ],
)
def test_a_lone_surrogate_is_a_json_400(client, rejected, body):
    # Valid JSON escapes, but not text: it could be neither stored nor sent back as UTF-8.
    rejected(lambda: send_raw(client, "POST", "/nodes", body), 400, "surrogate")


def test_a_task_name_with_a_lone_surrogate_never_breaks_the_task_list(client, seeded):
    # Regression: a stored name "\ud800" once made every GET /tasks a 500.
    resp = send_raw(client, "POST", "/tasks", rb'{"id": "t2", "name": "\ud800"}')

    assert resp.status_code == 400, resp.status_code
    listed = client.simulate_get("/tasks")
    assert listed.status_code == 200, listed.status_code


@pytest.mark.parametrize(
    "path",
    [
        "/nodes/A", "/nodes/..%2Fx", "/nodes/a%00b", "/nodes/%ff", "/nodes/n%D0%BEde", "/tasks/" + "a" * 300, "/tasks/T1",
        "/deployments/Web", "/deployments/" + "a" * 300,
    ],
)
def test_a_bad_id_in_the_path_is_a_json_404(client, rejected, path):
    rejected(lambda: client.simulate_get(path), 404)


# -- routes, methods, query parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/nope", "/node", "/nodes/n1/nope", "/tasks/t1/heartbeat", "/v1/nodes", "/nodes/n1/heartbeat/x"]
)
def test_an_unknown_route_is_a_json_404_naming_the_path(client, rejected, path):
    rejected(lambda: client.simulate_get(path), 404, path)


def test_an_unknown_route_under_the_kubernetes_paths_is_a_status(client):
    """``/api`` and ``/apis`` belong to the Kubernetes front end: its clients read Status objects."""
    resp = client.simulate_get("/api/nodes")
    assert resp.status_code == 404
    assert resp.json["kind"] == "Status" and resp.json["reason"] == "NotFound" and "/api/nodes" in resp.json["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/nodes"),
        ("PUT", "/nodes"),
        ("PATCH", "/nodes/n1"),
        ("POST", "/nodes/n1"),
        ("GET", "/nodes/n1/heartbeat"),
        ("DELETE", "/nodes/n1/heartbeat"),
        ("POST", "/health"),
        ("DELETE", "/health"),
        ("DELETE", "/tasks"),
        ("PUT", "/tasks"),
        ("POST", "/tasks/t1"),
        ("PATCH", "/tasks/t1"),
        ("DELETE", "/deployments"),
        ("PUT", "/deployments"),
        ("POST", "/deployments/web"),
        ("PATCH", "/deployments/web"),
    ],
)
def test_a_wrong_method_is_a_json_405_with_allow(client, rejected, method, path):
    send = lambda: client.simulate_request(method, path, json={"status": "failed", "healthy": False})  # noqa: E731

    rejected(send, 405, method)
    assert "allow" in {name.lower() for name in send().headers}


@pytest.mark.parametrize(
    ("path", "params", "status", "mention"),
    [
        ("/nodes", {"healthy": "maybe"}, 400, "healthy"),
        ("/nodes", {"healthy": "2"}, 400, "healthy"),
        ("/tasks", {"status": "bogus"}, 422, "status"),
        ("/tasks", {"status": "PENDING"}, 422, "status"),
        ("/tasks", {"status": "bogus", "node": "n1"}, 422, "status"),
    ],
)
def test_a_bad_query_parameter_is_rejected_naming_it(client, rejected, path, params, status, mention):
    rejected(lambda: client.simulate_get(path, params=params), status, mention)


@pytest.mark.parametrize("path,name", [("/nodes", "healthy"), ("/events", "watch")])
@pytest.mark.parametrize(
    "query",
    # Falcon's own parsing took all of these (a blank as true); found by the OpenAPI property test.
    ["{}=", "{}", "{}=yes", "{}=1", "{}=on", "{}=True", "{}=t", "{}=true&{}=false", "{}=false&{}=false"],
)
def test_a_boolean_query_parameter_is_true_or_false_only(client, rejected, path, name, query):
    rejected(lambda: client.simulate_get(path, query_string=query.replace("{}", name)), 400, name)


# "1" * 5000 was a 500: int() refuses over 4,300 digits.
@pytest.mark.parametrize("seq", ["1" * 5000, "1" * 20, "abc", "-1", "1.0", "\u00b2", ""])
def test_a_bad_last_event_id_is_400_naming_it(client, rejected, seq):
    rejected(lambda: client.simulate_get("/events", headers={"Last-Event-ID": seq}), 400, "Last-Event-ID")


def test_a_last_event_id_of_19_digits_is_a_seq(client, seeded):
    resp = client.simulate_get("/events", headers={"Last-Event-ID": "9" * 19})
    assert (resp.status_code, resp.json) == (200, [])


@pytest.mark.parametrize(("value", "expected"), [("true", ["n2"]), ("false", ["n1"])])
def test_healthy_true_and_false_still_filter(client, seeded, value, expected):
    post_node(client, "n2")
    assert client.simulate_put("/nodes/n1", json={"healthy": False}).status_code == 200
    assert [n["id"] for n in client.simulate_get("/nodes", query_string=f"healthy={value}").json] == expected


# -- batches: POST /tasks with an array ---------------------------------------------------------


BAD_BATCHES = [
    pytest.param([{}, {"resources": {"cpu": "lots"}}], "[1].resources.cpu", "quantity", id="bad-item-1"),
    pytest.param([{}] * 7 + [{"importance": 1}], "[7].importance", "unknown field", id="unknown-field-item-7"),
    pytest.param([{"id": "A"}], "[0].id", "not a valid id", id="bad-id-item-0"),
    pytest.param([{}, {}, {"duration": -1}], "[2].duration", "between", id="bad-duration-item-2"),
    pytest.param([{"id": "x1"}, {"id": "x2"}, {"id": "x1"}], "[2].id", "item [0]", id="same-id-twice"),
    pytest.param([{}, 5], "[1]", "a number", id="number-item"),
    pytest.param([{}, "t2"], "[1]", "a string", id="string-item"),
    pytest.param([None], "[0]", "null", id="null-item"),
    pytest.param([{}, [{}]], "[1]", "an array", id="array-item"),
    pytest.param([True, {}], "[0]", "a boolean", id="boolean-item"),
]


@pytest.mark.parametrize(("batch", "field", "mention"), BAD_BATCHES)
def test_a_batch_with_a_bad_item_is_422_naming_its_index_and_creates_nothing(client, rejected, batch, field, mention):
    error = rejected(lambda: client.simulate_post("/tasks", json=batch), 422, field, mention)

    assert error["description"].startswith(field) and error["field"] == field


def test_an_empty_batch_is_400(client, rejected):
    rejected(lambda: send_raw(client, "POST", "/tasks", b"[]"), 400, "empty")


def test_a_batch_of_more_than_1000_tasks_is_400(client, rejected):
    rejected(lambda: client.simulate_post("/tasks", json=[{}] * 1001), 400, "1000", "1001")


def test_a_batch_with_a_taken_id_is_409_naming_it_and_its_index_and_creates_nothing(client, rejected):
    batch = [{"id": "new-1"}, {"id": "new-2"}, {"id": "t1"}, {"id": "new-3"}]

    rejected(lambda: client.simulate_post("/tasks", json=batch), 409, "'t1'", "[2]")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'[{}, {"duration": NaN}]', id="nan"),
        pytest.param(b'[{}, {"id": "a", "id": "b"}]', id="duplicate-key"),
        pytest.param(b"[{}, " + b"[" * 10_000 + b"]" * 10_000 + b"]", id="deep"),
        pytest.param(b"[{}, {}", id="truncated"),
    ],
)
def test_a_batch_that_is_not_valid_json_is_400(client, rejected, body):
    rejected(lambda: send_raw(client, "POST", "/tasks", body), 400)


# -- after all that ---------------------------------------------------------------------------------


def test_the_server_still_works_after_a_barrage_of_bad_requests(client, seeded, settled):
    before = snapshot(client)
    for param in NOT_AN_OBJECT:
        for method, path in WRITES:
            if not _is_a_batch(method, path, param.values[0]):
                assert send_raw(client, method, path, param.values[0]).status_code == 400
    for method, path, body, _ in RULE_BREAKERS:
        assert client.simulate_request(method, path, json=body).status_code == 422
    settled()

    assert snapshot(client) == before
    post_node(client, "n2")
    post_task(client, id="t2")
    settled()
    assert get_task(client, "t2")["status"] == "running"
