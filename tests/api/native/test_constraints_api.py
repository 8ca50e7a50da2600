"""Labels, priority and placement constraints through the native API: a
task and a deployment's template take them, show them back as sent (the
constraints only when set), carry them to a deployment's tasks, and refuse
every bad value with a 422 naming the field."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error, get_task, post_task, snapshot

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"

CONSTRAINTS = {
    "preferred_node_affinity": [
        {"weight": 20, "preference": [{"key": "disk", "operator": "In", "values": ["ssd"]}]},
        {"weight": 1, "preference": [{"key": "rank", "operator": "Gt", "values": ["3"]}]},
    ],
    "pod_affinity": {
        "required": [{"label_selector": {"match_labels": {"app": "db"}}, "topology_key": ZONE}],
        "preferred": [{"label_selector": {"match_expressions": [{"key": "tier", "operator": "In",
                                                                  "values": ["cache", "db"]}]},
                       "topology_key": HOST, "namespaces": ["default", "team"], "weight": 40}],
    },
    "pod_anti_affinity": {
        "required": [{"label_selector": {"match_labels": {"app": "web"}}, "topology_key": HOST}],
        "preferred": [],
    },
    "topology_spread": [
        {"max_skew": 1, "topology_key": ZONE, "when_unsatisfiable": "DoNotSchedule",
         "label_selector": {"match_labels": {"app": "web"}}},
        {"max_skew": 3, "topology_key": HOST, "when_unsatisfiable": "ScheduleAnyway", "label_selector": {}},
    ],
}
"""Every constraint field, written exactly as the API shows it back."""


def test_a_plain_task_shows_the_defaults_and_no_constraints(client):
    task = post_task(client, id="plain")
    assert (task["labels"], task["priority"], task["preemption_policy"], task["nominated_node"]) == (
        {}, 0, "PreemptLowerPriority", None)
    assert not set(task) & set(CONSTRAINTS)


def test_a_task_shows_its_labels_priority_and_constraints_as_sent(client):
    sent = {"id": "web", "labels": {"app": "web", "example.com/tier": "front"}, "priority": 1000,
            "preemption_policy": "Never", **CONSTRAINTS}
    created = post_task(client, **sent)
    for task in (created, get_task(client, "web"), client.simulate_get("/tasks").json[0]):
        assert {key: task[key] for key in sent} == sent
        assert task["nominated_node"] is None


def test_defaults_are_filled_in_where_left_out(client):
    task = post_task(client, id="t", pod_anti_affinity={"preferred": [
        {"weight": 5, "label_selector": {"match_expressions": [{"key": "app", "operator": "Exists"}]},
         "topology_key": HOST}]}, topology_spread=[{"max_skew": 2, "topology_key": ZONE, "label_selector": {}}])
    assert task["pod_anti_affinity"] == {"required": [], "preferred": [
        {"weight": 5, "label_selector": {"match_expressions": [{"key": "app", "operator": "Exists", "values": []}]},
         "topology_key": HOST}]}
    assert task["topology_spread"] == [
        {"max_skew": 2, "topology_key": ZONE, "when_unsatisfiable": "DoNotSchedule", "label_selector": {}}]
    assert "pod_affinity" not in post_task(client, id="u", pod_affinity={"required": [], "preferred": []})


def test_a_batch_takes_them_per_task(client):
    resp = client.simulate_post("/tasks", json=[{"id": "a", "labels": {"app": "a"}},
                                                {"id": "b", "priority": -7, **CONSTRAINTS}])
    assert resp.status_code == 201, resp.text
    assert [t["labels"] for t in resp.json] == [{"app": "a"}, {}]
    assert resp.json[1]["priority"] == -7 and resp.json[1]["topology_spread"] == CONSTRAINTS["topology_spread"]


def test_a_deployments_template_shows_them_and_gives_them_to_its_tasks(client, settled):
    template = {"labels": {"app": "web"}, "priority": 10, "preemption_policy": "Never", **CONSTRAINTS}
    resp = client.simulate_post("/deployments", json={"id": "web", "replicas": 2, "template": template})
    assert resp.status_code == 201, resp.text
    shown = resp.json["template"]
    assert {key: shown[key] for key in template} == template and "nominated_node" not in shown
    settled()
    tasks = client.simulate_get("/tasks").json
    assert len(tasks) == 2
    for task in tasks:
        assert {key: task[key] for key in template} == template


def test_a_template_without_them_shows_the_defaults(client):
    resp = client.simulate_post("/deployments", json={"id": "web"})
    template = resp.json["template"]
    assert (template["labels"], template["priority"], template["preemption_policy"]) == (
        {}, 0, "PreemptLowerPriority")
    assert not set(template) & set(CONSTRAINTS)


@pytest.mark.parametrize("change", [
    {"labels": {"app": "web", "track": "canary"}},
    {"priority": 1},
    {"preemption_policy": "Never"},
    {"topology_spread": [{"max_skew": 1, "topology_key": ZONE, "when_unsatisfiable": "ScheduleAnyway",
                          "label_selector": {}}]},
    {"pod_anti_affinity": {"required": [{"label_selector": {}, "topology_key": HOST}], "preferred": []}},
])
def test_changing_them_in_a_template_changes_its_hash(client, change):
    before = client.simulate_post("/deployments", json={"id": "web", "replicas": 0,
                                                        "template": {"labels": {"app": "web"}}}).json
    after = client.simulate_put("/deployments/web", json={"template": {"labels": {"app": "web"}, **change}})
    assert after.status_code == 200, after.text
    assert after.json["template_hash"] != before["template_hash"]
    assert {key: after.json["template"][key] for key in change} == change


TERM = {"label_selector": {}, "topology_key": ZONE}
SPREAD = {"max_skew": 1, "topology_key": ZONE, "label_selector": {}}


@pytest.mark.parametrize(("fields", "field", "mention"), [
    ({"labels": {"app": "not ok"}}, "labels.app", "label values"),
    ({"labels": {"-app": "x"}}, "labels.-app", "label keys"),
    ({"labels": ["app"]}, "labels", "must be a JSON object"),
    ({"priority": 2**31}, "priority", "2147483647"),
    ({"priority": -(2**31) - 1}, "priority", "-2147483648"),
    ({"priority": "high"}, "priority", "whole number"),
    ({"priority": 1.5}, "priority", "whole number"),
    ({"preemption_policy": "Always"}, "preemption_policy", "PreemptLowerPriority or Never"),
    ({"preferred_node_affinity": {}}, "preferred_node_affinity", "at most 8"),
    ({"preferred_node_affinity": [{"weight": 1, "preference": [{"key": "k", "operator": "Exists"}]}] * 9},
     "preferred_node_affinity", "at most 8"),
    ({"preferred_node_affinity": [{"preference": [{"key": "k", "operator": "Exists"}]}]},
     "preferred_node_affinity[0].weight", "1 to 100"),
    ({"preferred_node_affinity": [{"weight": 0, "preference": [{"key": "k", "operator": "Exists"}]}]},
     "preferred_node_affinity[0].weight", "1 to 100"),
    ({"preferred_node_affinity": [{"weight": 101, "preference": [{"key": "k", "operator": "Exists"}]}]},
     "preferred_node_affinity[0].weight", "1 to 100"),
    ({"preferred_node_affinity": [{"weight": 1}]}, "preferred_node_affinity[0].preference", "1 to 8 expressions"),
    ({"preferred_node_affinity": [{"weight": 1, "preference": []}]},
     "preferred_node_affinity[0].preference", "1 to 8 expressions"),
    ({"preferred_node_affinity": [{"weight": 1, "preference": [{"key": "k", "operator": "Near"}]}]},
     "preferred_node_affinity[0].preference[0].operator", "Near"),
    ({"preferred_node_affinity": [{"weight": 1, "preference": [{"key": "k", "operator": "In"}]}]},
     "preferred_node_affinity[0].preference[0].values", "non-empty"),
    ({"preferred_node_affinity": [{"weight": 1, "preference": [], "score": 3}]},
     "preferred_node_affinity[0].score", "unknown field"),
    ({"pod_affinity": []}, "pod_affinity", "must be a JSON object"),
    ({"pod_affinity": {"requires": []}}, "pod_affinity.requires", "unknown field"),
    ({"pod_affinity": {"required": [TERM] * 9}}, "pod_affinity.required", "at most 8 terms"),
    ({"pod_affinity": {"required": [{**TERM, "weight": 10}]}}, "pod_affinity.required[0].weight",
     "only for preferred terms"),
    ({"pod_affinity": {"preferred": [TERM]}}, "pod_affinity.preferred[0].weight", "1 to 100"),
    ({"pod_anti_affinity": {"preferred": [{**TERM, "weight": 500}]}}, "pod_anti_affinity.preferred[0].weight",
     "1 to 100"),
    ({"pod_affinity": {"required": [{"topology_key": ZONE}]}}, "pod_affinity.required[0].label_selector",
     "is required"),
    ({"pod_affinity": {"required": [{"label_selector": {}}]}}, "pod_affinity.required[0].topology_key",
     "is required"),
    ({"pod_affinity": {"required": [{**TERM, "topology_key": ""}]}}, "pod_affinity.required[0].topology_key",
     "is required"),
    ({"pod_affinity": {"required": [{**TERM, "topology_key": "a b"}]}}, "pod_affinity.required[0].topology_key",
     "label keys"),
    ({"pod_affinity": {"required": [{**TERM, "namespaces": "team"}]}}, "pod_affinity.required[0].namespaces",
     "at most 16 namespaces"),
    ({"pod_affinity": {"required": [{**TERM, "namespaces": ["Team"]}]}},
     "pod_affinity.required[0].namespaces[0]", "not a valid id"),
    ({"pod_affinity": {"required": [{**TERM, "topologyKey": ZONE}]}}, "pod_affinity.required[0].topologyKey",
     "unknown field"),
    ({"pod_anti_affinity": {"required": [{**TERM, "label_selector": []}]}},
     "pod_anti_affinity.required[0].label_selector", "must be a JSON object"),
    ({"pod_anti_affinity": {"required": [{**TERM, "label_selector": {"matchLabels": {}}}]}},
     "pod_anti_affinity.required[0].label_selector.matchLabels", "unknown field"),
    ({"pod_anti_affinity": {"required": [{**TERM, "label_selector": {"match_labels": {"app": "a b"}}}]}},
     "pod_anti_affinity.required[0].label_selector.match_labels.app", "label values"),
    ({"pod_anti_affinity": {"required": [{**TERM, "label_selector": {"match_expressions": [
        {"key": "app", "operator": "Gt", "values": ["1"]}]}}]}},
     "pod_anti_affinity.required[0].label_selector.match_expressions[0].operator", "In, NotIn, Exists, DoesNotExist"),
    ({"pod_anti_affinity": {"required": [{**TERM, "label_selector": {"match_expressions": [
        {"key": "app", "operator": "NotIn"}]}}]}},
     "pod_anti_affinity.required[0].label_selector.match_expressions[0].values", "non-empty"),
    ({"pod_anti_affinity": {"required": [{**TERM, "label_selector": {"match_expressions": [
        {"key": "app", "operator": "DoesNotExist", "values": ["x"]}]}}]}},
     "pod_anti_affinity.required[0].label_selector.match_expressions[0].values", "empty"),
    ({"pod_anti_affinity": {"required": [{**TERM, "label_selector": {"match_expressions": [
        {"key": "app", "operator": "In", "values": ["a b"]}]}}]}},
     "pod_anti_affinity.required[0].label_selector.match_expressions[0].values", "label values"),
    ({"pod_anti_affinity": {"required": [{**TERM, "label_selector": {"match_expressions": [
        {"operator": "Exists"}]}}]}},
     "pod_anti_affinity.required[0].label_selector.match_expressions[0].key", "is required"),
    ({"topology_spread": {}}, "topology_spread", "at most 8 constraints"),
    ({"topology_spread": [SPREAD] * 9}, "topology_spread", "at most 8 constraints"),
    ({"topology_spread": [{**SPREAD, "max_skew": 0}]}, "topology_spread[0].max_skew", "greater than zero"),
    ({"topology_spread": [{**SPREAD, "max_skew": "1"}]}, "topology_spread[0].max_skew", "greater than zero"),
    ({"topology_spread": [{**SPREAD, "max_skew": 2**31}]}, "topology_spread[0].max_skew", "at most 2147483647"),
    ({"topology_spread": [{"topology_key": ZONE, "label_selector": {}}]}, "topology_spread[0].max_skew",
     "greater than zero"),
    ({"topology_spread": [{**SPREAD, "topology_key": None}]}, "topology_spread[0].topology_key", "is required"),
    ({"topology_spread": [{**SPREAD, "when_unsatisfiable": "Sometimes"}]}, "topology_spread[0].when_unsatisfiable",
     "DoNotSchedule or ScheduleAnyway"),
    ({"topology_spread": [{"max_skew": 1, "topology_key": ZONE}]}, "topology_spread[0].label_selector",
     "is required"),
    ({"topology_spread": [{**SPREAD, "min_domains": 2}]}, "topology_spread[0].min_domains", "unknown field"),
])
def test_bad_values_are_422_naming_the_field(client, fields, field, mention):
    error = assert_error(client.simulate_post("/tasks", json={"id": "t", **fields}), 422, field, mention)
    assert error["field"] == field
    error = assert_error(client.simulate_post("/deployments", json={"id": "web", "template": fields}), 422,
                         f"template.{field}", mention)
    assert error["field"] == f"template.{field}"
    error = assert_error(client.simulate_post("/tasks", json=[{"id": "ok"}, {"id": "t", **fields}]), 422,
                         f"[1].{field}", mention)
    assert error["field"] == f"[1].{field}"
    assert snapshot(client) == ([], [], [])


def test_a_deployment_update_with_a_bad_template_changes_nothing(client):
    created = client.simulate_post("/deployments", json={"id": "web", "replicas": 0,
                                                         "template": {"labels": {"app": "web"}}}).json
    assert_error(client.simulate_put("/deployments/web", json={"template": {"pod_affinity": {"preferred": [TERM]}}}),
                 422, "template.pod_affinity.preferred[0].weight")
    assert client.simulate_get("/deployments/web").json == created
