"""The OpenAPI 3.1 document of the HTTP API, and ``GET /openapi.json``.

The document is plain Python data built by :func:`document`; README.md is the
contract it follows, and ``tests/api/native/test_openapi.py`` keeps the two true to
the server: every route the app serves is documented and nothing else, and
generated requests get only documented answers.

Some routes exist only on some builds (``/metrics`` and ``/events`` need the
control plane's recorder and metrics; ``/deployments`` comes with the
deployments feature), so the served document keeps only the paths and methods
the app really routes (:func:`served_routes`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import falcon
from falcon.inspect import inspect_app

from api.native.events import KINDS, MAX_SEQ_DIGITS
from api.quantity import MAX_CPU, MAX_MEMORY
from api.native.validation import MAX_BATCH, MAX_DURATION, MAX_LABELS, MAX_NAME

OPENAPI_VERSION = "3.1.0"
API_VERSION = "0.1.0"

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


def _body(schema_name: str, required: bool = True, description: str = "") -> dict[str, Any]:
    return {
        "required": required,
        "description": description or "A JSON object (a body without a Content-Type is read as JSON too).",
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


_ETAG = {"ETag": {"$ref": "#/components/headers/ETag"}}
_CREATED = {**_ETAG, "Location": {"$ref": "#/components/headers/Location"}}
# POST /tasks answers one task with both headers, a batch with neither.
_CREATED_ONE_OR_MANY = {
    "ETag": {"description": "The task's version, quoted: `\"5\"` (one task only).", "required": False,
             "schema": {"type": "string", "pattern": '^"[0-9]+"$'}},
    "Location": {"description": "The new task's path (one task only).", "required": False,
                 "schema": {"type": "string"}},
}

# The answers every operation that reads a JSON body can give.
_BODY_ERRORS = {
    "400": _response("BadRequest"),
    "413": _response("ContentTooLarge"),
    "415": _response("UnsupportedMediaType"),
    "422": _response("Invalid"),
}


def _links(parameter: str, *operation_ids: str) -> dict[str, Any]:
    """OpenAPI links from a 201 to the operations on the new record."""
    return {
        op[0].upper() + op[1:]: {"operationId": op, "parameters": {parameter: "$response.body#/id"}}
        for op in operation_ids
    }


def _path_id(name: str, kind: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {kind}'s id.",
        "schema": {"type": "string", "pattern": ID_PATTERN},
    }


_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": (
        "The version the client expects, as the ETag it got (`\"5\"`, `W/\"5\"` or `5`); `*` matches any. "
        "Must agree with a `version` in the body. A stale version gets 409 and nothing is written."
    ),
    "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
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
            "properties": {"cpu": cpu, "memory": memory},
            "additionalProperties": False,
        },
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
                    **_ref("ResourcesInput"),
                    "description": "Defaults to cpu 4000 (millicores), memory 8192 (MiB); "
                    "a missing one keeps its default.",
                },
                "labels": _ref("Labels"),
                "simulated": {"type": "boolean", "default": True},
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
            "description": "cpu in millicores, memory in MiB.",
            "required": ["cpu", "memory"],
            "properties": {"cpu": {"type": "integer", "minimum": 0}, "memory": {"type": "integer", "minimum": 0}},
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
            },
            "additionalProperties": False,
        },
        "Task": {
            "type": "object",
            "required": [
                "id", "name", "status", "node", "resources", "node_selector", "duration", "outcome",
                "attempts", "message", "created_at", "scheduled_at", "started_at", "finished_at", "version",
                "owner", "template_hash",
            ],
            "properties": {
                "id": {"type": "string", "pattern": ID_PATTERN},
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



_PAGE_PARAMS = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "At most this many; when more follow, a Link header with rel=next gives the next page.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100000},
    },
    {
        "name": "after",
        "in": "query",
        "required": False,
        "description": "Continue after this id (nodes: by id; tasks: in creation order; a deleted task gets 422).",
        "schema": {"type": "string", "pattern": ID_PATTERN},
    },
]
_LINK = {"Link": {"description": 'The next page: <PATH?...&after=ID>; rel="next".', "schema": {"type": "string"}}}

def _node_paths() -> dict[str, Any]:
    node_id = _path_id("node_id", "node")
    node_answer = _json(_ref("Node"), "The node.", _ETAG)
    return {
        "/nodes": {
            "get": {
                "operationId": "listNodes",
                "tags": ["nodes"],
                "summary": "List nodes, sorted by id.",
                "parameters": [{
                    "name": "healthy",
                    "in": "query",
                    "required": False,
                    "description": "Only healthy (true) or unhealthy (false) nodes.",
                    "schema": {"type": "boolean"},
                }, *_PAGE_PARAMS],
                "responses": {
                    "200": _json({"type": "array", "items": _ref("Node")}, "The nodes, sorted by id.", _LINK),
                    "400": _response("BadRequest"),
                    "422": _response("Invalid"),
                    "503": _response("Unavailable"),
                },
            },
            "post": {
                "operationId": "registerNode",
                "tags": ["nodes"],
                "summary": "Register a node.",
                "requestBody": _body("NodeCreate"),
                "responses": {
                    "201": {
                        **_json(_ref("Node"), "The node, registered and healthy.", _CREATED),
                        "links": _links("node_id", "getNode", "updateNode", "heartbeat", "deleteNode"),
                    },
                    **_BODY_ERRORS,
                    "409": _response("Conflict"),
                    "503": _response("Unavailable"),
                },
            },
        },
        "/nodes/{node_id}": {
            "parameters": [node_id],
            "get": {
                "operationId": "getNode",
                "tags": ["nodes"],
                "summary": "Read a node.",
                "responses": {"200": node_answer, "404": _response("NotFound"), "503": _response("Unavailable")},
            },
            "put": {
                "operationId": "updateNode",
                "tags": ["nodes"],
                "summary": "Change a node's health, schedulability or labels.",
                "parameters": [_IF_MATCH],
                "requestBody": _body("NodeUpdate"),
                "responses": {
                    "200": node_answer,
                    **_BODY_ERRORS,
                    "404": _response("NotFound"),
                    "409": _response("Conflict"),
                    "503": _response("Unavailable"),
                },
            },
            "delete": {
                "operationId": "deleteNode",
                "tags": ["nodes"],
                "summary": "Delete a node; its tasks go back to pending at once.",
                "parameters": [_IF_MATCH],
                "requestBody": _body("VersionOnly", required=False, description="Optional: the expected version."),
                "responses": {
                    "204": {"description": "Deleted."},
                    **_BODY_ERRORS,
                    "404": _response("NotFound"),
                    "409": _response("Conflict"),
                    "503": _response("Unavailable"),
                },
            },
        },
        "/nodes/{node_id}/heartbeat": {
            "parameters": [node_id],
            "post": {
                "operationId": "heartbeat",
                "tags": ["nodes"],
                "summary": "Report a node alive; an unhealthy node becomes healthy. No body.",
                "responses": {"200": node_answer, "404": _response("NotFound"), "503": _response("Unavailable")},
            },
        },
    }


def _task_paths() -> dict[str, Any]:
    task_id = _path_id("task_id", "task")
    task_answer = _json(_ref("Task"), "The task.", _ETAG)
    return {
        "/tasks": {
            "get": {
                "operationId": "listTasks",
                "tags": ["tasks"],
                "summary": "List tasks in creation order.",
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "required": False,
                        "description": "Only tasks with this status (another value gets 422).",
                        "schema": {"type": "string", "enum": STATUSES},
                    },
                    {
                        "name": "node",
                        "in": "query",
                        "required": False,
                        "description": "Only tasks bound to this node.",
                        "schema": {"type": "string"},
                    },
                    *_PAGE_PARAMS,
                ],
                "responses": {
                    "200": _json({"type": "array", "items": _ref("Task")}, "The tasks, oldest first.", _LINK),
                    "400": _response("BadRequest"),
                    "422": _response("Invalid"),
                    "503": _response("Unavailable"),
                },
            },
            "post": {
                "operationId": "submitTask",
                "tags": ["tasks"],
                "summary": "Submit a task, or a batch of up to 1000; they start pending.",
                "description": (
                    f"A JSON object is one task. A JSON array of 1 to {MAX_BATCH} of them is a batch: every item "
                    "is checked before any is created (an error names the item's index, as in `[3].resources.cpu`; "
                    "two items with one id are refused), and they are created in one transaction, all or none (a "
                    f"taken id: 409 naming it and its index). An empty array is 400, and so is one of more than "
                    f"{MAX_BATCH} items. The answer to a batch is the array of created tasks, in order, without "
                    "ETag or Location."
                ),
                "requestBody": {
                    "required": True,
                    "description": "One task (a JSON object) or a batch (a JSON array of them).",
                    "content": {"application/json": {"schema": {"oneOf": [
                        _ref("TaskCreate"),
                        {"type": "array", "items": _ref("TaskCreate"), "minItems": 1, "maxItems": MAX_BATCH},
                    ]}}},
                },
                "responses": {
                    "201": {
                        **_json(
                            {"oneOf": [
                                _ref("Task"),
                                {"type": "array", "items": _ref("Task"), "minItems": 1, "maxItems": MAX_BATCH},
                            ]},
                            "The task, pending; for a batch, the array of its tasks in order.",
                            _CREATED_ONE_OR_MANY,
                        ),
                        "links": _links("task_id", "getTask", "updateTask", "deleteTask"),
                    },
                    **_BODY_ERRORS,
                    "409": _response("Conflict"),
                    "503": _response("Unavailable"),
                },
            },
        },
        "/tasks/{task_id}": {
            "parameters": [task_id],
            "get": {
                "operationId": "getTask",
                "tags": ["tasks"],
                "summary": "Read a task.",
                "responses": {"200": task_answer, "404": _response("NotFound"), "503": _response("Unavailable")},
            },
            "put": {
                "operationId": "updateTask",
                "tags": ["tasks"],
                "summary": "Report a task's progress (for tasks on non-simulated nodes).",
                "parameters": [_IF_MATCH],
                "requestBody": _body("TaskStatusUpdate"),
                "responses": {
                    "200": task_answer,
                    **_BODY_ERRORS,
                    "404": _response("NotFound"),
                    "409": _response("Conflict"),
                    "503": _response("Unavailable"),
                },
            },
            "delete": {
                "operationId": "deleteTask",
                "tags": ["tasks"],
                "summary": "Delete a task; its resources are freed.",
                "parameters": [_IF_MATCH],
                "requestBody": _body("VersionOnly", required=False, description="Optional: the expected version."),
                "responses": {
                    "204": {"description": "Deleted."},
                    **_BODY_ERRORS,
                    "404": _response("NotFound"),
                    "409": _response("Conflict"),
                    "503": _response("Unavailable"),
                },
            },
        },
    }


def _event_paths() -> dict[str, Any]:
    return {
        "/events": {
            "get": {
                "operationId": "listEvents",
                "tags": ["events"],
                "summary": "List the event log, or watch it as Server-Sent Events with `watch=true`.",
                "parameters": [
                    {
                        "name": "since",
                        "in": "query",
                        "required": False,
                        "description": "Only events after this seq. Older than the oldest kept: 410.",
                        "schema": {"type": "integer", "minimum": 0},
                    },
                    {
                        "name": "object",
                        "in": "query",
                        "required": False,
                        "description": "Only events of the object with this id.",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "kind",
                        "in": "query",
                        "required": False,
                        "description": "Only events of this kind of object.",
                        "schema": {"type": "string", "enum": list(KINDS)},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "description": "At most this many events (a list only).",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100_000},
                    },
                    {
                        "name": "watch",
                        "in": "query",
                        "required": False,
                        "description": "true: answer `text/event-stream` and send each event as it happens, "
                        "until the client leaves (a `: keep-alive` comment every 5 s when idle).",
                        "schema": {"type": "boolean", "default": False},
                    },
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "required": False,
                        "description": "Resume after this seq (wins over `since`), as an EventSource does.",
                        "schema": {"type": "string", "pattern": f"^[0-9]{{1,{MAX_SEQ_DIGITS}}}$"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "A list: the events after `since`, oldest first. A watch: a stream of "
                        "`id: SEQ` / `data: EVENT` frames.",
                        "headers": {
                            "X-Last-Seq": {
                                "description": "The seq of the newest event when the request was answered: where "
                                "a watch after this list starts.",
                                "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9]+$"},
                            },
                        },
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": _ref("Event")}},
                            "text/event-stream": {"schema": {"type": "string"}},
                        },
                    },
                    "400": _response("BadRequest"),
                    "410": _response("Gone"),
                    "503": _json(_ref("Error"), "The control plane did not answer in time, or too many watches "
                                 "are open; retry after `Retry-After` seconds.",
                                 {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}),
                },
            },
        },
    }


def _deployment_paths() -> dict[str, Any]:
    """``/deployments`` (issue 6): served only by builds that have the feature;
    :func:`document` drops these paths from the served document otherwise."""
    deployment_id = _path_id("deployment_id", "deployment")
    answer = _json(_ref("Deployment"), "The deployment.", _ETAG)
    return {
        "/deployments": {
            "get": {
                "operationId": "listDeployments",
                "tags": ["deployments"],
                "summary": "List deployments.",
                "responses": {
                    "200": _json({"type": "array", "items": _ref("Deployment")}, "The deployments."),
                    "503": _response("Unavailable"),
                },
            },
            "post": {
                "operationId": "createDeployment",
                "tags": ["deployments"],
                "summary": "Create a deployment: the controller keeps `replicas` tasks made from `template`.",
                "requestBody": _body("DeploymentCreate"),
                "responses": {
                    "201": _json(_ref("Deployment"), "The deployment.", _CREATED),
                    **_BODY_ERRORS,
                    "409": _response("Conflict"),
                    "503": _response("Unavailable"),
                },
            },
        },
        "/deployments/{deployment_id}": {
            "parameters": [deployment_id],
            "get": {
                "operationId": "getDeployment",
                "tags": ["deployments"],
                "summary": "Read a deployment, with `ready` (running replicas) and `available`.",
                "responses": {"200": answer, "404": _response("NotFound"), "503": _response("Unavailable")},
            },
            "put": {
                "operationId": "updateDeployment",
                "tags": ["deployments"],
                "summary": "Change replicas and/or the template (a rolling update).",
                "parameters": [_IF_MATCH],
                "requestBody": _body("DeploymentUpdate"),
                "responses": {
                    "200": answer,
                    **_BODY_ERRORS,
                    "404": _response("NotFound"),
                    "409": _response("Conflict"),
                    "503": _response("Unavailable"),
                },
            },
            "delete": {
                "operationId": "deleteDeployment",
                "tags": ["deployments"],
                "summary": "Delete a deployment and its tasks.",
                "parameters": [_IF_MATCH],
                "requestBody": _body("VersionOnly", required=False, description="Optional: the expected version."),
                "responses": {
                    "204": {"description": "Deleted."},
                    **_BODY_ERRORS,
                    "404": _response("NotFound"),
                    "409": _response("Conflict"),
                    "503": _response("Unavailable"),
                },
            },
        },
    }


def _deployment_schemas() -> dict[str, Any]:
    template = {
        "type": "object",
        "description": "What every task of the deployment looks like.",
        "properties": {
            "resources": _ref("ResourcesInput"),
            "node_selector": _ref("Labels"),
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
            "required": ["id", "replicas", "template", "ready", "available", "version"],
            "properties": {
                "id": {"type": "string", "pattern": ID_PATTERN},
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


def _all_paths() -> dict[str, Any]:
    return {
        "/health": {
            "get": {
                "operationId": "health",
                "tags": ["meta"],
                "summary": "Whether the server answers.",
                "responses": {"200": _json(_ref("Health"), "The server answers.")},
            },
        },
        **_node_paths(),
        **_task_paths(),
        **_event_paths(),
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "tags": ["meta"],
                "summary": "Prometheus metrics.",
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition format.",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                },
            },
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "tags": ["meta"],
                "summary": "This document.",
                "responses": {
                    "200": _json({"type": "object"}, "The OpenAPI document of the routes this server serves."),
                },
            },
        },
        # ---- Deployments (issue 6): kept only where the app routes them. ----
        **_deployment_paths(),
    }


_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def document(routes: Mapping[str, Iterable[str]] | None = None) -> dict[str, Any]:
    """The OpenAPI document. With ``routes`` (URI template -> HTTP methods the
    app serves, as :func:`served_routes` gives), only those paths and methods
    are kept, so the document describes exactly what this build serves."""
    paths = _all_paths()
    if routes is not None:
        served = {path: {m.lower() for m in methods} for path, methods in routes.items()}
        kept = {}
        for path, item in paths.items():
            if path not in served:
                continue
            item = {key: value for key, value in item.items() if key not in _METHODS or key in served[path]}
            if any(key in _METHODS for key in item):
                kept[path] = item
        paths = kept
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "orchestrator",
            "version": API_VERSION,
            "description": (
                "A small Kubernetes-like control plane. JSON in and out, snake_case keys, times in RFC 3339 UTC, "
                "cpu in millicores and memory in MiB. Every error is JSON `{title, description}` (422 adds "
                "`field`). A path the server does not route gets 404 and a method it does not take there 405 "
                "with `Allow`, both as `Error`."
            ),
        },
        "tags": [{"name": name} for name in ("nodes", "tasks", "deployments", "events", "meta")],
        "paths": paths,
        "components": {
            "schemas": {**_schemas(), **_deployment_schemas()},
            "responses": _responses(),
            "headers": {
                "ETag": {"description": "The record's version, quoted: `\"5\"`.", "required": True,
                         "schema": {"type": "string", "pattern": '^"[0-9]+"$'}},
                "Location": {"description": "The new record's path.", "required": True, "schema": {"type": "string"}},
                "Retry-After": {"description": "Seconds to wait before retrying.", "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9]+$"}},
            },
        },
    }


def served_routes(app: falcon.App) -> dict[str, set[str]]:
    """URI template -> the HTTP methods ``app`` has responders for (not
    Falcon's own OPTIONS and 405 responders)."""
    return {
        route.path: {method.method for method in route.methods if not method.internal}
        for route in inspect_app(app).routes
    }


class OpenAPIDocument:
    """``GET /openapi.json``: :func:`document` for the routes ``app`` serves,
    built on the first request (after every route is added) and kept."""

    def __init__(self, app: falcon.App) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._data: bytes | None = None

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        with self._lock:
            if self._data is None:
                self._data = json.dumps(document(served_routes(self._app)), separators=(",", ":")).encode()
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._data
