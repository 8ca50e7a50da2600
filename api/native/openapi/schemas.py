"""The components of the OpenAPI document: the schemas of every body, the
shared error answers and headers.

The rules of the boundary (:mod:`api.native.validation`, :mod:`api.quantity`)
are written again here as JSON Schema, with their limits imported so that a
changed limit changes the document.
"""

from __future__ import annotations

from typing import Any

from api.native.events import KINDS
from actors.domain.constraints import MAX_PRIORITY, MAX_WEIGHT, MIN_PRIORITY, MIN_WEIGHT, PREEMPTION_POLICIES, \
    WHEN_UNSATISFIABLE
from api.native.validation import MAX_DURATION, MAX_LABELS, MAX_NAME, MAX_SKEW, MAX_TERMS, MAX_VALUES
from api.quantity import MAX_CPU, MAX_MEMORY

# The rules of api/native/validation.py and api/quantity.py as JSON Schema patterns.
# They are anchored because JSON Schema patterns match anywhere in a string.
ID_PATTERN = r"^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$"
QUANTITY_PATTERN = r"^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$"
LABEL_KEY_PATTERN = (
    r"^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?"  # optional DNS prefix and '/'
    r"[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$"
)
LABEL_VALUE_PATTERN = r"^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$"
IF_MATCH_PATTERN = r'^\s*(\*|(W/)?"*[0-9]{1,18}"*)\s*$'
MAX_VERSION = 2**63 - 1
STATUSES = ["pending", "scheduled", "running", "succeeded", "failed"]
OUTCOMES = ["succeeded", "failed"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _json(schema: dict[str, Any], description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _weight() -> dict[str, Any]:
    return {"type": "integer", "minimum": MIN_WEIGHT, "maximum": MAX_WEIGHT}


def _pod_term(weighted: bool) -> dict[str, Any]:
    """A pod affinity term: a weight in a preferred term, none in a required one."""
    properties: dict[str, Any] = {
        "label_selector": _ref("LabelSelector"),
        "topology_key": {"type": "string", "pattern": LABEL_KEY_PATTERN},
        "namespaces": {"type": "array", "maxItems": MAX_VALUES, "items": {"type": "string", "pattern": ID_PATTERN}},
    }
    required = ["label_selector", "topology_key"]
    if weighted:
        properties["weight"] = _weight()
        required.append("weight")
    return {"type": "object", "required": required, "additionalProperties": False, "properties": properties}


def _scheduling_input() -> dict[str, Any]:
    """The fields of a task and a template that say how it is placed among others."""
    return {
        "labels": {**_ref("Labels"), "description": "What other tasks' affinity terms and spread constraints "
                   "select it by."},
        "priority": _ref("Priority"),
        "preemption_policy": _ref("PreemptionPolicy"),
        "preferred_node_affinity": _ref("PreferredNodeAffinity"),
        "pod_affinity": _ref("PodAffinity"),
        "pod_anti_affinity": _ref("PodAffinity"),
        "topology_spread": _ref("TopologySpread"),
    }


def components() -> dict[str, Any]:
    """The document's ``components``: schemas, responses and headers."""
    return {
        "schemas": {**_schemas(), **_deployment_schemas()},
        "responses": _responses(),
        "headers": {
            "ETag": {"description": "The record's version, quoted: `\"5\"`.", "required": True,
                     "schema": {"type": "string", "pattern": '^"[0-9]+"$'}},
            "Location": {"description": "The new record's path.", "required": True, "schema": {"type": "string"}},
            "Retry-After": {"description": "Seconds to wait before retrying.", "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9]+$"}},
        },
    }


def _schemas() -> dict[str, Any]:
    cpu = {
        "description": "CPU: an integer is millicores; a string is a Kubernetes quantity in cores "
        f"(`\"500m\"` = 500, `\"2\"` = 2000), rounded up. At most {MAX_CPU} millicores, whichever way "
        "it is written; integers without a fraction (500, not 500.0).",
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": MAX_CPU},
            {"type": "string", "pattern": QUANTITY_PATTERN, "maxLength": 64},
        ],
    }
    memory = {
        "description": "Memory: an integer is MiB; a string is a Kubernetes quantity in bytes "
        f"(`\"512Mi\"` = 512, `\"1G\"` = 954), rounded up. At most {MAX_MEMORY} MiB, whichever way it "
        "is written; integers without a fraction (512, not 512.0).",
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": MAX_MEMORY},
            {"type": "string", "pattern": QUANTITY_PATTERN, "maxLength": 64},
        ],
    }
    time = {"type": "string", "format": "date-time", "description": "RFC 3339, UTC, milliseconds."}
    optional_time = {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "RFC 3339, UTC; null until it happens.",
    }
    version = {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_VERSION,
        "description": "The record's version; grows on every change. Also the ETag. Written as an integer "
        "(5, not 5.0).",
    }
    expected_version = {
        **version,
        "description": "The version the client expects (409 if stale), as an integer (5, not 5.0).",
    }
    return {
        "Error": {
            "type": "object",
            "description": "Every error: a title and a description naming the field or id at fault.",
            "required": ["title", "description"],
            "properties": {
                "title": {"type": "string", "minLength": 1},
                "description": {"type": "string", "minLength": 1},
            },
            "additionalProperties": False,
        },
        "ValidationError": {
            "type": "object",
            "description": "JSON that breaks a rule; `field` names it (a dotted path such as `capacity.cpu`).",
            "required": ["title", "description", "field"],
            "properties": {
                "title": {"type": "string", "minLength": 1},
                "description": {"type": "string", "minLength": 1},
                "field": {"type": "string"},
            },
            "additionalProperties": False,
        },
        "Health": {
            "type": "object",
            "required": ["status", "leader", "store"],
            "properties": {
                "status": {"const": "ok"},
                "leader": {
                    "type": "boolean",
                    "description": "Whether this process runs the controller and the simulated nodes now "
                                   "(with an etcd store, the one elected process; otherwise always true).",
                },
                "store": {"enum": ["memory", "sqlite", "etcd"]},
            },
            "additionalProperties": False,
        },
        # Input: what clients send.
        "ResourcesInput": {
            "type": "object",
            "properties": {"cpu": cpu, "memory": memory, "gpu": {
                "description": "GPUs: below 1 a share of one device (0.5, or a quantity such as \"500m\"), else "
                "whole devices (2). 1.5 is refused: a share never spans devices.",
                "anyOf": [
                    {"type": "number", "minimum": 0, "maximum": 64, "multipleOf": 1},
                    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1,
                     "description": "A share, rounded up to whole thousandths."},
                    {"type": "string", "pattern": "^([0-9]|[1-5][0-9]|6[0-4]|[1-9][0-9]{0,2}m)$"},
                ],
            }},
            "additionalProperties": False,
        },
        "CapacityInput": {
            "type": "object",
            "properties": {"cpu": cpu, "memory": memory, "gpu": {
                "type": "integer", "minimum": 0, "maximum": 64, "description": "Whole GPU devices (default 0)."}},
            "additionalProperties": False,
        },
        "Taints": {
            "type": "array", "maxItems": 32,
            "description": "What keeps tasks off the node unless they tolerate it.",
            "items": {"type": "object", "required": ["key"], "additionalProperties": False, "properties": {
                "key": {"type": "string", "pattern": LABEL_KEY_PATTERN},
                "value": {"type": "string", "pattern": LABEL_VALUE_PATTERN},
                "effect": {"enum": ["NoSchedule", "PreferNoSchedule", "NoExecute"], "default": "NoSchedule"},
            }},
        },
        "Tolerations": {
            "type": "array", "maxItems": 32,
            "description": "The node taints a task tolerates, with Kubernetes' rules: Equal (the default) matches "
            "a taint's key and value, Exists its key (any key when empty); an empty effect matches every effect; "
            "toleration_seconds only with effect NoExecute.",
            "items": {"anyOf": [
                {"type": "object", "required": ["key"], "additionalProperties": False, "properties": {
                    "key": {"type": "string", "pattern": LABEL_KEY_PATTERN}, "operator": {"const": "Equal"},
                    "value": {"type": "string", "pattern": LABEL_VALUE_PATTERN},
                    "effect": {"enum": ["", "NoSchedule", "PreferNoSchedule"]}, "toleration_seconds": {"type": "null"}}},
                {"type": "object", "required": ["key", "effect"], "additionalProperties": False, "properties": {
                    "key": {"type": "string", "pattern": LABEL_KEY_PATTERN}, "operator": {"const": "Equal"},
                    "value": {"type": "string", "pattern": LABEL_VALUE_PATTERN}, "effect": {"const": "NoExecute"},
                    "toleration_seconds": {"type": ["number", "null"], "minimum": 0, "maximum": MAX_DURATION}}},
                {"type": "object", "required": ["operator"], "additionalProperties": False, "properties": {
                    "key": {"anyOf": [{"const": ""}, {"type": "string", "pattern": LABEL_KEY_PATTERN}]},
                    "operator": {"const": "Exists"}, "value": {"const": ""},
                    "effect": {"enum": ["", "NoSchedule", "PreferNoSchedule"]}, "toleration_seconds": {"type": "null"}}},
                {"type": "object", "required": ["operator", "effect"], "additionalProperties": False, "properties": {
                    "key": {"anyOf": [{"const": ""}, {"type": "string", "pattern": LABEL_KEY_PATTERN}]},
                    "operator": {"const": "Exists"}, "value": {"const": ""}, "effect": {"const": "NoExecute"},
                    "toleration_seconds": {"type": ["number", "null"], "minimum": 0, "maximum": MAX_DURATION}}},
            ]},
        },
        "NodeSelectorExpression": {"oneOf": [
            {"type": "object", "required": ["key", "operator", "values"], "additionalProperties": False,
             "properties": {"key": {"type": "string", "pattern": LABEL_KEY_PATTERN}, "operator": {"enum": ["In", "NotIn"]},
                            "values": {"type": "array", "minItems": 1, "maxItems": MAX_VALUES,
                                       "items": {"type": "string", "maxLength": 63}}}},
            {"type": "object", "required": ["key", "operator"], "additionalProperties": False,
             "properties": {"key": {"type": "string", "pattern": LABEL_KEY_PATTERN}, "operator": {"enum": ["Exists", "DoesNotExist"]},
                            "values": {"type": "array", "maxItems": 0}}},
            {"type": "object", "required": ["key", "operator", "values"], "additionalProperties": False,
             "properties": {"key": {"type": "string", "pattern": LABEL_KEY_PATTERN}, "operator": {"enum": ["Gt", "Lt"]},
                            "values": {"type": "array", "minItems": 1, "maxItems": 1,
                                       "items": {"type": "string", "pattern": "^-?[0-9]{1,18}$"}}}},
        ]},
        "NodeAffinity": {
            "type": "array",
            "description": "Required node affinity: terms (ORed) of expressions (ANDed), with Kubernetes' operators.",
            "maxItems": MAX_TERMS,
            "items": {"type": "array", "minItems": 1, "maxItems": MAX_TERMS, "items": _ref("NodeSelectorExpression")},
        },
        "PreferredNodeAffinity": {
            "type": "array", "maxItems": MAX_TERMS,
            "description": "Preferred node affinity: a node matching a preference (a term of node affinity) "
            "scores its weight.",
            "items": {"type": "object", "required": ["weight", "preference"], "additionalProperties": False,
                      "properties": {"weight": _weight(),
                                     "preference": {"type": "array", "minItems": 1, "maxItems": MAX_TERMS,
                                                    "items": _ref("NodeSelectorExpression")}}},
        },
        "LabelSelector": {
            "type": "object", "additionalProperties": False,
            "description": "Selects tasks by their labels: every pair of match_labels and every expression must "
            "hold; {} selects every task that has labels.",
            "properties": {
                "match_labels": _ref("Labels"),
                "match_expressions": {"type": "array", "maxItems": MAX_TERMS, "items": {"oneOf": [
                    {"type": "object", "required": ["key", "operator", "values"], "additionalProperties": False,
                     "properties": {"key": {"type": "string", "pattern": LABEL_KEY_PATTERN},
                                    "operator": {"enum": ["In", "NotIn"]},
                                    "values": {"type": "array", "minItems": 1, "maxItems": MAX_VALUES,
                                               "items": {"type": "string", "pattern": LABEL_VALUE_PATTERN}}}},
                    {"type": "object", "required": ["key", "operator"], "additionalProperties": False,
                     "properties": {"key": {"type": "string", "pattern": LABEL_KEY_PATTERN},
                                    "operator": {"enum": ["Exists", "DoesNotExist"]},
                                    "values": {"type": "array", "maxItems": 0}}},
                ]}},
            },
        },
        "PodAffinity": {
            "type": "object", "additionalProperties": False,
            "description": "Inter-pod (anti-)affinity: run in (or out of) the same topology domain (the nodes "
            "sharing a value of topology_key) as the tasks the selector chooses in namespaces (default: the "
            "task's own). Required terms filter nodes, preferred ones score them by weight.",
            "properties": {
                "required": {"type": "array", "maxItems": MAX_TERMS, "items": _pod_term(weighted=False)},
                "preferred": {"type": "array", "maxItems": MAX_TERMS, "items": _pod_term(weighted=True)},
            },
        },
        "TopologySpread": {
            "type": "array", "maxItems": MAX_TERMS,
            "description": "Keep the tasks the selector chooses (in the task's namespace) within max_skew of each "
            "other across the domains of topology_key: DoNotSchedule filters, ScheduleAnyway scores.",
            "items": {"type": "object", "required": ["max_skew", "topology_key", "label_selector"],
                      "additionalProperties": False, "properties": {
                          "max_skew": {"type": "integer", "minimum": 1, "maximum": MAX_SKEW},
                          "topology_key": {"type": "string", "pattern": LABEL_KEY_PATTERN},
                          "when_unsatisfiable": {"enum": list(WHEN_UNSATISFIABLE), "default": "DoNotSchedule"},
                          "label_selector": _ref("LabelSelector")}},
        },
        "Priority": {"type": "integer", "minimum": MIN_PRIORITY, "maximum": MAX_PRIORITY, "default": 0,
                     "description": "Higher is placed first, and may preempt lower-priority tasks."},
        "PreemptionPolicy": {"enum": list(PREEMPTION_POLICIES), "default": "PreemptLowerPriority",
                             "description": "Never: the task waits for room instead of preempting."},
        "Labels": {
            "type": "object",
            "description": "Kubernetes labels: `[prefix/]name` keys, values of at most 63 characters.",
            "maxProperties": MAX_LABELS,
            "propertyNames": {"pattern": LABEL_KEY_PATTERN},
            "additionalProperties": {"type": "string", "pattern": LABEL_VALUE_PATTERN},
        },
        "NodeCreate": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string", "pattern": ID_PATTERN},
                "capacity": {
                    **_ref("CapacityInput"),
                    "description": "Defaults to cpu 4000 (millicores), memory 8192 (MiB); "
                    "a missing one keeps its default.",
                },
                "labels": _ref("Labels"),
                "simulated": {"type": "boolean", "default": True},
                "taints": {"anyOf": [_ref("Taints"), {"type": "null"}]},
            },
            "additionalProperties": False,
        },
        "NodeUpdate": {
            "type": "object",
            "description": "Any of these; the others stay as they are.",
            "properties": {
                "healthy": {"type": "boolean"},
                "schedulable": {"type": "boolean"},
                "labels": {**_ref("Labels"), "description": "Replaces all labels."},
                "taints": {"anyOf": [_ref("Taints"), {"type": "null"}], "description": "Replaces all taints."},
                "version": expected_version,
            },
            "additionalProperties": False,
        },
        "TaskCreate": {
            "type": "object",
            "properties": {
                "id": {
                    "type": ["string", "null"],
                    "pattern": ID_PATTERN,
                    "description": "Made by the server (`task-` and 12 hex digits) when missing or null.",
                },
                "name": {
                    "type": ["string", "null"],
                    "minLength": 1,
                    "maxLength": MAX_NAME,
                    "pattern": "^[^\\u0000]*$",
                    "description": "Defaults to the id.",
                },
                "resources": {**_ref("ResourcesInput"), "description": "Requests; default 0."},
                "node_selector": {**_ref("Labels"), "description": "Labels a node must have."},
                "node_affinity": {"anyOf": [_ref("NodeAffinity"), {"type": "null"}]},
                "tolerations": {"anyOf": [_ref("Tolerations"), {"type": "null"}]},
                **_scheduling_input(),
                "duration": {
                    "type": ["number", "null"],
                    "minimum": 0,
                    "maximum": MAX_DURATION,
                    "description": "Seconds a simulated node runs the task; null or missing: until deleted or failed.",
                },
                "outcome": {
                    "type": ["string", "null"],
                    "enum": [*OUTCOMES, None],
                    "description": "How the task ends after `duration`; default succeeded.",
                },
            },
            "additionalProperties": False,
        },
        "TaskStatusUpdate": {
            "type": "object",
            "description": "Progress reported by an external agent: scheduled->running, running->succeeded|failed, "
            "any non-final status->failed.",
            "required": ["status"],
            "properties": {
                "status": {"type": "string", "enum": STATUSES},
                "version": expected_version,
            },
            "additionalProperties": False,
        },
        "VersionOnly": {
            "type": "object",
            "properties": {"version": expected_version},
            "additionalProperties": False,
        },
        # Output: what the server answers.
        "Resources": {
            "type": "object",
            "description": "cpu in millicores, memory in MiB, gpu in GPUs (only where there is GPU).",
            "required": ["cpu", "memory"],
            "properties": {"cpu": {"type": "integer", "minimum": 0}, "memory": {"type": "integer", "minimum": 0},
                           "gpu": {"type": "number", "minimum": 0}},
            "additionalProperties": False,
        },
        "StringMap": {"type": "object", "additionalProperties": {"type": "string"}},
        "Node": {
            "type": "object",
            "required": [
                "id", "healthy", "schedulable", "simulated", "capacity", "allocated", "labels",
                "last_heartbeat", "created_at", "version",
            ],
            "properties": {
                "id": {"type": "string", "pattern": ID_PATTERN},
                "healthy": {"type": "boolean"},
                "schedulable": {"type": "boolean", "description": "False when cordoned."},
                "simulated": {"type": "boolean"},
                "capacity": _ref("Resources"),
                "allocated": {
                    **_ref("Resources"),
                    "description": "What the node's scheduled and running tasks request.",
                },
                "labels": _ref("StringMap"),
                "last_heartbeat": time,
                "created_at": time,
                "version": version,
                "gpu_allocation": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1},
                                   "description": "A node with GPUs: the GPUs in use on each device, in order."},
                "taints": _ref("Taints"),
            },
            "additionalProperties": False,
        },
        "Task": {
            "type": "object",
            "required": [
                "id", "name", "status", "node", "resources", "node_selector", "duration", "outcome",
                "attempts", "message", "created_at", "scheduled_at", "started_at", "finished_at", "version",
                "owner", "template_hash", "namespace", "labels", "priority", "preemption_policy", "nominated_node",
            ],
            "properties": {
                "id": {"type": "string", "pattern": ID_PATTERN},
                "namespace": {"type": "string", "pattern": ID_PATTERN,
                              "description": "Its namespace: `default` unless made through the Kubernetes API."},
                "name": {"type": "string"},
                "status": {"type": "string", "enum": STATUSES},
                "node": {"type": ["string", "null"], "description": "The node it is bound to, if any."},
                "resources": _ref("Resources"),
                "node_selector": _ref("StringMap"),
                "duration": {"type": ["number", "null"], "minimum": 0, "description": "Seconds."},
                "outcome": {"type": "string", "enum": OUTCOMES},
                "attempts": {"type": "integer", "minimum": 0, "description": "How many times it was placed on a node."},
                "message": {"type": "string", "description": "Why a pending task is waiting."},
                "created_at": time,
                "scheduled_at": optional_time,
                "started_at": optional_time,
                "finished_at": optional_time,
                "version": version,
                "owner": {"type": ["string", "null"], "description": "The deployment that made it, if any."},
                "template_hash": {"type": ["string", "null"], "description": "Which template of its deployment."},
                "node_affinity": _ref("NodeAffinity"),
                "tolerations": _ref("Tolerations"),
                "gpu_devices": {"type": "array", "items": {"type": "integer", "minimum": 0},
                                "description": "The devices of its node its GPU request holds."},
                "labels": _ref("StringMap"),
                "priority": _ref("Priority"),
                "preemption_policy": _ref("PreemptionPolicy"),
                "nominated_node": {"type": ["string", "null"],
                                   "description": "The node it preempted tasks on and waits to be bound to."},
                "preferred_node_affinity": _ref("PreferredNodeAffinity"),
                "pod_affinity": _ref("PodAffinity"),
                "pod_anti_affinity": _ref("PodAffinity"),
                "topology_spread": _ref("TopologySpread"),
            },
            "additionalProperties": False,
        },
        "Event": {
            "type": "object",
            "required": ["seq", "time", "kind", "object", "reason", "message"],
            "properties": {
                "seq": {"type": "integer", "minimum": 1, "description": "Grows by one per event."},
                "time": time,
                "kind": {"type": "string", "enum": list(KINDS)},
                "object": {"type": "string", "description": "The id of the node, task or deployment."},
                "namespace": {"type": "string", "pattern": ID_PATTERN,
                              "description": "A task's or deployment's namespace (none for a node)."},
                "reason": {
                    "type": "string",
                    "description": "Nodes: Registered, Unhealthy, Recovered, Cordoned, Uncordoned, Deleted; tasks: "
                    "Created, Scheduled, FailedScheduling, Started, Succeeded, Failed, Rescheduled, Deleted.",
                },
                "message": {"type": "string"},
            },
            "additionalProperties": False,
        },
    }


def _responses() -> dict[str, Any]:
    error = _ref("Error")
    return {
        "BadRequest": _json(error, "The body is not a JSON object (malformed, empty, NaN, duplicate keys, nested "
                            "too deep, not an object; POST /tasks also takes an array of 1 to 1000), or a query "
                            "parameter or header is malformed."),
        "NotFound": _json(error, "No such node or task; the description names the id."),
        "MethodNotAllowed": _json(error, "The route does not take this method; `Allow` lists those it takes.",
                                  {"Allow": {"schema": {"type": "string"}, "required": True}}),
        "Conflict": _json(error, "The id is taken, the version is stale (the description gives the current one), "
                          "or the status transition is not allowed."),
        "Gone": _json(error, "`since` is older than the oldest event kept: list without it, then watch."),
        "ContentTooLarge": _json(error, "The body is over 1 MiB."),
        "UnsupportedMediaType": _json(error, "The Content-Type is not JSON."),
        "Invalid": _json(_ref("ValidationError"), "JSON that breaks a rule (wrong type, out of range, unknown "
                         "field, bad id); `field` names it."),
        "Unavailable": _json(error, "The control plane did not answer within the request timeout; retry.",
                             {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}),
    }



def _deployment_schemas() -> dict[str, Any]:
    template = {
        "type": "object",
        "description": "What every task of the deployment looks like.",
        "properties": {
            "resources": _ref("ResourcesInput"),
            "node_selector": _ref("Labels"),
            "node_affinity": {"anyOf": [_ref("NodeAffinity"), {"type": "null"}]},
            "tolerations": {"anyOf": [_ref("Tolerations"), {"type": "null"}]},
            **_scheduling_input(),
            "duration": {"type": ["number", "null"], "minimum": 0, "maximum": MAX_DURATION},
            "outcome": {"type": ["string", "null"], "enum": [*OUTCOMES, None]},
        },
        "additionalProperties": False,
    }
    replicas = {"type": "integer", "minimum": 0, "maximum": 10000, "description": "How many non-final tasks to keep."}
    deployment_id = {
        "type": "string",
        "pattern": "^[a-z0-9]([a-z0-9.-]{0,55}[a-z0-9])?$",
        "description": "An id of at most 57 characters, so that its tasks' '<id>-xxxxx' ids stay within 63.",
    }
    return {
        "TaskTemplate": template,
        "DeploymentCreate": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": deployment_id, "replicas": replicas, "template": _ref("TaskTemplate")},
            "additionalProperties": False,
        },
        "DeploymentUpdate": {
            "type": "object",
            "properties": {"replicas": replicas, "template": _ref("TaskTemplate"),
                           "version": {"type": "integer", "minimum": 0, "maximum": MAX_VERSION}},
            "additionalProperties": False,
        },
        # Open (no additionalProperties: false) until the feature's API settles.
        "Deployment": {
            "type": "object",
            "required": ["id", "namespace", "replicas", "template", "ready", "available", "version"],
            "properties": {
                "id": {"type": "string", "pattern": ID_PATTERN},
                "namespace": {"type": "string", "pattern": ID_PATTERN},
                "replicas": {"type": "integer", "minimum": 0},
                "template": {"type": "object"},
                "ready": {"type": "integer", "minimum": 0, "description": "Running replicas."},
                "available": {"type": "integer", "minimum": 0},
                "template_hash": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "version": {"type": "integer", "minimum": 0},
            },
        },
    }
