"""The client's copy of the server's rules (api.client.normalize) held to the
server's own (api.native.validation, api.native.serialize, api.quantity): the
same documents give the same stored fields, and the same errors with the same
field and message, so ``apply`` decides created/configured/unchanged and
words its refusals exactly as the server would."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.domain import affinity, constraints, models, rollout, taints
from actors.domain.errors import ValidationError
from api import quantity
from api.client import normalize
from api.native import serialize, validation


def server(kind: str, body: dict[str, Any]) -> Any:
    """What the server makes of ``body``, as the client's normaliser answers it."""
    try:
        if kind == "node":
            spec = validation.node_spec(body)
            shown = {"id": spec.id, "capacity": serialize.resources(spec.capacity), "labels": dict(spec.labels),
                     "simulated": spec.simulated}
            if spec.taints:
                shown["taints"] = [{"key": t.key, "value": t.value, "effect": t.effect} for t in spec.taints]
            return shown
        if kind == "task":
            spec = validation.task_spec(body)
            return {"id": spec.id, "name": spec.name} | serialize.template(spec)  # a spec has a template's fields
        spec = validation.deployment_spec(body)
        return {"id": spec.id, "replicas": spec.replicas, "template": serialize.template(spec.template)}
    except ValidationError as exc:
        return ("invalid", exc.field, exc.message, str(exc))


def client(kind: str, body: dict[str, Any]) -> Any:
    try:
        return {"node": normalize.node, "task": normalize.task, "deployment": normalize.deployment}[kind](body)
    except normalize.Invalid as exc:
        return ("invalid", exc.field, exc.message, str(exc))


def test_the_limits_are_the_servers():
    assert normalize.MAX_CPU == quantity.MAX_CPU
    assert normalize.MAX_MEMORY == quantity.MAX_MEMORY
    assert normalize.MAX_GPUS == quantity.MAX_GPUS
    assert (normalize.MAX_TAINTS, normalize.EFFECTS) == (validation.MAX_TAINTS, taints.EFFECTS)
    assert (normalize.MAX_TERMS, normalize.MAX_VALUES) == (validation.MAX_TERMS, validation.MAX_VALUES)
    assert normalize.OPERATORS == affinity.OPERATORS
    assert normalize.SELECTOR_OPERATORS == constraints.SELECTOR_OPERATORS
    assert normalize.WHEN_UNSATISFIABLE == constraints.WHEN_UNSATISFIABLE
    assert normalize.PREEMPTION_POLICIES == constraints.PREEMPTION_POLICIES
    assert (normalize.MIN_WEIGHT, normalize.MAX_WEIGHT) == (constraints.MIN_WEIGHT, constraints.MAX_WEIGHT)
    assert (normalize.MIN_PRIORITY, normalize.MAX_PRIORITY) == (constraints.MIN_PRIORITY, constraints.MAX_PRIORITY)
    assert normalize.MAX_SKEW == validation.MAX_SKEW
    assert (normalize.POD_TERM_FIELDS, normalize.SPREAD_FIELDS) == (validation.POD_TERM_FIELDS,
                                                                    validation.SPREAD_FIELDS)
    assert normalize.MAX_LABELS == validation.MAX_LABELS
    assert normalize.MAX_NAME == validation.MAX_NAME
    assert normalize.MAX_DURATION == validation.MAX_DURATION
    assert normalize.MAX_REPLICAS == validation.MAX_REPLICAS
    assert normalize.MAX_DEPLOYMENT_ID == rollout.MAX_DEPLOYMENT_ID
    assert normalize.DEFAULT_CAPACITY == serialize.resources(models.DEFAULT_CAPACITY)
    assert normalize.OUTCOMES == tuple(s.value for s in models.OUTCOMES)
    assert normalize.TEMPLATE_FIELDS == validation.TEMPLATE_FIELDS
    assert normalize.ID_RULE == validation.ID_RULE


CASES = [
    ("node", {"id": "n1"}),
    ("node", {"id": "n1", "capacity": {"cpu": "500m", "memory": "512Mi"}}),
    ("node", {"id": "n1", "capacity": {"cpu": "1.5"}}),
    ("node", {"id": "n1", "capacity": {"memory": "1G"}, "labels": {"zone": "a", "example.com/disk": "ssd"}}),
    ("node", {"id": "n1", "capacity": {"cpu": 2000, "memory": 4096}, "simulated": False}),
    ("node", {"id": "n1", "capacity": {"cpu": "0.0001"}}),  # rounded up to 1
    ("node", {"id": "n1", "capacity": {"cpu": "+.5", "memory": "1048577"}}),
    ("node", {}),
    ("node", {"id": "N1"}),
    ("node", {"id": 5}),
    ("node", {"id": "-n"}),
    ("node", {"id": "n" * 64}),
    ("node", {"id": "n1", "capacity": {"cpu": -1}}),
    ("node", {"id": "n1", "capacity": {"cpu": 10**9 + 1}}),
    ("node", {"id": "n1", "capacity": {"cpu": "1e3"}}),
    ("node", {"id": "n1", "capacity": {"cpu": 1.5}}),
    ("node", {"id": "n1", "capacity": {"cpu": True}}),
    ("node", {"id": "n1", "capacity": {"memory": "2000000Ei"}}),
    ("node", {"id": "n1", "capacity": {"memory": "1" * 65}}),
    ("node", {"id": "n1", "capacity": {"gpu": 1}}),
    ("node", {"id": "n1", "capacity": {"gpu": "8"}}),
    ("node", {"id": "n1", "capacity": {"gpu": 0.5}}),
    ("node", {"id": "n1", "capacity": {"gpu": 65}}),
    ("node", {"id": "n1", "capacity": {"tpu": 1}}),
    ("task", {"id": "t1", "resources": {"gpu": 0.5}}),
    ("task", {"id": "t1", "resources": {"gpu": "250m"}}),
    ("task", {"id": "t1", "resources": {"gpu": 2}}),
    ("task", {"id": "t1", "resources": {"gpu": 0}}),
    ("task", {"id": "t1", "resources": {"gpu": 1.5}}),
    ("task", {"id": "t1", "resources": {"gpu": 0.0001}}),
    ("task", {"id": "t1", "resources": {"gpu": float("nan")}}),
    ("task", {"id": "t1", "resources": {"gpu": 1e308}}),
    ("task", {"id": "t1", "resources": {"gpu": 1e-300}}),
    ("task", {"id": "t1", "resources": {"gpu": 0.1}}),
    ("task", {"id": "t1", "resources": {"gpu": [1]}}),
    ("task", {"id": "t1", "node_affinity": [[{"key": "zone", "operator": "In", "values": ["a", "b"]}],
                                           [{"key": "rank", "operator": "Gt", "values": ["3"]}]]}),
    ("task", {"id": "t1", "node_affinity": []}),
    ("task", {"id": "t1", "node_affinity": [[]]}),
    ("task", {"id": "t1", "node_affinity": [[{"key": "k", "operator": "Near", "values": []}]]}),
    ("task", {"id": "t1", "node_affinity": [[{"key": "k", "operator": "Exists", "values": ["x"]}]]}),
    ("task", {"id": "t1", "node_affinity": [[{"key": "k", "operator": "Lt", "values": ["x"]}]]}),
    ("task", {"id": "t1", "node_affinity": [[{"key": "bad key", "operator": "Exists"}]]}),
    ("task", {"id": "t1", "node_affinity": [[{"operator": "Exists"}]]}),
    ("node", {"id": "n1", "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoExecute"}, {"key": "spot"}]}),
    ("node", {"id": "n1", "taints": [{"key": "k", "effect": "Sometimes"}]}),
    ("node", {"id": "n1", "taints": [{"value": "x"}]}),
    ("node", {"id": "n1", "taints": "dedicated=gpu"}),
    ("task", {"id": "t1", "tolerations": [{"key": "dedicated", "value": "gpu"}, {"operator": "Exists"},
                                         {"key": "k", "operator": "Exists", "effect": "NoExecute",
                                          "toleration_seconds": 30}]}),
    ("task", {"id": "t1", "tolerations": [{"key": "k", "operator": "Near"}]}),
    ("task", {"id": "t1", "tolerations": [{"value": "x"}]}),
    ("task", {"id": "t1", "tolerations": [{"key": "k", "operator": "Exists", "value": "x"}]}),
    ("task", {"id": "t1", "tolerations": [{"key": "k", "toleration_seconds": 5}]}),
    ("task", {"id": "t1", "tolerations": [{"key": "k", "effect": "Never"}]}),
    ("deployment", {"id": "web", "template": {"resources": {"gpu": 1}, "node_affinity": [
        [{"key": "nvidia.com/gpu.product", "operator": "In", "values": ["T4"]}]]}}),
    ("node", {"id": "n1", "capacity": []}),
    ("node", {"id": "n1", "labels": {"-bad": "x"}}),
    ("node", {"id": "n1", "labels": {"ok": "not ok"}}),
    ("node", {"id": "n1", "labels": {"ok": 1}}),
    ("node", {"id": "n1", "labels": {f"k{i}": "v" for i in range(65)}}),
    ("node", {"id": "n1", "simulated": "yes"}),
    ("node", {"id": "n1", "colour": "red", "size": 1}),
    ("task", {}),
    ("task", {"id": "t1", "name": "job", "resources": {"cpu": "250m", "memory": "64Mi"}, "duration": 2,
              "outcome": "failed", "node_selector": {"zone": "a"}}),
    ("task", {"id": None, "outcome": None, "duration": None}),
    ("task", {"id": "t1", "name": ""}),
    ("task", {"id": "t1", "name": "a\x00b"}),
    ("task", {"id": "t1", "name": "x" * 254}),
    ("task", {"id": "t1", "duration": -1}),
    ("task", {"id": "t1", "duration": float("inf")}),
    ("task", {"id": "t1", "duration": True}),
    ("task", {"id": "t1", "duration": 10**20}),
    ("task", {"id": "t1", "outcome": "running"}),
    ("task", {"id": "t1", "outcome": ["x"]}),
    ("task", {"id": "t1", "resources": {"cpu": "1", "memory": "x"}}),
    ("task", {"id": "T", "resources": {"cpu": "x"}}),  # the resources are read before the id
    ("task", {"id": "t1", "node_selector": "zone=a"}),
    ("task", {"id": "t1", "template": {}}),
    ("deployment", {"id": "web"}),
    ("deployment", {"id": "web", "replicas": 3, "template": {"resources": {"cpu": "100m"}, "duration": 1.5}}),
    ("deployment", {"id": "web", "template": {"outcome": "failed", "node_selector": {"disk": "ssd"}}}),
    ("deployment", {}),
    ("deployment", {"id": "d" * 58}),
    ("deployment", {"id": "web", "replicas": -1}),
    ("deployment", {"id": "web", "replicas": 10_001}),
    ("deployment", {"id": "web", "replicas": "3"}),
    ("deployment", {"id": "web", "replicas": False}),
    ("deployment", {"id": "web", "template": {"id": "x"}}),
    ("deployment", {"id": "web", "template": []}),
    ("deployment", {"id": "web", "template": {"resources": {"memory": "-1"}}}),
    ("deployment", {"id": "web", "selector": {}}),
    # labels, priority and placement constraints
    ("task", {"id": "t1", "labels": {"app": "web", "example.com/tier": "front"}, "priority": 1000,
              "preemption_policy": "Never"}),
    ("task", {"id": "t1", "labels": {"app": "not ok"}}),
    ("task", {"id": "t1", "labels": None}),
    ("task", {"id": "t1", "priority": 2**31}),
    ("task", {"id": "t1", "priority": -(2**31)}),
    ("task", {"id": "t1", "priority": 1.0}),
    ("task", {"id": "t1", "priority": True}),
    ("task", {"id": "t1", "preemption_policy": "Sometimes"}),
    ("task", {"id": "t1", "preferred_node_affinity": [
        {"weight": 20, "preference": [{"key": "zone", "operator": "In", "values": ["a"]}]},
        {"weight": 1, "preference": [{"key": "rank", "operator": "Gt", "values": ["3"]}]}]}),
    ("task", {"id": "t1", "preferred_node_affinity": []}),
    ("task", {"id": "t1", "preferred_node_affinity": [{"weight": 0, "preference": []}]}),
    ("task", {"id": "t1", "preferred_node_affinity": [{"weight": 101, "preference": [
        {"key": "k", "operator": "Exists"}]}]}),
    ("task", {"id": "t1", "preferred_node_affinity": [{"weight": 5}]}),
    ("task", {"id": "t1", "preferred_node_affinity": [{"weight": 5, "preference": [
        {"key": "k", "operator": "Near"}]}]}),
    ("task", {"id": "t1", "preferred_node_affinity": [{"weight": 5, "preference": [], "extra": 1}]}),
    ("task", {"id": "t1", "preferred_node_affinity": [{"weight": 5, "preference": [{}]}] * 9}),
    ("task", {"id": "t1", "pod_affinity": {"required": [
        {"label_selector": {"match_labels": {"app": "db"}}, "topology_key": "zone"}], "preferred": [
        {"weight": 50, "label_selector": {"match_expressions": [{"key": "app", "operator": "In", "values": ["a"]}]},
         "topology_key": "kubernetes.io/hostname", "namespaces": ["default", "team"]}]}}),
    ("task", {"id": "t1", "pod_affinity": {}}),
    ("task", {"id": "t1", "pod_affinity": {"required": []}}),
    ("task", {"id": "t1", "pod_affinity": []}),
    ("task", {"id": "t1", "pod_affinity": {"mandatory": []}}),
    ("task", {"id": "t1", "pod_affinity": {"required": [{"weight": 5, "label_selector": {}, "topology_key": "z"}]}}),
    ("task", {"id": "t1", "pod_affinity": {"preferred": [{"label_selector": {}, "topology_key": "z"}]}}),
    ("task", {"id": "t1", "pod_affinity": {"required": [{"topology_key": "z"}]}}),
    ("task", {"id": "t1", "pod_affinity": {"required": [{"label_selector": {}}]}}),
    ("task", {"id": "t1", "pod_affinity": {"required": [{"label_selector": {}, "topology_key": ""}]}}),
    ("task", {"id": "t1", "pod_affinity": {"required": [{"label_selector": {}, "topology_key": "bad key"}]}}),
    ("task", {"id": "t1", "pod_affinity": {"required": [{"label_selector": {}, "topology_key": "z",
                                                         "namespaces": ["Team"]}]}}),
    ("task", {"id": "t1", "pod_affinity": {"required": [{"label_selector": {}, "topology_key": "z",
                                                         "namespaces": "team"}]}}),
    ("task", {"id": "t1", "pod_anti_affinity": {"required": [{"label_selector": {"match_expressions": [
        {"key": "app", "operator": "Gt", "values": ["1"]}]}, "topology_key": "z"}]}}),
    ("task", {"id": "t1", "pod_anti_affinity": {"required": [{"label_selector": {"match_expressions": [
        {"key": "app", "operator": "Exists", "values": ["x"]}]}, "topology_key": "z"}]}}),
    ("task", {"id": "t1", "pod_anti_affinity": {"required": [{"label_selector": {"match_expressions": [
        {"key": "app", "operator": "In", "values": ["not ok"]}]}, "topology_key": "z"}]}}),
    ("task", {"id": "t1", "pod_anti_affinity": {"required": [{"label_selector": {"match_labels": {"a": "b"},
                                                                                  "labels": {}},
                                                              "topology_key": "z"}]}}),
    ("task", {"id": "t1", "pod_anti_affinity": {"preferred": [{"weight": 100, "label_selector": {
        "match_expressions": [{"key": "app", "operator": "DoesNotExist"}]}, "topology_key": "z"}]}}),
    ("task", {"id": "t1", "topology_spread": [{"max_skew": 1, "topology_key": "zone", "label_selector": {}},
                                             {"max_skew": 2, "topology_key": "kubernetes.io/hostname",
                                              "when_unsatisfiable": "ScheduleAnyway",
                                              "label_selector": {"match_labels": {"app": "web"}}}]}),
    ("task", {"id": "t1", "topology_spread": [{"max_skew": 0, "topology_key": "zone", "label_selector": {}}]}),
    ("task", {"id": "t1", "topology_spread": [{"max_skew": 2**31, "topology_key": "zone", "label_selector": {}}]}),
    ("task", {"id": "t1", "topology_spread": [{"max_skew": 1, "topology_key": "zone",
                                              "when_unsatisfiable": "Maybe", "label_selector": {}}]}),
    ("task", {"id": "t1", "topology_spread": [{"max_skew": 1, "topology_key": "zone"}]}),
    ("task", {"id": "t1", "topology_spread": {"max_skew": 1}}),
    ("deployment", {"id": "web", "template": {"labels": {"app": "web"}, "priority": -5, "pod_anti_affinity": {
        "required": [{"label_selector": {"match_labels": {"app": "web"}}, "topology_key": "zone"}]},
        "topology_spread": [{"max_skew": 1, "topology_key": "zone", "label_selector": {}}]}}),
    ("deployment", {"id": "web", "template": {"pod_affinity": {"preferred": [{"label_selector": {},
                                                                              "topology_key": "zone"}]}}}),
]


@pytest.mark.parametrize(("kind", "body"), CASES)
def test_the_client_reads_a_document_as_the_server_does(kind, body):
    assert client(kind, body) == server(kind, body)


# Drawn documents: mostly near-valid, so that every rule is reached.
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**65), 2**65) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
_quantity_text = st.from_regex(
    r"\+?([0-9]{1,25}(\.[0-9]{0,6})?|\.[0-9]{1,6})(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?", fullmatch=True
)
_quantity = _quantity_text | st.integers(-10, 2**41) | st.sampled_from(["", "1.5.2", "5 m", "1e3", "0x10", "-1"]) | _json
_gpu = st.sampled_from([0, 1, 2, 0.5, 0.25, 1.5, 65, "500m", "2", "1500m", "x", -1]) | st.floats() | _json
_resources = st.fixed_dictionaries({}, optional={"cpu": _quantity, "memory": _quantity, "gpu": _gpu}) | _json
_expression = st.fixed_dictionaries({"key": st.sampled_from(["zone", "rank", "bad key"]) | _json}, optional={
    "operator": st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Near"]) | _json,
    "values": st.lists(st.sampled_from(["a", "3", "x"]), max_size=2) | _json}) | _json
_affinity = st.lists(st.lists(_expression, max_size=2), max_size=2) | _json
_id = (
    st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,66}[a-z0-9])?", fullmatch=True)
    | st.sampled_from(["", "A", "a_b", "-a", "a-", "a" * 57, "a" * 58, "a" * 63, "a" * 64, "é"])
    | _json
)
_label_key = st.from_regex(r"([a-z0-9.-]{1,5}/)?[A-Za-z0-9_.-]{1,6}", fullmatch=True) | st.text(max_size=6)
_label_value = st.from_regex(r"[A-Za-z0-9_.-]{0,6}", fullmatch=True) | _json
_labels = st.dictionaries(_label_key, _label_value, max_size=4) | _json
_duration = st.none() | st.integers(-5, 10**10) | st.floats() | _json
_outcome = st.sampled_from(["succeeded", "failed", "pending", "SUCCEEDED"]) | _json
_toleration = st.fixed_dictionaries({}, optional={
    "key": st.sampled_from(["", "k", "bad key"]) | _json, "operator": st.sampled_from(["Equal", "Exists", "x"]) | _json,
    "value": st.sampled_from(["", "v", "bad value!"]) | _json,
    "effect": st.sampled_from(["", "NoSchedule", "NoExecute", "x"]) | _json,
    "toleration_seconds": st.sampled_from([0, 30, -1, 1e20]) | _json}) | _json
_selector_expression = st.fixed_dictionaries({}, optional={
    "key": st.sampled_from(["app", "bad key", ""]) | _json,
    "operator": st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist", "Gt"]) | _json,
    "values": st.lists(st.sampled_from(["a", "", "not ok"]), max_size=2) | _json}) | _json
_selector = st.fixed_dictionaries({}, optional={
    "match_labels": _labels, "match_expressions": st.lists(_selector_expression, max_size=2) | _json}) | _json
_topology_key = st.sampled_from(["zone", "kubernetes.io/hostname", "", "bad key"]) | _json
_weight = st.sampled_from([1, 50, 100, 0, 101, 5.0, True]) | _json
_pod_term = st.fixed_dictionaries({}, optional={
    "label_selector": _selector, "topology_key": _topology_key, "weight": _weight,
    "namespaces": st.lists(st.sampled_from(["default", "team", "Bad"]), max_size=2) | _json}) | _json
_pod_affinity = st.fixed_dictionaries({}, optional={
    "required": st.lists(_pod_term, max_size=2) | _json, "preferred": st.lists(_pod_term, max_size=2) | _json,
    "zzz": _json}) | _json
_spread = st.fixed_dictionaries({}, optional={
    "max_skew": st.sampled_from([1, 2, 0, -1, 2**31, 1.0]) | _json, "topology_key": _topology_key,
    "when_unsatisfiable": st.sampled_from(["DoNotSchedule", "ScheduleAnyway", "x"]) | _json,
    "label_selector": _selector}) | _json
_preference = st.fixed_dictionaries({}, optional={
    "weight": _weight, "preference": st.lists(_expression, max_size=2) | _json}) | _json
_template_fields = {"resources": _resources, "node_selector": _labels, "duration": _duration, "outcome": _outcome,
                    "node_affinity": _affinity, "tolerations": st.lists(_toleration, max_size=2) | _json,
                    "labels": _labels, "priority": st.sampled_from([0, 5, -5, 2**31, 1.5, True]) | _json,
                    "preemption_policy": st.sampled_from(["PreemptLowerPriority", "Never", "x"]) | _json,
                    "preferred_node_affinity": st.lists(_preference, max_size=2) | _json,
                    "pod_affinity": _pod_affinity, "pod_anti_affinity": _pod_affinity,
                    "topology_spread": st.lists(_spread, max_size=2) | _json}
_template = st.fixed_dictionaries({}, optional={**_template_fields, "id": _json}) | _json
_extra = {"zzz": _json}

_BODIES = {
    "node": st.fixed_dictionaries(
        {}, optional={"id": _id, "capacity": _resources, "labels": _labels, "simulated": st.booleans() | _json,
                      "taints": st.lists(st.fixed_dictionaries({}, optional={
                          "key": st.sampled_from(["k", "bad key"]) | _json, "value": st.sampled_from(["", "v"]) | _json,
                          "effect": st.sampled_from(["NoSchedule", "NoExecute", "x"]) | _json}) | _json,
                          max_size=2) | _json, **_extra}
    ),
    "task": st.fixed_dictionaries(
        {}, optional={"id": st.none() | _id, "name": st.text(max_size=10) | _json, **_template_fields, **_extra}
    ),
    "deployment": st.fixed_dictionaries(
        {}, optional={"id": _id, "replicas": st.integers(-2, 10_002) | _json, "template": _template, **_extra}
    ),
}


@pytest.mark.parametrize("kind", sorted(_BODIES))
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_drawn_documents_are_read_as_the_server_reads_them(kind, data):
    body = data.draw(_BODIES[kind], label="body")
    assert client(kind, body) == server(kind, body)
