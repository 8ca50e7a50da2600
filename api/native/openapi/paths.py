"""The paths of the OpenAPI document: every route's operations, their
parameters and answers, with links between them.

Bodies and shared answers are the components of :mod:`api.native.openapi.schemas`,
referred to by name (``_ref("Node")``, ``_response("NotFound")``).
"""

from __future__ import annotations

from typing import Any

from api.native.events import KINDS, MAX_SEQ_DIGITS
from api.native.openapi.schemas import (
    ID_PATTERN,
    IF_MATCH_PATTERN,
    STATUSES,
    _json,
    _ref,
    _response,
)
from api.native.validation import MAX_BATCH


def _body(schema_name: str, required: bool = True, description: str = "", example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": _ref(schema_name)}
    if example is not None:
        media["example"] = example
    return {
        "required": required,
        "description": description or "A JSON object (a body without a Content-Type is read as JSON too).",
        "content": {"application/json": media},
    }


# Examples of the create bodies: documentation, and the first request
# schemathesis sends (its explicit phase), so a property test of a create
# always sees a 201 besides what it generates.
_NODE_EXAMPLE = {"id": "node-1", "capacity": {"cpu": 4000, "memory": 8192}, "labels": {"zone": "a"}}
_TASK_EXAMPLE = {"id": "web-1", "resources": {"cpu": 500, "memory": 256}, "duration": 30}
_DEPLOYMENT_EXAMPLE = {"id": "web", "replicas": 2, "template": {"resources": {"cpu": 250, "memory": 128}}}


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
_NAMESPACE = {
    "name": "namespace",
    "in": "query",
    "required": False,
    "description": "The namespace (Kubernetes') the tasks or deployments are in: `default` when not given. "
    "Tasks and deployments are created in `default` here; the Kubernetes API creates them in others.",
    "schema": {"type": "string", "pattern": ID_PATTERN},
}
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
                "requestBody": _body("NodeCreate", example=_NODE_EXAMPLE),
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
                    _NAMESPACE,
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
                    ]}, "example": _TASK_EXAMPLE}},
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
            "parameters": [task_id, _NAMESPACE],
            "get": {
                "operationId": "getTask",
                "tags": ["tasks"],
                "summary": "Read a task.",
                "responses": {"200": task_answer, "404": _response("NotFound"), "422": _response("Invalid"), "503": _response("Unavailable")},
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
                    "422": _response("Invalid"),
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
                        "name": "namespace",
                        "in": "query",
                        "required": False,
                        "description": "With `object`: the namespace of the task or deployment it names "
                        "(`default` when not given).",
                        "schema": {"type": "string", "pattern": ID_PATTERN},
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
                    "422": _response("Invalid"),
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
                "parameters": [_NAMESPACE],
                "responses": {
                    "200": _json({"type": "array", "items": _ref("Deployment")}, "The deployments."),
                    "422": _response("Invalid"),
                    "503": _response("Unavailable"),
                },
            },
            "post": {
                "operationId": "createDeployment",
                "tags": ["deployments"],
                "summary": "Create a deployment: the controller keeps `replicas` tasks made from `template`.",
                "requestBody": _body("DeploymentCreate", example=_DEPLOYMENT_EXAMPLE),
                "responses": {
                    "201": _json(_ref("Deployment"), "The deployment.", _CREATED),
                    **_BODY_ERRORS,
                    "409": _response("Conflict"),
                    "503": _response("Unavailable"),
                },
            },
        },
        "/deployments/{deployment_id}": {
            "parameters": [deployment_id, _NAMESPACE],
            "get": {
                "operationId": "getDeployment",
                "tags": ["deployments"],
                "summary": "Read a deployment, with `ready` (running replicas) and `available`.",
                "responses": {"200": answer, "404": _response("NotFound"), "422": _response("Invalid"), "503": _response("Unavailable")},
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
                    "422": _response("Invalid"),
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



_VERDICT = {
    "type": "object",
    "required": ["node"],
    "properties": {
        "node": {"type": "string"},
        "reasons": {"type": "array", "items": {"type": "string"},
                    "description": "Why a filter rejected the node (rejected nodes only)."},
        "total": {"type": ["integer", "null"], "description": "The weighted sum of the scores (feasible nodes)."},
        "scores": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 100},
                   "description": "Each score plug-in's part, 0-100 before its weight."},
    },
}
_EXPLANATION = {
    "type": "object",
    "required": ["task", "namespace", "status", "policy", "node", "bound_to", "recorded", "nodes", "rejected",
                 "weights", "candidates", "rejections", "offset"],
    "properties": {
        "task": {"type": "string"}, "namespace": {"type": "string"}, "status": {"type": "string", "enum": STATUSES},
        "policy": {"type": "string"},
        "node": {"type": ["string", "null"], "description": "The node chosen (recorded) or that would be now."},
        "bound_to": {"type": ["string", "null"], "description": "The node the task is bound to now."},
        "recorded": {"type": "boolean",
                     "description": "true: recorded when the task was placed; false: computed now."},
        "nodes": {"type": "object", "properties": {k: {"type": "integer"} for k in ("total", "feasible", "rejected")}},
        "rejected": {"type": "object", "additionalProperties": {"type": "integer"},
                     "description": "How many nodes each reason rejected (kube-scheduler's wording)."},
        "weights": {"type": "object", "additionalProperties": {"type": "integer"}},
        "offset": {"type": "integer", "minimum": 0},
        "candidates": {"type": "array", "items": _VERDICT, "description": "Feasible nodes, best first."},
        "rejections": {"type": "array", "items": _VERDICT, "description": "Rejected nodes, by id."},
        "message": {"type": "string"},
        "scheduled_at": {"type": ["string", "null"]},
    },
}
_SESSION = {
    "type": "object",
    "required": ["auth", "role", "csrf"],
    "properties": {
        "auth": {"type": "boolean", "description": "Whether the server asks for tokens."},
        "role": {"type": ["string", "null"], "enum": ["admin", "viewer", None]},
        "csrf": {"type": "string", "description": "Send it in X-CSRF-Token with every write of the session."},
    },
}


def _explanation_paths() -> dict[str, Any]:
    return {
        "/tasks/{task_id}/placement": {
            "parameters": [_path_id("task_id", "task"), _NAMESPACE],
            "get": {
                "operationId": "explainTask",
                "tags": ["tasks"],
                "summary": "Why a task is on its node, or why it waits: every node's verdict.",
                "description": "Recorded when the task was placed in a small batch, else (or with offset or node) "
                "computed now against the current nodes. Paged: limit feasible nodes best first and rejected "
                "nodes by id, from offset; node keeps the nodes whose id contains it.",
                "parameters": [
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 20}},
                    {"name": "offset", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 0, "default": 0}},
                    {"name": "node", "in": "query", "required": False, "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": _json(_EXPLANATION, "The explanation."),
                    "400": _response("BadRequest"),
                    "404": _response("NotFound"),
                    "422": _response("Invalid"),
                    "503": _response("Unavailable"),
                },
            },
        },
        "/ui/session": {
            "get": {
                "operationId": "getSession", "tags": ["dashboard"],
                "summary": "Who the browser is: whether tokens are asked for, its role and CSRF token.",
                "responses": {"200": _json(_SESSION, "The session.")},
            },
            "post": {
                "operationId": "login", "tags": ["dashboard"],
                "summary": "Trade a token for a session cookie (HttpOnly, SameSite=Strict).",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["token"], "additionalProperties": False,
                    "properties": {"token": {"type": "string", "minLength": 1}}}}}},
                "responses": {
                    "200": _json(_SESSION, "Logged in (or no tokens are asked for)."),
                    **_BODY_ERRORS,
                    "401": _json(_ref("Error"), "The token is not known."),
                },
            },
            "delete": {
                "operationId": "logout", "tags": ["dashboard"],
                "summary": "End the session.",
                "responses": {"204": {"description": "Logged out."}},
            },
        },
    }


def all_paths() -> dict[str, Any]:
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
        **_explanation_paths(),
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
