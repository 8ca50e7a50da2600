"""Table tests for request-body validation (pure functions)."""

from __future__ import annotations

import math

import pytest

from actors.domain.errors import ValidationError
from actors.domain.models import (
    DEFAULT_CAPACITY,
    DeploymentChanges,
    DeploymentSpec,
    NodeChanges,
    NodeSpec,
    Resources,
    TaskSpec,
    TaskStatus,
    TaskTemplate,
)
from api.native.validation import (
    MAX_DURATION,
    MAX_LABELS,
    MAX_REPLICAS,
    deployment_changes,
    deployment_spec,
    expected_version,
    labels,
    node_changes,
    node_spec,
    status_update,
    task_spec,
    valid_id,
)


def rejects(call, field: str) -> ValidationError:
    """Run ``call`` and check it raises a ValidationError naming ``field``."""
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.field == field
    return info.value


# --- valid_id ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["a", "0", "n1", "node-1", "node.1", "a.b-c", "a--b", "a..b", "9to5", "a" * 63, "a" + "-" * 61 + "b"],
)
def test_valid_id_accepts(value):
    assert valid_id(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "a" * 64,
        "a-",
        "-a",
        "a.",
        ".a",
        "-",
        "A",
        "Node1",
        "a_b",
        "a b",
        "../x",
        "a/b",
        "a\n",
        "\na",
        "a\x00",
        "a\x00b",
        "é",
        "ａ",  # fullwidth a
        "a:b",
        "a*",
    ],
)
def test_valid_id_rejects_bad_strings(value):
    error = rejects(lambda: valid_id(value, "node"), "node")
    assert "not a valid id" in str(error)


@pytest.mark.parametrize("value", [None, 1, 1.0, True, [], {}, ["a"], b"a"])
def test_valid_id_rejects_non_strings(value):
    error = rejects(lambda: valid_id(value), "id")
    assert "must be a string" in str(error)


def test_valid_id_shortens_a_huge_id_in_the_message():
    error = rejects(lambda: valid_id("A" * 100_000), "id")
    assert len(str(error)) < 300


# --- labels ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"zone": "a"},
        {"Zone": "A"},
        {"a": ""},  # empty value is allowed
        {"a_b.c-d": "x_y.z-1"},
        {"example.com/zone": "a"},
        {"k8s.io/role": "worker"},
        {"a" * 63: "b" * 63},
        {"a" * 253 + "/" + "b" * 63: "v"},
        {f"k{i}": "v" for i in range(MAX_LABELS)},
    ],
)
def test_labels_accepts(value):
    assert labels(value) == value


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"": "a"}, "labels."),
        ({"a" * 64: "v"}, "labels." + "a" * 64),
        ({"-a": "v"}, "labels.-a"),
        ({"a-": "v"}, "labels.a-"),
        ({"_a": "v"}, "labels._a"),
        ({"a b": "v"}, "labels.a b"),
        ({"a\n": "v"}, "labels.a\n"),
        ({"ä": "v"}, "labels.ä"),
        ({"a/": "v"}, "labels.a/"),  # empty name
        ({"Example.com/a": "v"}, "labels.Example.com/a"),  # prefix is lowercase DNS
        ({"ex_ample.com/a": "v"}, "labels.ex_ample.com/a"),
        ({"a/b/c": "v"}, "labels.a/b/c"),
        ({"-a.com/b": "v"}, "labels.-a.com/b"),
        ({"a" * 254 + "/b": "v"}, "labels." + ("a" * 254 + "/b")[:70]),
        # Kubernetes requires a non-empty prefix when a slash is present
        ({"/a": "v"}, "labels./a"),
    ],
)
def test_labels_rejects_bad_keys(value, field):
    error = rejects(lambda: labels(value), field)
    assert "label keys" in str(error)


@pytest.mark.parametrize(
    "val",
    ["a" * 64, "-a", "a-", "_a", "a b", "a/b", "a\n", "ä", 1, 1.5, True, None, [], {}, ["a"]],
)
def test_labels_rejects_bad_values(val):
    error = rejects(lambda: labels({"zone": val}, "node_selector"), "node_selector.zone")
    assert "label values" in str(error)


@pytest.mark.parametrize("value", [None, [], ["a"], "a=b", 1, True])
def test_labels_must_be_an_object(value):
    error = rejects(lambda: labels(value), "labels")
    assert "JSON object" in str(error)


def test_labels_at_most_max():
    error = rejects(lambda: labels({f"k{i}": "v" for i in range(MAX_LABELS + 1)}), "labels")
    assert str(MAX_LABELS) in str(error)


def test_labels_returns_a_copy():
    given = {"zone": "a"}
    result = labels(given)
    given["zone"] = "b"
    assert result == {"zone": "a"}


# --- node_spec ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"id": "n1"}, NodeSpec("n1", DEFAULT_CAPACITY, {}, True)),
        ({"id": "n1", "capacity": {}}, NodeSpec("n1", DEFAULT_CAPACITY, {}, True)),
        ({"id": "n1", "capacity": {"cpu": 1000}}, NodeSpec("n1", Resources(1000, 8192), {}, True)),
        ({"id": "n1", "capacity": {"memory": "1Gi"}}, NodeSpec("n1", Resources(4000, 1024), {}, True)),
        (
            {"id": "n1", "capacity": {"cpu": "2", "memory": "512Mi"}, "labels": {"zone": "a"}, "simulated": False},
            NodeSpec("n1", Resources(2000, 512), {"zone": "a"}, False),
        ),
        ({"id": "n1", "capacity": {"cpu": 0, "memory": 0}}, NodeSpec("n1", Resources(0, 0), {}, True)),
    ],
)
def test_node_spec(body, expected):
    assert node_spec(body) == expected


def test_node_spec_default_capacity_is_4000m_and_8192mib():
    assert node_spec({"id": "n1"}).capacity == Resources(cpu=4000, memory=8192)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "id"),
        ({"capacity": {}}, "id"),
        ({"id": None}, "id"),
        ({"id": ""}, "id"),
        ({"id": "N1"}, "id"),
        ({"id": 5}, "id"),
        ({"id": "n1", "name": "x"}, "name"),
        ({"id": "n1", "healthy": True}, "healthy"),
        ({"id": "n1", "capacity": {"gpu": 1.5}}, "capacity.gpu"),
        ({"id": "n1", "capacity": {"tpu": 1}}, "capacity.tpu"),
        ({"id": "n1", "capacity": {"cpu": -1}}, "capacity.cpu"),
        ({"id": "n1", "capacity": {"cpu": "1x"}}, "capacity.cpu"),
        ({"id": "n1", "capacity": {"memory": 1.5}}, "capacity.memory"),
        ({"id": "n1", "capacity": 4000}, "capacity"),
        ({"id": "n1", "capacity": None}, "capacity"),
        ({"id": "n1", "labels": []}, "labels"),
        ({"id": "n1", "labels": {"a": 1}}, "labels.a"),
        ({"id": "n1", "simulated": "true"}, "simulated"),
        ({"id": "n1", "simulated": 1}, "simulated"),
        ({"id": "n1", "simulated": None}, "simulated"),
    ],
)
def test_node_spec_rejects(body, field):
    rejects(lambda: node_spec(body), field)


def test_node_spec_unknown_field_is_named_with_the_allowed_ones():
    error = rejects(lambda: node_spec({"id": "n1", "cpu": 1}), "cpu")
    assert "unknown field 'cpu'" in str(error)
    assert "capacity" in str(error)


def test_node_spec_requires_id_saying_the_rule():
    error = rejects(lambda: node_spec({}), "id")
    assert "required" in str(error)


# --- node_changes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, NodeChanges(None, None, None)),
        ({"healthy": False}, NodeChanges(False, None, None)),
        ({"healthy": True}, NodeChanges(True, None, None)),
        ({"schedulable": False}, NodeChanges(None, False, None)),
        ({"labels": {}}, NodeChanges(None, None, {})),
        ({"labels": {"zone": "b"}}, NodeChanges(None, None, {"zone": "b"})),
        (
            {"healthy": True, "schedulable": True, "labels": {"a": "b"}, "version": 3},
            NodeChanges(True, True, {"a": "b"}),
        ),
    ],
)
def test_node_changes(body, expected):
    assert node_changes(body) == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"healthy": "false"}, "healthy"),
        ({"healthy": 0}, "healthy"),
        ({"healthy": None}, "healthy"),
        ({"schedulable": "yes"}, "schedulable"),
        ({"labels": None}, "labels"),
        ({"labels": {"a": None}}, "labels.a"),
        ({"id": "n2"}, "id"),
        ({"capacity": {"cpu": 1}}, "capacity"),
        ({"simulated": False}, "simulated"),
    ],
)
def test_node_changes_rejects(body, field):
    rejects(lambda: node_changes(body), field)


# --- task_spec ---------------------------------------------------------------


def test_task_spec_defaults():
    assert task_spec({}) == TaskSpec(
        id=None, name=None, resources=Resources(0, 0), node_selector={}, duration=None, outcome=TaskStatus.SUCCEEDED
    )


@pytest.mark.parametrize(
    ("body", "attribute", "expected"),
    [
        ({"id": "t1"}, "id", "t1"),
        ({"id": None}, "id", None),
        ({"name": "build"}, "name", "build"),
        ({"name": None}, "name", None),
        ({"name": "x"}, "name", "x"),
        ({"name": "n" * 253}, "name", "n" * 253),
        ({"name": "Any text, even spaces / ünïcode"}, "name", "Any text, even spaces / ünïcode"),
        ({"resources": {"cpu": "500m"}}, "resources", Resources(500, 0)),
        ({"resources": {"memory": "1Gi"}}, "resources", Resources(0, 1024)),
        ({"resources": {}}, "resources", Resources(0, 0)),
        ({"node_selector": {"zone": "a"}}, "node_selector", {"zone": "a"}),
        ({"duration": 0}, "duration", 0.0),
        ({"duration": 10}, "duration", 10.0),
        ({"duration": 0.25}, "duration", 0.25),
        ({"duration": MAX_DURATION}, "duration", MAX_DURATION),
        ({"duration": None}, "duration", None),
        ({"outcome": "succeeded"}, "outcome", TaskStatus.SUCCEEDED),
        ({"outcome": "failed"}, "outcome", TaskStatus.FAILED),
        ({"outcome": None}, "outcome", TaskStatus.SUCCEEDED),  # null means absent, like id and duration
    ],
)
def test_task_spec_fields(body, attribute, expected):
    value = getattr(task_spec(body), attribute)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "running"}, "status"),
        ({"node": "n1"}, "node"),
        ({"version": 1}, "version"),
        ({"id": ""}, "id"),
        ({"id": "T1"}, "id"),
        ({"id": 7}, "id"),
        ({"name": ""}, "name"),
        ({"name": "n" * 254}, "name"),
        ({"name": 5}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"resources": None}, "resources"),
        ({"resources": {"cpu": True}}, "resources.cpu"),
        ({"resources": {"cpu": -1}}, "resources.cpu"),
        ({"resources": {"memory": "8 Gi"}}, "resources.memory"),
        ({"resources": {"disk": 1}}, "resources.disk"),
        ({"node_selector": {"zone": 1}}, "node_selector.zone"),
        ({"node_selector": {"bad key": "a"}}, "node_selector.bad key"),
        ({"node_selector": "zone=a"}, "node_selector"),
        ({"duration": -1}, "duration"),
        ({"duration": -0.001}, "duration"),
        ({"duration": MAX_DURATION + 1}, "duration"),
        # Regression: a huge integer once raised OverflowError (a 500)
        ({"duration": 10**400}, "duration"),
        ({"duration": math.nan}, "duration"),
        ({"duration": math.inf}, "duration"),
        ({"duration": -math.inf}, "duration"),
        ({"duration": True}, "duration"),
        ({"duration": False}, "duration"),
        ({"duration": "10"}, "duration"),
        ({"duration": [1]}, "duration"),
        ({"outcome": "pending"}, "outcome"),
        ({"outcome": "running"}, "outcome"),
        ({"outcome": "SUCCEEDED"}, "outcome"),
        ({"outcome": ""}, "outcome"),
        ({"outcome": 1}, "outcome"),
        ({"outcome": ["failed"]}, "outcome"),
        ({"outcome": {"a": 1}}, "outcome"),
    ],
)
def test_task_spec_rejects(body, field):
    rejects(lambda: task_spec(body), field)


def test_task_spec_duration_error_gives_the_bounds():
    error = rejects(lambda: task_spec({"duration": -5}), "duration")
    assert "between 0 and" in str(error)


def test_task_spec_outcome_error_is_bounded():
    error = rejects(lambda: task_spec({"outcome": "x" * 10_000}), "outcome")
    assert len(str(error)) <= 250


# --- status_update -----------------------------------------------------------


@pytest.mark.parametrize("status", list(TaskStatus))
def test_status_update_accepts_every_status(status):
    assert status_update({"status": status.value}) is status


def test_status_update_allows_a_version():
    assert status_update({"status": "running", "version": 4}) is TaskStatus.RUNNING


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "status"),
        ({"version": 1}, "status"),
        ({"status": "done"}, "status"),
        ({"status": "Running"}, "status"),
        ({"status": ""}, "status"),
        ({"status": None}, "status"),
        ({"status": 1}, "status"),
        ({"status": ["running"]}, "status"),
        ({"status": {"running": 1}}, "status"),
        ({"status": "running", "node": "n1"}, "node"),
    ],
)
def test_status_update_rejects(body, field):
    rejects(lambda: status_update(body), field)


# --- expected_version --------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "if_match", "expected"),
    [
        ({}, None, None),
        ({"version": 0}, None, 0),
        ({"version": 5}, None, 5),
        ({"version": 2**63 - 1}, None, 2**63 - 1),
        ({}, "5", 5),
        ({}, '"5"', 5),
        ({}, ' "5" ', 5),
        ({}, 'W/"5"', 5),
        ({}, "*", None),
        ({}, " * ", None),
        ({"version": 5}, "*", 5),  # "*" matches anything: the body decides
        ({"version": 5}, '"5"', 5),  # agreeing is fine
        ({"other": 1}, None, None),
    ],
)
def test_expected_version(body, if_match, expected):
    assert expected_version(body, if_match) == expected


def test_expected_version_both_disagreeing_is_an_error():
    error = rejects(lambda: expected_version({"version": 5}, '"6"'), "If-Match")
    assert "6" in str(error) and "5" in str(error)


@pytest.mark.parametrize(
    "value",
    [-1, 2**63, 1.0, 1.5, True, False, None, [], {}, [1], "", "abc", "-1", "1.0", " 1", "99999999999999999999"],
)
def test_expected_version_rejects_bad_body_versions(value):
    rejects(lambda: expected_version({"version": value}, None), "version")


@pytest.mark.parametrize(
    "header",
    [
        "",
        '""',
        "abc",
        '"abc"',
        "-1",
        '"-1"',
        "1.5",
        '"5", "6"',
        "5,6",
        "W/",
        "**",
        '"*"x',
        "9" * 25,
        # Regression: "²".isdigit() is True but int("²") fails
        "²",
        # Only ASCII digits make a version
        "٣",

    ],
)
def test_expected_version_rejects_bad_if_match(header):
    rejects(lambda: expected_version({}, header), "If-Match")


def test_expected_version_body_string_with_superscript_digit():
    # Regression: a string version in the body once reached int()
    rejects(lambda: expected_version({"version": "²"}, None), "version")


def test_expected_version_bad_body_is_reported_before_the_header():
    rejects(lambda: expected_version({"version": "x"}, '"5"'), "version")


# --- deployments -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"id": "web"}, DeploymentSpec("web", replicas=1, template=TaskTemplate())),
        ({"id": "web", "replicas": 0}, DeploymentSpec("web", replicas=0)),
        ({"id": "web", "replicas": MAX_REPLICAS}, DeploymentSpec("web", replicas=MAX_REPLICAS)),
        ({"id": "web", "template": {}}, DeploymentSpec("web")),
        ({"id": "d" * 57}, DeploymentSpec("d" * 57)),
        (
            {"id": "web", "replicas": 3, "template": {
                "resources": {"cpu": "500m", "memory": "1Gi"}, "node_selector": {"zone": "a"},
                "duration": 30, "outcome": "failed",
            }},
            DeploymentSpec("web", replicas=3, template=TaskTemplate(
                resources=Resources(500, 1024), node_selector={"zone": "a"}, duration=30.0, outcome=TaskStatus.FAILED,
            )),
        ),
        ({"id": "web", "template": {"outcome": None, "duration": None}}, DeploymentSpec("web")),
    ],
)
def test_deployment_spec_accepts(body, expected):
    assert deployment_spec(body) == expected


def test_a_deployment_id_of_58_characters_is_refused_saying_why():
    error = rejects(lambda: deployment_spec({"id": "d" * 58}), "id")
    assert "at most 57" in str(error) and "63" in str(error)


def test_every_unknown_field_is_named():
    error = rejects(lambda: deployment_spec({"id": "web", "selector": {}, "strategy": {}}), "selector")
    assert "unknown fields 'selector', 'strategy'; allowed: id, replicas, template" in str(error)
    error = rejects(lambda: deployment_spec({"id": "web", "template": {"name": "x", "cpu": 1}}), "template.name")
    assert "'template.name', 'template.cpu'" in str(error)


def test_a_template_follows_the_task_rules():
    task_body = {"resources": {"cpu": "1.5", "memory": "512Mi"}, "node_selector": {"a": "b"}, "duration": 2,
                 "outcome": "failed"}
    task = task_spec(task_body)
    template = deployment_spec({"id": "web", "template": task_body}).template
    assert (template.resources, template.node_selector, template.duration, template.outcome) == (
        task.resources, task.node_selector, task.duration, task.outcome,
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, DeploymentChanges()),
        ({"replicas": 4}, DeploymentChanges(replicas=4)),
        ({"template": {}}, DeploymentChanges(template=TaskTemplate())),
        ({"replicas": 0, "template": {"duration": 1}, "version": 7},
         DeploymentChanges(replicas=0, template=TaskTemplate(duration=1.0))),
    ],
)
def test_deployment_changes_accepts(body, expected):
    assert deployment_changes(body) == expected
